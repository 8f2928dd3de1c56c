"""Where chunks of runs are computed: in this process, or in worker processes.

An executor maps a picklable top-level function over a list of tasks.
``imap_unordered`` yields ``(index, result)`` as tasks finish; ``map`` yields
results in task order.  A failing task raises :class:`SimulationError` whose
``__cause__`` is the original exception.  More backends (Dask, in a later
module ``negotiate.run.dask_executor``) plug in through :func:`get_executor`
without the rest of the library importing them.
"""

from __future__ import annotations

import concurrent.futures as cf
import importlib
import multiprocessing
import os
import re
import signal
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Self

from ..errors import SimulationError

__all__ = [
    "EXECUTORS",
    "Executor",
    "InProcessExecutor",
    "ProcessExecutor",
    "get_executor",
]


class Executor(ABC):
    """Runs ``fn(task)`` for each task; subclasses implement :meth:`imap_unordered`."""

    name = "executor"
    workers = 1

    @abstractmethod
    def imap_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        """Yield ``(task index, result)`` in completion order."""

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield results in task order (early finishers wait in a buffer)."""
        pending: dict[int, Any] = {}
        next_index = 0
        for index, result in self.imap_unordered(fn, tasks):
            pending[index] = result
            while next_index in pending:
                yield pending.pop(next_index)
                next_index += 1

    def close(self) -> None:
        """Release workers; the executor may not be used afterwards."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _failure(index: int, exc: BaseException, where: str) -> SimulationError:
    return SimulationError(f"task {index} failed {where}: {type(exc).__name__}: {exc}")


def _interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` stands for a Ctrl-C: compiled (numba) code that a
    KeyboardInterrupt reaches raises SystemError with the interrupt as its cause."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


class InProcessExecutor(Executor):
    """Runs tasks one after the other in this process (no pickling)."""

    name = "inprocess"

    def imap_unordered(self, fn, tasks):
        for index, task in enumerate(tasks):
            try:
                result = fn(task)
            except Exception as exc:
                if _interrupted(exc):  # an interrupt, not a failing task
                    raise KeyboardInterrupt from None
                raise _failure(index, exc, "in process") from exc
            yield index, result


#: Modules the forkserver imports before forking workers.
PRELOAD = ("negotiate.run.simulate",)


def _default_start_method() -> str:
    # fork is unsafe once threads exist (Jupyter kernels, BLAS pools);
    # forkserver starts clean workers cheaply where the platform has it.
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


def _ignore_interrupts() -> None:
    """In each pool worker: leave Ctrl-C to the parent.

    A Ctrl-C in a terminal signals the whole process group.  A worker that
    raised KeyboardInterrupt would report it for a future the parent has just
    cancelled, which kills the pool's manager thread (InvalidStateError, a
    race in CPython's pool) and leaves the parent hanging at exit.  The parent
    cancels what has not started and the workers finish their current chunk.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _script_hint(done: int) -> str:
    """Why workers may die before finishing anything when run from a script.

    Worker processes (forkserver, spawn) import the main script; one that
    calls ``simulate`` at its top level makes each worker call it again while
    starting, which Python refuses, and the pool breaks.  Said only when no
    task finished and the main module is a script without a main guard.
    """
    main = sys.modules.get("__main__")
    path, spec = getattr(main, "__file__", None), getattr(main, "__spec__", None)
    if done or path is None or (spec is not None and spec.name.endswith("__main__")):
        return ""  # workers do not re-run a package's __main__ (python -m)
    try:
        source = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    if re.search(r"__name__\s*==\s*['\"]__main__['\"]", source):
        return ""
    return (f"; if this is a script ({os.path.basename(path)}), put the call under "
            "`if __name__ == \"__main__\":`, since worker processes import it")


class ProcessExecutor(Executor):
    """A pool of ``workers`` processes (``concurrent.futures.ProcessPoolExecutor``).

    The pool starts on first use and is reused until :meth:`close`.  Tasks
    and results must be picklable and ``fn`` importable (a module-level
    function), as for any process pool.
    """

    name = "processes"

    def __init__(self, workers: int | None = None, *, start_method: str | None = None):
        workers = (os.cpu_count() or 1) if workers is None else workers
        if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
            raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")
        self.workers = workers
        self.start_method = start_method or _default_start_method()
        self._pool: cf.ProcessPoolExecutor | None = None

    def _get_pool(self) -> cf.ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context(self.start_method)
            if self.start_method == "forkserver":
                # workers fork from a server that imported the library once,
                # instead of each paying the ~2 s import of scipy and pandas
                context.set_forkserver_preload(list(PRELOAD))
            self._pool = cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                                initializer=_ignore_interrupts)
        return self._pool

    def imap_unordered(self, fn, tasks):
        pool = self._get_pool()
        futures = {}
        for index, task in enumerate(tasks):
            try:
                futures[pool.submit(fn, task)] = index
            except (cf.process.BrokenProcessPool, OSError) as exc:
                # a worker (or the fork server) died while the pool was starting
                self._pool = None
                for future in futures:
                    future.cancel()
                raise _failure(index, exc, "because a worker process died while the pool started "
                               f"(killed, or out of memory?{_script_hint(0)})") from exc
        done = 0
        try:
            for future in cf.as_completed(futures):
                # drop our reference: a finished future holds its result, and
                # keeping them all would hold every chunk until the end
                index = futures.pop(future)
                try:
                    result = future.result()
                except cf.process.BrokenProcessPool as exc:
                    self._pool = None  # a broken pool cannot be reused
                    raise _failure(index, exc, "because a worker process died "
                                   f"(killed, or out of memory?{_script_hint(done)})") from exc
                except Exception as exc:
                    raise _failure(index, exc, "in a worker process") from exc
                done += 1
                yield index, result
        finally:
            for future in futures:  # those not yet finished
                future.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


#: Executors by name.  A string value is a module imported only when asked
#: for, whose ``make_executor(workers)`` builds the executor.
EXECUTORS: dict[str, type[Executor] | str] = {
    "inprocess": InProcessExecutor,
    "processes": ProcessExecutor,
    "dask": "negotiate.run.dask_executor",
}


def get_executor(kind: str | Executor, workers: int = 1, **options) -> Executor:
    """An executor by name (``"inprocess"``, ``"processes"``, ``"dask"``) or as given.

    ``options`` (such as the Dask scheduler's ``address``) go to the
    optional backends' ``make_executor``; the built-in executors take none.
    """
    if isinstance(kind, Executor):
        if options:
            raise ValueError(f"{', '.join(options)} cannot be applied to an executor instance")
        return kind
    entry = EXECUTORS.get(kind) if isinstance(kind, str) else None
    if entry is None:
        raise ValueError(f"unknown executor {kind!r}; choose one of {', '.join(EXECUTORS)} "
                         "or pass an Executor instance")
    if options and not isinstance(entry, str):
        raise ValueError(f"executor {kind!r} does not take {', '.join(options)} "
                         "(only executor='dask' does)")
    if entry is InProcessExecutor:
        return InProcessExecutor()
    if isinstance(entry, str):
        try:
            module = importlib.import_module(entry)
        except ImportError as exc:
            raise SimulationError(f"executor {kind!r} is not available ({exc}); install the "
                                  "optional dependencies: pip install 'negotiate[distributed]'") from exc
        return module.make_executor(workers, **options)
    return entry(workers)
