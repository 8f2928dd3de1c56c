"""Regenerate the README's and the docs' simulated numbers and figures after a model change.

    python docs/scripts/regenerate.py baseline     # README baseline table + figures (100,000 runs)
    python docs/scripts/regenerate.py scenarios    # docs/scenarios.md table (4,096 runs per scenario)
    python docs/scripts/regenerate.py mechanisms   # docs/model.md mechanism table (8,192 paired runs)
    python docs/scripts/regenerate.py all

Each writes between ``<!-- NAME -->`` and ``<!-- /NAME -->`` markers of its
file (the file is replaced atomically) and prints what it wrote; nothing is
typed by hand.  The backtest table has its own script (validation_tables.py),
because it needs a calibration folder.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

import negotiate

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
BASELINE = ROOT / "scenarios" / "ukraine_march_2025.yaml"
BASELINE_SEED, BASELINE_RUNS = 20250311, 100_000
WORDS = {"temporary_truce": "temporary truce", "conditional_truce": "truce with conditions",
         "comprehensive_agreement": "comprehensive agreement", "no_agreement": "no agreement within a year"}
SCENARIOS = ["european_monitors_and_guarantees", "hypothetical_three_actors", "momentum_stalls",
             "sanctions_relief_side_payments", "truce_with_arms_halt", "truce_with_elections",
             "ukraine_march_2025", "us_pressure_on_ukraine"]
#: the mechanism table's rows: the script's mechanism name and how docs/model.md calls it
MECHANISM_LABELS = {
    "talks": "talks as a process (§15), truce drafting and its standstill included",
    "truce drafting": "truce drafting alone (§15), its standstill included",
    "standstill": "standstill while drafting (§15)", "red lines": "red lines (§16)",
    "political issues follow the front": "political issues follow the front (§4)",
    "stances": "persistent stances (§17)", "process gains": "Russia's gain from the process (§17)",
    "stalling": "stalling (§17)", "all": "all of them",
    "calibration": "the calibration (library posterior, against the file's own values)",
}


def write_between(path: Path, name: str, text: str) -> None:
    """Replace what lies between the ``name`` markers of ``path`` (temp file, then rename)."""
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    old = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(old):
        raise SystemExit(f"{path}: markers {start} … {end} not found")
    new = pattern.sub(lambda _: f"{start}\n{text.rstrip()}\n{end}", old)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(new)
    os.replace(tmp, path)
    print(f"--- {path.relative_to(ROOT)} [{name}]\n{text}")


def baseline(workers: int) -> None:
    out = Path(tempfile.mkdtemp(prefix="baseline-"))
    result = negotiate.simulate(BASELINE, runs=BASELINE_RUNS, seed=BASELINE_SEED, workers=workers,
                                progress=False)
    table = result.outcome_probabilities()
    rows = ["| outcome | p | 95% interval |", "|---|---|---|"]
    rows += [f"| {WORDS[o]} | {r.p:.3f} | {r.ci_low:.3f} – {r.ci_high:.3f} |" for o, r in table.iterrows()]
    write_between(ROOT / "README.md", "baseline-table", "\n".join(rows))
    result.save(out / "baseline")
    for name in ("outcomes", "time_to_agreement", "acceptance"):
        shutil.copyfile(out / "baseline" / f"{name}.png", ROOT / "docs" / "figures" / f"baseline_{name}.png")
    comparison = negotiate.compare(BASELINE, ROOT / "scenarios" / "us_pressure_on_ukraine.yaml",
                                   runs=20_000, seed=1, workers=workers, progress=False)
    comparison.save(out / "compare")
    shutil.copyfile(out / "compare" / "comparison.png", ROOT / "docs" / "figures" / "compare_us_pressure.png")
    print("figures: docs/figures/baseline_{outcomes,time_to_agreement,acceptance}.png, compare_us_pressure.png")


def _percent(row) -> str:
    return f"{100 * row.p:.1f} ({100 * row.ci_low:.1f}–{100 * row.ci_high:.1f})"


def scenarios(workers: int) -> None:
    rows = [("| scenario | temporary truce % | conditional truce % | comprehensive agreement % | "
             "no agreement % | median round | truce collapsed |"), "|---|---|---|---|---|---|---|"]
    for name in SCENARIOS:
        result = negotiate.simulate(ROOT / "scenarios" / f"{name}.yaml", runs=4096, seed=1,
                                    workers=workers, progress=False)
        table = result.outcome_probabilities()
        frame = result.to_frame()
        first = frame[["truce_round", "agreement_round"]].min(axis=1, skipna=True).dropna()
        median = f"{first.median():.0f}" if len(first) else "–"
        collapsed = f"{100 * frame['collapsed'].mean():.0f} %"
        rows.append(f"| `{name}` | " + " | ".join(_percent(table.loc[o]) for o in table.index)
                    + f" | {median} | {collapsed} |")
    write_between(ROOT / "docs" / "scenarios.md", "scenarios-table", "\n".join(rows))


def mechanisms(workers: int, runs: int = 8192) -> None:
    from mechanism_effects import effects

    table = effects(str(BASELINE), runs, BASELINE_SEED, workers)
    rows = ["| mechanism switched off | outcome | off | on | on − off (95%) |", "|---|---|---:|---:|---|"]
    for mechanism, label in MECHANISM_LABELS.items():
        part = table.loc[mechanism]
        shown = part[(part.ci_low > 0) | (part.ci_high < 0)]
        if shown.empty:
            largest = part.difference.abs().max()
            rows.append(f"| {label} | every outcome | | | every difference below {max(largest, 0.0005):.3f} "
                        "(no effect) |")
            continue
        for i, (outcome, r) in enumerate(shown.iterrows()):
            rows.append(f"| {label if i == 0 else ''} | {outcome.replace('_', ' ')} | {r.p_a:.3f} | "
                        f"{r.p_b:.3f} | {r.difference:+.3f} ({r.ci_low:.3f} – {r.ci_high:.3f}) |")
    write_between(ROOT / "docs" / "model.md", "mechanism-table", "\n".join(rows).replace("-0.", "−0."))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["baseline", "scenarios", "mechanisms", "all"])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # the tables carry the diagnostics that matter
    for step in ("baseline", "scenarios", "mechanisms"):
        if args.what in (step, "all"):
            globals()[step](args.workers)


if __name__ == "__main__":
    main()
