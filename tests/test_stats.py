"""Intervals, cumulative incidence and paired differences (negotiate.stats)."""

import math

import numpy as np
import pytest
from scipy import integrate, special

from negotiate.stats import (
    clustered_ratio_interval,
    cumulative_incidence,
    incidence_from_counts,
    jeffreys_interval,
    paired_difference,
    paired_difference_from_table,
    proportion_interval,
    wilson_interval,
)

Z95 = 1.959963984540054  # standard normal 97.5% quantile


# --- Wilson -------------------------------------------------------------------

def test_wilson_zero_successes_matches_closed_form():
    # k = 0: centre and half-width are both z²/(2(n+z²)), so the interval is [0, z²/(n+z²)]
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0
    assert hi == pytest.approx(Z95**2 / (10 + Z95**2), abs=1e-12)  # 0.27753...


def test_wilson_all_successes_mirrors_zero():
    lo, hi = wilson_interval(10, 10)
    assert hi == 1.0
    assert lo == pytest.approx(10 / (10 + Z95**2), abs=1e-12)


@pytest.mark.parametrize("k, n, low, high", [
    # Newcombe (1998), Statistics in Medicine 17:857-872, Table II, method 3 (score, no correction)
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_published_values(k, n, low, high):
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(low, abs=6e-5)
    assert hi == pytest.approx(high, abs=6e-5)


def test_wilson_bounds_are_where_the_score_test_is_exactly_significant():
    # By definition each bound p solves (p̂ − p)² = z² p (1 − p) / n.
    k = np.array([1, 7, 33, 250, 999])
    n = np.array([12, 40, 50, 1000, 1000])
    for level in (0.9, 0.95, 0.99):
        z = {0.9: 1.6448536269514722, 0.95: Z95, 0.99: 2.5758293035489004}[level]
        for bound in wilson_interval(k, n, level):
            lhs = (k / n - bound) ** 2
            rhs = z**2 * bound * (1 - bound) / n
            np.testing.assert_allclose(lhs, rhs, rtol=1e-9)


def test_wilson_is_vectorised_and_handles_empty_samples():
    lo, hi = wilson_interval(np.array([[0, 1], [2, 3]]), 3)
    assert lo.shape == hi.shape == (2, 2)
    assert np.all(lo <= np.array([[0, 1], [2, 3]]) / 3) and np.all(hi >= np.array([[0, 1], [2, 3]]) / 3)
    lo0, hi0 = wilson_interval(0, 0)
    assert math.isnan(lo0) and math.isnan(hi0)


@pytest.mark.parametrize("k, n, level", [(5, 3, 0.95), (-1, 3, 0.95), (1, 3, 1.0), (1, 3, 0), (1, 3, "x")])
def test_bad_arguments_are_refused(k, n, level):
    with pytest.raises(ValueError):
        wilson_interval(k, n, level)


def test_unknown_method_is_named():
    with pytest.raises(ValueError, match="agresti"):
        proportion_interval(1, 2, method="agresti")


# --- coverage ------------------------------------------------------------------

@pytest.mark.parametrize("method", ["wilson", "jeffreys"])
def test_coverage_is_about_nominal_over_many_binomials(method):
    """Draw 20,000 (n, p) pairs and one binomial count each; the share of
    intervals containing the true p estimates the average coverage.

    Tolerance: the Monte Carlo standard error is √(.95·.05/20000) ≈ 0.0015;
    Brown, Cai & DasGupta (2001, Figs. 5 and 8) show that for n ≥ 20 and p in
    [0.05, 0.95] the average coverage of both intervals is within about 0.005
    of 0.95.  So |coverage − 0.95| < 0.01 (≈ 3 SE + that bias) must hold; a
    90% interval (coverage 0.90) or the Wald interval near the edges would fail.
    """
    rng = np.random.default_rng(20240601)
    m = 20_000
    n = rng.integers(20, 501, m)
    p = rng.uniform(0.05, 0.95, m)
    k = rng.binomial(n, p)
    lo, hi = proportion_interval(k, n, 0.95, method)
    coverage = np.mean((lo <= p) & (p <= hi))
    assert abs(coverage - 0.95) < 0.01, coverage


# --- Jeffreys ------------------------------------------------------------------

def _beta_tail(x, a, b):
    """P(X ≤ x) for X ~ Beta(a, b), by numerical integration of the density."""
    value, _ = integrate.quad(lambda t: t ** (a - 1) * (1 - t) ** (b - 1), 0, x, limit=200)
    return value / special.beta(a, b)


@pytest.mark.parametrize("k, n", [(1, 10), (4, 10), (17, 60), (59, 60)])
def test_jeffreys_bounds_cut_two_and_a_half_percent_tails(k, n):
    lo, hi = jeffreys_interval(k, n)
    a, b = k + 0.5, n - k + 0.5
    assert _beta_tail(lo, a, b) == pytest.approx(0.025, abs=1e-6)
    assert _beta_tail(hi, a, b) == pytest.approx(0.975, abs=1e-6)


def test_jeffreys_boundary_modification_and_symmetry():
    lo, hi = jeffreys_interval([0, 10], 10)
    assert lo[0] == 0.0 and hi[1] == 1.0
    lo3, hi3 = jeffreys_interval(3, 10)
    lo7, hi7 = jeffreys_interval(7, 10)
    assert lo3 == pytest.approx(1 - hi7, abs=1e-12) and hi3 == pytest.approx(1 - lo7, abs=1e-12)


# --- cumulative incidence ---------------------------------------------------------

def test_cumulative_incidence_by_hand():
    rounds = np.array([1, 3, 3, 2, 0, 0, 5, 0])
    kind_a = np.array([1, 1, 0, 0, 0, 0, 1, 0], bool)
    kind_b = np.array([0, 0, 1, 1, 0, 0, 0, 0], bool)
    out = cumulative_incidence(rounds, np.column_stack([kind_a, kind_b]), horizon=5)
    expected_a = np.array([0, 1, 1, 2, 2, 3]) / 8
    expected_b = np.array([0, 0, 1, 2, 2, 2]) / 8
    np.testing.assert_allclose(out[:, 0], expected_a)
    np.testing.assert_allclose(out[:, 1], expected_b)
    np.testing.assert_allclose(cumulative_incidence(rounds, kind_a, 5), expected_a)


def test_cumulative_incidence_refuses_rounds_outside_the_horizon():
    with pytest.raises(ValueError, match="1..4"):
        cumulative_incidence(np.array([5, 1]), np.array([True, True]), horizon=4)
    with pytest.raises(ValueError):
        cumulative_incidence(np.array([0, 1]), np.array([True, False]), horizon=4)


def test_incidence_from_counts():
    np.testing.assert_allclose(incidence_from_counts([0, 2, 1, 1], 8), [0, 0.25, 0.375, 0.5])


# --- paired differences -------------------------------------------------------------

def test_newcombe_paired_published_example():
    # Cavo et al. (2012) complete response before/after consolidation, as analysed in
    # Fagerland, Lydersen & Laake (2014), Stat Med 33:2850: table (59, 6 / 16, 80),
    # difference of margins -0.0621, Newcombe square-and-add 95% CI (-0.1186, -0.0046).
    # Here x is the first margin and y the second, and we report y − x.
    d = paired_difference_from_table(59, 6, 16, 80)
    assert d.difference == pytest.approx(10 / 161, abs=1e-12)
    assert d.ci_low == pytest.approx(0.0046, abs=6e-5)
    assert d.ci_high == pytest.approx(0.1186, abs=6e-5)


def test_paired_difference_from_arrays_matches_table():
    x = np.array([1] * 59 + [1] * 6 + [0] * 16 + [0] * 80, bool)
    y = np.array([1] * 59 + [0] * 6 + [1] * 16 + [0] * 80, bool)
    d = paired_difference(x, y)
    assert d.p_x == pytest.approx(65 / 161) and d.p_y == pytest.approx(75 / 161)
    assert d.ci_low == pytest.approx(0.0046, abs=6e-5)


def test_identical_samples_give_zero_difference():
    x = np.random.default_rng(1).random(500) < 0.3
    newcombe = paired_difference(x, x)
    assert newcombe.difference == 0.0
    assert newcombe.ci_low < 0.0 < newcombe.ci_high
    wald = paired_difference(x, x, method="wald")
    assert (wald.ci_low, wald.ci_high) == (0.0, 0.0)


def test_wald_paired_is_mean_of_differences_plus_minus_z_sd():
    rng = np.random.default_rng(5)
    x = rng.random(400) < 0.4
    y = x ^ (rng.random(400) < 0.2)
    diff = y.astype(float) - x.astype(float)
    half = Z95 * diff.std(ddof=0) / math.sqrt(diff.size)
    d = paired_difference(x, y, method="wald")
    assert d.ci_low == pytest.approx(diff.mean() - half, abs=1e-9)
    assert d.ci_high == pytest.approx(diff.mean() + half, abs=1e-9)


def test_paired_difference_rejects_mismatched_arrays():
    with pytest.raises(ValueError, match="same length"):
        paired_difference([True, False], [True])


# --- rates pooled within runs ----------------------------------------------------------

def test_clustered_ratio_with_one_answer_per_run_uses_n_minus_one_trials():
    # a_i ∈ {0,1}, o_i = 1: Σ(a_i − r)² = n r(1−r), so var = r(1−r)/(n−1) and n_eff = n − 1.
    n, k = 10, 5
    rate, lo, hi = clustered_ratio_interval(k, n, k, n, k, n)
    assert rate == 0.5
    exp_lo, exp_hi = wilson_interval(0.5 * (n - 1), n - 1)
    assert (lo, hi) == pytest.approx((exp_lo, exp_hi), abs=1e-12)


def test_clustered_ratio_widens_when_answers_come_in_clumps():
    # 20 answers in two runs (all yes in one, all no in the other) carry far less
    # information than 20 independent answers.
    a = np.array([10, 0] + [0] * 8)
    o = np.array([10, 10] + [0] * 8)
    rate, lo, hi = clustered_ratio_interval(a.sum(), o.sum(), (a * a).sum(), (o * o).sum(), (a * o).sum(), 10)
    naive_lo, naive_hi = wilson_interval(10, 20)
    assert rate == 0.5
    assert hi - lo > 2 * (naive_hi - naive_lo)


def test_clustered_ratio_without_answers_is_nan():
    rate, lo, hi = clustered_ratio_interval(0, 0, 0, 0, 0, 10)
    assert math.isnan(rate) and math.isnan(lo) and math.isnan(hi)
