"""Measure the truce-drafting candidate (docs/validation.md, "A measured candidate").

Copies the case library to a temporary folder, gives every case the same
``talks.truce_drafting`` section (a library-wide convention, never chosen per
case: a plain ceasefire is in force at once, each condition of a ceasefire
with terms adds weeks of writing), and calibrates the default knobs plus the
``truce`` knob set on that copy.  The shipped cases are not changed::

    python docs/scripts/truce_drafting_candidate.py --out /tmp/truce --worlds 4096 --seed 1 --workers 2

It prints the usual ``negotiate calibrate`` tables; with 4,096 worlds it took
38 minutes on 2 shared cores (the engine is about 4 times slower per world with
truce drafting: docs/performance.md).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: the convention every case gets, inserted as the first entry of its ``talks:`` section
CONVENTION = ("  # library convention (docs/validation.md, \"A measured candidate\"): a ceasefire with terms "
              "takes time to write\n  truce_drafting:\n    base: 0\n"
              "    per_condition: {dist: uniform, low: 1, high: 6}\n")


def with_convention(text: str, name: str) -> str:
    """A case's scenario text with the convention added under its one ``talks:`` line."""
    if text.count("\ntalks:\n") != 1 or "truce_drafting" in text:
        raise SystemExit(f"{name}: expected one top-level 'talks:' section and no truce_drafting")
    return text.replace("\ntalks:\n", "\ntalks:\n" + CONVENTION, 1)


def copy_cases(source: Path, target: Path) -> Path:
    """``source``'s cases copied into ``target/cases`` with the convention added."""
    cases = target / "cases"
    shutil.copytree(source, cases)
    for scenario in sorted(cases.glob("*/scenario.yaml")):
        scenario.write_text(with_convention(scenario.read_text(encoding="utf-8"), scenario.parent.name),
                            encoding="utf-8")
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="where to write the calibration")
    parser.add_argument("--worlds", type=int, default=4096, help="design worlds per case (default 4096)")
    parser.add_argument("--seed", type=int, default=1, help="root seed (default 1, as measured)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cases = copy_cases(ROOT / "cases", Path(tmp))
        from negotiate.cli import main as cli
        raise SystemExit(cli(["calibrate", str(cases), "--knobs", "default+truce", "--worlds", str(args.worlds),
                              "--seed", str(args.seed), "--workers", str(args.workers), "--out", args.out,
                              "--no-progress"]))


if __name__ == "__main__":
    main()
