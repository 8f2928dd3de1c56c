"""A Ctrl-C or SIGTERM while the ``negotiate`` command is still importing: a one-line
message, not a traceback from deep inside an import.

Imported first by the package.  It acts only when the package is being imported
to run the command (``python -m negotiate``: ``sys.argv[0]`` is ``"-m"`` while
the package loads; the console script: ``sys.argv[0]`` ends in ``negotiate``),
never in a user's session.  :func:`negotiate.cli.main` replaces these handlers
with its own as soon as it starts.
"""

from __future__ import annotations

import os
import signal
import sys

#: Exit codes of a command stopped by a signal: 128 + the signal's number, as a shell reports it.
EXIT_BY_SIGNAL = {signal.SIGINT: 130, signal.SIGTERM: 143}


def _starting_the_command() -> bool:
    argv0 = sys.argv[0] if sys.argv else ""
    return argv0 == "-m" or os.path.basename(argv0) == "negotiate"


def _stop(signum, frame) -> None:
    word = "interrupted" if signum == signal.SIGINT else "terminated"
    print(f"negotiate: {word}", file=sys.stderr, flush=True)
    # Exit at once, not by raising: an exception raised here can land inside a C extension's
    # import (numpy's datetime capsule), which turns it into an ImportError with a traceback,
    # or leave a half-imported library whose threads hold up Python's exit.  Nothing has been
    # written or started yet, so there is nothing to clean up.
    os._exit(EXIT_BY_SIGNAL[signum])


def install_if_command() -> None:
    if not _starting_the_command():
        return
    try:
        for signum in EXIT_BY_SIGNAL:
            signal.signal(signum, _stop)
    except ValueError:  # not the main thread: leave the defaults
        pass
