"""The real case library (``cases/``) and the held-out cases (``holdout/``): every case
loads with its record, passes the consistency checks, follows the library's rules, and
is simulated without its record; no held-out case is in the library or in the shipped fit.

The cases are written by hand, concurrently with this code; the tests run over
whatever cases exist (and are skipped while there are none).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pytest

import negotiate
from negotiate.validation import load_case, load_cases

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "cases"
HOLDOUT = ROOT / "holdout"  # encoded after the shipped fit, scored once (docs/validation.md)
LIBRARY_CASES = sorted(p.parent for p in LIBRARY.glob("*/scenario.yaml"))
HOLDOUT_CASES = sorted(p.parent for p in HOLDOUT.glob("*/scenario.yaml"))
CASES = LIBRARY_CASES + HOLDOUT_CASES
HORIZON = 104  # the library's rule (cases/README.md): two years of weekly rounds
NO_CASES = pytest.param(None, marks=pytest.mark.skip(reason="no cases under cases/ yet"))

each_case = pytest.mark.parametrize("folder", CASES or [NO_CASES],
                                    ids=lambda f: f.name if isinstance(f, Path) else "none")


@each_case
def test_case_loads_with_its_record_and_is_consistent(folder):
    case = load_case(folder)  # raises, naming file and field, on any inconsistency
    assert case.record is not None
    assert case.record.case == case.id == case.scenario.name == folder.name
    assert case.record.as_of == case.scenario.as_of
    assert case.record.horizon == case.scenario.rounds.horizon


@each_case
def test_case_follows_the_library_rules(folder):
    case = load_case(folder)
    rounds = case.scenario.rounds
    assert (rounds.unit, rounds.length_days, rounds.horizon) == ("week", 7, HORIZON)
    assert date.fromisoformat(case.scenario.as_of[:7] + "-01") < date(2020, 1, 1)


def _scenario_alone(folder, tmp_path) -> Path:
    alone = tmp_path / folder.name
    alone.mkdir()
    shutil.copy(folder / "scenario.yaml", alone / "scenario.yaml")
    assert [p.name for p in alone.iterdir()] == ["scenario.yaml"]
    return alone


@pytest.mark.parametrize("folder", HOLDOUT_CASES or [pytest.param(None, marks=pytest.mark.skip(reason="none"))],
                         ids=lambda f: f.name if isinstance(f, Path) else "none")
def test_a_held_out_case_loads_without_its_record(folder, tmp_path):
    """Held-out cases are not simulated here: they are scored once, by docs/scripts/holdout.py
    (and the sealed ones not at all until they are unsealed). Loading needs no record."""
    alone = _scenario_alone(folder, tmp_path)
    case = load_case(alone, record=False)
    assert case.record is None
    assert case.scenario == negotiate.load_scenario(alone / "scenario.yaml")


@pytest.mark.parametrize("folder", LIBRARY_CASES or [NO_CASES],
                         ids=lambda f: f.name if isinstance(f, Path) else "none")
def test_the_engine_never_sees_the_record(folder, tmp_path):
    """Only scenario.yaml is copied: loading and simulating need nothing else."""
    alone = _scenario_alone(folder, tmp_path)
    case = load_case(alone, record=False)
    results = negotiate.simulate(case.scenario, runs=20, seed=1)
    assert results.runs == 20
    assert np.isclose(results.outcome_probabilities().p.sum(), 1.0)
    direct = negotiate.simulate(negotiate.load_scenario(alone / "scenario.yaml"), runs=20, seed=1)
    np.testing.assert_array_equal(direct.run_data.outcome, results.run_data.outcome)


def test_the_whole_library_loads_at_once():
    if not LIBRARY_CASES:
        pytest.skip("no cases under cases/ yet")
    cases = load_cases(LIBRARY)
    assert [c.id for c in cases] == [f.name for f in LIBRARY_CASES]


def test_held_out_cases_are_neither_in_the_library_nor_in_the_shipped_fit():
    import json
    from importlib.resources import files

    if not HOLDOUT_CASES:
        pytest.skip("no cases under holdout/ yet")
    held_out = {f.name for f in HOLDOUT_CASES}
    assert not held_out & {f.name for f in LIBRARY_CASES}
    metadata = json.loads((files("negotiate") / "data" / "calibration" / "metadata.json").read_text("utf-8"))
    fitted = {c["id"] for c in metadata["cases"]}
    assert fitted == {f.name for f in LIBRARY_CASES}
    assert not held_out & fitted


def test_sealed_cases_are_held_out_cases():
    """holdout/SEALED names cases kept unscored (docs/scripts/holdout.py skips them): each
    must be a held-out case, so a typo cannot leave a case unsealed by mistake."""
    path = HOLDOUT / "SEALED"
    if not path.exists():
        pytest.skip("no sealed cases")
    lines = (line.split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    sealed = {line for line in lines if line}
    assert sealed, "holdout/SEALED lists no case"
    assert sealed <= {f.name for f in HOLDOUT_CASES}
