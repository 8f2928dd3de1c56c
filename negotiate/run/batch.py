"""The one loop that runs tasks over an executor: used by every long call.

``simulate``, ``compare``, ``compare_many`` and ``sweep`` (through
:mod:`negotiate.run.blocks`), experimental designs (sensitivity), the
backtest and the calibration all hand their tasks to :func:`run_tasks`, which

* picks the executor (:func:`where_to_run`): in this process, worker
  processes, a Dask scheduler (an address or a ``distributed.Client``), or
  any ``concurrent.futures.Executor`` the caller made;
* checks, before any task starts, that the engine's blocks in flight fit in
  memory (:func:`check_engine_memory`);
* shows one progress bar counting runs (``tqdm.auto``: a widget in a
  notebook, text at a terminal), advanced as each task's results arrive;
* stops the workers at once on an interrupt or a failure, and always closes
  the executors it made (never one the caller passed).

What a task computes, how its results are merged and what is cached is the
caller's: it passes ``consume``, called in this process for each finished
task, which returns how many runs the task covered.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from . import resources
from .arguments import flag
from .executors import Executor, InProcessExecutor, ProcessExecutor, get_executor, is_dask_client

__all__ = [
    "CHUNKS_PER_WORKER",
    "MAX_DEFAULT_CHUNK_BLOCKS",
    "Where",
    "check_engine_memory",
    "check_executor",
    "in_notebook",
    "progress_bar",
    "run_tasks",
    "want_progress",
    "where_to_run",
    "working",
]

CHUNKS_PER_WORKER = 4  # more tasks than workers, so one slow task does not idle the rest
MAX_DEFAULT_CHUNK_BLOCKS = 8  # 32,768 runs: bounds the memory of the chunks in flight


# --- progress ---------------------------------------------------------------------

def in_notebook() -> bool:
    """Whether this process is a Jupyter kernel (where stderr is not a terminal)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def want_progress(progress) -> bool:
    """``progress``: ``True``, ``False``, or ``None`` for a bar in a notebook or at a terminal."""
    progress = flag("progress", progress, optional=True)
    if progress is not None:
        return progress
    stream = sys.stderr
    return in_notebook() or bool(stream is not None and hasattr(stream, "isatty") and stream.isatty())


def _tqdm():
    """``tqdm.auto``'s bar: a widget in a notebook that has ipywidgets, text on stderr
    elsewhere (in a notebook without ipywidgets too, where ``tqdm.auto`` would warn)."""
    if in_notebook():
        try:
            import ipywidgets  # noqa: F401  (what the notebook widget needs)
        except ImportError:
            from tqdm.std import tqdm

            return tqdm
    from tqdm.auto import tqdm  # imported when a bar is made: nothing at import time

    return tqdm


def progress_bar(*, total: int, desc: str, show: bool, initial: int = 0, unit: str = "run"):
    """A bar counting ``unit`` (see :func:`_tqdm` for where it shows)."""
    return _tqdm()(total=total, initial=initial, desc=desc, unit=unit,
                   disable=not show, file=sys.stderr, dynamic_ncols=True)


#: How often the indicator of a step without a count (:func:`working`) shows the time, in seconds.
TICK_SECONDS = 0.5


@contextmanager
def working(desc: str, *, show: bool):
    """A line that shows the time spent while one long step runs whose progress cannot be
    counted (PRIM's peeling happens inside the EMA Workbench): feedback, not silence."""
    if not show:
        yield
        return
    bar = _tqdm()(total=None, desc=desc, bar_format="{desc}: {elapsed}", file=sys.stderr)
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(TICK_SECONDS):
            bar.refresh()  # redraws the elapsed time

    ticker = threading.Thread(target=tick, name="negotiate-progress", daemon=True)
    ticker.start()
    try:
        yield
    finally:
        stop.set()
        ticker.join()
        bar.close()


# --- where the tasks run ----------------------------------------------------------------

@dataclass(frozen=True)
class Where:
    """The executor (a name, or an instance) with its options, and the units per task."""

    executor: Any
    address: str | None
    per_task: int
    workers: int


def where_to_run(units: int, workers: int, executor=None, address=None, *,
                 per_task: int | None = None, most: int = MAX_DEFAULT_CHUNK_BLOCKS) -> Where:
    """Decide the executor and how many units (blocks, cases) go into each task.

    ``address`` may be a scheduler address, a ``distributed.Client`` or a
    ``concurrent.futures.Executor`` (then used as the executor).  By default
    each worker gets about :data:`CHUNKS_PER_WORKER` tasks of at most ``most``
    units; worker processes are used only when ``workers`` > 1 and there is
    more than one task.  In this process every task is one unit: the chunking
    changes no number, and the bar then moves after every unit.
    """
    executor, address = check_executor(executor, address)
    # a pool the caller made says how many workers it has (concurrent.futures keeps it there)
    share = workers
    if isinstance(executor, Executor):
        share = max(workers, executor.workers)
    elif isinstance(executor, cf.Executor):
        share = max(workers, getattr(executor, "_max_workers", None) or 1)
    if per_task is None:
        per_task = min(max(1, math.ceil(units / (share * CHUNKS_PER_WORKER))), most)
    if executor is None:
        executor = ("dask" if address is not None
                    else "processes" if workers > 1 and units > per_task else "inprocess")
    if executor == "inprocess" or isinstance(executor, InProcessExecutor):
        per_task = 1
    return Where(executor, address, per_task, workers)


def check_executor(executor, address=None) -> tuple[Any, str | None]:
    """``(executor, address)`` with a pool or client given as ``address`` moved to
    ``executor``; a TypeError or ValueError for anything that cannot run tasks."""
    def usable(obj) -> bool:
        return isinstance(obj, (Executor, cf.Executor)) or is_dask_client(obj)

    if address is not None and not isinstance(address, str):
        if not usable(address):
            raise TypeError("address must be a Dask scheduler address such as 'tcp://host:8786', "
                            "a distributed.Client or a concurrent.futures.Executor; "
                            f"got {type(address).__name__}")
        if executor is not None:
            raise ValueError("give the executor either as executor= or as address=, not both")
        executor, address = address, None
    if executor is None or isinstance(executor, str) or usable(executor):
        return executor, address
    raise TypeError(f"executor must be a name ('inprocess', 'processes', 'dask'), a negotiate "
                    f"Executor, a concurrent.futures.Executor or a distributed.Client; "
                    f"got {type(executor).__name__}")


def check_engine_memory(scenarios: Sequence, pool: Executor, tasks_left: int) -> None:
    """Refuse, before simulating, a run whose blocks in flight would not fit in memory."""
    if isinstance(pool, InProcessExecutor):
        concurrent = 1
    elif isinstance(pool, ProcessExecutor):
        concurrent = max(1, min(pool.workers, tasks_left))
    else:
        return  # remote workers (Dask) or the caller's own pool: not ours to measure
    resources.check_engine_memory(scenarios, concurrent, available=resources.shared_memory(),
                                  address_space=resources.address_space_available())


# --- the loop -----------------------------------------------------------------------------

def run_tasks(fn: Callable[[Any], Any], tasks: Iterable, consume: Callable[[Any], int], *,
              where: Where, n_tasks: int, total: int, done: int = 0, desc: str,
              progress: bool | None = None, scenarios: Sequence | None = None) -> None:
    """Run ``fn(task)`` for every task on ``where``'s executor; ``consume(result)`` each
    result in this process as it arrives (in any order), which returns the runs it covered.

    ``total`` runs in all, ``done`` of them already (from a cache).  ``scenarios``
    (when given) are checked for the engine's memory before anything starts.
    """
    show = want_progress(progress)
    owned = not isinstance(where.executor, Executor)
    options = {} if where.address is None else {"address": where.address}
    pool = get_executor(where.executor, where.workers, **options)
    try:
        if scenarios is not None:
            check_engine_memory(scenarios, pool, n_tasks)
        with progress_bar(total=total, initial=done, desc=desc, show=show) as bar:
            for _, result in pool.imap_unordered(fn, tasks):
                bar.update(consume(result))
    except BaseException:
        if owned:  # interrupted or failed: stop the workers now, not after their tasks
            pool.abort()
        raise
    finally:
        if owned:
            pool.close()
