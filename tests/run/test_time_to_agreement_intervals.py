"""Intervals on ``Results.time_to_agreement``: Wilson per round, or a DKW band."""

from __future__ import annotations

import math

import numpy as np
import pytest

import negotiate
from negotiate.stats import dkw_halfwidth


@pytest.fixture(scope="module")
def results(varied):
    return negotiate.simulate(varied, 600, seed=2, keep_runs=True, progress=False)


def _reached(results, outcome: str, t: int) -> int:
    runs = results.to_frame()
    return int(((runs["outcome"] == outcome) & (runs["agreement_round"].fillna(30000) <= t)).sum())


def test_without_a_level_the_curve_is_as_before(results):
    plain = results.time_to_agreement()
    with_ci = results.time_to_agreement(0.9)
    for outcome in plain.columns:
        np.testing.assert_array_equal(with_ci[(outcome, "p")], plain[outcome])


@pytest.mark.parametrize("level", [0.8, 0.95])
def test_wilson_per_round_from_the_runs_reached(results, level):
    table = results.time_to_agreement(level)
    z = {0.8: 1.2815515655446004, 0.95: 1.959963984540054}[level]
    n = results.runs
    for outcome in ("temporary_truce", "comprehensive_agreement"):
        for t in (1, 3, results.scenario.rounds.horizon):
            k = _reached(results, outcome, t)
            p = k / n
            centre = (p + z * z / (2 * n)) / (1 + z * z / n)
            half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
            row = table.loc[t, outcome]
            assert (row["p"], row["ci_low"], row["ci_high"]) == pytest.approx((p, centre - half, centre + half))
    assert table.attrs == {"n": n, "level": level, "method": "wilson"}


@pytest.mark.parametrize(("n", "level"), [(100, 0.95), (2500, 0.9), (40, 0.5)])
def test_the_dkw_halfwidth_is_massarts(n, level):
    assert dkw_halfwidth(n, level) == pytest.approx(math.sqrt(math.log(2 / (1 - level)) / (2 * n)))


def test_the_dkw_band_is_the_curve_plus_minus_the_halfwidth_clipped(results):
    table = results.time_to_agreement(0.9, method="dkw")
    half = dkw_halfwidth(results.runs, 0.9)
    p = table.xs("p", axis=1, level="stat")
    np.testing.assert_allclose(table.xs("ci_low", axis=1, level="stat"), np.clip(p - half, 0, 1))
    np.testing.assert_allclose(table.xs("ci_high", axis=1, level="stat"), np.clip(p + half, 0, 1))


def test_the_dkw_band_covers_a_whole_curve_at_least_as_often_as_promised():
    """Draws from a known discrete distribution with an atom at 'never' (an improper CDF)."""
    rng = np.random.default_rng(7)
    probs = np.array([0.1, 0.2, 0.05, 0.15, 0.5])    # rounds 1..4, then never
    truth = np.cumsum(probs[:-1])
    n, level, trials = 200, 0.9, 2000
    half = dkw_halfwidth(n, level)
    draws = rng.choice(5, size=(trials, n), p=probs)
    ecdf = np.stack([(draws <= r).mean(axis=1) for r in range(4)], axis=1)
    covered = (np.abs(ecdf - truth) <= half).all(axis=1).mean()
    assert covered >= level


def test_bad_methods_and_levels_are_named(results):
    with pytest.raises(ValueError, match="dkw"):
        results.time_to_agreement(0.9, method="bootstrap")
    with pytest.raises(ValueError, match="level must be a number"):
        results.time_to_agreement(1.5)
