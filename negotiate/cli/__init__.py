"""The ``negotiate`` command: parses arguments, calls the public API, maps errors to exit codes.

Each subcommand is one ``_add_<name>`` function (in the module of its
group: :mod:`.simulation`, :mod:`.analysis`, :mod:`.scenario_commands`,
:mod:`.validation`) that declares its arguments and sets ``handler``;
handlers return an exit code or raise.  ``_run`` is the one place where
exceptions become exit codes:

====  ==========================================================
0     success
1     any other error of this library (``NegotiateError``)
2     an invalid scenario (``ScenarioError``), a bad output directory
      (``OutputError``, also a chunk cache of another run for ``--resume``),
      a results folder that is damaged, edited or of another kind
      (``ResultsFileError``), or bad arguments
130   interrupted (Ctrl-C, SIGINT)
143   terminated (SIGTERM, as sent by ``timeout`` or a job scheduler)
====  ==========================================================

SIGTERM is handled like Ctrl-C: the workers are stopped, finished blocks stay
in the cache and the command says what it left: whether ``--out`` was written
(in full, or not at all), and how to resume (``run``) or that nothing partial
is kept (every other command; docs/results.md, "Long runs, interruptions and
resuming").  A second signal while the
command is stopping ends it at once (its workers follow: see
:mod:`negotiate.run.executors`).  Operating-system errors (a full disk, a
file-size limit, a folder that cannot be renamed) and running out of memory
are one-line messages with exit 1, never tracebacks.
"""

from __future__ import annotations

import _thread
import argparse
import contextlib
import errno
import os
import signal
import sys
import threading
from collections.abc import Sequence

from .. import __version__
from ..errors import NegotiateError, OutputError, ResultsFileError, ScenarioError, one_line
from . import analysis, report_command, scenario_commands, simulation, validation, variants
from .options import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK, EXIT_TERMINATED, Handler

__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_INVALID", "EXIT_OK", "EXIT_TERMINATED", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``negotiate`` console script; returns the exit code.

    Called without ``argv`` (as the command), a signal after the command has
    finished, while Python shuts down, ends the process at once with the
    command's exit code, instead of a traceback from an exit handler.
    """
    with _stop_signals(as_command=argv is None) as stopped:
        try:
            args = _build_parser().parse_args(argv)
            stopped.code = _run(args.handler, args, stopped)
        except KeyboardInterrupt as exc:  # while parsing, or just after the command ended
            stopped.code = _report_stop(stopped, exc)
        return stopped.code


class _Stopped:
    """Which signal stopped the command (``None``: Ctrl-C raised by Python itself),
    and the exit code once it is known."""

    signum: int | None = None
    code: int | None = None


@contextlib.contextmanager
def _stop_signals(*, as_command: bool):
    """SIGINT and SIGTERM raise KeyboardInterrupt in the main thread (so every
    interrupt path, and the resume hint, serve both); a second one exits at once."""
    stopped = _Stopped()
    if threading.current_thread() is not threading.main_thread():
        yield stopped  # signal handlers can only be set in the main thread
        return

    def stop(signum, frame) -> None:
        if stopped.code is not None:  # the command has finished: only Python's exit is left
            _exit_now(stopped.code)
        if stopped.signum is not None:  # already stopping, and asked again: stop now
            _exit_now(_exit_code(signum))
        stopped.signum = signum
        raise KeyboardInterrupt

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stopped
    finally:
        for s, handler in previous.items():
            signal.signal(s, stop if as_command else handler)


def _exit_now(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass
    os._exit(code)


def _exit_code(signum: int | None) -> int:
    return EXIT_TERMINATED if signum == signal.SIGTERM else EXIT_INTERRUPTED


def _report_stop(stopped: _Stopped, exc: KeyboardInterrupt) -> int:
    word = "terminated" if stopped.signum == signal.SIGTERM else "interrupted"
    detail = f"; {one_line(str(exc))}" if str(exc) else ""  # such as how to resume
    print(f"negotiate: {word}{detail}", file=sys.stderr)
    return _exit_code(stopped.signum)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="negotiate",
        description="Monte Carlo simulation of ceasefire negotiations.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    simulation.add_commands(commands)      # run, compare
    analysis.add_commands(commands)        # sweep, sensitivity, discover
    scenario_commands.add_commands(commands)  # validate, schema
    validation.add_commands(commands)      # backtest, calibrate
    report_command.add_commands(commands)  # report
    variants.add_commands(commands)        # compare-many
    return parser


def _run(handler: Handler, args: argparse.Namespace, stopped: _Stopped | None = None) -> int:
    try:
        with _interrupts_not_swallowed():
            return handler(args)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_INVALID
    except (OutputError, ResultsFileError) as exc:  # a bad --out; a damaged or foreign results folder
        print(f"negotiate: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_INVALID
    except NegotiateError as exc:
        print(f"negotiate: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except ValueError as exc:  # an argument the public API refused
        print(f"negotiate: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt as exc:
        return _report_stop(stopped or _Stopped(), exc)
    except ImportError:
        if stopped is None or stopped.signum is None:
            raise
        # the signal's KeyboardInterrupt landed inside a C extension's import of a module the
        # command loads on first use, which turned it into an ImportError: still a stop
        return _report_stop(stopped, KeyboardInterrupt())
    except BrokenPipeError:
        # the reader went away (`negotiate schema | head`): silence the flush at exit
        _silence_stdout()
        return EXIT_ERROR
    except MemoryError as exc:
        detail = f" ({one_line(str(exc))})" if str(exc) else ""
        print(f"negotiate: error: out of memory{detail}; ask for fewer runs or fewer workers, "
              "or pass --no-keep-runs", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:  # a full disk, a file-size limit, a folder that cannot be renamed...
        _silence_stdout_if_broken()
        print(f"negotiate: error: {one_line(_os_error(exc))}", file=sys.stderr)
        return EXIT_ERROR


def _os_error(exc: OSError) -> str:
    """``[Errno 28] No space left on device: 'out/x'`` as ``out/x: No space left on device``."""
    if exc.errno is None or not exc.strerror:
        return str(exc) or type(exc).__name__
    names = [n for n in (exc.filename, exc.filename2) if n is not None]
    where = f"{' -> '.join(map(str, names))}: " if names else ""
    hint = " (disk full?)" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else ""
    return f"{where}{exc.strerror}{hint}"


def _silence_stdout() -> None:
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _silence_stdout_if_broken() -> None:
    """When the error was stdout itself (a full device), what is still buffered
    would fail again at exit, with a traceback: send it to /dev/null instead."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        try:
            _silence_stdout()
        except OSError:
            pass


@contextlib.contextmanager
def _interrupts_not_swallowed():
    """Make a Ctrl-C that lands in a finalizer still stop the command.

    Python prints and drops an exception raised in a ``__del__``; a Dask
    future's ``__del__`` wakes the client's event loop, so with ``--scheduler``
    a Ctrl-C at that instant was lost and the run went on to write its output.
    Such an interrupt is delivered to the main thread again, just after the
    finalizer has returned; other unraisable exceptions are reported as before.
    """
    previous = sys.unraisablehook

    def hook(unraisable) -> None:
        if issubclass(unraisable.exc_type, KeyboardInterrupt):
            timer = threading.Timer(0.01, _thread.interrupt_main)
            timer.daemon = True
            timer.start()
        else:
            previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous
