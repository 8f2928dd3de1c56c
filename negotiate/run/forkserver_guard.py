"""Imported by the fork server of the worker pool (and nowhere else): it dies with its parent.

The fork server is the process that forks the pool's workers
(:data:`negotiate.run.executors.PRELOAD` makes it import this module).  It
would outlive a parent killed with SIGKILL, so on Linux it asks the kernel to
kill it when its parent dies; its workers, which ask the same of it, follow.
It also ignores SIGTERM, as the workers do: ``timeout`` and job schedulers
signal the whole process group, and the parent stops its workers itself.
"""

from __future__ import annotations

import signal
import sys

from .executors import die_with_parent

if sys.argv[:1] == ["-c"] and "multiprocessing.forkserver" in sys.modules:  # the fork server
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    die_with_parent()
