"""What packages, war and truces are worth (negotiate.model.values), against the
formulas worked out by hand for the `mechanics` scenario.

Normalised saliences in `mechanics` (issues front, sanctions, arms, monitors):
H (0.5, 0.3, 0.2, 0), ideal (1, 1, 1, ·);  L (0.5, 0.25, 0, 0.25), ideal (0, 0, ·, 0);
M (0, 0, 1, 0), ideal arms 0.5;  S (0.5, 0.5, 0, 0), ideal front 0.3, sanctions 0.
Status quo (0.5, 0.2, 0, 0).  Loss on the issues the war leaves at status quo:
H: 0.3·0.8² + 0.2·1² = 0.392 (p = 2), 0.3·0.8 + 0.2·1 = 0.44 (p = 1);
L: 0.25·0.2² = 0.01 (p = 2), 0.25·0.2 = 0.05 (p = 1).
"""

import math

import numpy as np
import pytest

from negotiate.model.values import Valuation, utility

from .conftest import params

H, L, M, S = range(4)
BASE = {2: (1 - 0.392, 1 - 0.01), 1: (1 - 0.44, 1 - 0.05)}   # (H, L): 1 − loss off the front
DELTA, COST = (0.9, 0.8), (0.02, 0.04)
FRONT_SALIENCE, FRONT_IDEAL = 0.5, (1.0, 0.0)
HORIZON = 10


def test_saliences_are_normalised_when_drawn():
    p = params("mechanics")
    np.testing.assert_allclose(p.salience[L, 0], [0.5, 0.25, 0.0, 0.25])
    np.testing.assert_allclose(p.salience[S, 0], [0.5, 0.5, 0.0, 0.0])
    # an issue an actor holds no position on: ideal at status quo, no weight
    np.testing.assert_allclose(p.ideal[M, 0], [0.5, 0.2, 0.5, 0.0])


@pytest.mark.parametrize("exponent, y, expected", [
    (2, [0.7, 0.4, 0.5, 1.0], [1 - 0.5 * 0.09 - 0.3 * 0.36 - 0.2 * 0.25,
                               1 - 0.5 * 0.49 - 0.25 * 0.16 - 0.25 * 1.0, 1.0,
                               1 - 0.5 * 0.16 - 0.5 * 0.16]),
    (1, [0.7, 0.4, 0.5, 1.0], [1 - 0.5 * 0.3 - 0.3 * 0.6 - 0.2 * 0.5,
                               1 - 0.5 * 0.7 - 0.25 * 0.4 - 0.25 * 1.0, 1.0,
                               1 - 0.5 * 0.4 - 0.5 * 0.4]),
    (2, [0.5, 0.2, 0.0, 0.0], [0.483, 0.865, 0.75, 0.96]),
    (1, [0.5, 0.2, 0.0, 0.0], [1 - 0.25 - 0.24 - 0.2, 1 - 0.25 - 0.05, 0.5, 1 - 0.1 - 0.1]),
])
def test_utility(exponent, y, expected):
    p = params("mechanics", bargaining__utility_exponent=exponent)
    np.testing.assert_allclose(utility(np.array([y]), p)[:, 0], expected, atol=1e-15)


# --- the war value --------------------------------------------------------------------------
# W_i = base_i − (1 − δ^H)(s (b − x)^p + k) − δ^H s (|m − x|^p + [p = 2]·var),
# m = clip(b + μ_i H), var = min(σ² H, m (1 − m)).
# (balance, drift, volatility, m, var) with m and var worked out by hand:
WAR_CASES = [
    (0.6, 0.01, 0.05, 0.7, 0.025),
    (0.6, 0.0, 0.0, 0.6, 0.0),
    (0.3, -0.01, 0.02, 0.2, 0.004),
    (0.5, 0.0, 0.3, 0.5, 0.25),      # σ²H = 0.9 capped at m(1 − m) = 0.25
    (0.8, 0.01, 0.2, 0.9, 0.09),     # σ²H = 0.4 capped at 0.09
    (0.9, 0.02, 0.05, 1.0, 0.0),     # the mean front is clipped at 1, no spread left
    (0.1, -0.03, 0.1, 0.0, 0.0),     # ... and at 0
]


def hand_war_value(actor, exponent, b, m, var):
    base, delta, k, x = BASE[exponent][actor], DELTA[actor], COST[actor], FRONT_IDEAL[actor]
    fade = delta ** HORIZON
    now = abs(b - x) ** exponent
    end = abs(m - x) ** exponent + (var if exponent == 2 else 0.0)
    return base - (1 - fade) * (FRONT_SALIENCE * now + k) - fade * FRONT_SALIENCE * end


@pytest.mark.parametrize("exponent", [2, 1])
@pytest.mark.parametrize("b, mu, sigma, m, var", WAR_CASES)
def test_war_value_finite_war(exponent, b, mu, sigma, m, var):
    p = params("mechanics", war__drift=mu, war__volatility=sigma,
               bargaining__utility_exponent=exponent)
    v = Valuation.build(p)
    w = v.war_value(np.array([b]), v.belief_drift(np.array([mu])))[:, 0]
    for actor in (H, L):
        assert w[actor] == pytest.approx(hand_war_value(actor, exponent, b, m, var), abs=1e-13)


@pytest.mark.parametrize("opt_h, opt_l", [(0.01, -0.02), (-0.005, 0.0), (0.03, 0.03)])
def test_optimism_shifts_each_actors_belief_about_the_drift(opt_h, opt_l):
    mu, b, sigma = 0.01, 0.5, 0.02
    p = params("mechanics", war__drift=mu, war__volatility=sigma,
               actors__H__optimism=opt_h, actors__L__optimism=opt_l)
    v = Valuation.build(p)
    belief = v.belief_drift(np.array([mu]))
    np.testing.assert_allclose(belief[:, 0], [mu + opt_h, mu + opt_l, mu, mu], atol=1e-15)
    w = v.war_value(np.array([b]), belief)[:, 0]
    for actor, opt in ((H, opt_h), (L, opt_l)):
        m = b + (mu + opt) * HORIZON           # inside [0, 1] in every case
        var = sigma**2 * HORIZON               # well below m(1 − m)
        assert w[actor] == pytest.approx(hand_war_value(actor, 2, b, m, var), abs=1e-13)
    # H, whose ideal is 1, values the war more when it believes the front drifts up faster
    plain = v.war_value(np.array([b]), np.full((4, 1), mu))[H, 0]
    assert (w[H] > plain) == (opt_h > 0)


def normal_cdf(z):
    return 0.5 * math.erfc(-z / math.sqrt(2))


@pytest.mark.parametrize("b, mu, q", [(0.8, 0.01, 0.2), (0.2, -0.01, 0.5), (0.5, 0.0, 0.05)])
def test_war_value_mixes_in_outright_victories(b, mu, q):
    """P(win) = Φ(±(m − threshold)/(σ√H)) · (1 − (1 − q)^(H/2)); the winner imposes its
    ideal on every settlement issue (truce issues stay at status quo)."""
    sigma = 0.1
    p = params("mechanics", war__drift=mu, war__volatility=sigma,
               war__victory={"upper": 0.9, "lower": 0.1, "probability": q})
    v = Valuation.build(p)
    w = v.war_value(np.array([b]), v.belief_drift(np.array([mu])))[:, 0]
    m = b + mu * HORIZON
    var = min(sigma**2 * HORIZON, m * (1 - m))
    sd = sigma * math.sqrt(HORIZON)
    strike = 1 - (1 - q) ** (HORIZON / 2)
    p_high, p_low = normal_cdf((m - 0.9) / sd) * strike, normal_cdf((0.1 - m) / sd) * strike
    # H wins: front 1, sanctions 1, arms 0, monitors 0.  L wins: everything 0.
    u_high, u_low = (1 - 0.2, 1 - 0.5 - 0.25), (1 - 0.5 - 0.3 - 0.2, 1.0)
    for actor in (H, L):
        base, fade, x = BASE[2][actor], DELTA[actor] ** HORIZON, FRONT_IDEAL[actor]
        end = base - FRONT_SALIENCE * ((m - x) ** 2 + var)
        mixed = (1 - p_high - p_low) * end + p_high * u_high[actor] + p_low * u_low[actor]
        now = FRONT_SALIENCE * (b - x) ** 2 + COST[actor]
        expected = base - (1 - fade) * now + fade * (mixed - base)
        assert w[actor] == pytest.approx(expected, abs=1e-13)


# --- the truce --------------------------------------------------------------------------------

@pytest.mark.parametrize("b, rounds, arms, residual, expected", [
    (0.7, 5, 1.0, 0.2, 0.69),    # rate 0.01·(1 − 0.8·1) = 0.002 a round
    (0.7, 5, 0.0, 0.2, 0.65),    # rate 0.01
    (0.7, 5, 0.5, 0.2, 0.67),    # rate 0.01·(1 − 0.8·0.5) = 0.006
    (0.3, 5, 0.0, 0.2, 0.35),    # the weaker side is below 0.5: the front moves up
    (0.3, 5, 1.0, 0.2, 0.31),
    (0.52, 5, 0.0, 0.2, 0.5),    # never past 0.5
    (0.48, 5, 0.0, 0.2, 0.5),
    (0.5, 5, 0.0, 0.2, 0.5),
    (0.7, 0, 0.0, 0.2, 0.7),
    (0.7, 5, 1.0, 1.0, 0.65),    # residual 1: halting arms does not slow regeneration
])
def test_regenerated(b, rounds, arms, residual, expected):
    p = params("mechanics", truce__regeneration=0.01, truce__residual=residual)
    got = Valuation.build(p).regenerated(np.array([b]), rounds, np.array([arms]))
    assert got[0] == pytest.approx(expected, abs=1e-15)


def test_truce_loss_counts_truce_issues_only():
    v = Valuation.build(params("mechanics"))
    y = np.array([[0.1, 0.9, 0.5, 0.6]])
    np.testing.assert_allclose(v.truce_loss(y)[:, 0], [0.2 * 0.25, 0.25 * 0.36, 0.0, 0.0])


def test_truce_value():
    """(1 − δ^L)(flow − loss on the terms) + δ^L W(balance after regeneration), L = 6;
    flow = 1 − s (b − x)² (front frozen) − loss on other settlement issues − 0.5 k."""
    b, mu, arms = 0.6, 0.01, 0.5
    p = params("mechanics")          # ρ = 0.005, residual 0.2, cost factor 0.5, σ = 0.05
    v = Valuation.build(p)
    y = np.array([[0.5, 0.2, arms, 0.6]])
    value = v.truce_value(v.truce_loss(y), np.array([b]), np.array([arms]),
                          v.belief_drift(np.array([mu])), 6)[:, 0]
    after = 0.6 - 6 * 0.005 * (1 - 0.8 * arms)            # 0.582
    m, var = after + mu * HORIZON, 0.025                    # 0.682; 0.025 < m(1 − m)
    flow = (1 - 0.5 * 0.16 - 0.3 * 0.64 - 0.5 * 0.02,       # H: 0.718
            1 - 0.5 * 0.36 - 0.25 * 0.04 - 0.5 * 0.04)      # L: 0.79
    terms = (0.2 * 0.25, 0.25 * 0.36)
    for actor in (H, L):
        fade = DELTA[actor] ** 6
        w_after = hand_war_value(actor, 2, after, m, var)
        expected = (1 - fade) * (flow[actor] - terms[actor]) + fade * w_after
        assert value[actor] == pytest.approx(expected, abs=1e-13)


@pytest.mark.parametrize("b, rho, residual", [(0.6, 0.005, 0.2), (0.75, 0.01, 0.5), (0.35, 0.004, 0.0)])
def test_war_after_truce_is_quadratic_in_arms(b, rho, residual):
    """b'(a) = b0 + β a with b0 = b ∓ ρL, β = ±ρL(1 − r); then W(b'(a)) has
    w2 = −s β², w1 = −2 s β [(1 − f)(b0 − x) + f (b0 + μH − x)], w0 = W(b0)."""
    mu, sigma, rounds = 0.01, 0.05, 6
    p = params("mechanics", truce__regeneration=rho, truce__residual=residual)
    v = Valuation.build(p)
    belief = v.belief_drift(np.array([mu]))
    w0, w1, w2 = (c[:, 0] for c in v.war_after_truce(np.array([b]), belief, rounds))
    sign = 1.0 if b > 0.5 else -1.0
    b0, beta = b - sign * rho * rounds, sign * rho * rounds * (1 - residual)
    for actor in (H, L):
        fade, x = DELTA[actor] ** HORIZON, FRONT_IDEAL[actor]
        s = FRONT_SALIENCE
        assert w2[actor] == pytest.approx(-s * beta**2, abs=1e-13)
        slope = -2 * s * beta * ((1 - fade) * (b0 - x) + fade * (b0 + mu * HORIZON - x))
        assert w1[actor] == pytest.approx(slope, abs=1e-13)
        m0 = b0 + mu * HORIZON
        assert w0[actor] == pytest.approx(hand_war_value(actor, 2, b0, m0, sigma**2 * HORIZON),
                                          abs=1e-13)
    # exact away from the fitting points a = 0, ½, 1
    for a in (0.3, 0.85):
        w = v.war_value(v.regenerated(np.array([b]), rounds, np.array([a])), belief)[:, 0]
        np.testing.assert_allclose(w, w0 + w1 * a + w2 * a * a, atol=1e-13)


def test_planners_may_leave_out_outright_victories():
    b, mu, sigma = 0.8, 0.01, 0.1
    p = params("mechanics", war__drift=mu, war__volatility=sigma,
               war__victory={"upper": 0.9, "lower": 0.1, "probability": 0.2})
    v = Valuation.build(p)
    w = v.war_value(np.array([b]), v.belief_drift(np.array([mu])), victories=False)[:, 0]
    for actor in (H, L):
        assert w[actor] == pytest.approx(hand_war_value(actor, 2, b, 0.9, 0.09), abs=1e-13)


# --- a settlement that may break down: α u + (1 − α) W', α = (1 − δ)/(1 − δ + δh) ------------

@pytest.mark.parametrize("hazard, alpha_h, alpha_l", [
    (0.02, 0.1 / (0.1 + 0.9 * 0.02), 0.2 / (0.2 + 0.8 * 0.02)),
    (0.5, 0.1 / (0.1 + 0.45), 0.2 / (0.2 + 0.4)),
    (0.0, 1.0, 1.0),
])
def test_settlement_survival_weight(hazard, alpha_h, alpha_l):
    p = params("mechanics", settlement={"hazard": hazard})
    v = Valuation.build(p)
    assert v.durable == (hazard > 0)
    np.testing.assert_allclose(v.survival[:2, 0], [alpha_h, alpha_l], atol=1e-15)


def test_a_fully_patient_actor_values_only_the_war_a_settlement_will_turn_back_into():
    p = params("mechanics", settlement={"hazard": 0.1}, actors__H__patience=1.0)
    assert Valuation.build(p).survival[H, 0] == 0.0


@pytest.mark.parametrize("power", [0.0, 0.01, -0.02])
def test_settlement_value_with_breakdown_and_power_effects(power):
    """y = (front 0.7, sanctions 0.4, arms 0.5, monitors 1): the line is 0.7, the resumed war
    drifts at μ + power·0.4; other issues go back to status quo in the resumed war."""
    mu, hazard = 0.01, 0.02
    p = params("mechanics", settlement={"hazard": hazard, "power_effects": {"sanctions": power}})
    v = Valuation.build(p)
    y = np.array([[0.7, 0.4, 0.5, 1.0]])
    line, extra = v.settlement_line_and_drift(y)
    np.testing.assert_allclose([line[0], extra[0]], [0.7, power * 0.4], atol=1e-15)
    value = v.settlement_value(utility(y, p), line, extra, v.belief_drift(np.array([mu])))[:, 0]
    m = 0.7 + (mu + power * 0.4) * HORIZON
    u = (0.797, 0.465)                                  # worked out in test_utility
    for actor in (H, L):
        alpha = (1 - DELTA[actor]) / (1 - DELTA[actor] + DELTA[actor] * hazard)
        resumed = hand_war_value(actor, 2, 0.7, m, 0.025)  # 0.025 = σ²H < m(1 − m)
        expected = alpha * u[actor] + (1 - alpha) * resumed
        assert value[actor] == pytest.approx(expected, abs=1e-13)


def test_war_value_where_computes_only_the_worlds_asked_for():
    """``where`` leaves the other worlds at 0 and the asked-for ones unchanged, to the bit."""
    p = params("mechanics", war__volatility=0.1, war__victory={"upper": 0.9, "lower": 0.1, "probability": 0.3},
               n=5)
    v = Valuation.build(p)
    balance, belief = np.linspace(0.1, 0.9, 5), v.belief_drift(np.full(5, 0.01))
    where = np.array([True, False, True, True, False])
    full = v.war_value(balance, belief)
    part = v.war_value(balance, belief, where=where)
    np.testing.assert_array_equal(part[:, where], full[:, where])
    assert (part[:, ~where] == 0).all()
