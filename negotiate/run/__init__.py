"""How to run many worlds: the seed plan, executors, ``simulate``, ``compare`` and ``sweep``."""

from .comparison import (
    Comparison,
    IdenticalScenariosWarning,
    ManyComparison,
    ScenarioMismatchWarning,
)
from .executors import EXECUTORS, Executor, InProcessExecutor, ProcessExecutor, get_executor
from .replay import Replay, replay
from .seeding import BLOCK_SIZE, SeedPlan, block_seed, run_seed
from .simulate import compare, compare_many, simulate
from .sweep import SweepResults, sweep

__all__ = [
    "BLOCK_SIZE",
    "EXECUTORS",
    "Comparison",
    "Executor",
    "IdenticalScenariosWarning",
    "InProcessExecutor",
    "ManyComparison",
    "ProcessExecutor",
    "Replay",
    "ScenarioMismatchWarning",
    "SeedPlan",
    "SweepResults",
    "block_seed",
    "compare",
    "compare_many",
    "get_executor",
    "replay",
    "run_seed",
    "simulate",
    "sweep",
]
