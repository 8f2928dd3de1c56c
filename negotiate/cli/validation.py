"""``negotiate backtest``: the model's forecasts scored on the case library."""

from __future__ import annotations

import argparse
import os
import sys

from .options import EXIT_OK, MAX_RUNS, add_out, out_held, seed, warnings_as_lines, whole

DEFAULT_CASES = "cases"
#: ``negotiate.validation.calibrate.LIKELIHOODS``, written out: importing that module to build the
#: parser would load the model and slow every command's start (a test checks the two agree).
LIKELIHOODS = ("outcome", "outcome+time")
SHOWN = ["as_of", "outcome", "p_model", "mc_low", "mc_high", "p_climatology", "p_uniform",
         "log_score_model", "rps_time_model"]


CALIBRATION_SHOWN = ["outcome", "p_prior", "p_posterior", "p_loo", "p_climatology", "loo_ess",
                     "emulator_r2", "knobs"]


def add_commands(commands) -> None:
    _add_backtest(commands)
    _add_calibrate(commands)


def _cases_argument(p) -> None:
    p.add_argument("cases", nargs="*", metavar="CASES",
                   help=f"case folders, or folders of cases (default: {DEFAULT_CASES}/)")


def _shared_options(p) -> None:
    """The options backtest and calibrate share: seed, workers and the output."""
    p.add_argument("--seed", type=seed, default=0, help="root seed (default 0)")
    p.add_argument("--workers", type=whole(1), default=None, help="worker processes (default: all cores)")
    add_out(p)
    p.add_argument("--no-plots", action="store_true", help="write the tables only")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _add_backtest(commands) -> None:
    p = commands.add_parser(
        "backtest",
        help="score the model's forecasts on historical cases",
        description="Simulate every case (a folder with scenario.yaml and record.yaml) from its "
                    "scenario alone and score the forecasts against what happened: prints the "
                    "per-case table and the mean scores with their skill against climatology and a "
                    "uniform forecast (95% bootstrap intervals over cases); with --out, writes "
                    "summary_cases.csv, summary.csv, summary_reliability.csv, summary_forecasts.csv, "
                    "summary_forecasts_time.csv, metadata.json, "
                    "backtest.png and reliability.png (replaced atomically).",
    )
    _cases_argument(p)
    p.add_argument("--runs", type=whole(1, MAX_RUNS), default=2000, help="Monte Carlo runs per case (default 2000)")
    _shared_options(p)
    p.set_defaults(handler=_backtest)


def _cases_checked(args: argparse.Namespace):
    """The cases the command names (default: cases/); the caller then holds --out (out_held)."""
    from ..validation import load_cases

    cases = load_cases(args.cases or [DEFAULT_CASES])
    _few_cases_note(len(cases))
    return cases


def _backtest(args: argparse.Namespace) -> int:
    from ..validation import backtest

    cases = _cases_checked(args)
    with out_held(args.out, kind="backtest", force=args.force):  # a bad or busy --out costs no simulation
        return _backtest_held(args, cases, backtest)


def _backtest_held(args: argparse.Namespace, cases, backtest) -> int:
    result = backtest(cases, runs=args.runs, seed=args.seed, workers=args.workers or os.cpu_count() or 1,
                      progress=False if args.no_progress else None)
    table = result.to_frame()[SHOWN]
    print(f"backtest: {len(cases)} case{'' if len(cases) == 1 else 's'}, {result.runs:,} runs each, "
          f"seed {result.seed}; p = probability given to what happened (add-half smoothed), "
          "mc = its 95% Monte Carlo interval")
    print(table.to_string(float_format=lambda v: f"{v:.4f}"))
    _print_summary(result)
    if args.out is not None:
        paths = result.save(args.out, plots=not args.no_plots, force=args.force)
        print(f"wrote {len(paths)} files to {args.out}")
    return EXIT_OK


def _few_cases_note(n: int) -> None:
    if n < 5:
        print(f"negotiate: note: {n} case{'' if n == 1 else 's'}: climatology is the base rate of the "
              "other cases (uniform with none), and bootstrap intervals over so few cases mean little",
              file=sys.stderr)


def _print_summary(result) -> None:
    summary = result.summary()
    losses = result.losses()["log_loss"]
    print(f"\nmean log score: model {-losses['model'].mean():.4f}, climatology "
          f"{-losses['climatology'].mean():.4f}, uniform {-losses['uniform'].mean():.4f} "
          "(ln p of what happened; higher is better)")
    print(f"scores as losses (lower is better); improvement = reference − model, skill = 1 − model / "
          f"reference; {summary.attrs['level']:.0%} bootstrap intervals over cases "
          f"({summary.attrs['resamples']:,} resamples)")
    print(summary.to_string(float_format=lambda v: f"{v:.4f}"))


def _add_calibrate(commands) -> None:
    p = commands.add_parser(
        "calibrate",
        help="fit the behavioural knobs shared by every case to the case library",
        description="Bayesian synthetic likelihood with a classifier emulator: every case plays one "
                    "world per point of a space-filling design over the knobs' priors, a logistic "
                    "emulator per case gives the probability of what happened at any knob values, "
                    "and a prior sample weighted by the library's likelihood is the posterior. "
                    "Prints the posterior (mean, 90% interval, ESS), the per-case forecasts before "
                    "and after calibration and left out of the fit, and the cross-validated skill "
                    "against climatology; with --out, writes posterior.csv, cases.csv, "
                    "summary_posterior.csv, summary_skill.csv, calibration.png and metadata.json "
                    "(replaced atomically). Needs scikit-learn: pip install 'negotiate[calibration]'.",
    )
    _cases_argument(p)
    p.add_argument("--worlds", type=whole(2, MAX_RUNS), default=4096,
                   help="design points, one world each per case (default 4096)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on the workers of this Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--knobs", default="default", metavar="SETS",
                   help="the knobs to fit: named sets joined by '+': default (stance persistence, "
                        "how often and how long parties stall, whether they stall truces, settlement drafting, "
                        "rounds to write each condition of a ceasefire, the chance the fighting stops while it is "
                        "written), scale (multipliers of each party's war "
                        "cost and response noise), truce (truce_drafting and standstill, also in default), "
                        "e.g. default+scale (default: default)")
    p.add_argument("--likelihood", choices=LIKELIHOODS, default="outcome",
                   help="what each case's likelihood scores: its outcome class at the horizon "
                        "(default), or the class and the time bin of its first agreement")
    _shared_options(p)
    p.set_defaults(handler=_calibrate)


def _calibrate(args: argparse.Namespace) -> int:
    from ..validation import calibrate
    from ..validation.knobs import knob_set

    knobs = knob_set(args.knobs)  # a bad name is refused before any case is read
    cases = _cases_checked(args)
    with out_held(args.out, kind="calibration", force=args.force):  # a bad or busy --out costs no simulation
        return _calibrate_held(args, cases, knobs, calibrate)


def _calibrate_held(args: argparse.Namespace, cases, knobs, calibrate) -> int:
    from ..validation.calibrate import SparseOutcomeWarning

    workers = args.workers or (None if args.scheduler else os.cpu_count()) or 1
    with warnings_as_lines(SparseOutcomeWarning):
        result = calibrate(cases, knobs=knobs, worlds=args.worlds, seed=args.seed, workers=workers,
                           address=args.scheduler, progress=False if args.no_progress else None,
                           likelihood=args.likelihood)
    fmt = "{:.4g}".format
    summary = result.summary()
    print(f"calibrate: {len(cases)} case{'' if len(cases) == 1 else 's'}, {result.worlds:,} design "
          f"worlds each, seed {result.seed}, {result.wall_time:.0f} s; posterior from "
          f"{summary.attrs['points']:,} prior points, ESS {result.ess:,.0f}; "
          f"{summary.attrs['level']:.0%} intervals (cases = how many cases have the knob)")
    print(summary.to_string(float_format=fmt))
    print("\nper case: p = probability given to what happened; prior = knobs from their prior, "
          "posterior = fitted to every case (in sample), loo = fitted to the other cases only, "
          "climatology = the other cases' base rates")
    print(result.to_frame()[CALIBRATION_SHOWN].to_string(float_format=fmt))
    skill = result.skill()
    print(f"\nleave-one-case-out skill against climatology (losses, lower is better; skill = 1 − "
          f"model / climatology; {skill.attrs['level']:.0%} bootstrap intervals over cases)")
    print(skill.to_string(float_format=fmt))
    if args.out is not None:
        paths = result.save(args.out, plots=not args.no_plots, force=args.force)
        print(f"wrote {len(paths)} files to {args.out}")
        print(_posterior_hint(args.out))
    return EXIT_OK


def _posterior_hint(out) -> str:
    """The section that uses the posterior just written, pinned to its posterior.csv (the form
    docs/validation.md, "Using the calibration", recommends)."""
    from pathlib import Path

    from ..digests import file_sha256

    # absolute: --out is relative to the current folder, a scenario's folder to the scenario file
    folder = Path(out).resolve()
    digest = file_sha256(folder / "posterior.csv")
    return (f"to simulate a scenario with this posterior, add to its file:  calibration: "
            f"{{posterior: {_flow_text(str(folder))}, sha256: {_flow_text(digest)}}}  (the folder "
            f"may also be written relative to the scenario file; docs/scenario-format.md, 'calibration')")


def _flow_text(text: str) -> str:
    """``text`` as a YAML flow-mapping value that reads back as that text: plain if it does,
    else quoted (a digest of digits only, or digits and one e, reads as a number, a folder named with ', ' as two)."""
    import json

    from ..scenario.load import yaml_value  # read as a scenario file is: 1e5 is a number

    try:
        plain = yaml_value(f"{{key: {text}}}") == {"key": text}
    except ValueError:
        plain = False
    return text if plain else json.dumps(text)  # JSON's quoted text is YAML's too
