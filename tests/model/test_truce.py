"""A truce in force (negotiate.model.truce): the collapse hazard and the
classification of its terms."""

import math

import numpy as np
import pytest
from scipy import stats

from negotiate.model import truce

from .conftest import params

FRONT, SANCTIONS, ARMS, MONITORS = range(4)


def hazard_params(shape, scale, beta, n=1):
    return params("mechanics", n=n, truce__hazard={"shape": shape, "scale": scale},
                  truce__hazard_effects={"monitors": beta})


def terms(monitors, n=1):
    y = np.full((n, 4), np.nan)   # settlement issues are NaN in a truce's terms
    y[:, ARMS], y[:, MONITORS] = 0.5, monitors
    return y


# (shape k, scale λ, β on monitors, monitors term, age a): hazard
# 1 − exp(−m[(a/λ)^k − ((a − 1)/λ)^k]), m = exp(β · monitors)
HAZARD_CASES = [
    (0.5, 4.0, -1.0, 0.5, 1, 1 - math.exp(-math.exp(-0.5) * 0.5)),
    (0.5, 4.0, -1.0, 0.5, 4, 1 - math.exp(-math.exp(-0.5) * (1 - math.sqrt(0.75)))),
    (0.7, 10.0, 0.0, 1.0, 1, 1 - math.exp(-(0.1**0.7))),
    (0.7, 10.0, 0.0, 1.0, 3, 1 - math.exp(-(0.3**0.7 - 0.2**0.7))),
    (1.0, 5.0, 2.0, 0.25, 7, 1 - math.exp(-math.exp(0.5) * 0.2)),     # constant hazard
    (2.0, 8.0, -0.5, 1.0, 2, 1 - math.exp(-math.exp(-0.5) * (4 - 1) / 64)),
]


@pytest.mark.parametrize("shape, scale, beta, monitors, age, expected", HAZARD_CASES)
def test_collapse_probability_is_a_discrete_weibull_hazard(shape, scale, beta, monitors, age,
                                                           expected):
    p = hazard_params(shape, scale, beta)
    got = truce.collapse_probability(p, np.array([age]), terms(monitors))
    assert got[0] == pytest.approx(expected, rel=1e-12)


def test_hazard_falls_with_age_when_shape_is_below_one():
    p = hazard_params(0.6, 20.0, 0.0)
    ages = np.arange(1, 30)
    h = truce.collapse_probability(p, ages, terms(0.0, n=ages.size))
    assert (np.diff(h) < 0).all()


def test_terms_without_a_hazard_effect_do_not_matter():
    p = hazard_params(0.7, 10.0, -2.0)
    y = terms(0.5)
    y2 = y.copy()
    y2[0, ARMS] = 1.0   # arms has no hazard effect
    a = np.array([2])
    assert truce.collapse_probability(p, a, y)[0] == truce.collapse_probability(p, a, y2)[0]


@pytest.mark.parametrize("shape, scale, beta, monitors", [
    (0.5, 30.0, 0.0, 0.0), (0.7, 15.0, -1.0, 1.0), (1.5, 12.0, 0.5, 1.0),
])
def test_simulated_survival_matches_the_weibull_survival(rng, shape, scale, beta, monitors):
    """Surviving a rounds, one uniform draw a round: P = exp(−m (a/λ)^k)."""
    n, rounds = 20_000, 10
    p = hazard_params(shape, scale, beta, n=n)
    y = terms(monitors, n=n)
    alive = np.ones(n, bool)
    m = math.exp(beta * monitors)
    z = stats.norm.ppf(0.9995)
    for age in range(1, rounds + 1):
        h = truce.collapse_probability(p, np.full(n, age), y)
        alive &= rng.random(n) >= h
        if age in (1, 5, rounds):
            expected = math.exp(-m * (age / scale) ** shape)
            assert abs(alive.mean() - expected) <= z * math.sqrt(expected * (1 - expected) / n)


@pytest.mark.parametrize("arms, monitors, conditional", [
    (0.0, 0.0, False),     # nothing moved: a temporary truce
    (0.2, 0.0, False),     # arms moved 0.2, within the default threshold 0.25
    (0.25, 0.0, False),    # exactly at the threshold is not beyond it
    (0.3, 0.0, True),
    (0.0, 0.5, False),     # monitors has its own threshold 0.5
    (0.0, 0.51, True),
    (1.0, 1.0, True),
])
def test_is_conditional(arms, monitors, conditional):
    p = params("mechanics")
    y = np.array([[0.9, 0.9, arms, monitors]])   # settlement issues moved: they do not count
    assert truce.is_conditional(p, y)[0] == conditional


def test_terms_a_truce_does_not_set_count_as_zero_in_the_hazard():
    """A truce leaves settlement issues unset (NaN): an effect on them changes nothing."""
    p = params("mechanics", truce__hazard={"shape": 0.5, "scale": 4.0},
               truce__hazard_effects={"front": 3.0})
    got = truce.collapse_probability(p, np.array([1]), terms(0.5))
    assert got[0] == pytest.approx(1 - math.exp(-0.5), rel=1e-12)
