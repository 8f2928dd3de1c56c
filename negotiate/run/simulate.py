"""Run many worlds of a scenario: ``simulate`` and ``compare``.

The seed plan cuts the runs into blocks (:mod:`negotiate.run.seeding`); chunks
of whole blocks go to an executor; each block is simulated by the engine
(``negotiate.model.run_block``) and summarised in the worker; the summaries
are merged in block order and the runs (if kept) copied into arrays
allocated once.  The result does not depend on the executor, the number of
workers or the chunk size.  With a ``cache_dir`` every finished block is also
stored on disk (:mod:`negotiate.run.cache`), so that an interrupted run can
resume where it stopped and still give identical numbers.  Before the kept
runs are allocated their size is checked against the available memory
(:func:`_check_memory`), so a run too large to keep is refused with advice
instead of being killed by the operating system.
"""

from __future__ import annotations

import math
import numbers
import os
import sys
import time
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

import numpy as np
from tqdm import tqdm

from .. import model as _model
from .. import results as _results  # negotiate.results imports nothing from run/
from ..errors import SimulationError
from ..model.outcomes import OUTCOMES, BlockResult
from ..results.aggregate import Aggregates
from ..scenario import Scenario, load_scenario
from . import resources
from .cache import ChunkCache, encode_block
from .comparison import Comparison, ManyComparison, check_comparable
from .executors import Executor, InProcessExecutor, ProcessExecutor, get_executor
from .resources import size_text
from .seeding import BLOCK_SIZE, MAX_RUNS, Block, SeedPlan, block_seed, round_chunk_size

__all__ = ["compare", "compare_many", "simulate"]

CHUNKS_PER_WORKER = 4  # more chunks than workers, so one slow chunk does not idle the rest
MAX_DEFAULT_CHUNK_BLOCKS = 8  # 32,768 runs: bounds the memory of the chunks in flight
#: Kept runs may use at most this share of the available memory (see :mod:`.resources`).
MEMORY_SHARE = resources.MEMORY_SHARE


def simulate(scenario, runs: int | None = None, *, seed: int | None = None,
             workers: int | None = None, chunk_size: int | None = None,
             executor: str | Executor | None = None, progress: bool | None = None,
             keep_runs: bool = True, address: str | None = None,
             cache_dir: str | os.PathLike | None = None, keep_cache: bool = False):
    """Run ``runs`` Monte Carlo worlds of ``scenario`` and return :class:`~negotiate.results.Results`.

    ``scenario`` is a :class:`~negotiate.Scenario` or a path to a YAML file.
    ``runs`` and ``seed`` default to the scenario's ``monte_carlo`` settings.
    ``workers`` > 1 runs chunks in worker processes (``executor="processes"``,
    the default then); ``chunk_size`` (runs per task) is rounded up to whole
    blocks of ``BLOCK_SIZE``.  Neither changes the result: the same scenario,
    runs and seed always give identical results.  ``progress`` shows a bar
    over blocks (default: only when stderr is a terminal).  With
    ``keep_runs=False`` only summaries are kept, so memory does not grow with
    ``runs``; ``to_frame()`` is then unavailable.  ``address`` (such as
    ``"tcp://host:8786"``) runs the chunks on that Dask scheduler's workers
    (``executor="dask"``, needs ``distributed``); ``workers`` then only sets
    how many chunks the runs are cut into.

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
    keep_runs, keep_cache = _flag("keep_runs", keep_runs), _flag("keep_cache", keep_cache)
    progress = _flag("progress", progress, optional=True)
    scenario = load_scenario(scenario)
    plan, workers = _check_args(scenario, runs, seed, workers)
    cache = None if cache_dir is None else ChunkCache(cache_dir, _cache_key(plan, (scenario,), keep_runs))
    try:  # the cache is locked while open: closed however the run ends
        out = _run(plan, (scenario,), workers, chunk_size, executor, progress, keep_runs, address, cache)
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
    keep_runs, progress = _flag("keep_runs", keep_runs), _flag("progress", progress, optional=True)
    a, b = load_scenario(scenario_a), load_scenario(scenario_b)
    check_comparable(a, b)
    plan, workers = _check_args(a, runs, seed, workers)
    out = _run(plan, (a, b), workers, chunk_size, executor, progress, keep_runs, address)
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
    base = load_scenario(base)
    labelled = _labelled_variants(variants)
    for scenario in labelled.values():
        check_comparable(base, scenario)
    plan, workers = _check_args(base, runs, seed, workers)
    scenarios = (base, *labelled.values())
    out = _run(plan, scenarios, workers, chunk_size, executor, progress, keep_runs, address)
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


# --- arguments ------------------------------------------------------------------

def _whole_number(name: str, value, minimum: int, maximum: int | None = None) -> int:
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if isinstance(value, float) and value.is_integer():  # 1e6 written in a notebook
        value, ok = int(value), True
    if not ok or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum:,}, got {value:,}")
    return int(value)


def _flag(name: str, value, *, optional: bool = False) -> bool | None:
    """A boolean option: ``True`` or ``False`` (or ``None`` if ``optional``), never a
    string such as ``"no"``, which Python would count as true."""
    if value is None and optional:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    allowed = "True, False or None" if optional else "True or False"
    raise TypeError(f"{name} must be {allowed}, got {value!r}")


def _check_args(scenario: Scenario, runs, seed, workers) -> tuple[SeedPlan, int]:
    runs = scenario.monte_carlo.runs if runs is None else _whole_number("runs", runs, 1, MAX_RUNS)
    seed = scenario.monte_carlo.seed if seed is None else _whole_number("seed", seed, 0)
    workers = 1 if workers is None else _whole_number("workers", workers, 1)
    return SeedPlan(seed, runs), workers


def _cache_key(plan: SeedPlan, scenarios: tuple[Scenario, ...], keep_runs: bool) -> dict:
    """What a cached block depends on; a cache with another key is never reused."""
    from .. import __version__

    return {"scenarios_sha256": [_results.scenario_digest(s) for s in scenarios],
            "seed": plan.seed, "runs": plan.runs, "block_size": BLOCK_SIZE,
            "keep_runs": bool(keep_runs), "negotiate": __version__, "numpy": np.__version__}


# --- running -----------------------------------------------------------------------

@dataclass
class _Task:
    scenarios: tuple[Scenario, ...]
    seed: int
    blocks: list[Block]
    keep_runs: bool


@dataclass
class _BlockOutput:
    block: Block
    summaries: list[Aggregates]
    runs: list[BlockResult | None]
    joint: np.ndarray | None  # (k - 1, 4, 4) outcome pairs of the first scenario with each other


def _run_chunk(task: _Task) -> list[_BlockOutput]:
    """Simulate and summarise a chunk of blocks (runs in a worker)."""
    outputs = []
    for block in task.blocks:
        runs = [_simulate_block(s, task.seed, block) for s in task.scenarios]
        summaries = [Aggregates.from_block(r, s.rounds.horizon)
                     for r, s in zip(runs, task.scenarios)]
        joint = np.stack([_outcome_pairs(runs[0], r) for r in runs[1:]]) if len(runs) > 1 else None
        kept = runs if task.keep_runs else [None] * len(runs)
        outputs.append(_BlockOutput(block, summaries, kept, joint))
    return outputs


def _simulate_block(scenario: Scenario, seed: int, block: Block) -> BlockResult:
    result = _model.run_block(scenario, block.size, block_seed(seed, block.index))
    if not isinstance(result, BlockResult):
        raise SimulationError(f"engine returned {type(result).__name__}, not a BlockResult")
    if result.n != block.size:
        raise SimulationError(f"engine returned {result.n} worlds for block {block.index} "
                              f"of {block.size} (scenario {scenario.name})")
    return result


def _outcome_pairs(a: BlockResult, b: BlockResult) -> np.ndarray:
    joint = np.zeros((len(OUTCOMES), len(OUTCOMES)), dtype=np.int64)
    np.add.at(joint, (a.outcome.astype(np.int64), b.outcome.astype(np.int64)), 1)
    return joint


@dataclass
class _RunOutput:
    results: list
    joint: np.ndarray | None


def _run(plan: SeedPlan, scenarios: tuple[Scenario, ...], workers: int, chunk_size,
         executor, progress, keep_runs: bool, address: str | None = None,
         cache: ChunkCache | None = None) -> _RunOutput:
    if chunk_size is None:
        per_chunk = math.ceil(plan.n_blocks / (workers * CHUNKS_PER_WORKER))
        per_chunk = min(max(1, per_chunk), MAX_DEFAULT_CHUNK_BLOCKS)
        chunk_size = per_chunk * BLOCK_SIZE
    chunk_size = round_chunk_size(_whole_number("chunk_size", chunk_size, 1))
    gather = _Gather(plan, scenarios, keep_runs)
    started = time.perf_counter()
    done = _load_cached(cache, gather) if cache is not None else set()
    if keep_runs:  # before any worker is started or any block simulated
        _check_kept_memory_first(scenarios, plan.runs)
    tasks = _pending_tasks(plan, scenarios, chunk_size, done, keep_runs)
    owned = not isinstance(executor, Executor)
    if executor is None and address is not None:
        executor = "dask"
    elif executor is None:
        several = plan.n_blocks - len(done) > chunk_size // BLOCK_SIZE  # more than one task
        executor = "processes" if workers > 1 and several else "inprocess"
    pool = get_executor(executor, workers, **({} if address is None else {"address": address}))
    show = _want_progress(progress)
    try:
        _check_engine_memory(scenarios, pool, math.ceil((plan.n_blocks - len(done)) * BLOCK_SIZE
                                                        / chunk_size))
        with tqdm(total=plan.n_blocks, initial=len(done), unit="block", desc=scenarios[0].name,
                  disable=not show, file=sys.stderr) as bar:
            for _, outputs in pool.imap_unordered(_run_chunk, tasks):
                for out in outputs:
                    gather.add(out.block, out.summaries, out.runs, out.joint)
                    if cache is not None:  # after add: a block the memory check refused is not kept
                        cache.store(out.block.index, encode_block(out.summaries, out.runs, out.joint))
                bar.update(len(outputs))
    except BaseException:
        if owned:  # interrupted or failed: stop the workers now, not after their chunks
            pool.abort()
        raise
    finally:
        if owned:
            pool.close()
    wall = time.perf_counter() - started
    return _RunOutput([c.results(wall) for c in gather.collectors], gather.joint)


def _pending_tasks(plan: SeedPlan, scenarios, chunk_size: int, done: set[int], keep_runs):
    """The chunks still to simulate, made one at a time as the executor asks for them."""
    for chunk in plan.chunks(chunk_size):
        blocks = [b for b in chunk if b.index not in done]
        if blocks:
            yield _Task(scenarios, plan.seed, blocks, bool(keep_runs))


def _load_cached(cache: ChunkCache, gather: _Gather) -> set[int]:
    """Feed the blocks finished by an earlier call to ``gather``; their indices."""
    done = set()
    for index in cache.finished():
        if index >= gather.plan.n_blocks:
            continue  # the key pins the runs, so only a stray file can be out of range
        loaded = cache.load_outputs(index, len(gather.collectors), gather.keep_runs)
        if loaded is not None:
            gather.add(gather.plan.block(index), *loaded)
            done.add(index)
    return done


class _Gather:
    """The collectors of every scenario, the joint outcome table, and the memory check."""

    def __init__(self, plan: SeedPlan, scenarios: tuple[Scenario, ...], keep_runs: bool):
        self.plan, self.keep_runs = plan, bool(keep_runs)
        self.collectors = [_Collector(plan, s, keep_runs) for s in scenarios]
        self.joint = (np.zeros((len(scenarios) - 1, len(OUTCOMES), len(OUTCOMES)), dtype=np.int64)
                      if len(scenarios) > 1 else None)
        self._memory_checked = not self.keep_runs

    def add(self, block: Block, summaries, runs, joint) -> None:
        if not self._memory_checked:  # the first block shows what one kept run costs
            _check_memory([r for r in runs if r is not None], self.plan.runs)
            self._memory_checked = True
        for collector, summary, kept in zip(self.collectors, summaries, runs):
            collector.add(block, summary, kept)
        if self.joint is not None:
            self.joint += joint


# --- memory ------------------------------------------------------------------------

def _bytes_per_run(block: BlockResult) -> int:
    """Bytes one run takes in the kept arrays: each field's itemsize times its per-run shape."""
    arrays = [getattr(block, f.name) for f in fields(block) if f.name != "inputs"]
    arrays += list(block.inputs.values())
    return sum(np.asarray(a).dtype.itemsize * math.prod(np.shape(a)[1:]) for a in arrays)


def _check_memory(first_blocks: list[BlockResult], runs: int) -> None:
    """Refuse to keep ``runs`` runs (of each scenario) if they would not fit in memory."""
    _refuse_if_too_big(sum(_bytes_per_run(b) for b in first_blocks), runs, "about")


def _check_kept_memory_first(scenarios, runs: int) -> None:
    """Before simulating: refuse runs that could not be kept even at the least a kept run
    takes (its terms, per-actor tallies and a few scalars; the drawn inputs come on top)."""
    least = sum(8 * len(s.issues) + 6 * len(s.actors) + 24 for s in scenarios)
    _refuse_if_too_big(least, runs, "at least")


def _refuse_if_too_big(per_run: int, runs: int, how: str) -> None:
    needed = per_run * runs
    available = _available_memory()
    if available is None or needed <= MEMORY_SHARE * available:
        return
    raise SimulationError(
        f"keeping every run would need {how} {size_text(needed)} ({per_run} bytes per run × {runs:,} "
        f"runs) but only {size_text(available)} of memory is available; use keep_runs=False "
        "(--no-keep-runs on the command line) to keep only the summaries, whose memory does not "
        "grow with the number of runs, or ask for fewer runs")


def _available_memory() -> int | None:
    """Bytes this process may still allocate (machine, control group, address-space limit)."""
    return resources.available_memory()


def _check_engine_memory(scenarios, pool: Executor, tasks_left: int) -> None:
    """Refuse, before simulating, a run whose blocks in flight would not fit in memory."""
    if isinstance(pool, InProcessExecutor):
        concurrent = 1
    elif isinstance(pool, ProcessExecutor):
        concurrent = max(1, min(pool.workers, tasks_left))
    else:
        return  # remote workers (Dask): their memory is not ours to measure
    resources.check_engine_memory(scenarios, concurrent, available=resources.shared_memory(),
                                  address_space=resources.address_space_available())


def _want_progress(progress) -> bool:
    progress = _flag("progress", progress, optional=True)
    if progress is None:
        stream = sys.stderr
        return bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())
    return bool(progress)


class _Collector:
    """Gathers one scenario's block outputs, arriving in any order."""

    def __init__(self, plan: SeedPlan, scenario: Scenario, keep_runs: bool):
        self.plan, self.scenario, self.keep_runs = plan, scenario, keep_runs
        self._waiting: dict[int, Aggregates] = {}
        self._next = 0
        self._total: Aggregates | None = None
        self._arrays: dict | None = None

    def add(self, block: Block, summary: Aggregates, runs: BlockResult | None) -> None:
        # float sums must be added in block order to be identical for any chunking
        self._waiting[block.index] = summary
        while self._next in self._waiting:
            part = self._waiting.pop(self._next)
            self._total = part if self._total is None else self._total.merge(part)
            self._next += 1
        if runs is not None:
            self._store(block, runs)

    def _store(self, block: Block, runs: BlockResult) -> None:
        if self._arrays is None:  # allocate once: no concatenation copies
            self._arrays = _allocate_like(runs, self.plan.runs)
        s = slice(block.start, block.stop)
        try:
            for name, target in self._arrays.items():
                if name == "inputs":
                    for key, values in target.items():
                        values[s] = runs.inputs[key]
                else:
                    target[s] = getattr(runs, name)
        except (KeyError, ValueError) as exc:
            raise SimulationError(f"block {block.index} of {self.scenario.name} does not match "
                                  f"the first block's fields or shapes: {exc}") from exc

    def results(self, wall_time: float):
        if self._next != self.plan.n_blocks:
            raise SimulationError(f"only {self._next} of {self.plan.n_blocks} blocks completed")
        run_data = BlockResult(**self._arrays) if self._arrays is not None else None
        return _results.Results(self.scenario, self.plan.seed, self.plan.runs, wall_time,
                                self._total, run_data)


def _allocate_like(block: BlockResult, runs: int) -> dict:
    arrays: dict = {}
    for f in fields(block):
        if f.name == "inputs":
            arrays["inputs"] = {k: np.empty((runs,) + np.shape(v)[1:], np.asarray(v).dtype)
                                for k, v in block.inputs.items()}
        else:
            value = np.asarray(getattr(block, f.name))
            arrays[f.name] = np.empty((runs,) + value.shape[1:], value.dtype)
    return arrays
