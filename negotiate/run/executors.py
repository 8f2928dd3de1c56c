"""Where chunks of runs are computed: in this process, or in worker processes.

An executor maps a picklable top-level function over a list of tasks.
``imap_unordered`` yields ``(index, result)`` as tasks finish; ``map`` yields
results in task order.  A failing task raises :class:`SimulationError` whose
``__cause__`` is the original exception.  Dask (``negotiate.run.dask_executor``)
plugs in through :func:`get_executor` without the rest of the library
importing it; a ``concurrent.futures.Executor`` or a ``distributed.Client``
the caller made is wrapped (:class:`FuturesExecutor`, ``DaskExecutor``) and
never closed here.  A main module that is no file (a script on standard
input) is hidden from starting workers (:func:`main_module_not_reimported`).

No worker outlives the command that started it.  Workers ignore SIGINT and
outlast SIGTERM by a second (a Ctrl-C in a terminal, or ``timeout``, signals
the whole process group): the parent decides, and on an interrupt
:meth:`Executor.abort` kills them at once (finished blocks are already in the cache).  If the parent dies
without a word (SIGKILL, the out-of-memory killer), the workers notice: the
fork server exits when its pipe from the parent closes, and on Linux the
kernel then kills the workers it forked (``PR_SET_PDEATHSIG``); everywhere a
watchdog thread in each worker also exits once the process that made the pool
is gone.  The resource tracker exits by itself once they are all gone.
"""

from __future__ import annotations

import concurrent.futures as cf
import importlib
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from ..errors import SimulationError
from ..results.interrupts import signals_deferred

__all__ = [
    "EXECUTORS",
    "Executor",
    "FuturesExecutor",
    "InProcessExecutor",
    "ProcessExecutor",
    "get_executor",
    "is_dask_client",
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

    def abort(self) -> None:
        """Stop at once (after an interrupt): work in progress is dropped."""
        self.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def failure(index: int, exc: BaseException, where: str) -> SimulationError:
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
                raise failure(index, exc, "in process") from exc
            yield index, result


#: Modules the forkserver imports before forking workers: the library (so
#: workers start quickly) and the guard that makes it ignore SIGTERM.
PRELOAD = ("negotiate.run.simulate", "negotiate.run.forkserver_guard")
#: Tasks submitted to the pool ahead of the results: enough to keep every worker
#: busy, few enough that a huge run holds no list of every task.
TASKS_IN_FLIGHT_PER_WORKER = 2
#: How often a worker's watchdog looks for its parent, in seconds.
WATCHDOG_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _default_start_method() -> str:
    # fork is unsafe once threads exist (Jupyter kernels, BLAS pools);
    # forkserver starts clean workers cheaply where the platform has it.
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


def die_with_parent(signum: int = signal.SIGKILL if hasattr(signal, "SIGKILL") else 9) -> bool:
    """Ask the kernel to send ``signum`` to this process when its parent dies
    (Linux only; ``False`` elsewhere or if refused).  Exits at once if the parent
    is already gone (the request only covers deaths that happen after it)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        ok = libc.prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
    if ok and os.getppid() == 1:  # orphaned before the request took effect
        os._exit(1)
    return ok


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            state = fh.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True  # no /proc: trust kill
    return state not in (b"Z", b"X")


def _watch_parent(owner: int, parent: int) -> None:
    """Exit this worker once the process that made the pool, or this worker's
    own parent (the fork server), is gone."""
    while _alive(owner) and os.getppid() == parent:
        time.sleep(WATCHDOG_SECONDS)
    os._exit(1)


#: How long the parent waits for a result before it looks at deferred signals, in seconds.
POLL_SECONDS = 0.2


#: How long a worker goes on after SIGTERM, in seconds: time for the parent to stop it.
TERM_GRACE_SECONDS = 1.0


def _leave_soon(signum, frame) -> None:
    """A worker's SIGTERM: exit a little later, not now.

    ``timeout`` sends SIGTERM to the whole process group: a worker dying at once
    would make the parent report a dead worker (exit 1) instead of handling its
    own SIGTERM (exit 143, the resume hint), which it does within a fraction of
    a second, killing the workers.  The pool itself sends SIGTERM to the workers
    left when one died, and waits for them: they must still go.  The alarm's
    default action ends the process even while compiled code holds the GIL.
    """
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.setitimer(signal.ITIMER_REAL, TERM_GRACE_SECONDS)


def _start_worker(owner: int) -> None:
    """In each pool worker: leave Ctrl-C and SIGTERM to the parent, and die with it.

    A Ctrl-C in a terminal signals the whole process group.  A worker that
    raised KeyboardInterrupt would report it for a future the parent has just
    cancelled, which kills the pool's manager thread (InvalidStateError, a
    race in CPython's pool) and leaves the parent hanging at exit.  The parent
    decides: it stops the workers itself (:meth:`ProcessExecutor.abort`).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _leave_soon)
    if os.getppid() != owner:
        # forked by the fork server, which exits when the command dies: follow it at
        # once.  (Not when the command is the parent: the kernel would kill the
        # worker when the *thread* that started it ends, not the process.)
        die_with_parent()
    watchdog = threading.Thread(target=_watch_parent, args=(owner, os.getppid()),
                                name="negotiate-parent-watchdog", daemon=True)
    watchdog.start()


def _main_cannot_be_reimported(main) -> bool:
    """Whether ``__main__`` names a file that does not exist (``python -`` reading a
    script on standard input sets ``__file__`` to ``"<stdin>"``)."""
    if main is None or getattr(main, "__spec__", None) is not None:
        return False  # python -m: workers import the module by name
    path = getattr(main, "__file__", None)
    return isinstance(path, str) and not os.path.isfile(path)


@contextmanager
def main_module_not_reimported():
    """While worker processes start: if the main module is no file (a script on standard
    input), hide its ``__file__``, so that spawned and forkserver workers do not try to
    run it again (they would die on ``<stdin>``).  The tasks never need it: the library
    sends only functions of importable modules.  Restored at once afterwards."""
    main = sys.modules.get("__main__")
    if not _main_cannot_be_reimported(main):
        yield
        return
    path = main.__dict__.pop("__file__")
    try:
        yield
    finally:
        main.__file__ = path


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
                                                initializer=_start_worker, initargs=(os.getpid(),))
        return self._pool

    def _submit(self, pool, fn, pending: Iterator[tuple[int, Any]], futures: dict, done: int) -> None:
        """Top up the tasks in flight from ``pending``."""
        limit = TASKS_IN_FLIGHT_PER_WORKER * self.workers
        while len(futures) < limit:
            item = next(pending, None)
            if item is None:
                return
            index, task = item
            try:
                with main_module_not_reimported():  # workers start on submit
                    futures[pool.submit(fn, task)] = index
            except (cf.process.BrokenProcessPool, OSError) as exc:
                # a worker (or the fork server) died while the pool was starting
                self._pool = None
                raise failure(index, exc, "because a worker process died while the pool started "
                               f"(killed, or out of memory?{_script_hint(done)})") from exc

    def imap_unordered(self, fn, tasks):
        pool = self._get_pool()
        pending = enumerate(tasks)  # lazily: a huge run is never a list of every task
        futures: dict[cf.Future, int] = {}
        done = 0
        try:
            with signals_deferred():
                self._submit(pool, fn, pending, futures, done)
            while futures:
                with signals_deferred():
                    finished, _ = cf.wait(futures, timeout=POLL_SECONDS,
                                          return_when=cf.FIRST_COMPLETED)
                for future in sorted(finished, key=futures.get):
                    # drop our reference: a finished future holds its result, and
                    # keeping them all would hold every chunk until the end
                    index = futures.pop(future)
                    with signals_deferred():
                        result = self._result(future, index, done)
                    yield index, result
                    done += 1
                with signals_deferred():
                    self._submit(pool, fn, pending, futures, done)
        finally:
            for future in futures:  # those not yet finished
                future.cancel()

    def _result(self, future: cf.Future, index: int, done: int):
        try:
            return future.result()
        except cf.process.BrokenProcessPool as exc:
            self._pool = None  # a broken pool cannot be reused
            raise failure(index, exc, "because a worker process died "
                           f"(killed, or out of memory?{_script_hint(done)})") from exc
        except Exception as exc:
            raise failure(index, exc, "in a worker process") from exc

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def abort(self) -> None:
        """Kill the workers (they ignore SIGINT and wait after SIGTERM) and drop the pool."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        _quiet_pool_manager_errors()
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for process in processes:
            try:
                process.kill()
            except (OSError, ValueError, AttributeError):
                pass  # already gone
        calls = getattr(pool, "_call_queue", None)
        if calls is not None:  # tasks no worker will read must not hold up the exit
            calls.cancel_join_thread()
        for process in processes:
            process.join(timeout=5)
        _release_result_reader(pool)
        pool.shutdown(wait=True, cancel_futures=True)


def _release_result_reader(pool: cf.ProcessPoolExecutor) -> None:
    """Close the parent's end of the pool's result pipe once its workers are dead.

    A worker killed while it was sending a result leaves half a message in the
    pipe, and the pool's manager thread waits in ``recv`` for the rest, which
    would never come: ``shutdown(wait=True)`` joins that thread and hung for
    good (seen once in the suite: Ctrl-C as a second block was being sent).
    With the workers gone the parent holds the pipe's last write end; closing
    it gives the reader end-of-file, the manager marks the pool broken and
    exits.  (``shutdown`` closes both ends itself afterwards.)"""
    results = getattr(pool, "_result_queue", None)
    writer = getattr(results, "_writer", None)
    if writer is not None:
        try:
            writer.close()
        except OSError:
            pass  # already closed


_manager_hook_installed = False


def _quiet_pool_manager_errors() -> None:
    """Silence one CPython bug (fixed in 3.12): when workers die, the pool's manager
    thread sets an exception on every pending future, and one that the parent has
    just cancelled raises InvalidStateError, printed as a thread traceback."""
    global _manager_hook_installed
    if _manager_hook_installed:
        return
    previous = threading.excepthook

    def hook(args) -> None:
        manager = getattr(cf.process, "_ExecutorManagerThread", ())
        if isinstance(args.thread, manager) and issubclass(args.exc_type, cf.InvalidStateError):
            return
        previous(args)

    threading.excepthook = hook
    _manager_hook_installed = True


class FuturesExecutor(Executor):
    """Runs tasks on a ``concurrent.futures.Executor`` the caller made (and keeps: it is
    never shut down here).  A process pool needs picklable tasks and an importable
    ``fn``, as always; an interrupt cancels the tasks not yet started."""

    name = "futures"

    def __init__(self, pool: cf.Executor):
        if not isinstance(pool, cf.Executor):
            raise TypeError(f"expected a concurrent.futures.Executor, got {type(pool).__name__}")
        self.pool = pool
        self.workers = getattr(pool, "_max_workers", None) or 1
        self._futures: dict[cf.Future, int] = {}

    def imap_unordered(self, fn, tasks):
        pending = enumerate(tasks)
        futures = self._futures
        limit = TASKS_IN_FLIGHT_PER_WORKER * self.workers
        try:
            while True:
                while len(futures) < limit and (item := next(pending, None)) is not None:
                    with main_module_not_reimported():
                        futures[self.pool.submit(fn, item[1])] = item[0]
                if not futures:
                    return
                finished, _ = cf.wait(futures, timeout=POLL_SECONDS, return_when=cf.FIRST_COMPLETED)
                for future in sorted(finished, key=futures.get):
                    index = futures.pop(future)
                    try:
                        result = future.result()
                    except Exception as exc:
                        if _interrupted(exc):
                            raise KeyboardInterrupt from None
                        raise failure(index, exc, f"on {type(self.pool).__name__}") from exc
                    yield index, result
        finally:
            self.abort()

    def close(self) -> None:
        """Nothing to release: the pool is the caller's."""

    def abort(self) -> None:
        for future in self._futures:
            future.cancel()
        self._futures.clear()


def is_dask_client(obj) -> bool:
    """Whether ``obj`` is a ``distributed.Client`` (checked without importing ``distributed``)."""
    return any(c.__name__ == "Client" and c.__module__.split(".")[0] == "distributed"
               for c in type(obj).__mro__)


#: Executors by name.  A string value is a module imported only when asked
#: for, whose ``make_executor(workers)`` builds the executor.
EXECUTORS: dict[str, type[Executor] | str] = {
    "inprocess": InProcessExecutor,
    "processes": ProcessExecutor,
    "dask": "negotiate.run.dask_executor",
}


def get_executor(kind, workers: int = 1, **options) -> Executor:
    """An executor by name (``"inprocess"``, ``"processes"``, ``"dask"``) or as given:
    an :class:`Executor`, a ``concurrent.futures.Executor`` or a ``distributed.Client``
    (wrapped; the caller's pool or client is never closed here).

    ``options`` (such as the Dask scheduler's ``address``) go to the
    optional backends' ``make_executor``; the built-in executors take none.
    """
    if isinstance(kind, Executor | cf.Executor) or is_dask_client(kind):
        if options:
            raise ValueError(f"{', '.join(options)} cannot be applied to an executor instance")
        if isinstance(kind, cf.Executor):
            return FuturesExecutor(kind)
        if is_dask_client(kind):
            return _dask_module(kind).DaskExecutor(client=kind)
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
        return _dask_module(kind, entry).make_executor(workers, **options)
    return entry(workers)


def _dask_module(kind, entry: str = "negotiate.run.dask_executor"):
    try:
        return importlib.import_module(entry)
    except ImportError as exc:
        raise SimulationError(f"executor {kind!r} is not available ({exc}); install the "
                              "optional dependencies: pip install 'negotiate[distributed]'") from exc
