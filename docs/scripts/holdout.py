"""Score the shipped calibration on the held-out cases (``holdout/``), once.

    python docs/scripts/holdout.py [--runs 2000 --seed 1] [--write --marker NAME]

The cases under ``holdout/`` were encoded after the shipped posterior was fitted, by
people who saw no simulated probability for them (docs/validation.md, "Held-out
checks").  Each is forecast three ways and scored on what happened:

* **calibrated**: the case with ``calibration: library`` (the shipped posterior, fitted
  to the cases of ``cases/`` only), as a user would run it;
* **as encoded**: the case's own values of the knob fields (no calibration);
* **climatology**: the base rates of the library cases (add-half smoothed), and
  **uniform** (a quarter each).

Both model forecasts are ``negotiate.backtest`` runs (the same per-case seeds and
add-half smoothing as the library's backtest).  ``--write`` puts the table between the
``<!-- NAME -->`` ... ``<!-- /NAME -->`` markers of docs/validation.md (``--marker``;
``holdout-table``, the first check's, by default).  Cases listed in ``holdout/SEALED``
are left out unless ``--unseal`` is given: they wait, unscored, for the next change to
the model.  Nothing here is typed by hand.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import negotiate
from negotiate.model.outcomes import OUTCOMES
from negotiate.validation import load_cases
from negotiate.validation import scores as sc
from negotiate.validation.cases import observed_outcomes

ROOT = Path(__file__).resolve().parents[2]
MARKER = "holdout-table"   # the first check's table; later checks name their own (--marker)
WORDS = {"temporary_truce": "temporary truce", "conditional_truce": "truce with conditions",
         "comprehensive_agreement": "comprehensive agreement", "no_agreement": "no agreement"}


def sealed() -> set[str]:
    """The held-out cases kept unscored for the next change to the model (``holdout/SEALED``)."""
    path = ROOT / "holdout" / "SEALED"
    if not path.exists():
        return set()
    lines = (line.split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return {line for line in lines if line}


def library_climatology() -> tuple[np.ndarray, int]:
    """The library cases' base rates, add-half smoothed (the held-out cases are not in
    them), and how many cases they come from."""
    observed = observed_outcomes(load_cases(ROOT / "cases"))
    return sc.smoothed_probabilities(sc.bin_counts(observed, len(OUTCOMES)), sc.JEFFREYS), len(observed)


def forecasts(cases, runs: int, seed: int) -> pd.DataFrame:
    calibrated = [dataclasses.replace(c, scenario=c.scenario.with_overrides({"calibration": "library"}))
                  for c in cases]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        encoded = negotiate.backtest(cases, runs=runs, seed=seed, progress=False).to_frame()
        fitted = negotiate.backtest(calibrated, runs=runs, seed=seed, progress=False).to_frame()
    climate, n_library = library_climatology()
    observed = np.array([OUTCOMES.index(o) for o in encoded["outcome"]])
    return pd.DataFrame({
        "as_of": encoded["as_of"], "outcome": encoded["outcome"],
        "calibrated": fitted["p_model"], "calibrated_low": fitted["mc_low"],
        "calibrated_high": fitted["mc_high"],
        "encoded": encoded["p_model"], "climatology": climate[observed],
        "uniform": 1.0 / len(OUTCOMES),
        **{f"calibrated:{o}": fitted[f"model:{o}"] for o in OUTCOMES},
    }, index=encoded.index).assign(library_cases=n_library)


def table(frame: pd.DataFrame, runs: int, seed: int) -> str:
    rows = ["| case (talks began) | what happened within two years | calibrated (95% Monte Carlo "
            f"interval) | as encoded | climatology (the {frame.library_cases.iloc[0]} library cases, "
            "add-half smoothed) |", "|---|---|---|---|---|"]
    for case, r in frame.iterrows():
        rows.append(f"| `{case}` ({r.as_of}) | {WORDS[r.outcome]} | {r.calibrated:.3f} "
                    f"({r.calibrated_low:.3f} – {r.calibrated_high:.3f}) | {r.encoded:.3f} | "
                    f"{r.climatology:.3f} |")
    loss = {k: float(-np.log(frame[k]).mean()) for k in ("calibrated", "encoded", "climatology", "uniform")}
    rows += ["", f"Mean log loss over the {len(frame)} held-out cases ({runs:,} runs a case, seed {seed}, "
             f"add-half smoothed; lower is better): calibrated {loss['calibrated']:.2f}, as encoded "
             f"{loss['encoded']:.2f}, climatology {loss['climatology']:.2f}, uniform "
             f"{loss['uniform']:.2f}. With {len(frame)} cases no interval is worth giving: "
             f"read the cases one by one."]
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cases", type=Path, default=ROOT / "holdout", help="the held-out cases' folder")
    parser.add_argument("--write", action="store_true", help="replace the table in docs/validation.md")
    parser.add_argument("--unseal", action="store_true",
                        help="score the sealed cases too (listed in holdout/SEALED): do it once")
    parser.add_argument("--marker", default=MARKER,
                        help="the table's markers in docs/validation.md: <!-- MARKER --> ... <!-- /MARKER -->")
    args = parser.parse_args(argv)
    cases = [c for c in load_cases(args.cases) if args.unseal or c.id not in sealed()]
    if not cases:
        raise SystemExit(f"{args.cases}: no unsealed cases to score (--unseal scores the sealed ones)")
    frame = forecasts(cases, args.runs, args.seed)
    text = table(frame, args.runs, args.seed)
    print(frame.round(3).to_string(), file=sys.stderr)
    if not args.write:
        print(text)
        return 0
    path = ROOT / "docs" / "validation.md"
    start, end = f"<!-- {args.marker} -->", f"<!-- /{args.marker} -->"
    old = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(old):
        raise SystemExit(f"{path}: no {start} ... {end} markers")
    new = pattern.sub(lambda _: f"{start}\n{text}\n{end}", old)
    tmp = path.with_suffix(".md.tmp")
    tmp.write_text(new, encoding="utf-8")
    tmp.replace(path)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
