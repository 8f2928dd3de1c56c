"""Tiny case libraries for the validation tests, written into a temporary folder.

Every case is the runner's small ``varied`` scenario (sampled inputs, a truce
agenda, a drifting front) renamed, dated and given a 20-round horizon, with a
record of whatever outcome the test needs.
"""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "tests" / "run" / "data" / "varied.yaml"
AS_OF = "1990-01-01"
HORIZON = 20

#: (outcome, first_truce_round, agreement_round) of a consistent record per outcome class
ROUNDS = {
    "temporary_truce": (3, None),
    "conditional_truce": (2, None),
    "comprehensive_agreement": (4, 9),
    "no_agreement": (None, None),
}


def scenario_text(case_id: str, *, as_of: str | None = AS_OF, horizon: int = HORIZON) -> str:
    data = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    data.update(name=case_id, rounds={"unit": "week", "length_days": 7, "horizon": horizon})
    if as_of is not None:
        data["as_of"] = as_of
    return yaml.safe_dump(data, sort_keys=False)


def record_data(case_id: str, outcome: str = "comprehensive_agreement", **changes) -> dict:
    truce, agreement = ROUNDS[outcome]
    data = {
        "case": case_id, "as_of": AS_OF, "horizon": HORIZON, "outcome": outcome,
        "first_truce_round": truce, "agreement_round": agreement,
        "truce_collapsed": False, "victory": False,
        "ceasefire": {"date": "1990-01-15", "parties": "bilateral", "scope": "general",
                      "description": "Agreed in the second week."} if truce else None,
        "events": [{"date": "1990-01-10", "what": "talks open", "source": "paper"}],
        "classification_note": "A made-up case for the tests.",
        "sources": [{"id": "paper", "title": "A paper", "author": "Someone", "date": "1991"}],
    }
    data.update(changes)
    return data


def write_case(root: Path, case_id: str, outcome: str = "comprehensive_agreement", *,
               record: dict | str | None = None, **changes) -> Path:
    """``root/case_id/`` with scenario.yaml and record.yaml (``record`` replaces the
    record: a dict, or YAML text; ``changes`` edit the default one)."""
    folder = root / case_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.yaml").write_text(scenario_text(case_id), encoding="utf-8")
    if record is None:
        record = record_data(case_id, outcome, **changes)
    text = record if isinstance(record, str) else yaml.safe_dump(record, sort_keys=False)
    (folder / "record.yaml").write_text(text, encoding="utf-8")
    return folder


def write_library(root: Path, outcomes: dict[str, str]) -> Path:
    """A library folder ``root`` with one case per ``{id: outcome}``."""
    for case_id, outcome in outcomes.items():
        write_case(root, case_id, outcome)
    return root
