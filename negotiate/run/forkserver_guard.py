"""Imported by the fork server of the worker pool (and nowhere else): it ignores SIGTERM.

The fork server is the process that forks the pool's workers
(:data:`negotiate.run.executors.PRELOAD` makes it import this module).
``timeout`` and job schedulers send SIGTERM to the whole process group; a fork
server killed by it would take the workers with it (they die with their
parent) and the command would report a dead worker instead of stopping
cleanly, so it ignores SIGTERM, as the workers do: the command stops them
itself.  It still exits when the command dies: it reads a pipe only the
command holds open, and leaves at its end (CPython's ``forkserver.main``).
"""

from __future__ import annotations

import signal
import sys

if sys.argv[:1] == ["-c"] and "multiprocessing.forkserver" in sys.modules:  # the fork server
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
