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
import numbers
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from ..model.outcomes import OUTCOMES
from ..run import Executor, get_executor, simulate
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
    over cases (default: only when stderr is a terminal).
    """
    cases = checked_cases(cases, "backtest")
    runs = whole_number("runs", runs, 1)
    seed = whole_number("seed", seed, 0)
    workers = whole_number("workers", workers, 1)
    seeds = [case_seed(seed, c.id) for c in cases]
    tasks = [_Task(c.scenario, runs, s) for c, s in zip(cases, seeds)]
    started = time.perf_counter()
    forecasts = map_cases(_forecast, tasks, workers=workers, executor=executor, progress=progress)
    return BacktestResults(
        cases=tuple(cases), runs=runs, seed=seed, case_seeds=tuple(seeds),
        outcome_counts=np.array([f[0] for f in forecasts]),
        time_counts=np.array([f[1] for f in forecasts]),
        wall_time=time.perf_counter() - started,
    )


def whole_number(name: str, value, minimum: int) -> int:
    """``value`` as an int, or a ValueError naming ``name`` (booleans refused)."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


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


def map_cases(fn, tasks: list, *, workers: int, executor=None, address: str | None = None,
              progress: bool | None = None, desc: str = "backtest") -> list:
    """``[fn(task) for task in tasks]``, one task per case, on an executor: ``executor``
    (a name or an :class:`~negotiate.run.Executor`, default: worker processes when
    ``workers`` > 1), or a Dask scheduler at ``address``; a progress bar over cases."""
    owned = not isinstance(executor, Executor)
    if executor is None:
        executor = ("dask" if address is not None
                    else "processes" if workers > 1 and len(tasks) > 1 else "inprocess")
    pool = get_executor(executor, workers, **({} if address is None else {"address": address}))
    show = progress if progress is not None else bool(sys.stderr and sys.stderr.isatty())
    out: list = [None] * len(tasks)
    try:
        with tqdm(total=len(tasks), unit="case", desc=desc, disable=not show,
                  file=sys.stderr) as bar:
            for index, result in pool.imap_unordered(fn, tasks):
                out[index] = result
                bar.update(1)
    finally:
        if owned:
            pool.close()
    return out
