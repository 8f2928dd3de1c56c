"""``negotiate report``: one self-contained HTML file from a saved simulation."""

from __future__ import annotations

import argparse
from pathlib import Path

from .options import EXIT_OK


def add_commands(commands) -> None:
    p = commands.add_parser(
        "report",
        help="write one HTML report of a saved run",
        description="Write one self-contained HTML file (the scenario and its sources, the "
                    "outcome table with intervals, the time to agreement, figures, diagnostics, "
                    "the calibration used and what reproduces the numbers) from a folder "
                    "written by 'negotiate run --out DIR'. The folder is checked first.",
    )
    p.add_argument("results", metavar="DIR", help="a folder written by 'negotiate run --out'")
    p.add_argument("--out", metavar="FILE", default=None,
                   help="the report file (default: DIR.html beside the folder)")
    p.add_argument("--title", default=None, help="the report's title (default: the scenario's)")
    p.add_argument("--force", action="store_true",
                   help="replace the file even if negotiate did not write it (without --force only "
                        "an earlier report of negotiate is replaced)")
    p.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    from ..report import check_report_target, write_report
    from ..results import load_results

    folder = Path(args.results)
    target = Path(args.out) if args.out is not None else folder.parent / f"{folder.name or 'results'}.html"
    if args.out is not None and (not args.out.strip() or target.suffix.lower() not in (".html", ".htm")):
        raise ValueError(f"--out {args.out!r}: name an .html file")
    if not folder.is_dir():
        raise ValueError(f"{folder}: not a folder (name one written by 'negotiate run --out')")
    _check_is_a_run(folder)
    check_report_target(target, force=args.force)  # before the folder is read and checked
    path = write_report(load_results(folder), target, title=args.title, force=args.force)
    print(f"wrote {path}")
    return EXIT_OK


def _check_is_a_run(folder: Path) -> None:
    """The output of another command (a sweep, a backtest) is named as such, before anything
    else is read: the report is of one simulation."""
    from ..errors import ResultsFileError
    from ..results.storage import output_kind, output_name

    kind = output_kind(folder)
    if kind is not None and kind != "results":
        raise ResultsFileError(f"{folder}: holds {output_name(kind)}; report works only on the output "
                               "of `negotiate run`")
