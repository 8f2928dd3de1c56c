"""Write the README's backtest table from a backtest and a calibration of the case library.

    python docs/scripts/validation_tables.py --calibration out/calibration [--runs 2000 --seed 1] [--write]

Runs ``negotiate.backtest("cases/", runs, seed)`` (the model as the cases encode it,
uncalibrated), reads a calibration saved by ``negotiate calibrate cases/ --out DIR``
(its per-case leave-one-case-out forecasts) and prints the markdown table with the
summary paragraph; ``--write`` puts them between the README's ``backtest-table``
markers instead.  Nothing here is typed by hand: every number comes from the two runs.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import negotiate
from negotiate.model.outcomes import OUTCOMES
from negotiate.validation import scores as sc

ROOT = Path(__file__).resolve().parents[2]
START, END = "<!-- backtest-table -->", "<!-- /backtest-table -->"
WORDS = {"temporary_truce": "temporary truce", "conditional_truce": "truce with conditions",
         "comprehensive_agreement": "comprehensive agreement", "no_agreement": "no agreement"}


def table(backtest: pd.DataFrame, calibration: pd.DataFrame) -> str:
    header = ("| case (talks began) | what happened within two years | model as encoded (95% Monte "
              "Carlo interval) | calibrated, case left out of the fit | climatology (the other cases) |")
    rows = [header,
            "|---|---|---|---|---|"]
    for case, row in backtest.iterrows():
        rows.append(f"| `{case}` ({row.as_of}) | {WORDS[row.outcome]} | {row.p_model_raw:.3f} "
                    f"({row.mc_low:.3f} – {row.mc_high:.3f}) | {calibration.loc[case, 'p_loo']:.3f} | "
                    f"{row.p_climatology:.3f} |")
    return "\n".join(rows)


def uniform_skill(calibration: pd.DataFrame, seed: int):
    """Left-out log-loss skill against a uniform guess over the four classes (loss ln 4 in
    every case), with the same percentile bootstrap over cases as the calibration's own
    skill table: a reference that, unlike climatology, is not fitted to the other cases."""
    model = -calibration["log_score_loo"].to_numpy()
    reference = np.full_like(model, np.log(len(OUTCOMES)))
    return sc.bootstrap(sc.skill_score, model, reference, rng=seed, resamples=2000, level=0.95)


def paragraph(summary: pd.DataFrame, skill: pd.DataFrame, calibration: pd.DataFrame, meta: dict,
              runs: int, seed: int) -> str:
    clim, unif = summary.loc[("log_loss", "climatology")], summary.loc[("log_loss", "uniform")]
    loo, brier = skill.loc[("log_loss", "loo")], skill.loc[("brier", "loo")]
    against_uniform = uniform_skill(calibration, meta["seed"])
    return (
        f"Mean log loss (−ln of the probability given to what happened; lower is better). As "
        f"encoded, without calibration ({runs:,} runs a case, seed {seed}, add-half smoothed): "
        f"model {clim['model']:.2f}, climatology {clim['reference_score']:.2f}, uniform "
        f"{unif['reference_score']:.2f}; skill against climatology {clim['skill']:.2f} (95% "
        f"bootstrap interval over cases {clim['skill_low']:.2f} to {clim['skill_high']:.2f}). "
        f"Calibrated on the other cases and scored on the one left out (`negotiate calibrate`, "
        f"{meta['worlds']:,} design worlds a case, seed {meta['seed']}): model "
        f"{loo['model']:.2f}, climatology {loo['climatology']:.2f}; skill {loo['skill']:.2f} "
        f"({loo['skill_low']:.2f} to {loo['skill_high']:.2f}); on the Brier score "
        f"{brier['skill']:.2f} ({brier['skill_low']:.2f} to {brier['skill_high']:.2f}); against "
        f"a uniform guess (log loss {np.log(len(OUTCOMES)):.2f}) {against_uniform.estimate:.2f} "
        f"({against_uniform.low:.2f} to {against_uniform.high:.2f}). The intervals are over the "
        f"{len(calibration)} cases only: they do not count that earlier versions of the model "
        f"were scored on the same cases.")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibration", type=Path, required=True, help="folder of 'negotiate calibrate --out'")
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", action="store_true", help="replace the README's table")
    args = parser.parse_args(argv)
    calibration = pd.read_csv(args.calibration / "cases.csv", index_col="case")
    skill = pd.read_csv(args.calibration / "summary_skill.csv", index_col=["score", "forecaster"])
    meta = json.loads((args.calibration / "metadata.json").read_text(encoding="utf-8"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = negotiate.backtest(ROOT / "cases", runs=args.runs, seed=args.seed, progress=False)
    text = "\n".join([table(result.to_frame(), calibration), "",
                      paragraph(result.summary(), skill, calibration, meta, args.runs, args.seed)])
    if not args.write:
        print(text)
        return 0
    readme = ROOT / "README.md"
    old = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(old):
        print(f"README.md has no {START} ... {END} section", file=sys.stderr)
        return 1
    readme.write_text(pattern.sub(lambda _: f"{START}\n{text}\n{END}", old), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
