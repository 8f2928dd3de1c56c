"""Results say when they should not be read at face value."""

import warnings

import numpy as np
import pytest

import negotiate
from negotiate.model.outcomes import OUTCOMES
from negotiate.results import DEGENERATE
from negotiate.run.simulate import DegenerateResultWarning
from tests.run.conftest import DATA


def test_a_scenario_that_always_settles_warns():
    # theory scenario: a pure division with complete information settles in round 1
    scenario = negotiate.load_scenario(DATA.parents[1] / "theory" / "data" / "baron_ferejohn.yaml")
    with pytest.warns(DegenerateResultWarning, match="comprehensive_agreement takes 100.0%"):
        results = negotiate.simulate(scenario, runs=200, seed=1, progress=False)
    assert results.degenerate() in results.diagnose()


def test_a_scenario_with_spread_outcomes_does_not_warn():
    scenario = negotiate.load_scenario(DATA / "varied.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateResultWarning)
        results = negotiate.simulate(scenario, runs=300, seed=1, progress=False)
    shares = results.aggregates.outcome_counts / results.runs
    assert shares.max() < DEGENERATE
    assert results.degenerate() is None


def test_the_threshold_is_ninety_nine_percent(monkeypatch):
    scenario = negotiate.load_scenario(DATA / "varied.yaml")
    results = negotiate.simulate(scenario, runs=300, seed=1, progress=False)
    counts = np.zeros(len(OUTCOMES), np.int64)
    counts[OUTCOMES.index("no_agreement")] = 297
    counts[0] = 3                       # 99.0 % exactly: degenerate
    monkeypatch.setattr(results.aggregates, "outcome_counts", counts)
    assert "no_agreement takes 99.0%" in results.degenerate()
    counts[0], counts[OUTCOMES.index("no_agreement")] = 4, 296   # 98.7 %: readable
    assert results.degenerate() is None


@pytest.mark.parametrize("outcome, advice, wrong", [
    ("no_agreement", "check that any agreement is possible", "reason for the war to go on"),
    ("comprehensive_agreement", "reason for the war to go on", "why_no_agreement"),
    ("temporary_truce", "whether a settlement is possible", "reason for the war to go on"),
])
def test_the_degenerate_note_gives_advice_for_its_outcome(monkeypatch, outcome, advice, wrong):
    """A war that never ends needs a different check from one that always settles."""
    scenario = negotiate.load_scenario(DATA / "varied.yaml")
    results = negotiate.simulate(scenario, runs=100, seed=1, progress=False)
    counts = np.zeros(len(OUTCOMES), np.int64)
    counts[OUTCOMES.index(outcome)] = 100
    monkeypatch.setattr(results.aggregates, "outcome_counts", counts)
    note = results.degenerate()
    assert note.startswith(f"{outcome} takes 100.0%") and advice in note and wrong not in note
    if outcome == "no_agreement":
        assert "red lines" in note and "`signs`" in note and "Results.why_no_agreement()" in note
