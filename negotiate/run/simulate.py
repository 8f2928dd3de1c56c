"""Run many worlds of a scenario: ``simulate`` and ``compare``.

The seed plan cuts the runs into blocks (:mod:`negotiate.run.seeding`); chunks
of whole blocks go to an executor; each block is simulated by the engine
(``negotiate.model.run_block``) and summarised in the worker; the summaries
are merged in block order and the runs (if kept) copied into arrays
allocated once.  The result does not depend on the executor, the number of
workers or the chunk size.
"""

from __future__ import annotations

import math
import numbers
import sys
import time
from dataclasses import dataclass, fields

import numpy as np
from tqdm import tqdm

from .. import model as _model
from .. import results as _results  # the module, not its names: results.py imports run.aggregate
from ..errors import SimulationError
from ..model.outcomes import OUTCOMES, BlockResult
from ..scenario import Scenario, load_scenario
from .aggregate import Aggregates
from .comparison import Comparison
from .executors import Executor, get_executor
from .seeding import BLOCK_SIZE, Block, SeedPlan, block_seed, round_chunk_size

__all__ = ["compare", "simulate"]

CHUNKS_PER_WORKER = 4  # more chunks than workers, so one slow chunk does not idle the rest
MAX_DEFAULT_CHUNK_BLOCKS = 8  # 32,768 runs: bounds the memory of the chunks in flight


def simulate(scenario, runs: int | None = None, *, seed: int | None = None,
             workers: int | None = None, chunk_size: int | None = None,
             executor: str | Executor | None = None, progress: bool | None = None,
             keep_runs: bool = True, address: str | None = None):
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
    """
    scenario = load_scenario(scenario)
    plan, workers = _check_args(scenario, runs, seed, workers)
    out = _run(plan, (scenario,), workers, chunk_size, executor, progress, keep_runs, address)
    return out.results[0]


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
    a, b = load_scenario(scenario_a), load_scenario(scenario_b)
    plan, workers = _check_args(a, runs, seed, workers)
    out = _run(plan, (a, b), workers, chunk_size, executor, progress, keep_runs, address)
    return Comparison(out.results[0], out.results[1], out.joint)


# --- arguments ------------------------------------------------------------------

def _whole_number(name: str, value, minimum: int) -> int:
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if isinstance(value, float) and value.is_integer():  # 1e6 written in a notebook
        value, ok = int(value), True
    if not ok or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def _check_args(scenario: Scenario, runs, seed, workers) -> tuple[SeedPlan, int]:
    runs = scenario.monte_carlo.runs if runs is None else _whole_number("runs", runs, 1)
    seed = scenario.monte_carlo.seed if seed is None else _whole_number("seed", seed, 0)
    workers = 1 if workers is None else _whole_number("workers", workers, 1)
    return SeedPlan(seed, runs), workers


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
    joint: np.ndarray | None  # (4, 4) outcome pairs when two scenarios are compared


def _run_chunk(task: _Task) -> list[_BlockOutput]:
    """Simulate and summarise a chunk of blocks (runs in a worker)."""
    outputs = []
    for block in task.blocks:
        runs = [_simulate_block(s, task.seed, block) for s in task.scenarios]
        summaries = [Aggregates.from_block(r, s.rounds.horizon)
                     for r, s in zip(runs, task.scenarios)]
        joint = _outcome_pairs(runs[0], runs[1]) if len(runs) == 2 else None
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
         executor, progress, keep_runs: bool, address: str | None = None) -> _RunOutput:
    if chunk_size is None:
        per_chunk = math.ceil(plan.n_blocks / (workers * CHUNKS_PER_WORKER))
        per_chunk = min(max(1, per_chunk), MAX_DEFAULT_CHUNK_BLOCKS)
        chunk_size = per_chunk * BLOCK_SIZE
    chunk_size = round_chunk_size(_whole_number("chunk_size", chunk_size, 1))
    tasks = [_Task(scenarios, plan.seed, chunk, bool(keep_runs)) for chunk in plan.chunks(chunk_size)]
    owned = not isinstance(executor, Executor)
    if executor is None and address is not None:
        executor = "dask"
    elif executor is None:
        executor = "processes" if workers > 1 and len(tasks) > 1 else "inprocess"
    pool = get_executor(executor, workers, **({} if address is None else {"address": address}))
    collectors = [_Collector(plan, s, keep_runs) for s in scenarios]
    joint = np.zeros((len(OUTCOMES), len(OUTCOMES)), dtype=np.int64) if len(scenarios) == 2 else None
    show = _want_progress(progress)
    started = time.perf_counter()
    try:
        with tqdm(total=plan.n_blocks, unit="block", desc=scenarios[0].name, disable=not show,
                  file=sys.stderr) as bar:
            for _, outputs in pool.imap_unordered(_run_chunk, tasks):
                for out in outputs:
                    for collector, summary, runs in zip(collectors, out.summaries, out.runs):
                        collector.add(out.block, summary, runs)
                    if joint is not None:
                        joint += out.joint
                bar.update(len(outputs))
    finally:
        if owned:
            pool.close()
    wall = time.perf_counter() - started
    return _RunOutput([c.results(wall) for c in collectors], joint)


def _want_progress(progress) -> bool:
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
