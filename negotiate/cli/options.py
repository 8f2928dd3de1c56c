"""Exit codes and the options several subcommands share."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INVALID = 2
EXIT_INTERRUPTED = 130

Handler = Callable[[argparse.Namespace], int]


def whole(minimum: int):
    """An argparse type: a whole number >= minimum (argparse turns errors into exit 2)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return parse


def add_simulation_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs", type=whole(1), default=None, help="Monte Carlo runs (default: the scenario's)")
    p.add_argument("--seed", type=whole(0), default=None, help="root seed (default: the scenario's)")
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
    p.add_argument("--seed", type=whole(0), default=None, help="root seed (default: the scenario's)")
    p.add_argument("--workers", type=whole(1), default=None, help="worker processes (default: all cores)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on the workers of this Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--no-plots", action="store_true", help="write the tables only")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def analysis_kwargs(args: argparse.Namespace) -> dict:
    workers = args.workers or (None if args.scheduler else os.cpu_count()) or 1
    return {"seed": args.seed, "workers": workers, "address": args.scheduler,
            "progress": False if args.no_progress else None}
