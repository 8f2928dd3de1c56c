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
    print(f"negotiate: {word}", file=sys.stderr)
    raise SystemExit(EXIT_BY_SIGNAL[signum])  # SystemExit: no traceback


def install_if_command() -> None:
    if not _starting_the_command():
        return
    try:
        for signum in EXIT_BY_SIGNAL:
            signal.signal(signum, _stop)
    except ValueError:  # not the main thread: leave the defaults
        pass
