"""The ``negotiate`` command: parses arguments, calls the public API, maps errors to exit codes.

Each subcommand is one ``_add_<name>`` function that declares its arguments
and sets ``handler``; handlers return an exit code or raise.  ``_run`` is the
one place where exceptions become exit codes:

====  ==========================================================
0     success
1     any other error of this library (``NegotiateError``)
2     an invalid scenario (``ScenarioError``), or bad arguments
130   interrupted (Ctrl-C)
====  ==========================================================
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import warnings
from collections.abc import Callable, Sequence

from . import __version__
from .errors import NegotiateError, ScenarioError, one_line
from .scenario import load_scenario
from .scenario.jsonschema import scenario_json_schema_text

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INVALID = 2
EXIT_INTERRUPTED = 130

Handler = Callable[[argparse.Namespace], int]


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
    _add_run(commands)
    _add_compare(commands)
    _add_sweep(commands)
    _add_sensitivity(commands)
    _add_discover(commands)
    _add_validate(commands)
    _add_schema(commands)
    return parser


def _run(handler: Handler, args: argparse.Namespace) -> int:
    try:
        return handler(args)
    except ScenarioError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
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


# --- validate -----------------------------------------------------------------

def _add_validate(commands) -> None:
    p = commands.add_parser(
        "validate",
        help="check scenario files",
        description="Check scenario files: prints 'ok: FILE (N actors, M issues)' for each "
                    "valid one and one line per problem (FILE:LINE: field: what is wrong) "
                    "on stderr. Exit code 0 if all are valid, 2 otherwise.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML file")
    p.set_defaults(handler=_validate)


def _validate(args: argparse.Namespace) -> int:
    problems = []
    for file in args.files:
        try:
            scenario = load_scenario(file)
        except ScenarioError as exc:
            problems.extend(exc.problems)  # keep going: report every file
            continue
        print(f"ok: {file} ({_count(scenario.actors, 'actor')}, "
              f"{_count(scenario.issues, 'issue')})")
    if problems:
        raise ScenarioError(problems)
    return EXIT_OK


def _count(items, noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


# --- schema -------------------------------------------------------------------

def _add_schema(commands) -> None:
    p = commands.add_parser(
        "schema",
        help="print the JSON Schema of scenario files",
        description="Print the JSON Schema of scenario files (for editors). "
                    "Regenerate the committed copy with "
                    "`negotiate schema > scenarios/scenario.schema.json`.",
    )
    p.set_defaults(handler=_schema)


def _schema(args: argparse.Namespace) -> int:
    sys.stdout.write(scenario_json_schema_text())
    return EXIT_OK


# --- run and compare ------------------------------------------------------------

def _whole(minimum: int):
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


def _add_simulation_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs", type=_whole(1), default=None, help="Monte Carlo runs (default: the scenario's)")
    p.add_argument("--seed", type=_whole(0), default=None, help="root seed (default: the scenario's)")
    p.add_argument("--workers", type=_whole(1), default=None, help="worker processes (default: all cores)")
    p.add_argument("--chunk-size", type=_whole(1), default=None, help="runs per task handed to a worker")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on the workers of this Dask scheduler, e.g. tcp://host:8786 "
                        "(needs the distributed package)")
    p.add_argument("--no-plots", action="store_true", help="write the tables only")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _add_run(commands) -> None:
    p = commands.add_parser(
        "run",
        help="simulate a scenario and write its table and plots",
        description="Simulate a scenario: prints the outcome table and writes summary.csv, "
                    "runs.parquet, metadata.json and PNG plots to --out (replaced atomically).",
    )
    p.add_argument("file", metavar="FILE", help="scenario YAML file")
    p.add_argument("--out", default=None, help="output directory (default: out/<scenario name>)")
    p.add_argument("--resume", action="store_true",
                   help="reuse the blocks that an interrupted or failed run with the same arguments "
                        "finished (kept in .<OUT>.chunks beside --out until the output is written)")
    p.add_argument("--no-keep-runs", action="store_true",
                   help="keep only the summaries (no runs.parquet): memory does not grow with --runs")
    _add_simulation_options(p)
    p.set_defaults(handler=_run_scenario)


def _simulation_kwargs(args: argparse.Namespace) -> dict:
    # the command line uses every core unless told otherwise (the library defaults to one)
    workers = args.workers or (None if args.scheduler else os.cpu_count()) or 1
    return {"runs": args.runs, "seed": args.seed, "workers": workers, "chunk_size": args.chunk_size,
            "progress": False if args.no_progress else None, "address": args.scheduler}


def _run_scenario(args: argparse.Namespace) -> int:
    from .run import simulate
    from .run.cache import discard_cache
    from .run.report import write_outputs

    scenario = load_scenario(args.file)
    out = args.out or os.path.join("out", scenario.name)
    cache_dir = _chunk_cache_dir(out)
    _prepare_chunk_cache(cache_dir, resume=args.resume)
    with _resume_hint(cache_dir):
        results = simulate(scenario, **_simulation_kwargs(args), keep_runs=not args.no_keep_runs,
                           cache_dir=cache_dir, keep_cache=True)
        paths = write_outputs(results, out, plots=not args.no_plots)
    discard_cache(cache_dir)  # the output is complete: its blocks are no longer needed
    table = results.outcome_probabilities()[["p", "ci_low", "ci_high"]]
    print(f"{scenario.name}: {results.runs:,} runs, seed {results.seed}, 95% Wilson intervals")
    print(table.to_string(float_format=lambda v: f"{v:.4f}"))
    print(f"wrote {len(paths)} files to {out}")
    return EXIT_OK


def _chunk_cache_dir(out: str) -> str:
    """Where ``run`` keeps finished blocks: a hidden sibling of the output directory."""
    head, tail = os.path.split(os.path.normpath(out))
    return os.path.join(head, f".{tail}.chunks")


def _prepare_chunk_cache(cache_dir: str, *, resume: bool) -> None:
    from .run.cache import cached_block_count, discard_cache

    found = cached_block_count(cache_dir)
    if resume:
        print(f"negotiate: resuming: {found} finished block{'' if found == 1 else 's'} in {cache_dir}"
              if found else f"negotiate: nothing to resume in {cache_dir}; starting afresh", file=sys.stderr)
    elif discard_cache(cache_dir) and found:
        print(f"negotiate: discarded {found} blocks of an unfinished run in {cache_dir} "
              "(pass --resume to continue such a run)", file=sys.stderr)


@contextlib.contextmanager
def _resume_hint(cache_dir: str):
    """Say how to resume when a run stops with finished blocks in its cache;
    print the cache's warnings (a damaged block simulated again) one line each."""
    from .errors import SimulationError
    from .run.cache import CacheMismatchError, cached_block_count, discard_cache

    def hint() -> str:
        n = cached_block_count(cache_dir)
        if not n:  # nothing worth keeping
            discard_cache(cache_dir)
            return ""
        return (f"{n} finished block{'' if n == 1 else 's'} kept in {cache_dir}: "
                "run the same command with --resume to continue")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        except KeyboardInterrupt:
            raise KeyboardInterrupt(hint()) from None
        except CacheMismatchError as exc:
            raise CacheMismatchError(f"{exc}; or run without --resume to start afresh") from None
        except SimulationError as exc:
            detail = hint()
            if not detail:
                raise
            raise SimulationError(f"{str(exc).rstrip('.')}; {detail}") from exc
        finally:
            for warning in caught:
                print(f"negotiate: warning: {one_line(str(warning.message))}", file=sys.stderr)


def _add_compare(commands) -> None:
    p = commands.add_parser(
        "compare",
        help="compare two scenarios on common random numbers",
        description="Run two scenarios on the same draws (common random numbers) and print the "
                    "paired difference (B − A) of each outcome probability with a 95% interval.",
    )
    p.add_argument("file_a", metavar="A", help="scenario YAML file (reference)")
    p.add_argument("file_b", metavar="B", help="scenario YAML file (variant)")
    p.add_argument("--out", default=None, help="output directory (default: no files)")
    _add_simulation_options(p)
    p.set_defaults(handler=_compare)


def _compare(args: argparse.Namespace) -> int:
    from .run import compare
    from .run.report import write_comparison_outputs

    a, b = load_scenario(args.file_a), load_scenario(args.file_b)
    comparison = compare(a, b, **_simulation_kwargs(args))
    print(f"{b.name} − {a.name}: {comparison.runs:,} paired runs, 95% intervals")
    print(comparison.differences().to_string(float_format=lambda v: f"{v:+.4f}"))
    if args.out:
        paths = write_comparison_outputs(comparison, args.out, plots=not args.no_plots)
        print(f"wrote {len(paths)} files to {args.out}")
    return EXIT_OK


# --- sweep --------------------------------------------------------------------------

def _add_sweep(commands) -> None:
    p = commands.add_parser(
        "sweep",
        help="run a scenario over a grid of parameter values",
        description="Run a scenario at every combination of the --param values on the same draws "
                    "(common random numbers) and print the outcome probabilities per point; with "
                    "--out, write sweep.csv, metadata.json and sweep.png (replaced atomically).",
    )
    p.add_argument("file", metavar="FILE", help="scenario YAML file")
    p.add_argument("--param", action="append", required=True, metavar="PATH=V1,V2,...",
                   help="a field path and its values, e.g. actors.A.war_cost=0.01,0.05 "
                        "(once or twice; numbers are read as numbers, anything else as text)")
    p.add_argument("--out", default=None, help="output directory (default: no files)")
    _add_simulation_options(p)
    p.set_defaults(handler=_sweep)


def _sweep_grid(params: Sequence[str]) -> dict[str, list]:
    """``["a.b=1,2", "c=x"]`` → ``{"a.b": [1, 2], "c": ["x"]}`` (ValueError names the bad one)."""
    grid: dict[str, list] = {}
    for text in params:
        path, sep, values = text.partition("=")
        path = path.strip()
        items = [v.strip() for v in values.split(",")]
        if not sep or not path or not all(items):
            raise ValueError(f"--param {text!r}: expected PATH=V1,V2,... such as actors.A.war_cost=0.01,0.05")
        if path in grid:
            raise ValueError(f"--param {path!r} is given twice")
        grid[path] = [_number_or_text(v) for v in items]
    return grid


def _number_or_text(text: str):
    for parse in (int, float):
        try:
            value = parse(text)
        except ValueError:
            continue
        if math.isfinite(value):  # "nan" and "inf" stay text: no scenario value means them
            return value
    return text


def _sweep(args: argparse.Namespace) -> int:
    from .run import sweep

    grid = _sweep_grid(args.param)
    scenario = load_scenario(args.file)
    result = sweep(scenario, grid, **_simulation_kwargs(args))
    print(f"{scenario.name}: {len(result.points)} points, {result.runs:,} runs each, seed {result.seed}, "
          "common random numbers, 95% Wilson intervals")
    print(result.to_frame().to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    if args.out:
        paths = result.save(args.out, plots=not args.no_plots)
        print(f"wrote {len(paths)} files to {args.out}")
    return EXIT_OK


# --- sensitivity and discovery ----------------------------------------------------------

def _add_analysis_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=_whole(0), default=None, help="root seed (default: the scenario's)")
    p.add_argument("--workers", type=_whole(1), default=None, help="worker processes (default: all cores)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on the workers of this Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--no-plots", action="store_true", help="write the tables only")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _analysis_kwargs(args: argparse.Namespace) -> dict:
    workers = args.workers or (None if args.scheduler else os.cpu_count()) or 1
    return {"seed": args.seed, "workers": workers, "address": args.scheduler,
            "progress": False if args.no_progress else None}


def _add_sensitivity(commands) -> None:
    p = commands.add_parser(
        "sensitivity",
        help="which uncertain inputs drive each outcome (Sobol or Morris indices)",
        description="Sobol (first and total order, with intervals) or Morris indices of each outcome "
                    "probability over the scenario's distribution-valued fields (or the --input ones); "
                    "prints the inputs by importance and writes sensitivity.csv, metadata.json and "
                    "sensitivity_<outcome>.png to --out (replaced atomically).",
    )
    p.add_argument("file", metavar="FILE", help="scenario YAML file")
    p.add_argument("--method", choices=("sobol", "morris"), default="sobol", help="default: sobol")
    p.add_argument("--input", action="append", default=None, metavar="PATH", dest="inputs",
                   help="a distribution-valued field to vary (repeat; default: all of them)")
    p.add_argument("--samples", type=_whole(2), default=None,
                   help="Sobol base samples (a power of two, default 128) or Morris trajectories (default 20)")
    p.add_argument("--replications", type=_whole(1), default=8, help="worlds per design point (default 8)")
    p.add_argument("--outcome", default=None, help="print only this outcome's indices")
    p.add_argument("--out", default=None, help="output directory (default: out/<scenario name>_<method>)")
    _add_analysis_options(p)
    p.set_defaults(handler=_sensitivity)


def _sensitivity(args: argparse.Namespace) -> int:
    from .analysis import sensitivity

    scenario = load_scenario(args.file)
    result = sensitivity(scenario, args.method, inputs=args.inputs, samples=args.samples,
                         replications=args.replications, **_analysis_kwargs(args))
    outcomes = [args.outcome] if args.outcome else result.outcomes
    print(f"{scenario.name}: {args.method} indices, {len(result.inputs)} inputs, {len(result.design):,} "
          f"points × {result.replications} worlds, seed {result.seed}, {result.level:.0%} intervals")
    for outcome in outcomes:
        table = result.ranking(outcome).drop(columns="outcome")
        noise = (result.noise_share or {}).get(outcome, math.nan)
        print(f"\n{outcome}" + (f" (noise: {noise:.0%} of its variance)" if math.isfinite(noise) else ""))
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    out = args.out or os.path.join("out", f"{scenario.name}_{args.method}")
    paths = result.save(out, plots=not args.no_plots)
    print(f"wrote {len(paths)} files to {out}")
    return EXIT_OK


def _add_discover(commands) -> None:
    p = commands.add_parser(
        "discover",
        help="which combinations of inputs lead to an outcome (PRIM or CART boxes)",
        description="Simulate the scenario, then find boxes of its distribution-valued inputs where "
                    "--outcome happens (PRIM or a classification tree); prints each box's rule, coverage "
                    "and density, and with --out writes discovery.csv, metadata.json and discovery.png.",
    )
    p.add_argument("file", metavar="FILE", help="scenario YAML file")
    p.add_argument("--outcome", default="comprehensive_agreement", help="default: comprehensive_agreement")
    p.add_argument("--method", choices=("prim", "cart"), default="prim", help="default: prim")
    p.add_argument("--runs", type=_whole(1), default=None, help="Monte Carlo runs (default: the scenario's)")
    p.add_argument("--out", default=None, help="output directory (default: no files)")
    _add_analysis_options(p)
    p.set_defaults(handler=_discover)


def _discover(args: argparse.Namespace) -> int:
    from .analysis import discover
    from .run import simulate

    scenario = load_scenario(args.file)
    results = simulate(scenario, runs=args.runs, **_analysis_kwargs(args))
    found = discover(results, args.outcome, method=args.method)
    print(f"{scenario.name}: {found.method} boxes where {args.outcome} happens; {found.cases:,} of "
          f"{found.worlds:,} worlds ({found.base_rate:.1%}), seed {results.seed}")
    print(found.to_frame().to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    if args.out:
        paths = found.save(args.out, plots=not args.no_plots, seed=results.seed)
        print(f"wrote {len(paths)} files to {args.out}")
    return EXIT_OK
