"""What each mechanism of docs/model.md §4, §15–17 and §19 does to a scenario's outcome probabilities.

For each mechanism, the scenario is run with the mechanism switched off and as
it is, on the same draws (common random numbers), and the paired differences
of the outcome probabilities are printed with 95% intervals.  Used for the
table in docs/model.md ("What each mechanism does to the baseline").

    python docs/scripts/mechanism_effects.py scenarios/ukraine_march_2025.yaml --runs 20000
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import negotiate
from negotiate.digests import sealed
from negotiate.scenario.calibration import load_posterior

#: a mechanism the calibration sets is switched off in the posterior's draws, so
#: the comparison keeps every other knob calibrated
KNOBS_OFF = {"stances": {"stance_persistence": 0.0}, "stalling": {"insincere": 0.0},
             "standstill": {"standstill": 0.0},
             "all": {"stance_persistence": 0.0, "insincere": 0.0}}


def _positions(doc):
    for actor in doc["actors"].values():
        yield from actor.get("positions", {}).values()


def without(doc: dict, mechanism: str) -> dict:
    """A copy of the scenario document with one mechanism switched off."""
    doc = copy.deepcopy(doc)
    if mechanism in ("talks", "all"):
        doc.pop("talks", None)
    if mechanism == "truce drafting" and doc.get("talks"):
        doc["talks"].pop("truce_drafting", None)   # every truce in force at once (the knob then sets nothing)
    if mechanism == "standstill" and (doc.get("talks") or {}).get("truce_drafting"):
        doc["talks"]["truce_drafting"].pop("standstill", None)   # the war goes on while a truce is drafted
    if mechanism in ("red lines", "all"):
        for position in _positions(doc):
            position.pop("red_line", None)
    if mechanism in ("political issues follow the front", "all"):
        for issue in doc["issues"].values():
            issue.pop("follows_front", None)
    if mechanism in ("stances", "all"):
        doc.get("bargaining", {}).pop("stance_persistence", None)
    for actor in doc["actors"].values():
        if mechanism in ("process gains", "all"):
            actor.pop("process_gain", None)
        if mechanism in ("stalling", "all"):
            for key in ("insincere", "insincere_rounds", "insincere_truces"):
                actor.pop(key, None)
    if mechanism in ("decision rules", "all"):
        doc.pop("decision", None)      # unanimity of the parties and the controllers
    if mechanism == "calibration":
        doc.pop("calibration", None)   # the file's own values of the knob fields
    doc["name"] = f"{doc['name']}-without-{mechanism.replace(' ', '_')}"
    return doc


MECHANISMS = ("talks", "truce drafting", "standstill", "red lines", "political issues follow the front", "stances", "process gains",
              "stalling", "decision rules", "all", "calibration")


def posterior_without(source: str, zeros: dict[str, float], folder: Path) -> str:
    """A copy of a posterior with some knobs fixed (a mechanism the calibration sets, off)."""
    posterior = load_posterior(source)
    draws = np.array(posterior.draws)
    for name, value in zeros.items():
        draws[:, posterior.names.index(name)] = value
    folder.mkdir(parents=True, exist_ok=True)
    knobs = [{"name": n, "path": p, "low": lo, "high": hi, "kind": k}
             for n, p, (lo, hi), k in zip(posterior.names, posterior.paths, posterior.bounds, posterior.kinds)]
    pd.DataFrame(draws, columns=list(posterior.names)).to_csv(folder / "posterior.csv", index=False)
    # sealed as negotiate calibrate seals its folders: a scenario refuses an unsealed one
    meta = sealed({"kind": "calibration", "knobs": knobs, "round_length_days": posterior.round_length_days},
                  [folder / "posterior.csv"])
    (folder / "metadata.json").write_text(json.dumps(meta))
    return str(folder)


def effects(path: str, runs: int, seed: int, workers: int) -> pd.DataFrame:
    scenario = negotiate.load_scenario(path)
    doc = scenario.to_dict()
    rows = []
    scratch = Path(tempfile.mkdtemp(prefix="mechanism-effects-"))
    for mechanism in MECHANISMS:
        if mechanism == "decision rules" and scenario.decision is None:
            rows.append({"mechanism": mechanism, "outcome": "(not used: unanimity)"})
            continue
        changed = without(doc, mechanism)
        if scenario.calibration is not None and mechanism in KNOBS_OFF:
            folder = scratch / mechanism
            changed["calibration"] = {"posterior": posterior_without(
                scenario.calibration.posterior, KNOBS_OFF[mechanism], folder)}
        off = negotiate.Scenario.model_validate(changed)
        diff = negotiate.compare(off, scenario, runs=runs, seed=seed, workers=workers,
                                 progress=False).differences()
        for outcome, row in diff.iterrows():
            rows.append({"mechanism": mechanism, "outcome": outcome, **row.to_dict()})
    return pd.DataFrame(rows).set_index(["mechanism", "outcome"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=20250311)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    table = effects(args.scenario, args.runs, args.seed, args.workers)
    with pd.option_context("display.width", 200, "display.max_rows", 100):
        print(table.to_string(float_format=lambda v: f"{v:+.4f}"))


if __name__ == "__main__":
    main()
