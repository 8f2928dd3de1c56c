"""How to run many worlds: the seed plan, executors, ``simulate``, ``compare`` and ``sweep``."""

from .comparison import Comparison, ManyComparison, ScenarioMismatchWarning
from .executors import EXECUTORS, Executor, InProcessExecutor, ProcessExecutor, get_executor
from .seeding import BLOCK_SIZE, SeedPlan, block_seed
from .simulate import compare, compare_many, simulate
from .sweep import SweepResults, sweep

__all__ = [
    "BLOCK_SIZE",
    "EXECUTORS",
    "Comparison",
    "Executor",
    "InProcessExecutor",
    "ManyComparison",
    "ProcessExecutor",
    "ScenarioMismatchWarning",
    "SeedPlan",
    "SweepResults",
    "block_seed",
    "compare",
    "compare_many",
    "get_executor",
    "simulate",
    "sweep",
]
