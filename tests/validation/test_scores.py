"""The scoring functions against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from negotiate.stats import wilson_interval
from negotiate.validation import scores as sc

# --- log score ---------------------------------------------------------------------------


def test_log_score_by_hand():
    assert sc.log_score([0.25] * 4, 2) == pytest.approx(math.log(0.25))
    assert sc.log_score([0.1, 0.2, 0.7], 2) == pytest.approx(math.log(0.7))
    assert sc.log_score([0.0, 1.0], 1) == 0.0
    assert sc.log_score([0.0, 1.0], 0) == -math.inf
    many = sc.log_score([[0.5, 0.5], [0.9, 0.1]], np.array([0, 1]))
    np.testing.assert_allclose(many, [math.log(0.5), math.log(0.1)])


@pytest.mark.parametrize("k", [2, 3, 4, 5, 9])
def test_uniform_log_score_is_minus_log_k_exactly(k):
    forecasts = sc.uniform_forecasts(k, k)
    np.testing.assert_array_equal(sc.log_score(forecasts, np.arange(k)), np.full(k, -math.log(k)))


# --- ranked probability score -------------------------------------------------------------

@pytest.mark.parametrize("probs, observed, expected", [
    # F = (0.2, 0.5), O = (1, 1): (0.8² + 0.5²) / 2
    ([0.2, 0.3, 0.5], 0, (0.64 + 0.25) / 2),
    # F = (0.1, 0.3, 0.6), O = (0, 0, 1): (0.1² + 0.3² + 0.4²) / 3
    ([0.1, 0.2, 0.3, 0.4], 2, (0.01 + 0.09 + 0.16) / 3),
    # O = (1, 1, 1): (0.9² + 0.7² + 0.4²) / 3
    ([0.1, 0.2, 0.3, 0.4], 0, (0.81 + 0.49 + 0.16) / 3),
    # all on the first bin, the last happened: every F_k = 1, O_k = 0 → (K−1)/(K−1)
    ([1.0, 0.0, 0.0, 0.0, 0.0], 4, 1.0),
    # certain and right
    ([0.0, 0.0, 1.0], 2, 0.0),
    # two bins: RPS = (p_1 − o_1)², the Brier score of the first bin
    ([0.7, 0.3], 1, 0.49),
    # the mass one bin away costs less than two bins away
    ([0.0, 1.0, 0.0, 0.0, 0.0], 0, 1 / 4),
    ([0.0, 0.0, 1.0, 0.0, 0.0], 0, 2 / 4),
])
def test_rps_by_hand(probs, observed, expected):
    assert sc.ranked_probability_score(probs, observed) == pytest.approx(expected, abs=1e-15)


def uniform_rps(k: int, j: int) -> float:
    """Closed form for the uniform forecast, observation in bin j (1-based):
    F_k = k/K; O_k = 0 for k < j and 1 for k ≥ j, so
    RPS = [Σ_{k=1}^{j−1} (k/K)² + Σ_{k=j}^{K−1} (1 − k/K)²] / (K − 1)."""
    below = sum((i / k) ** 2 for i in range(1, j))
    above = sum((1 - i / k) ** 2 for i in range(j, k))
    return (below + above) / (k - 1)


@pytest.mark.parametrize("k", [2, 3, 5, 8])
def test_uniform_rps_matches_its_closed_form(k):
    got = sc.ranked_probability_score(sc.uniform_forecasts(k, k), np.arange(k))
    np.testing.assert_allclose(got, [uniform_rps(k, j) for j in range(1, k + 1)], rtol=1e-12)


def test_uniform_rps_of_five_bins_by_hand():
    # first bin: (0.8² + 0.6² + 0.4² + 0.2²) / 4 = 1.2 / 4; middle bin: (0.2² + 0.4² + 0.4² + 0.2²) / 4
    got = sc.ranked_probability_score([0.2] * 5, np.array([0, 2]))
    np.testing.assert_allclose(got, [0.3, 0.1])


# --- Brier ------------------------------------------------------------------------------------

def test_brier_by_hand():
    assert sc.brier_score([0.5, 0.5], 0) == pytest.approx(0.5)
    assert sc.brier_score([0.2, 0.3, 0.5], 1) == pytest.approx(0.04 + 0.49 + 0.25)
    assert sc.brier_score([1.0, 0.0, 0.0], 1) == pytest.approx(2.0)
    assert sc.brier_score([0.25] * 4, 3) == pytest.approx(3 * 0.0625 + 0.5625)


# --- the forecaster certain of what happened scores best ------------------------------------

@pytest.mark.parametrize("k", [2, 4, 5])
def test_certainty_on_what_happened_scores_best(k):
    rng = np.random.default_rng(3)
    others = rng.dirichlet(np.ones(k), size=200)
    for j in range(k):
        certain = np.eye(k)[j]
        assert sc.log_score(certain, j) == 0.0
        assert sc.brier_score(certain, j) == 0.0
        assert sc.ranked_probability_score(certain, j) == 0.0
        assert np.all(sc.log_score(others, j) < 0)
        assert np.all(sc.brier_score(others, j) > 0)
        assert np.all(sc.ranked_probability_score(others, j) > 0)


# --- forecasts from counts ---------------------------------------------------------------------

def test_add_half_smoothing_by_hand():
    p = sc.smoothed_probabilities([0, 10, 0, 0])
    np.testing.assert_allclose(p, [0.5 / 12, 10.5 / 12, 0.5 / 12, 0.5 / 12])
    assert p.sum() == pytest.approx(1.0)
    rows = sc.smoothed_probabilities([[3, 1], [0, 0]])
    np.testing.assert_allclose(rows, [[3.5 / 5, 1.5 / 5], [0.5, 0.5]])


def test_smoothing_leaves_no_zero_probability():
    counts = np.array([[2000, 0, 0, 0], [0, 0, 0, 2000]])
    assert np.all(sc.smoothed_probabilities(counts) > 0)
    assert np.all(np.isfinite(sc.log_score(sc.smoothed_probabilities(counts), np.array([3, 0]))))


def test_monte_carlo_interval_is_the_raw_share_with_wilson():
    p, se, low, high = sc.monte_carlo_interval([0, 5, 10, 85])
    np.testing.assert_allclose(p, [0, 0.05, 0.10, 0.85])
    np.testing.assert_allclose(se, np.sqrt(p * (1 - p) / 100))
    lo, hi = wilson_interval(np.array([0, 5, 10, 85]), 100)
    np.testing.assert_allclose(low, lo)
    np.testing.assert_allclose(high, hi)
    assert low[0] == 0.0 and np.all(low <= p) and np.all(p <= high)


# --- categories --------------------------------------------------------------------------------

def test_first_agreement_of_any_kind():
    truce = [0, 3, 5, 0, 7]
    agreement = [7, 2, 0, 0, 7]
    np.testing.assert_array_equal(sc.first_agreement_round(truce, agreement), [7, 2, 5, 0, 7])


def test_time_bins_edges():
    rounds = [1, 4, 5, 13, 14, 52, 53, 104, 0]
    np.testing.assert_array_equal(sc.time_bin(rounds), [0, 0, 1, 1, 2, 2, 3, 3, 4])
    assert sc.time_bin_labels(104) == ("1–4", "5–13", "14–52", "53–104", "never")
    assert len(sc.TIME_BINS) == 5


def test_bin_counts():
    np.testing.assert_array_equal(sc.bin_counts([0, 0, 3], 4), [2, 0, 0, 1])
    with pytest.raises(ValueError, match="0..3"):
        sc.bin_counts([4], 4)


# --- reference forecasts -----------------------------------------------------------------------

def test_climatology_leaves_the_case_out():
    # nine cases of class A (0) and one of class B (1): the B case's climatology sees
    # nine A's and no B: p(A) = 9.5 / (9 + 2), p(B) = 0.5 / 11.  Counting the case itself
    # would give p(A) = 9.5 / 12 and p(B) = 1.5 / 12 instead.
    observed = np.array([0] * 9 + [1])
    clim = sc.climatology_forecasts(observed, 4)
    np.testing.assert_allclose(clim[9], [9.5 / 11, 0.5 / 11, 0.5 / 11, 0.5 / 11])
    assert clim[9, 0] > 0.85
    assert not np.isclose(clim[9, 1], 1.5 / 12)
    # an A case sees eight A's and one B
    np.testing.assert_allclose(clim[0], [8.5 / 11, 1.5 / 11, 0.5 / 11, 0.5 / 11])


def test_climatology_of_a_lone_case_is_uniform():
    np.testing.assert_allclose(sc.climatology_forecasts(np.array([2]), 4), [[0.25] * 4])


def test_uniform_forecasts():
    np.testing.assert_array_equal(sc.uniform_forecasts(2, 5), np.full((2, 5), 0.2))


# --- skill and bootstrap --------------------------------------------------------------------------

def test_skill_score():
    ref = np.array([0.4, 0.2, 0.6])
    assert sc.skill_score(ref, ref) == pytest.approx(0.0)
    assert sc.skill_score(np.zeros(3), ref) == pytest.approx(1.0)
    assert sc.skill_score(ref / 2, ref) == pytest.approx(0.5)
    assert sc.skill_score(2 * ref, ref) == pytest.approx(-1.0)
    # skill of the means, not the mean of per-case skills
    # the skill of the mean losses (1 − 0.1/0.15), not the mean of per-case skills ((0.5 + 0)/2)
    assert sc.skill_score([0.1, 0.1], [0.2, 0.1]) == pytest.approx(1 / 3)


def mean_last(x):
    return np.mean(x, axis=-1)


def test_bootstrap_is_reproducible_from_its_seed_and_contains_the_estimate():
    values = np.random.default_rng(0).gamma(2.0, size=25)
    a = sc.bootstrap(mean_last, values, rng=42, resamples=2000)
    b = sc.bootstrap(mean_last, values, rng=42, resamples=2000)
    c = sc.bootstrap(mean_last, values, rng=43, resamples=2000)
    assert a == b
    assert (a.low, a.high) != (c.low, c.high)
    assert a.estimate == pytest.approx(values.mean())
    assert a.low < a.estimate < a.high
    # a generator works too, and advances
    gen = np.random.default_rng(42)
    assert sc.bootstrap(mean_last, values, rng=gen) == a
    assert sc.bootstrap(mean_last, values, rng=gen) != a


def test_bootstrap_resamples_cases_jointly():
    model = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    skill = sc.bootstrap(sc.skill_score, model, 2 * model, rng=1)
    # the same cases are drawn for both samples, so every resample's skill is exactly 0.5
    assert (skill.estimate, skill.low, skill.high) == pytest.approx((0.5, 0.5, 0.5))


def test_bootstrap_of_one_case_is_degenerate():
    out = sc.bootstrap(mean_last, np.array([0.3]), rng=0, resamples=50)
    assert (out.estimate, out.low, out.high) == pytest.approx((0.3, 0.3, 0.3))


@pytest.mark.parametrize("kwargs, message", [
    ({"resamples": 0}, "resamples"), ({"level": 1.0}, "level"),
])
def test_bootstrap_validates(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sc.bootstrap(mean_last, np.ones(3), rng=0, **kwargs)
    with pytest.raises(ValueError, match="same length"):
        sc.bootstrap(sc.skill_score, np.ones(3), np.ones(4), rng=0)


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1, math.nan, True, "0.9", None])
def test_a_level_outside_0_1_is_refused_by_the_one_check(level):
    with pytest.raises(ValueError, match=r"^level must lie strictly between 0 and 1, got "):
        sc.check_level(level)


@pytest.mark.parametrize("level", [1e-9, 0.5, 0.9, np.float32(0.95), 1 - 1e-12])
def test_a_level_inside_0_1_passes(level):
    sc.check_level(level)


def test_the_bootstrap_and_the_posterior_summary_share_the_level_check(monkeypatch):
    from negotiate.validation.calibration_results import CalibrationResults

    class Checked(Exception):
        pass

    def refuse(level):
        raise Checked(level)

    monkeypatch.setattr(sc, "check_level", refuse)
    with pytest.raises(Checked):
        sc.bootstrap(mean_last, np.ones(3), rng=0, level=0.5)
    with pytest.raises(Checked):  # the level is checked before the results are read
        CalibrationResults.summary(object.__new__(CalibrationResults), level=0.5)


# --- reliability --------------------------------------------------------------------------------

def test_reliability_table_counts_every_case_and_class():
    probs = np.array([[0.7, 0.1, 0.1, 0.1], [0.7, 0.1, 0.1, 0.1], [0.1, 0.7, 0.1, 0.1]])
    table = sc.reliability_table(probs, np.array([0, 1, 1]), bins=10)
    assert table["count"].sum() == probs.size
    low_bin = table[np.isclose(table.bin_low, 0.1)].iloc[0]
    high_bin = table[np.isclose(table.bin_low, 0.7)].iloc[0]
    assert (low_bin["count"], low_bin.events) == (9, 1)       # the 0.1's: one of them happened
    assert (high_bin["count"], high_bin.events) == (3, 2)     # the 0.7's: two happened
    assert high_bin.mean_forecast == pytest.approx(0.7)
    assert high_bin.ci_low < 2 / 3 < high_bin.ci_high


def test_probability_one_falls_in_the_last_bin():
    table = sc.reliability_table(np.array([[1.0, 0.0]]), np.array([0]), bins=5)
    assert list(table.bin_high) == [0.2, 1.0]


# --- argument checks ------------------------------------------------------------------------------

@pytest.mark.parametrize("probs, observed, message", [
    ([0.5, 0.6], 0, "summing to 1"),
    ([1.2, -0.2], 0, "summing to 1"),
    ([0.5, 0.5], 2, "0..1"),
    ([0.5, 0.5], 0.0, "integers"),
    ([1.0], 0, "two categories"),
    ([[0.5, 0.5], [0.5, 0.5]], np.array([0, 1, 0]), "broadcast"),
])
def test_scores_refuse_bad_arguments(probs, observed, message):
    for score in (sc.log_score, sc.brier_score, sc.ranked_probability_score):
        with pytest.raises(ValueError, match=message):
            score(probs, observed)
