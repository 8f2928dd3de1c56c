"""Simulate every case of the library and score the forecasts against the records.

Each case is simulated from its scenario alone (the record is only read to
score), with its own seed: :func:`case_seed` derives it from the top seed and
a hash of the case's id, so adding, removing or reordering cases leaves every
other case's numbers unchanged.  Cases are the unit of work handed to the
executor (one task per case, each simulated in one process), so a library of
many small runs uses every worker.
"""

from __future__ import annotations

import hashlib
import time
import warnings
from dataclasses import dataclass

import numpy as np

from ..model.outcomes import OUTCOMES
from ..run import Executor, simulate
from ..run.arguments import check_seed, flag, whole_number
from ..run.batch import check_executor, run_tasks, where_to_run
from ..run.simulate import DegenerateResultWarning
from ..scenario import Scenario
from .cases import checked_cases
from .results import BacktestResults
from .scores import TIME_BINS, bin_counts, first_agreement_round, time_bin

__all__ = ["BacktestResults", "backtest", "case_seed", "map_cases"]

DEFAULT_RUNS = 2000


def case_seed(seed: int, case_id: str) -> int:
    """The seed a case is simulated with: a 63-bit number drawn from
    ``SeedSequence(seed, spawn_key=(h,))``, ``h`` the first 8 bytes of the
    SHA-256 of the case id (UTF-8).  It depends on nothing but the top seed
    and the id."""
    key = int.from_bytes(hashlib.sha256(str(case_id).encode("utf-8")).digest()[:8], "big")
    state = np.random.SeedSequence(int(seed), spawn_key=(key,)).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


def backtest(cases, *, runs: int = DEFAULT_RUNS, seed: int = 0, workers: int = 1,
             executor: str | Executor | None = None, progress: bool | None = None) -> BacktestResults:
    """Simulate every case ``runs`` times and score the forecasts against the records.

    ``cases`` are :class:`~negotiate.validation.Case` objects loaded with their
    records, or folders (a case or a library such as ``"cases/"``) for
    :func:`~negotiate.validation.load_cases`.  ``workers`` > 1 simulates cases
    side by side in worker processes (``executor="processes"``); neither the
    workers nor the executor change the numbers.  ``progress`` shows a bar
    counting runs as cases finish (``None``, the default: in a notebook or at
    a terminal).
    """
    flag("progress", progress, optional=True)
    check_executor(executor)
    cases = checked_cases(cases, "backtest")
    runs = whole_number("runs", runs, 1)
    seed = check_seed(seed)
    workers = whole_number("workers", workers, 1)
    seeds = [case_seed(seed, c.id) for c in cases]
    tasks = [_Task(c.scenario, runs, s) for c, s in zip(cases, seeds)]
    started = time.perf_counter()
    forecasts = map_cases(_forecast, tasks, runs=runs, workers=workers, executor=executor,
                          progress=progress)
    return BacktestResults(
        cases=tuple(cases), runs=runs, seed=seed, case_seeds=tuple(seeds),
        outcome_counts=np.array([f[0] for f in forecasts]),
        time_counts=np.array([f[1] for f in forecasts]),
        wall_time=time.perf_counter() - started,
    )


# --- one task per case ------------------------------------------------------------

@dataclass(frozen=True)
class _Task:
    scenario: Scenario
    runs: int
    seed: int


def _forecast(task: _Task) -> tuple[np.ndarray, np.ndarray]:
    """Outcome counts and time-bin counts of one case's runs (runs in a worker)."""
    with warnings.catch_warnings():
        # a forecast near certainty is what the scores judge, not news for the user
        warnings.simplefilter("ignore", DegenerateResultWarning)
        results = simulate(task.scenario, task.runs, seed=task.seed, workers=1,
                           executor="inprocess", progress=False)
    data = results.run_data
    first = first_agreement_round(data.truce_round, data.agreement_round)
    return (bin_counts(data.outcome, len(OUTCOMES)),
            bin_counts(time_bin(first), len(TIME_BINS)))


def map_cases(fn, tasks: list, *, runs: int, workers: int, executor=None, address=None,
              progress: bool | None = None, desc: str = "backtest") -> list:
    """``[fn(task) for task in tasks]``, one task per case of ``runs`` worlds, through the
    batch loop (:func:`negotiate.run.batch.run_tasks`): on ``executor`` (a name, an
    :class:`~negotiate.run.Executor`, a ``concurrent.futures.Executor`` or a
    ``distributed.Client``; default: worker processes when ``workers`` > 1) or a Dask
    scheduler at ``address``, with a bar counting runs as cases finish."""
    where = where_to_run(len(tasks), workers, executor, address, per_task=1)
    out: list = [None] * len(tasks)

    def consume(item) -> int:
        index, result = item
        out[index] = result
        return runs

    run_tasks(_indexed, [(fn, k, task) for k, task in enumerate(tasks)], consume, where=where,
              n_tasks=len(tasks), total=runs * len(tasks), desc=desc, progress=progress)
    return out


def _indexed(item):
    """``(index, fn(task))`` for ``item = (fn, index, task)`` (runs in a worker)."""
    fn, index, task = item
    return index, fn(task)
