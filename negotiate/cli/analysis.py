"""``negotiate sweep``, ``negotiate sensitivity`` and ``negotiate discover``."""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from collections.abc import Sequence

from ..errors import ScenarioError
from .options import (
    EXIT_OK,
    MAX_RUNS,
    MONTE_CARLO_INTERVALS,
    add_analysis_options,
    add_out,
    add_simulation_options,
    analysis_kwargs,
    calibration_suffix,
    out_held,
    outcome_name,
    print_notes,
    simulation_kwargs,
    warnings_as_lines,
    whole,
)
from .variants import add_set_option, blamed_on, load_with_sets


def add_commands(commands) -> None:
    _add_sweep(commands)
    _add_sensitivity(commands)
    _add_discover(commands)


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
    add_out(p)
    add_set_option(p)
    add_simulation_options(p)
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
    from ..run import sweep

    grid = _sweep_grid(args.param)
    scenario = load_with_sets(args.file, args)
    with out_held(args.out, kind="sweep", force=args.force):  # checked and locked before any work
        try:  # every point is checked before anything runs
            result = sweep(scenario, grid, **simulation_kwargs(args))
        except ScenarioError as exc:  # a point's problem lies in FILE and its --param
            raise blamed_on(exc, args.file, [(path, f"--param {text}")
                                             for path, text in zip(grid, args.param)]) from None
        print(f"{scenario.name}: {len(result.points)} points, {result.runs:,} runs each, seed {result.seed}, "
              f"common random numbers, {MONTE_CARLO_INTERVALS}{calibration_suffix(scenario)}")
        print(result.to_frame().to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        _save_if_asked(args, result)
    _print_calibration_note(scenario)
    return EXIT_OK


def _add_sensitivity(commands) -> None:
    p = commands.add_parser(
        "sensitivity",
        help="which uncertain inputs drive each outcome (a Morris screen, or Sobol indices)",
        description="Morris elementary effects (the default: a cheap screen) or Sobol indices (first "
                    "and total order, with intervals; --method sobol, best on the few inputs the "
                    "screen keeps) of each outcome probability over the scenario's "
                    "distribution-valued fields (or the --input ones); prints the inputs by importance "
                    "and a note for any index not to read at face value, and, with --out, writes "
                    "sensitivity.csv, metadata.json and sensitivity_<outcome>.png (replaced atomically).",
    )
    p.add_argument("file", metavar="FILE", help="scenario YAML file")
    p.add_argument("--method", choices=("morris", "sobol"), default="morris",
                   help="default: morris (screen first; then sobol on the inputs that matter)")
    p.add_argument("--input", action="append", default=None, metavar="PATH", dest="inputs",
                   help="a distribution-valued field to vary (repeat; default: all of them)")
    p.add_argument("--samples", type=whole(2), default=None,
                   help="Sobol base samples (a power of two, default 128) or Morris trajectories (default 20)")
    p.add_argument("--replications", type=whole(1), default=8, help="worlds per design point (default 8)")
    p.add_argument("--outcome", type=outcome_name, default=None, help="print only this outcome's indices")
    add_out(p)
    add_set_option(p)
    add_analysis_options(p)
    p.set_defaults(handler=_sensitivity)


def _sensitivity(args: argparse.Namespace) -> int:
    from ..analysis import sensitivity
    from ..analysis.inputs import calibrated_inputs
    from ..results.diagnostics import WeakResultWarning

    scenario = load_with_sets(args.file, args)
    calibrated = calibrated_inputs(scenario, args.inputs)
    if calibrated:  # said with the file it lies in, before any work
        raise ValueError(f"{args.file}: {calibrated}")
    with out_held(args.out, kind="sensitivity", force=args.force):  # checked and locked before any work
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", WeakResultWarning)  # printed below, as notes after the tables
            result = sensitivity(scenario, args.method, inputs=args.inputs, samples=args.samples,
                                 replications=args.replications, **analysis_kwargs(args))
        outcomes = [args.outcome] if args.outcome else result.outcomes
        print(f"{scenario.name}: {args.method} indices, {len(result.inputs)} inputs, {len(result.design):,} "
              f"points × {result.replications} worlds, seed {result.seed}, {result.level:.0%} intervals")
        for outcome in outcomes:
            table = result.ranking(outcome).drop(columns="outcome")
            noise = (result.noise_share or {}).get(outcome, math.nan)
            print(f"\n{outcome}" + (f" (noise: {noise:.0%} of its variance)" if math.isfinite(noise) else ""))
            print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        for problem in result.diagnose():
            if problem.subject in outcomes:
                print(f"negotiate: note: {problem}", file=sys.stderr)
        _save_if_asked(args, result)
    _print_calibration_note(scenario)
    return EXIT_OK


def _print_calibration_note(scenario) -> None:
    """The note ``run`` prints about a calibration (the sweep and the design run on its draws)."""
    from ..scenario.calibrated_fields import calibration_note

    note = calibration_note(scenario)
    if note is not None:
        print(f"negotiate: note: {note}", file=sys.stderr)


def _add_discover(commands) -> None:
    p = commands.add_parser(
        "discover",
        help="which combinations of inputs lead to an outcome (PRIM or CART boxes)",
        description="Simulate the scenario, then find boxes of its distribution-valued inputs where "
                    "--outcome happens (PRIM or a classification tree); prints each box's rule, coverage "
                    "and density, and with --out writes discovery.csv, metadata.json and discovery.png.",
    )
    p.add_argument("file", metavar="FILE", help="scenario YAML file")
    p.add_argument("--outcome", type=outcome_name, default="comprehensive_agreement",
                   help="default: comprehensive_agreement")
    p.add_argument("--method", choices=("prim", "cart"), default="prim", help="default: prim")
    p.add_argument("--runs", type=whole(1, MAX_RUNS), default=None,
                   help="Monte Carlo runs (default: the scenario's)")
    p.add_argument("--prune", type=_prune, default=argparse.SUPPRESS, metavar="P",
                   help="PRIM: drop limits whose quasi-p-value exceeds P (default 0.05); 'none' keeps every limit")
    add_out(p)
    add_set_option(p)
    add_analysis_options(p)
    p.set_defaults(handler=_discover)


def _prune(text: str) -> float | None:
    if text.lower() == "none":
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1 or 'none', got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1 (exclusive) or 'none', got {text!r}")
    return value


def _discover(args: argparse.Namespace) -> int:
    from ..analysis import discover
    from ..run import simulate

    pruning = {"prune": args.prune} if hasattr(args, "prune") else {}
    if args.method == "cart" and pruning.get("prune") is not None:  # refused before simulating
        raise ValueError("--prune applies to --method prim only")
    scenario = load_with_sets(args.file, args)
    with out_held(args.out, kind="discovery", force=args.force):  # checked and locked before any work
        options = analysis_kwargs(args)
        results = simulate(scenario, runs=args.runs, **options)
        from ..results.diagnostics import WeakResultWarning

        with warnings_as_lines(WeakResultWarning):  # too few worlds: one line, not Python's form
            found = discover(results, args.outcome, method=args.method, progress=options["progress"],
                             **pruning)
        print(f"{scenario.name}: {found.method} boxes where {args.outcome} happens; {found.cases:,} of "
              f"{found.worlds:,} worlds ({found.base_rate:.1%}), seed {results.seed}")
        print(found.to_frame().to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        _save_if_asked(args, found)
    # the calibration's note says which inputs are its per-world draws, not the file's values
    print_notes([(None, results)], skip=("degenerate",))
    return EXIT_OK


def _save_if_asked(args: argparse.Namespace, result) -> None:
    """With --out, write the result's files there (its ``save``) and say so; else write nothing."""
    if args.out is not None:
        paths = result.save(args.out, plots=not args.no_plots, force=args.force)
        print(f"wrote {len(paths)} files to {args.out}")
