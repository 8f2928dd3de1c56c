"""Results tables on a hand-made block of ten runs: every expected number is worked out by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from negotiate.model import OUTCOMES
from negotiate.results import Results
from negotiate.results.aggregate import TERM_BINS, Aggregates
from negotiate.stats import jeffreys_interval, wilson_interval


@pytest.fixture
def results(hand_scenario, hand_block):
    return Results.from_block(hand_scenario, hand_block, seed=5)


@pytest.fixture
def summaries_only(hand_scenario, hand_block):
    aggregates = Aggregates.from_block(hand_block, hand_scenario.rounds.horizon)
    return Results(hand_scenario, 5, hand_block.n, 0.0, aggregates, None)


def test_outcome_probabilities(results):
    table = results.outcome_probabilities()
    assert list(table.index) == list(OUTCOMES)
    assert table["count"].tolist() == [2, 1, 3, 4]
    np.testing.assert_allclose(table["p"], [0.2, 0.1, 0.3, 0.4])
    lo, hi = wilson_interval(np.array([2, 1, 3, 4]), 10)
    np.testing.assert_allclose(table["ci_low"], lo)
    np.testing.assert_allclose(table["ci_high"], hi)
    jlo, jhi = jeffreys_interval(np.array([2, 1, 3, 4]), 10, 0.9)
    jeff = results.outcome_probabilities(method="jeffreys", level=0.9)
    np.testing.assert_allclose(jeff["ci_low"], jlo)
    np.testing.assert_allclose(jeff["ci_high"], jhi)


def test_outcome_without_runs_is_listed_with_zero(hand_scenario, hand_block):
    block = hand_block.take(slice(0, 6))  # no run without agreement
    table = Results.from_block(hand_scenario, block).outcome_probabilities()
    assert table.loc["no_agreement", "count"] == 0 and table.loc["no_agreement", "ci_low"] == 0.0


def test_time_to_agreement(results):
    table = results.time_to_agreement()
    assert list(table.index) == [0, 1, 2, 3, 4, 5]
    assert list(table.columns) == list(OUTCOMES[:3])
    np.testing.assert_allclose(table["temporary_truce"], [0, 0.1, 0.1, 0.2, 0.2, 0.2])
    np.testing.assert_allclose(table["conditional_truce"], [0, 0, 0.1, 0.1, 0.1, 0.1])
    np.testing.assert_allclose(table["comprehensive_agreement"], [0, 0, 0.1, 0.1, 0.1, 0.3])


def test_settled_terms_exact_with_runs(results):
    table = results.settled_terms()
    share = table.loc[("comprehensive_agreement", "share")]
    assert share["count"] == 3
    assert share["mean"] == pytest.approx(0.5)
    assert share["sd"] == pytest.approx(math.sqrt(0.13))
    # linear-interpolation quantiles of (0.2, 0.4, 0.9)
    for q, value in {"q05": 0.22, "q25": 0.3, "median": 0.4, "q75": 0.65, "q95": 0.85}.items():
        assert share[q] == pytest.approx(value), q
    assert (share["low"], share["high"]) == ("all to B", "all to A")
    arms = table.loc[("truce", "arms")]
    assert arms["count"] == 2 and arms["mean"] == pytest.approx(0.2)
    assert arms["sd"] == pytest.approx(math.sqrt(0.02))
    assert table.loc[("truce", "share"), "count"] == 0
    assert math.isnan(table.loc[("truce", "share"), "median"])


def test_settled_terms_from_summaries_are_within_a_bin(results, summaries_only, hand_block):
    exact, binned = results.settled_terms(), summaries_only.settled_terms()
    pd.testing.assert_series_equal(exact["count"], binned["count"])
    np.testing.assert_allclose(exact["mean"], binned["mean"], equal_nan=True)
    np.testing.assert_allclose(exact["sd"], binned["sd"], equal_nan=True)
    share = np.array([0.2, 0.4, 0.9])  # the comprehensive agreements' values of 'share'
    probs = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}
    for q, prob in probs.items():
        inverted_cdf = np.quantile(share, prob, method="inverted_cdf")
        assert abs(binned.loc[("comprehensive_agreement", "share"), q] - inverted_cdf) <= 1 / TERM_BINS


def test_acceptance_rates_with_intervals_that_respect_runs(results):
    table = results.acceptance_rates()
    a_truce = table.loc[("A", "truce")]
    assert (a_truce["offers"], a_truce["accepts"], a_truce["rate"]) == (10, 5, 0.5)
    # one answer per run: effective trials n − 1 = 9
    assert (a_truce["ci_low"], a_truce["ci_high"]) == pytest.approx(wilson_interval(4.5, 9))
    b_settle = table.loc[("B", "settlement")]
    assert b_settle["rate"] == 0.5
    # Σ(a − r·o)² = 5² + 5² = 50; var = 10/9 · 50 / 20² ; n_eff = 0.25 / var = 1.8
    assert (b_settle["ci_low"], b_settle["ci_high"]) == pytest.approx(wilson_interval(0.9, 1.8))
    assert math.isnan(table.loc[("M", "truce"), "rate"])


def test_collapse_rate_among_runs_with_a_truce(results):
    row = results.collapse_rate()
    assert (row["count"], row["n"], row["p"]) == (2, 5, 0.4)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(wilson_interval(2, 5))


def test_to_frame_columns_and_values(results):
    frame = results.to_frame()
    assert list(frame.columns) == [
        "outcome", "agreement_round", "truce_round", "collapsed", "truces", "proposer",
        "final_balance", "victory", "term:share", "term:arms",
        "offers:A", "accepts:A", "offers:B", "accepts:B", "offers:M", "accepts:M",
        "first_accept:A", "first_accept:B", "first_accept:M", "input:war.drift",
    ]
    assert frame.index.name == "run" and list(frame.index) == list(range(10))
    assert list(frame["outcome"].cat.categories) == list(OUTCOMES)
    assert frame["outcome"].tolist()[:4] == ["temporary_truce", "temporary_truce",
                                             "conditional_truce", "comprehensive_agreement"]
    assert frame["proposer"].tolist()[:6] == ["A", "B", "M", "A", "A", "B"]
    assert frame["proposer"].iloc[6:].isna().all()
    assert frame["agreement_round"].tolist()[:6] == [1, 3, 2, 2, 5, 5]
    assert frame["agreement_round"].iloc[6:].isna().all()
    assert frame["offers:A"].tolist() == [1] * 10
    assert frame["accepts:A"].tolist() == [1] * 5 + [0] * 5
    assert frame["offers:B"].tolist() == [10, 10] + [0] * 8
    assert frame["first_accept:A"].iloc[:5].tolist() == [1] * 5 and frame["first_accept:A"].iloc[5:].isna().all()
    np.testing.assert_allclose(frame["input:war.drift"], np.arange(10) / 100)


def test_to_frame_by_agenda_splits_the_sums(results):
    frame = results.to_frame(by_agenda=True)
    assert frame["offers:B:settlement"].tolist() == [10, 10] + [0] * 8
    assert frame["offers:B:truce"].tolist() == [0] * 10
    assert "offers:B" not in frame


def test_summaries_only_refuse_per_run_questions(summaries_only):
    with pytest.raises(ValueError, match="keep_runs=True"):
        summaries_only.to_frame()


def test_repr_names_scenario_and_probabilities(results):
    text = repr(results)
    assert "hand" in text and "10 runs" in text and "no_agreement 40.0%" in text
    assert "<table" in results._repr_html_()
