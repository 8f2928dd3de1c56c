"""Political issues that follow the front (docs/model.md §4, ``issues.*.follows_front``).

A war's end state moves settlement issue d to ``e = clip(sq + w·(m_i − b), 0, 1)``
(``m_i`` actor i's expected front after H rounds), with spread
``min(w²·Var, e(1 − e))`` under quadratic utility.  Closed forms worked out by
hand on the `mechanics` scenario (sanctions follow the front), w = 0 giving the
old values to the bit, outright wins, validation, per-world draws; then the
effect on a noisy two-party scenario with a paired interval, and the mutation
check: with w set to 0 inside the engine the effect is gone.

`mechanics`, normalised saliences (front, sanctions, arms, monitors): H (0.5, 0.3,
0.2, 0) with ideals 1, L (0.5, 0.25, 0, 0.25) with ideals 0; status quo (0.5, 0.2,
0, 0).  Besides front and sanctions, H loses 0.2 on arms (p = 1 or 2), L nothing.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import negotiate
from negotiate.errors import ScenarioError
from negotiate.model import OUTCOMES, run_block, values
from negotiate.model.values import Valuation

from ..intervals import paired_interval
from .conftest import params

H, L = 0, 1
SQ = 0.2                       # status quo of sanctions
COST, OTHER = (0.02, 0.04), (0.2, 0.0)
POLITICS = Path(__file__).parent / "data" / "politics.yaml"


def hand_war_value(actor, p, b, m, var, e, spread, *, fade, s_front, s_issue, other=None,
                   p_high=0.0, p_low=0.0, u_high=0.0, u_low=0.0):
    """W_i with the sanctions at status quo while the war lasts and at e at its end."""
    x = 1.0 if actor == H else 0.0
    quad = 1.0 if p == 2 else 0.0
    other = OTHER[actor] if other is None else other
    now = 1 - other - s_front * abs(b - x) ** p - s_issue * abs(SQ - x) ** p - COST[actor]
    end = (1 - other - s_front * (abs(m - x) ** p + quad * var)
           - s_issue * (abs(e - x) ** p + quad * spread))
    end = (1 - p_high - p_low) * end + p_high * u_high + p_low * u_low
    return (1 - fade) * now + fade * end


# (w, balance, drift, volatility, H, m, Var, e, spread), m to spread worked out by hand
CASES = [
    (0.5, 0.6, 0.01, 0.05, 10, 0.7, 0.025, 0.25, 0.00625),
    (1.0, 0.5, 0.02, 0.0, 20, 0.9, 0.0, 0.6, 0.0),          # no volatility: e = sq + w μ H
    (-0.8, 0.5, 0.03, 0.1, 10, 0.8, 0.1, 0.0, 0.0),         # e = 0.2 − 0.24 clipped at 0
    (1.0, 0.3, -0.01, 0.3, 10, 0.2, 0.16, 0.1, 0.09),       # both spreads capped at m(1−m), e(1−e)
    (0.7, 0.9, 0.02, 0.05, 10, 1.0, 0.0, 0.27, 0.0),        # the front stops at 1: moves 0.1
    (0.5, 0.5, 0.01, 0.1, 5, 0.55, 0.05, 0.225, 0.0125),
]


@pytest.mark.parametrize("exponent", [2, 1])
@pytest.mark.parametrize("patience", [0.9, 0.97])
@pytest.mark.parametrize("raw_salience", [0.3, 0.8])
@pytest.mark.parametrize("w, b, mu, sigma, horizon, m, var, e, spread", CASES)
def test_war_value_closed_form(exponent, patience, raw_salience, w, b, mu, sigma, horizon, m, var, e,
                               spread):
    p = params("mechanics", war__drift=mu, war__volatility=sigma, war__lookahead=horizon,
               bargaining__utility_exponent=exponent, issues__sanctions__follows_front=w,
               actors__H__patience=patience, actors__H__positions__sanctions__salience=raw_salience)
    v = Valuation.build(p)
    got = v.war_value(np.array([b]), v.belief_drift(np.array([mu])))[:, 0]
    total = 0.7 + raw_salience                        # H's raw saliences: 0.5, s, 0.2
    sal = {H: (0.5 / total, raw_salience / total, 0.2 / total), L: (0.5, 0.25, 0.0)}
    for actor, delta in ((H, patience), (L, 0.8)):
        s_front, s_issue, other = sal[actor]
        want = hand_war_value(actor, exponent, b, m, var, e, spread, fade=delta ** horizon,
                              s_front=s_front, s_issue=s_issue, other=other)
        assert got[actor] == pytest.approx(want, abs=1e-13)


def test_each_actor_moves_the_issue_with_its_own_belief():
    """Optimism carries over: H expects m = 0.7, so e = 0.2 + 0.6·0.2 = 0.32; L expects
    m = 0.4, so e = 0.2 − 0.06 = 0.14; Var = 0.02²·10 = 0.004, spread 0.36·0.004."""
    p = params("mechanics", war__drift=0.01, war__volatility=0.02, issues__sanctions__follows_front=0.6,
               actors__H__optimism=0.01, actors__L__optimism=-0.02)
    v = Valuation.build(p)
    got = v.war_value(np.array([0.5]), v.belief_drift(np.array([0.01])))[:, 0]
    for actor, m, e, delta in ((H, 0.7, 0.32, 0.9), (L, 0.4, 0.14, 0.8)):
        s = (0.5, 0.3) if actor == H else (0.5, 0.25)
        want = hand_war_value(actor, 2, 0.5, m, 0.004, e, 0.00144, fade=delta ** 10,
                              s_front=s[0], s_issue=s[1])
        assert got[actor] == pytest.approx(want, abs=1e-13)


def normal_cdf(z):
    return 0.5 * math.erfc(-z / math.sqrt(2))


@pytest.mark.parametrize("q", [0.2, 0.6])
def test_outright_wins_impose_the_winners_terms_on_the_issue(q):
    """The shift applies to the no-win branch only: b = 0.8, μ = 0.01, σ = 0.1, H = 10:
    m = 0.9, Var = 0.09, e = 0.25, spread 0.0225.  H's win gives H 1 − 0.2 (arms stays
    at status quo) and L 1 − 0.5 − 0.25; L's win gives H 0 and L 1."""
    p = params("mechanics", war__drift=0.01, war__volatility=0.1, issues__sanctions__follows_front=0.5,
               war__victory={"upper": 0.9, "lower": 0.1, "probability": q})
    v = Valuation.build(p)
    got = v.war_value(np.array([0.8]), v.belief_drift(np.array([0.01])))[:, 0]
    strike = 1 - (1 - q) ** 5
    p_high, p_low = 0.5 * strike, normal_cdf(-0.8 / math.sqrt(0.1)) * strike
    wins = {H: (0.8, 0.0), L: (0.25, 1.0)}
    for actor, delta in ((H, 0.9), (L, 0.8)):
        s = (0.5, 0.3) if actor == H else (0.5, 0.25)
        want = hand_war_value(actor, 2, 0.8, 0.9, 0.09, 0.25, 0.0225, fade=delta ** 10,
                              s_front=s[0], s_issue=s[1], p_high=p_high, p_low=p_low,
                              u_high=wins[actor][0], u_low=wins[actor][1])
        assert got[actor] == pytest.approx(want, abs=1e-12)


def test_zero_weight_reproduces_the_old_values_to_the_bit():
    """Worlds where w is drawn 0 get the values of the scenario without the field, bit for
    bit (war, truce after regeneration, a resumed war); the others differ."""
    n = 64
    plain = Valuation.build(params("mechanics", n=n))
    mixed = Valuation.build(params("mechanics", n=n, issues__sanctions__follows_front={
        "dist": "choice", "values": [0.0, 0.5]}))
    zero = mixed.params.follows_front[1] == 0.0
    assert 0 < zero.sum() < n
    rng = np.random.default_rng(3)
    b, mu = rng.uniform(0.1, 0.9, n), rng.normal(0.0, 0.02, n)

    def war_and_truce(v):
        return (v.war_value(b, v.belief_drift(mu)),
                v.truce_value(np.zeros((4, n)), b, 0.5, v.belief_drift(mu), 6))

    for old, new in zip(war_and_truce(plain), war_and_truce(mixed)):
        np.testing.assert_array_equal(old[:, zero], new[:, zero])
        assert np.all(old[:2, ~zero] != new[:2, ~zero])


def test_drawn_per_world_on_its_own_stream():
    plain = params("mechanics", n=200, seed=4)
    drawn = params("mechanics", n=200, seed=4,
                   issues__sanctions__follows_front={"dist": "uniform", "low": -0.5, "high": 1.0})
    w = drawn.follows_front[1]
    assert w.min() >= -0.5 and w.max() <= 1.0 and np.unique(w).size == 200
    assert "issues.sanctions.follows_front" in drawn.inputs
    np.testing.assert_array_equal(drawn.follows_front[[0, 2, 3]], 0.0)
    np.testing.assert_array_equal(plain.ideal, drawn.ideal)
    np.testing.assert_array_equal(plain.balance0, drawn.balance0)


@pytest.mark.parametrize("issue, value, message", [
    ("front", 0.5, "issues.front.follows_front: 'front' is the battlefield issue itself"),
    ("arms", 0.5, "issues.arms.follows_front: 'arms' is a truce issue"),
    ("sanctions", 1.5, "issues.sanctions.follows_front: must be between -1 and 1, got 1.5"),
    ("sanctions", {"dist": "normal", "mean": 0, "sd": 1},
     "issues.sanctions.follows_front: distribution support"),
])
def test_validation(issue, value, message):
    with pytest.raises(ScenarioError) as err:
        params("mechanics", **{f"issues__{issue}__follows_front": value})
    assert message in str(err.value)


def test_no_front_to_follow():
    data = negotiate.load_scenario(Path(__file__).parent / "data" / "mechanics.yaml").to_dict()
    del data["war"]["battlefield_issue"]
    data["issues"]["sanctions"]["follows_front"] = 0.5
    with pytest.raises(ScenarioError,
                       match="issues.sanctions.follows_front: there is no war.battlefield_issue"):
        negotiate.load_scenario(data)


# --- the effect, with Monte Carlo intervals, and the mutation check -----------------------------

WORLDS = 1500
COMPREHENSIVE = OUTCOMES.index("comprehensive_agreement")


def effect():
    """Paired by world (common random numbers), with the political issue following the
    front (w = 1) minus without: the rounds before a settlement (horizon + 1 where none),
    the settlement offers A (the side the front favours) refuses, and the political term
    of the settlement where both runs settle."""
    base = negotiate.load_scenario(POLITICS)
    follows = base.with_overrides({"issues.politics.follows_front": 1.0})
    seed = np.random.SeedSequence(2026)
    plain, political = run_block(base, WORLDS, seed), run_block(follows, WORLDS, seed)
    late = base.rounds.horizon + 1

    def rounds(r):
        return np.where(r.agreement_round > 0, r.agreement_round, late).astype(float)

    def refused_by_a(r):
        return (r.offers[:, 0, 1] - r.accepts[:, 0, 1]).astype(float)

    both = (plain.outcome == COMPREHENSIVE) & (political.outcome == COMPREHENSIVE)
    d = base.issue_names.index("politics")
    return (paired_interval(rounds(political), rounds(plain)),
            paired_interval(refused_by_a(political), refused_by_a(plain)),
            paired_interval(political.terms[both, d], plain.terms[both, d]))


def test_a_winning_side_with_political_aims_accepts_less_and_fights_longer():
    """A (the front drifts its way, both sides optimistic) expects the war to carry the
    political issue its way too: it refuses more settlement offers, the war lasts longer
    and the settlement's political term moves toward A; every 99% interval of the paired
    mean differences lies above 0."""
    war, refused, terms = effect()
    assert war[0] > 0.2, war
    assert refused[0] > 0.05, refused
    assert terms[0] > 0.01, terms


def test_mutation_with_zero_weight_inside_the_engine_the_effect_is_gone(monkeypatch):
    """Mutation check: with w set to 0 inside the engine (the kernel sees no following
    issue) both runs are the same world by world, and the effect test's bound fails."""
    real = values._Following.build

    def zero_weight(p):
        f = real(p)
        return values._Following(np.zeros_like(f.weight), f.status_quo, f.salience, f.ideal)

    monkeypatch.setattr(values._Following, "build", staticmethod(zero_weight))
    for interval in effect():
        assert interval == (0.0, 0.0)
