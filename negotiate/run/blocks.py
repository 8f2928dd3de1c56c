"""Running scenarios over a seed plan, block by block: what ``simulate``, ``compare``,
``compare_many`` and ``sweep`` share.

The seed plan cuts the runs into blocks (:mod:`negotiate.run.seeding`); tasks
of whole blocks go to the batch loop (:func:`negotiate.run.batch.run_tasks`);
each block is simulated by the engine (``negotiate.model.run_block``) for
every scenario and summarised in the worker; the summaries are merged in
block order and the runs (if kept) copied into arrays allocated once.  The
result does not depend on the executor, the number of workers or the chunk
size.  With a cache (:mod:`negotiate.run.cache`) every finished block is also
stored on disk, so that an interrupted run resumes where it stopped with
identical numbers.  Before the kept runs are allocated their size is checked
against the available memory, so a run too large to keep is refused with
advice instead of being killed by the operating system.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, fields

import numpy as np

from .. import model as _model
from ..errors import SimulationError
from ..model.outcomes import OUTCOMES, BlockResult
from ..results import Results
from ..results.aggregate import Aggregates
from ..scenario import Scenario
from . import resources
from .arguments import whole_number
from .batch import run_tasks, where_to_run
from .cache import ChunkCache, encode_block
from .resources import size_text
from .seeding import Block, SeedPlan, round_chunk_size, run_seed

__all__ = ["MEMORY_SHARE", "PlanOutput", "run_plan"]

#: Kept runs may use at most this share of the available memory (see :mod:`.resources`).
MEMORY_SHARE = resources.MEMORY_SHARE


@dataclass
class PlanOutput:
    """One :class:`~negotiate.results.Results` per scenario; the joint outcome table of
    the first scenario with each other one; every run's outcome code per scenario."""

    results: list
    joint: np.ndarray | None
    outcomes: np.ndarray | None


def run_plan(plan: SeedPlan, scenarios: tuple[Scenario, ...], *, workers: int, chunk_size=None,
             executor=None, address=None, progress=None, keep_runs: bool = False,
             outcomes: bool = False, cache: ChunkCache | None = None, desc: str | None = None,
             block_size: int | None = None) -> PlanOutput:
    """Simulate every scenario on every block of ``plan``.

    ``keep_runs`` keeps each run's record; ``outcomes`` keeps only each run's
    outcome code (a ``(scenarios, runs)`` int8 array, for sweeps).
    ``block_size`` is the plan's block size (default: ``plan.block_size``), which the
    chunks are made of.
    """
    block_size = plan.block_size if block_size is None else block_size
    # with a cache, one block a task unless asked otherwise: a block is kept only once its
    # task returns, so an interrupted run keeps every block finished before the signal
    per_task = None if cache is None else 1
    if chunk_size is not None:
        per_task = round_chunk_size(whole_number("chunk_size", chunk_size, 1), block_size) // block_size
    gather = _Gather(plan, scenarios, keep_runs, outcomes)
    started = time.perf_counter()
    done = _load_cached(cache, gather) if cache is not None else set()
    if keep_runs:  # before any worker is started or any block simulated
        _check_kept_memory_first(scenarios, plan.runs)
    where = where_to_run(plan.n_blocks - len(done), workers, executor, address, per_task=per_task)
    tasks = _pending_tasks(plan, scenarios, where.per_task * block_size, done, keep_runs, outcomes)

    def consume(outputs: list[_BlockOutput]) -> int:
        for out in outputs:
            gather.add(out.block, out.summaries, out.runs, out.joint, out.outcomes)
            if cache is not None:  # after add: a block the memory check refused is not kept
                cache.store(out.block.index, encode_block(out.summaries, out.runs, out.joint))
        return sum(out.block.size for out in outputs)

    run_tasks(run_chunk, tasks, consume, where=where,
              n_tasks=math.ceil((plan.n_blocks - len(done)) / where.per_task),
              total=plan.runs, done=sum(plan.block(k).size for k in done),
              desc=desc or scenarios[0].name, progress=progress, scenarios=scenarios)
    wall = time.perf_counter() - started
    return PlanOutput([c.results(wall) for c in gather.collectors], gather.joint, gather.outcomes)


# --- the tasks ------------------------------------------------------------------------

@dataclass
class BlockTask:
    scenarios: tuple[Scenario, ...]
    seed: int
    blocks: list[Block]
    keep_runs: bool
    outcomes: bool = False


@dataclass
class _BlockOutput:
    block: Block
    summaries: list[Aggregates]
    runs: list[BlockResult | None]
    joint: np.ndarray | None  # (k - 1, 4, 4) outcome pairs of the first scenario with each other
    outcomes: np.ndarray | None = None  # (k, block size) outcome codes


def run_chunk(task: BlockTask) -> list[_BlockOutput]:
    """Simulate and summarise a chunk of blocks (runs in a worker)."""
    outputs = []
    for block in task.blocks:
        runs = [_simulate_block(s, task.seed, block) for s in task.scenarios]
        summaries = [Aggregates.from_block(r, s.rounds.horizon)
                     for r, s in zip(runs, task.scenarios)]
        joint = np.stack([_outcome_pairs(runs[0], r) for r in runs[1:]]) if len(runs) > 1 else None
        codes = (np.stack([np.asarray(r.outcome, dtype=np.int8) for r in runs])
                 if task.outcomes else None)
        kept = runs if task.keep_runs else [None] * len(runs)
        outputs.append(_BlockOutput(block, summaries, kept, joint, codes))
    return outputs


def _simulate_block(scenario: Scenario, seed: int, block: Block) -> BlockResult:
    # the run's root seed and the block's first world: each world's draws are its own
    result = _model.run_block(scenario, block.size, run_seed(seed), first=block.start)
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


def _pending_tasks(plan: SeedPlan, scenarios, chunk_runs: int, done: set[int], keep_runs, outcomes):
    """The chunks still to simulate, made one at a time as the executor asks for them."""
    for chunk in plan.chunks(chunk_runs):
        blocks = [b for b in chunk if b.index not in done]
        if blocks:
            yield BlockTask(scenarios, plan.seed, blocks, bool(keep_runs), bool(outcomes))


def _load_cached(cache: ChunkCache, gather: _Gather) -> set[int]:
    """Feed the blocks finished by an earlier call to ``gather``; their indices."""
    if gather.outcomes is not None:
        return set()  # outcome codes are not cached: a sweep simulates every block
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
    """The collectors of every scenario, the joint outcome table, the outcome codes,
    and the memory check."""

    def __init__(self, plan: SeedPlan, scenarios: tuple[Scenario, ...], keep_runs: bool,
                 outcomes: bool = False):
        self.plan, self.keep_runs = plan, bool(keep_runs)
        self.collectors = [_Collector(plan, s, keep_runs) for s in scenarios]
        self.joint = (np.zeros((len(scenarios) - 1, len(OUTCOMES), len(OUTCOMES)), dtype=np.int64)
                      if len(scenarios) > 1 else None)
        self.outcomes = np.empty((len(scenarios), plan.runs), dtype=np.int8) if outcomes else None
        self._memory_checked = not self.keep_runs

    def add(self, block: Block, summaries, runs, joint, outcomes=None) -> None:
        if not self._memory_checked:  # the first block shows what one kept run costs
            _check_memory([r for r in runs if r is not None], self.plan.runs)
            self._memory_checked = True
        for collector, summary, kept in zip(self.collectors, summaries, runs):
            collector.add(block, summary, kept)
        if self.joint is not None:
            self.joint += joint
        if self.outcomes is not None:
            self.outcomes[:, block.start:block.stop] = outcomes


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


# --- gathering ------------------------------------------------------------------------

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
        return Results(self.scenario, self.plan.seed, self.plan.runs, wall_time,
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
