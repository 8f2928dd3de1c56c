"""How to run many worlds: the seed plan, executors, ``simulate``, ``compare`` and ``sweep``."""

from .comparison import Comparison
from .executors import EXECUTORS, Executor, InProcessExecutor, ProcessExecutor, get_executor
from .seeding import BLOCK_SIZE, SeedPlan, block_seed
from .simulate import compare, simulate
from .sweep import SweepResults, sweep

__all__ = [
    "BLOCK_SIZE",
    "EXECUTORS",
    "Comparison",
    "Executor",
    "InProcessExecutor",
    "ProcessExecutor",
    "SeedPlan",
    "SweepResults",
    "block_seed",
    "compare",
    "get_executor",
    "simulate",
    "sweep",
]
