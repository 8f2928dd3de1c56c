"""Run chunks on a Dask cluster (``executor="dask"``).

Imported only when asked for (see :data:`negotiate.run.executors.EXECUTORS`),
so the rest of the library never imports ``dask``.  With an ``address`` the
executor connects to a running scheduler (``tcp://host:8786``); without one
it starts a :class:`distributed.LocalCluster` of worker processes, with
Dask's dashboard on a free local port (its address is printed on stderr),
and closes it with the executor.  A ``distributed.Client`` the caller made
is used as it is and left open.  A task that was running on a worker that died is
rescheduled on another by the Dask scheduler itself (up to its
``distributed.scheduler.allowed-failures``); ``retries`` additionally re-runs
tasks that raised.  Results do not depend on which worker ran which chunk.
"""

from __future__ import annotations

import importlib.util
import logging
import sys

from distributed import Client, LocalCluster, as_completed
from distributed.scheduler import KilledWorker

from ..errors import SimulationError
from .executors import Executor, failure, main_module_not_reimported

__all__ = ["DaskExecutor", "make_executor"]

#: How long to try reaching a scheduler: a reachable one answers within a second,
#: and a wrong address should not keep the user waiting (distributed's default is 30 s).
CONNECT_SECONDS = 5


class _DropSyncCancelRace(logging.Filter):
    """Drops one harmless error distributed logs after a Ctrl-C.

    ``distributed.utils.sync`` answers a KeyboardInterrupt by scheduling a
    ``cancel`` callback that reads a future which, when the interrupt lands
    before the coroutine has started, was never assigned: the callback raises
    NameError and tornado logs a ten-line traceback on stderr, after the
    interrupt was already handled.  Nothing is lost (there is no future to
    cancel), so only that record is dropped; every other error still shows.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (isinstance(exc, NameError) and "'future'" in str(exc)
                    and "sync.<locals>.cancel" in record.getMessage())


_SYNC_CANCEL_FILTER = _DropSyncCancelRace()


def _quiet_the_sync_cancel_race() -> None:
    # addFilter is idempotent for the same filter object
    logging.getLogger("tornado.application").addFilter(_SYNC_CANCEL_FILTER)


class DaskExecutor(Executor):
    """Maps a function over tasks on a Dask scheduler (given, or a local cluster).

    The client connects (or the local cluster starts) on first use and is
    reused until :meth:`close`.  ``fn`` must be importable on the workers,
    so they need ``negotiate`` installed.
    """

    name = "dask"

    def __init__(self, address: str | None = None, workers: int | None = None, *,
                 retries: int = 0, timeout: float = CONNECT_SECONDS, client: Client | None = None):
        if address is not None and not isinstance(address, str):
            raise ValueError(f"address must be a scheduler address such as 'tcp://host:8786', "
                             f"got {address!r}")
        if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool)
                                    or workers < 1):
            raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")
        if not isinstance(retries, int) or isinstance(retries, bool) or retries < 0:
            raise ValueError(f"retries must be a whole number >= 0, got {retries!r}")
        if client is not None and (address is not None or not isinstance(client, Client)):
            raise ValueError(f"client must be a distributed.Client (and no address), got {client!r}")
        self.address, self.retries, self.timeout = address, retries, timeout
        self.workers = workers or 1
        self._cluster: LocalCluster | None = None
        self._client: Client | None = client
        self._own_client = client is None

    def _get_client(self) -> Client:
        if self._client is not None:
            return self._client
        if self.address is None:
            # one single-threaded process per worker: the engine is numpy-bound
            # and the GIL would serialise threads.  The dashboard (and the
            # scheduler's health checks) on a free local port: 8787, Dask's
            # default, may be taken by someone else's cluster.
            with main_module_not_reimported():  # the cluster's processes start here
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                             processes=True, dashboard_address="127.0.0.1:0")
            self._client = Client(self._cluster)
            print(dashboard_line(self._client), file=sys.stderr)
            return self._client
        try:
            self._client = Client(self.address, timeout=self.timeout)
        except (OSError, TimeoutError) as exc:
            raise SimulationError(f"could not connect to the Dask scheduler at {self.address!r} "
                                  f"within {self.timeout} s: {exc}") from exc
        return self._client

    def imap_unordered(self, fn, tasks):
        _quiet_the_sync_cancel_race()
        client = self._get_client()
        # pure=False: every chunk is its own task even if two compare equal
        futures = {client.submit(fn, task, pure=False, retries=self.retries): index
                   for index, task in enumerate(tasks)}
        try:
            for future in as_completed(futures):
                # drop our reference so the cluster can forget the finished chunk
                index = futures.pop(future)
                try:
                    result = future.result()
                except KilledWorker as exc:
                    raise failure(index, exc, "because the Dask workers running it died "
                                   "too often (killed, or out of memory?)") from exc
                except Exception as exc:
                    raise failure(index, exc, "on a Dask worker") from exc
                yield index, result
        finally:
            if futures:  # those not yet finished
                client.cancel(list(futures))

    def close(self) -> None:
        if self._client is not None and self._own_client:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def dashboard_line(client: Client) -> str:
    """One line: where the local cluster's dashboard is, or why there is none."""
    if importlib.util.find_spec("bokeh") is None:
        return "Dask dashboard off: it needs bokeh (pip install bokeh)"
    return f"Dask dashboard: {client.dashboard_link}"


def make_executor(workers: int | None = None, *, address: str | None = None) -> DaskExecutor:
    """The factory :func:`negotiate.run.executors.get_executor` calls for ``"dask"``."""
    return DaskExecutor(address, workers)
