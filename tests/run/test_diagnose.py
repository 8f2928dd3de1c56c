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
