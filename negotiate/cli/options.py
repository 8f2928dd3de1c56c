"""Exit codes and the options several subcommands share."""

from __future__ import annotations

import argparse
import contextlib
import decimal
import os
from collections.abc import Callable

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INVALID = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_TERMINATED = 143  # 128 + SIGTERM
#: The most runs a command may ask for (``negotiate.run.seeding.MAX_RUNS``, the cap of a
#: scenario file's ``monte_carlo.runs``), checked while parsing: before any list is built.
MAX_RUNS = 10**10

Handler = Callable[[argparse.Namespace], int]
#: what a table's intervals measure: the noise of a finite number of runs, not the
#: uncertainty of the scenario's own numbers (docs/results.md)
MONTE_CARLO_INTERVALS = "95% Monte Carlo intervals (Wilson; simulation noise only)"


def calibration_suffix(scenario) -> str:
    """``, calibration: library`` for a table header when the scenario draws a calibration's
    knobs (or the posterior's folder), else nothing."""
    from ..scenario.calibrated_fields import calibration_label

    label = calibration_label(scenario)
    return "" if label is None else f", {label}"


def whole(minimum: int, maximum: int | None = None):
    """An argparse type: a whole number >= minimum (and <= maximum); argparse turns
    errors into exit 2."""

    def parse(text: str) -> int:
        value = _whole_number(text)
        if value is None:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum:,}, got {value:,}")
        return value

    return parse


def _whole_number(text: str) -> int | None:
    """``text`` as a whole number, also written in e-notation (``1e3``, ``1e+10``, as the
    help prints the limits; ``2.5e1``) as the API takes ``1e6``; None if it is not one."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = decimal.Decimal(text.strip())  # exact: float(1e30) is not 10**30
    except decimal.InvalidOperation:
        return None
    if not number.is_finite() or number.adjusted() > 1000 or number != number.to_integral_value():
        return None  # 1e999999999 would take minutes to become an int, and is no count of anything
    return int(number)


def seed(text: str) -> int:
    """An argparse type for --seed: the check of every entry point's ``seed``
    (:func:`negotiate.run.arguments.check_seed`, the limit of ``monte_carlo.seed``)."""
    # imported only when --seed is given (not at every command's start); the command needs it anyway
    from ..run.arguments import check_seed

    value = whole(0)(text)
    try:
        return check_seed(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("seed ")) from None


def folder(text: str) -> str:
    """An argparse type for --out: a folder name, not an empty string (which would
    otherwise silently mean the default)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"expected a folder name, got {text!r}")
    return text


def outcome_name(text: str) -> str:
    """An argparse type: one of the four outcomes, refused while parsing (before any work)."""
    from ..model.outcomes import OUTCOMES

    if text not in OUTCOMES:
        raise argparse.ArgumentTypeError(f"unknown outcome {text!r}; choose from {', '.join(OUTCOMES)}")
    return text


def add_out(p: argparse.ArgumentParser, default_help: str = "no files") -> None:
    """--out DIR and --force: every command that writes an output directory takes both (the
    ``force=`` of every result's ``save``, which the refusals name)."""
    p.add_argument("--out", type=folder, default=None,
                   help=f"output directory (default: {default_help})")
    p.add_argument("--force", action="store_true",
                   help="write into an --out directory that holds files negotiate did not write "
                        "(they are kept), or replace the output of another command there (without "
                        "--force such a directory is refused)")


def check_out(out, kind: str | None = None) -> None:
    """A bad --out (an existing file, a folder of other files, the output of another
    ``kind`` of result...) is refused before any work."""
    if out is not None:
        from ..results.storage import check_output_directory

        check_output_directory(out, kind=kind)


#: What an interrupted command that keeps nothing partial says it left (see :func:`out_held`).
NOTHING_KEPT = "no partial results are kept: running the command again starts afresh"


@contextlib.contextmanager
def out_held(out, *, kind: str, force: bool = False):
    """Check --out and hold its lock for the whole command, as ``run`` does: a place that
    cannot be written, or that another run writes, is refused before anything is simulated.
    An interrupt inside says what it left: whether --out was written, and that no partial
    result is kept (these commands keep none; ``run`` keeps finished blocks, and says so)."""
    if out is None:
        try:
            yield
        except KeyboardInterrupt:
            raise KeyboardInterrupt(f"nothing was written (no --out); {NOTHING_KEPT}") from None
        return
    from ..results.storage import check_output_directory, lock_output

    check_output_directory(out, force=force, kind=kind)
    with lock_output(out):
        before = output_identity(out)
        try:
            yield
        except KeyboardInterrupt:
            whole, said = what_was_written(out, before)
            raise KeyboardInterrupt(said if whole else f"{said}; {NOTHING_KEPT}") from None


def output_identity(path) -> tuple[int, int] | None:
    """Output directory ``path``'s identity (device, inode), None if there is none: an output
    is swapped in as a new directory, so a new identity means a new output."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def what_was_written(out, before: tuple[int, int] | None) -> tuple[bool, str]:
    """After an interrupt: whether output directory ``out`` (whose identity was ``before``
    when the command began) was written, and the words that say so.  An output is swapped
    in whole or not at all (an interrupt during the swap is delivered after it:
    :mod:`negotiate.results.interrupts`), so it was written in full or not at all."""
    after = output_identity(out)
    if after is not None and after != before:
        return True, f"{out} was written in full before the stop"
    earlier = " (its earlier output is left as it was)" if before is not None else ""
    return False, f"nothing was written to {out}{earlier}"


def print_notes(labelled: list[tuple], *, skip: tuple[str, ...] = ()) -> None:
    """Each result's ``diagnose()`` problems as ``negotiate: note: ...`` lines on stderr,
    ``labelled`` being ``[(label, Results), ...]`` (a label of ``None``: no prefix).  A note
    several results share (the same calibration, say) is printed once, naming them all."""
    import sys

    seen: dict[str, list[str]] = {}
    for label, results in labelled:
        for problem in results.diagnose():
            if problem.kind not in skip:
                seen.setdefault(str(problem), []).append(label)
    for message, labels in seen.items():
        named = [str(label) for label in labels if label is not None]
        prefix = f"{', '.join(named)}: " if named else ""
        print(f"negotiate: note: {prefix}{message}", file=sys.stderr)


@contextlib.contextmanager
def warnings_as_lines(*categories: type[Warning]):
    """Warnings of ``categories`` raised inside the block: one ``negotiate: warning: ...``
    line each on stderr (not Python's form with a source line); others as usual."""
    import sys
    import warnings

    from ..errors import one_line

    with warnings.catch_warnings(record=True) as caught:
        for category in categories:
            warnings.simplefilter("always", category)
        try:
            yield
        finally:
            for w in caught:
                if issubclass(w.category, categories):
                    print(f"negotiate: warning: {one_line(str(w.message))}", file=sys.stderr)
                else:
                    warnings.showwarning(w.message, w.category, w.filename, w.lineno)


#: the columns of a comparison's table that are differences (B − A and its interval)
DIFFERENCE_COLUMNS = ("difference", "ci_low", "ci_high")


def difference_table(frame, **to_string) -> str:
    """A comparison's table as text: differences with their sign (+0.0120), probabilities
    without one (0.4662)."""
    signed = {c: "{:+.4f}".format for c in frame.columns if c in DIFFERENCE_COLUMNS}
    return frame.to_string(formatters=signed, float_format="{:.4f}".format, **to_string)


def add_simulation_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs", type=whole(1, MAX_RUNS), default=None,
                   help=f"Monte Carlo runs, at most {MAX_RUNS:.0e} (default: the scenario's)")
    p.add_argument("--seed", type=seed, default=None, help="root seed (default: the scenario's)")
    p.add_argument("--workers", type=whole(1), default=None, help="worker processes (default: all cores)")
    p.add_argument("--chunk-size", type=whole(1), default=None, help="runs per task handed to a worker")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on the workers of this Dask scheduler, e.g. tcp://host:8786 "
                        "(needs the distributed package)")
    p.add_argument("--no-plots", action="store_true", help="write the tables only")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def simulation_kwargs(args: argparse.Namespace) -> dict:
    # the command line uses every core unless told otherwise (the library defaults to one)
    workers = args.workers or (None if args.scheduler else os.cpu_count()) or 1
    return {"runs": args.runs, "seed": args.seed, "workers": workers, "chunk_size": args.chunk_size,
            "progress": False if args.no_progress else None, "address": args.scheduler}


def add_analysis_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=seed, default=None, help="root seed (default: the scenario's)")
    p.add_argument("--workers", type=whole(1), default=None, help="worker processes (default: all cores)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on the workers of this Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--no-plots", action="store_true", help="write the tables only")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def analysis_kwargs(args: argparse.Namespace) -> dict:
    workers = args.workers or (None if args.scheduler else os.cpu_count()) or 1
    return {"seed": args.seed, "workers": workers, "address": args.scheduler,
            "progress": False if args.no_progress else None}
