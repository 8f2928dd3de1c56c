"""Reservation values, recognition and quantal responses (negotiate.model.responses)."""

import math

import numpy as np
import pytest
from scipy import stats

from negotiate.model.responses import accepts, option_weight, recognise, reservation, with_option

from .conftest import params

Z = stats.norm.ppf(0.9995)    # two-sided 99.9% band for frequency checks
A_, B_, C_ = range(3)         # actors of alternating.yaml

STATUS = np.array([[0.1], [0.2], [0.3], [0.4]])     # (A, N) for mechanics' H, L, M, S
PROPOSER = np.array([[0.5], [0.6], [0.2], [0.9]])   # M's own offer is worth less than S


# --- random recognition: R = S + δπ(P − S)/(1 − (1 − π)δ) ------------------------------------

@pytest.mark.parametrize("probs", [
    {"H": 0.3, "L": 0.2, "M": 0.5},
    {"H": 0.1, "L": 0.1, "M": 0.4, "S": 0.4},
    {"H": 1.0},
])
def test_reservation_random_recognition(probs):
    p = params("mechanics", recognition={"probabilities": probs},
               actors__M__patience=0.5, actors__S__patience=0.99)
    r = reservation(STATUS, PROPOSER, p, t=1)
    deltas = [0.9, 0.8, 0.5, 0.99]
    for j, name in enumerate(("H", "L", "M", "S")):
        pi, d, s, prop = probs.get(name, 0.0), deltas[j], STATUS[j, 0], PROPOSER[j, 0]
        expected = s + d * pi * max(prop - s, 0.0) / (1 - (1 - pi) * d)
        # the same whoever proposes
        np.testing.assert_allclose(r[j, :, 0], expected, atol=1e-15)


def test_reservation_worked_example():
    """S = 0.1, P = 0.5, δ = 0.9, π = 0.3: R = 0.1 + 0.9·0.3·0.4/(1 − 0.7·0.9) = 0.1 + 0.108/0.37."""
    p = params("mechanics", recognition={"probabilities": {"H": 0.3, "L": 0.7}})
    assert reservation(STATUS, PROPOSER, p, t=1)[0, 0, 0] == pytest.approx(0.1 + 0.108 / 0.37)


def test_reservation_is_the_status_value_in_the_last_round_or_without_continuation():
    p = params("mechanics", recognition={"probabilities": {"H": 0.5, "L": 0.5}})
    r = reservation(STATUS, PROPOSER, p, t=p.horizon)
    np.testing.assert_array_equal(r, np.broadcast_to(STATUS[:, None, :], (4, 4, 1)))
    assert (reservation(STATUS, PROPOSER, p, t=p.horizon - 1)[:2] > STATUS[:2, None]).all()
    off = params("mechanics", recognition={"probabilities": {"H": 0.5, "L": 0.5}},
                 bargaining__continuation=False)
    np.testing.assert_array_equal(reservation(STATUS, PROPOSER, off, t=1),
                                  np.broadcast_to(STATUS[:, None, :], (4, 4, 1)))


def test_reservation_of_a_fully_patient_actor_never_recognised_is_its_status():
    """π = 0 with δ = 1 makes the formula 0/0; an actor that never proposes has R = S."""
    p = params("mechanics", recognition={"probabilities": {"H": 1.0}}, actors__L__patience=1.0)
    r = reservation(STATUS, PROPOSER, p, t=1)
    np.testing.assert_allclose(r[1, :, 0], 0.2)


# --- the option of bargaining on: f, and v + f·max(0, P − v) -----------------------------------

@pytest.mark.parametrize("pi, delta, f", [
    (0.3, 0.9, 0.27 / 0.37),    # δπ / (1 − (1 − π)δ)
    (0.5, 0.5, 0.25 / 0.75),
    (1.0, 0.8, 0.8),            # always the proposer: f = δ
    (0.0, 0.9, 0.0),            # never the proposer: nothing to wait for
])
def test_option_weight_random_recognition(pi, delta, f):
    p = params("mechanics", recognition={"probabilities": {"H": pi, "L": 1 - pi}},
               actors__H__patience=delta)
    w = option_weight(p, 1)
    np.testing.assert_allclose(w[0, :, 0], f, atol=1e-15)
    assert not option_weight(p, p.horizon).any()
    off = params("mechanics", recognition={"probabilities": {"H": pi, "L": 1 - pi}},
                 bargaining__continuation=False)
    assert not option_weight(off, 1).any()


def test_option_weight_alternating_is_delta_to_the_rounds_until_ones_turn():
    w = option_weight(params("alternating"), 1)[..., 0]      # A proposes in round 1
    np.testing.assert_allclose([w[B_, A_], w[C_, A_]], [0.8, 0.7**2], atol=1e-15)


@pytest.mark.parametrize("value, proposer_value, f, expected", [
    (0.2, 0.6, 0.5, 0.4),       # half the gain of bargaining on
    (0.2, 0.6, 0.0, 0.2),
    (0.7, 0.6, 0.9, 0.7),       # bargaining on offers nothing better: no gain, no loss
    (-0.1, 0.3, 1.0, 0.3),
])
def test_with_option(value, proposer_value, f, expected):
    assert with_option(np.array(value), np.array(proposer_value), np.array(f)) == \
        pytest.approx(expected, abs=1e-15)


# --- alternating offers: R = S + δ^k (P − S), k rounds to one's next turn ------------------

S3 = np.array([[0.1], [0.2], [0.3]])
P3 = np.array([[0.5], [0.6], [0.7]])
D3 = (0.9, 0.8, 0.7)


@pytest.mark.parametrize("t", [1, 2, 3, 4])
def test_reservation_alternating_order(t):
    """Order A, B, C: when A proposes, B is next (k = 1) and C two rounds on (k = 2);
    when B proposes, C has k = 1 and A k = 2; when C proposes, A k = 1, B k = 2."""
    p = params("alternating")
    r = reservation(S3, P3, p, t)[..., 0]          # (responder, proposer)
    k = {(B_, A_): 1, (C_, A_): 2, (C_, B_): 1, (A_, B_): 2, (A_, C_): 1, (B_, C_): 2}
    for (j, prop), steps in k.items():
        expected = S3[j, 0] + D3[j] ** steps * (P3[j, 0] - S3[j, 0])
        assert r[j, prop] == pytest.approx(expected, abs=1e-15), (j, prop)


def test_reservation_alternating_two_players_is_rubinstein():
    p = params("alternating", recognition={"mode": "alternating", "order": ["A", "B"]})
    r = reservation(S3, P3, p, 1)[..., 0]
    assert r[B_, A_] == pytest.approx(0.2 + 0.8 * 0.4)
    assert r[A_, B_] == pytest.approx(0.1 + 0.9 * 0.4)
    # C is never recognised: it has nothing to wait for
    assert r[C_, A_] == pytest.approx(0.3)


def test_reservation_alternating_with_an_actor_twice_in_the_order():
    """Order A, B, A, C: in round 3 (A's second turn) C is next (k = 1), B three rounds on."""
    p = params("alternating", recognition={"mode": "alternating", "order": ["A", "B", "A", "C"]})
    r = reservation(S3, P3, p, 3)[..., 0]
    assert r[C_, A_] == pytest.approx(0.3 + 0.7 * 0.4)
    assert r[B_, A_] == pytest.approx(0.2 + 0.8**3 * 0.4)


# --- recognition --------------------------------------------------------------------------

@pytest.mark.parametrize("probs", [
    {"H": 0.25, "L": 0.25, "M": 0.5},
    {"H": 0.7, "L": 0.1, "S": 0.2},
    {"H": 0.05, "L": 0.05, "M": 0.05, "S": 0.85},
])
def test_recognition_frequencies_match_probabilities(rng, probs):
    n = 40_000
    p = params("mechanics", n=n, recognition={"probabilities": probs})
    who = recognise(p, 1, rng.random(n))
    counts = np.bincount(who, minlength=4)
    expected = np.array([probs.get(a, 0.0) for a in ("H", "L", "M", "S")]) * n
    assert (counts[expected == 0] == 0).all()
    nonzero = expected > 0
    assert stats.chisquare(counts[nonzero], expected[nonzero]).pvalue > 1e-3


def test_recognition_cuts_the_unit_interval_in_actor_order():
    p = params("mechanics", n=6, recognition={"probabilities": {"H": 0.2, "L": 0.3, "M": 0.5}})
    uniform = np.array([0.0, 0.1999, 0.2, 0.4999, 0.5, 0.9999])
    np.testing.assert_array_equal(recognise(p, 1, uniform), [0, 0, 1, 1, 2, 2])


def test_recognition_alternates_in_order():
    p = params("alternating", n=2, recognition={"mode": "alternating", "order": ["B", "A", "C", "A"]})
    got = [recognise(p, t, np.zeros(2))[0] for t in range(1, 10)]
    assert got == [B_, A_, C_, A_, B_, A_, C_, A_, B_]


# --- quantal responses -----------------------------------------------------------------------

@pytest.mark.parametrize("value, bonus, res, yes", [
    (0.5, 0.0, 0.5, True), (0.5, 0.1, 0.6, True), (0.5, 0.1, 0.6 + 1e-9, False),
    (0.4, 0.0, 0.41, False), (0.4, -0.05, 0.36, False), (0.4, -0.05, 0.35, True),
])
def test_exact_best_response_without_noise(value, bonus, res, yes):
    got = accepts(np.array([value]), np.array([bonus]), np.array([res]), np.array([0.0]),
                  np.array([5.0]))
    assert got[0] == yes


@pytest.mark.parametrize("x", [-0.1, 0.0, 0.05, 0.2])
@pytest.mark.parametrize("tau", [0.05, 0.1])
def test_noisy_acceptance_follows_the_logistic_cdf(rng, x, tau):
    """Offered R + x, a responder with noise τ accepts with probability 1/(1 + e^(−x/τ))."""
    n = 40_000
    shock = rng.logistic(size=n)
    res = 0.6
    yes = accepts(np.full(n, res + x - 0.02), np.full(n, 0.02), np.full(n, res), np.full(n, tau),
                  shock)
    q = 1 / (1 + math.exp(-x / tau))
    assert abs(yes.mean() - q) <= Z * math.sqrt(q * (1 - q) / n)
