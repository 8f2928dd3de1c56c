"""Signals held back while a few lines must not be cut in the middle.

:func:`signals_deferred` records SIGINT and SIGTERM instead of acting on them
and acts on them (calls the handler that was in force) on leaving the block.
The process pool uses it around its waits, where an interrupt could leave a
lock held (:mod:`.executors`), and the output writer around the two renames
that swap a new output in (:mod:`.storage`), so an interrupt never leaves the
target missing.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

__all__ = ["signals_deferred"]

_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM") if hasattr(signal, name))


@contextmanager
def signals_deferred():
    """Hold SIGINT and SIGTERM inside the block, then deliver them.

    For example, an interrupt raised inside ``concurrent.futures`` (between two
    lock acquisitions of ``wait``, inside ``submit``) can leave a future's lock
    held; the pool's manager thread then blocks on it for ever and the command
    hangs at exit.  Here a signal is only recorded, and the handler in force
    before is called with it on leaving the block.  Signals whose handler was
    not set from Python are left alone.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers run in the main thread only: nothing to defer here
        return
    caught: list[int] = []
    previous = {}
    try:
        for signum in _STOP_SIGNALS:
            if signal.getsignal(signum) is None:  # set outside Python: cannot be restored
                continue
            previous[signum] = signal.signal(signum, lambda signum, frame: caught.append(signum))
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if caught:
            _deliver(caught[0], previous[caught[0]])


def _deliver(signum: int, handler) -> None:
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        signal.raise_signal(signum)  # the default action, now that the default is back
