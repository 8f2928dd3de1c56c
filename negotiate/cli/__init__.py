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
      (``OutputError``), or bad arguments
130   interrupted (Ctrl-C)
====  ==========================================================
"""

from __future__ import annotations

import _thread
import argparse
import contextlib
import os
import sys
import threading
from collections.abc import Sequence

from .. import __version__
from ..errors import NegotiateError, OutputError, ScenarioError, one_line
from . import analysis, report_command, scenario_commands, simulation, validation, variants
from .options import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK, Handler

__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_INVALID", "EXIT_OK", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``negotiate`` console script; returns the exit code."""
    args = _build_parser().parse_args(argv)
    return _run(args.handler, args)


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


def _run(handler: Handler, args: argparse.Namespace) -> int:
    try:
        with _interrupts_not_swallowed():
            return handler(args)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_INVALID
    except OutputError as exc:  # a bad --out, refused before any work
        print(f"negotiate: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_INVALID
    except NegotiateError as exc:
        print(f"negotiate: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except ValueError as exc:  # an argument the public API refused
        print(f"negotiate: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt as exc:
        detail = f"; {one_line(str(exc))}" if str(exc) else ""  # such as how to resume
        print(f"negotiate: interrupted{detail}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader went away (`negotiate schema | head`): silence the flush at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR


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
