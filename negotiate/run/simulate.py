"""Run many worlds of a scenario: ``simulate``, ``compare`` and ``compare_many``.

These check their arguments, then hand the seed plan and the scenarios to
:func:`negotiate.run.blocks.run_plan`, which simulates them block by block
through the one batch loop (:mod:`negotiate.run.batch`: executors, progress,
interruption, memory checks).  The result does not depend on the executor,
the number of workers or the chunk size.  With a ``cache_dir`` every finished
block is also stored on disk (:mod:`negotiate.run.cache`), so that an
interrupted run can resume where it stopped and still give identical numbers.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping

import numpy as np

from ..results import scenario_digest
from ..scenario import Scenario, load_scenario
from .arguments import flag, plan_and_workers, whole_number
from .batch import check_executor
from .blocks import run_plan
from .cache import ChunkCache
from .comparison import Comparison, ManyComparison, check_comparable
from .executors import Executor
from .seeding import SeedPlan

__all__ = ["DegenerateResultWarning", "compare", "compare_many", "simulate"]


def simulate(scenario, runs: int | None = None, *, seed: int | None = None,
             workers: int | None = None, chunk_size: int | None = None,
             executor: str | Executor | None = None, progress: bool | None = None,
             keep_runs: bool = True, address: str | None = None,
             cache_dir: str | os.PathLike | None = None, keep_cache: bool = False,
             block_size: int | None = None):
    """Run ``runs`` Monte Carlo worlds of ``scenario`` and return :class:`~negotiate.results.Results`.

    ``scenario`` is a :class:`~negotiate.Scenario` or a path to a YAML file.
    ``runs`` and ``seed`` default to the scenario's ``monte_carlo`` settings.
    ``workers`` > 1 runs chunks in worker processes (``executor="processes"``,
    the default then); ``chunk_size`` (runs per task) is rounded up to whole
    blocks of ``block_size`` worlds (default ``BLOCK_SIZE``, 4,096).  None of
    them changes a run's result: run ``i`` of the same scenario and seed is
    the same whatever the workers, chunks or blocks (docs/model.md, "Random
    numbers"), and :meth:`Results.replay` plays it again alone; the block
    size only trades memory for speed (summaries merged over other blocks
    may differ in the last digits of their float sums).  ``progress`` shows a bar
    counting runs (``None``, the default: in a notebook or when stderr is a
    terminal).  With ``keep_runs=False`` only summaries are kept, so memory
    does not grow with ``runs``; ``to_frame()`` is then unavailable.
    ``address`` (such as ``"tcp://host:8786"``) runs the chunks on that Dask
    scheduler's workers (``executor="dask"``, needs ``distributed``);
    ``workers`` then only sets how many chunks the runs are cut into.
    ``executor`` (or ``address``) may also be a ``distributed.Client`` or any
    ``concurrent.futures.Executor`` you made; it is used, and left open.

    ``cache_dir`` (a new or empty directory, or the cache of an earlier
    call) stores every finished block; calling again with the same
    scenario, runs, seed and ``keep_runs`` after an interruption simulates
    only the missing blocks and gives identical results.  A cache made for
    other arguments raises :class:`~negotiate.SimulationError` and is left
    alone.  The cache is deleted once the run completes, unless
    ``keep_cache=True``.  With ``keep_runs=True`` a run whose per-run table
    would not fit in the available memory is refused with a
    :class:`~negotiate.SimulationError` (use ``keep_runs=False``).
    """
    keep_runs, keep_cache = flag("keep_runs", keep_runs), flag("keep_cache", keep_cache)
    progress = flag("progress", progress, optional=True)
    scenario = load_scenario(scenario)
    plan, workers = plan_and_workers(scenario, runs, seed, workers, block_size)
    check_executor(executor, address)  # before the cache directory is made
    chunk_size = None if chunk_size is None else whole_number("chunk_size", chunk_size, 1)
    cache = None if cache_dir is None else ChunkCache(cache_dir, _cache_key(plan, (scenario,), keep_runs))
    try:  # the cache is locked while open: closed however the run ends
        out = run_plan(plan, (scenario,), workers=workers, chunk_size=chunk_size, executor=executor,
                       address=address, progress=progress, keep_runs=keep_runs, cache=cache)
        if cache is not None and not keep_cache:
            cache.remove()
    finally:
        if cache is not None:
            cache.close()
    results = out.results[0]
    _warn_if_degenerate(results)
    return results


class DegenerateResultWarning(UserWarning):
    """One outcome takes nearly every run (see :meth:`Results.diagnose`)."""


def _warn_if_degenerate(results) -> None:
    note = results.degenerate()
    if note is not None:
        warnings.warn(note, DegenerateResultWarning, stacklevel=3)


def compare(scenario_a, scenario_b, runs: int | None = None, *, seed: int | None = None,
            workers: int | None = None, chunk_size: int | None = None,
            executor: str | Executor | None = None, progress: bool | None = None,
            keep_runs: bool = True, address: str | None = None) -> Comparison:
    """Run two scenarios on the same seed plan and compare their outcomes.

    Run ``i`` of both scenarios uses the same random stream (common random
    numbers), so the difference between them is measured on pairs and is
    much more precise than two independent runs.  ``runs`` and ``seed``
    default to ``scenario_a``'s ``monte_carlo`` settings.  See
    :meth:`Comparison.differences` for the paired intervals.  The other
    arguments are those of :func:`simulate`.
    """
    keep_runs, progress = flag("keep_runs", keep_runs), flag("progress", progress, optional=True)
    a, b = load_scenario(scenario_a), load_scenario(scenario_b)
    check_comparable(a, b)
    plan, workers = plan_and_workers(a, runs, seed, workers)
    out = run_plan(plan, (a, b), workers=workers, chunk_size=chunk_size, executor=executor,
                   address=address, progress=progress, keep_runs=keep_runs,
                   desc=f"{a.name} vs {b.name}")
    return Comparison(out.results[0], out.results[1], out.joint[0])


def compare_many(base, variants, runs: int | None = None, *, seed: int | None = None,
                 workers: int | None = None, chunk_size: int | None = None,
                 executor: str | Executor | None = None, progress: bool | None = None,
                 keep_runs: bool = False, address: str | None = None) -> ManyComparison:
    """Run ``base`` and every variant on one seed plan and compare each variant with ``base``.

    ``variants`` is a mapping ``{label: scenario}`` or a list of scenarios
    (labelled by their names, which must then differ); a scenario is a
    :class:`~negotiate.Scenario`, a path or a mapping.  Run ``i`` of every
    scenario uses the same random stream (common random numbers), each block
    is simulated once per scenario, and the base is simulated once for all
    the variants.  ``runs`` and ``seed`` default to the base's
    ``monte_carlo`` settings; only summaries are kept unless
    ``keep_runs=True``.  The other arguments are those of :func:`simulate`.
    See :class:`~negotiate.run.ManyComparison` for the table and the plot.
    """
    keep_runs, progress = flag("keep_runs", keep_runs), flag("progress", progress, optional=True)
    base = load_scenario(base)
    labelled = _labelled_variants(variants)
    for scenario in labelled.values():
        check_comparable(base, scenario)
    plan, workers = plan_and_workers(base, runs, seed, workers)
    scenarios = (base, *labelled.values())
    out = run_plan(plan, scenarios, workers=workers, chunk_size=chunk_size, executor=executor,
                   address=address, progress=progress, keep_runs=keep_runs,
                   desc=f"{base.name} + {len(labelled)} variants")
    return ManyComparison(out.results[0], dict(zip(labelled, out.results[1:])),
                          dict(zip(labelled, out.joint)))


def _labelled_variants(variants) -> dict[str, Scenario]:
    if isinstance(variants, (str, os.PathLike, Scenario)) or not isinstance(variants, Iterable):
        raise TypeError("variants must be a mapping {label: scenario} or a list of scenarios, "
                        f"got {type(variants).__name__}")
    if isinstance(variants, Mapping):
        labelled = {str(label): load_scenario(s) for label, s in variants.items()}
    else:
        loaded = [load_scenario(s) for s in variants]
        labelled = {s.name: s for s in loaded}
        if len(labelled) < len(loaded):
            names = [s.name for s in loaded]
            twice = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"variants named alike ({', '.join(twice)}): give a mapping "
                             "{label: scenario} or distinct scenario names")
    if not labelled:
        raise ValueError("compare_many needs at least one variant")
    return labelled


def check_cache(cache_dir, scenario, runs: int | None = None, *, seed: int | None = None,
                keep_runs: bool = True) -> None:
    """Raise :class:`~negotiate.run.cache.CacheMismatchError` if the chunk cache in
    ``cache_dir`` belongs to another run than ``simulate`` with these arguments (nothing
    is simulated; a directory without a cache is left as it is)."""
    if not os.path.isdir(cache_dir):
        return
    plan, _ = plan_and_workers(scenario, runs, seed, None)
    ChunkCache(cache_dir, _cache_key(plan, (scenario,), keep_runs)).close()


def _cache_key(plan: SeedPlan, scenarios: tuple[Scenario, ...], keep_runs: bool) -> dict:
    """What a cached block depends on; a cache with another key is never reused."""
    from .. import __version__

    return {"scenarios_sha256": [scenario_digest(s) for s in scenarios],
            "seed": plan.seed, "runs": plan.runs, "block_size": plan.block_size,
            "keep_runs": bool(keep_runs), "negotiate": __version__, "numpy": np.__version__}
