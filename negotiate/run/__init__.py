"""How to run many worlds: the seed plan, executors, ``simulate``, ``compare`` and ``sweep``.

The names load on first use (PEP 562), so that importing a leaf module of this
package (the seed plan, the output files) does not import the runners, which
import :mod:`negotiate.results`: the results depend on those leaves, the
runners on the results, and nothing the other way round.
"""

_LAZY = {
    "Comparison": ".comparison", "ManyComparison": ".comparison", "ScenarioMismatchWarning": ".comparison",
    "EXECUTORS": ".executors", "Executor": ".executors", "InProcessExecutor": ".executors",
    "ProcessExecutor": ".executors", "get_executor": ".executors",
    "BLOCK_SIZE": ".seeding", "SeedPlan": ".seeding", "block_seed": ".seeding",
    "compare": ".simulate", "compare_many": ".simulate", "simulate": ".simulate",
    "SweepResults": ".sweep", "sweep": ".sweep",
}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'negotiate.run' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


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
