"""Concessions along the contract curve (``bargaining.concessions: contract_curve``,
docs/model.md §9), against packages worked out by hand.

Two parties, one round, no continuation, no noise: A proposes (recognised with
probability 1), B's reservation is its status value ``R = u_B(sq) − c`` with the
status quo at B's ideal (``u_B(sq) = 1``) and a war cost ``c`` paid over the
lookahead.  A's best package among those B accepts solves
``max u_A(y)  s.t.  u_B(y) ≥ R``:

* quadratic loss: ``y_d = μ s_Bd / (s_Ad + μ s_Bd)`` (ideals 0 and 1), the
  weighted mean of the ideals, μ ≥ 0 the multiplier of B's constraint
  (Edgeworth's contract curve).  With mirrored saliences ``s_A = (a, 1 − a)``,
  ``s_B = (1 − a, a)`` and μ = 1: ``y = (1 − a, a)`` and
  ``u_B = 1 − (1 − a) a² − a (1 − a)² = 1 − a(1 − a)``.
* linear loss: whole issues conceded in the order of ``s_Bd / s_Ad``, the last
  one partly.

The proportional planner instead moves along ``y = λ(1, …, 1)``; the mutation
test shows the engine's package is then the straight-line one.
"""

from __future__ import annotations

import numpy as np
import pytest

import negotiate
from negotiate.model import OUTCOMES, NegotiationModel, contract_curve

from .test_baron_ferejohn_n import divide_the_dollar

H, DELTA = 26, 0.95
COMPREHENSIVE = OUTCOMES.index("comprehensive_agreement")


def two_parties(s_a, s_b, cost, *, exponent, concessions="contract_curve", red_a=None):
    """A (ideal 0 everywhere) proposes to B (ideal 1, status quo at B's ideal)."""
    issues = range(len(s_a))

    def position(ideal, salience, d, red=None):
        pos = {"ideal": ideal, "salience": salience, "assumption": "theory"}
        if red is not None and red[d] is not None:
            pos["red_line"] = {"max": red[d]}
        return pos

    doc = {
        "name": "contract_curve",
        "issues": {f"i{d}": {"group": "settlement", "low": "A's way", "high": "B's way", "status_quo": 1.0}
                   for d in issues},
        "actors": {
            "A": {"role": "party", "agendas": ["settlement"], "war_cost": 0.0,
                  "positions": {f"i{d}": position(0.0, s_a[d], d, red_a) for d in issues}},
            "B": {"role": "party", "agendas": ["settlement"], "war_cost": cost / (1 - DELTA**H),
                  "positions": {f"i{d}": position(1.0, s_b[d], d) for d in issues}},
        },
        "recognition": {"probabilities": {"A": 1.0, "B": 0.0}},
        "war": {"lookahead": H},
        "bargaining": {"continuation": False, "utility_exponent": exponent, "concessions": concessions},
        "rounds": {"horizon": 1},
    }
    return negotiate.Scenario.model_validate(doc)


def agreed(scenario):
    result = NegotiationModel(scenario, 2, seed=1).run()
    assert (result.outcome == COMPREHENSIVE).all()
    return result.terms[0]


def curve(s_a, s_b, mu):
    """Quadratic contract curve between ideals 0 (A) and 1 (B), and B's utility there."""
    s_a, s_b = np.asarray(s_a), np.asarray(s_b)
    y = mu * s_b / (s_a + mu * s_b)
    return y, 1.0 - (s_b * (1.0 - y) ** 2).sum()


@pytest.mark.parametrize("a", [0.1, 0.2, 0.3, 0.4])
def test_quadratic_mirrored_saliences_give_the_weighted_mean(a):
    """R = 1 − a(1 − a) ⇒ y = (1 − a, a); the straight line would give λ = 1 − √(a(1 − a))."""
    terms = agreed(two_parties([a, 1 - a], [1 - a, a], a * (1 - a), exponent=2))
    np.testing.assert_allclose(terms, [1 - a, a], atol=1e-9)


@pytest.mark.parametrize("a, mu", [(0.2, 0.3), (0.3, 2.5), (0.15, 1.7), (0.35, 0.6)])
def test_quadratic_general_multiplier(a, mu):
    """Any μ: y_d = μ s_Bd/(s_Ad + μ s_Bd), R = u_B(y).  The engine walks the curve by
    chords (8 per curve), so A's package is within a chord's sag of the curve and its
    utility within the second order of it."""
    s_a, s_b = [a, 1 - a], [1 - a, a]
    y, r = curve(s_a, s_b, mu)
    terms = agreed(two_parties(s_a, s_b, 1.0 - r, exponent=2))
    u_a = lambda v: 1.0 - (np.asarray(s_a) * np.asarray(v) ** 2).sum()
    np.testing.assert_allclose(terms, y, atol=5e-3)           # measured: at most 2.4e-3
    assert u_a(terms) == pytest.approx(u_a(y), abs=5e-5)      # measured: at most 1.6e-5
    assert u_a(terms) <= u_a(y) + 1e-9          # nothing beats the curve
    # and the per-world solver finds the curve's point exactly
    exact = contract_curve.best_package(np.zeros((1, 2)), np.array([s_a]), np.ones((1, 2)),
                                        np.array([s_b]), np.array([r]), True)
    np.testing.assert_allclose(exact[0], y, atol=1e-9)


@pytest.mark.parametrize("s_a, s_b, need, expected", [
    # ratios s_B/s_A = 0.4, 1, 2.5: issue 3 whole (B gets 0.5), then 0.1 of issue 2's 0.3
    ((0.5, 0.3, 0.2), (0.2, 0.3, 0.5), 0.6, (0.0, 1 / 3, 1.0)),
    # same saliences, B needs less: part of issue 3 only
    ((0.5, 0.3, 0.2), (0.2, 0.3, 0.5), 0.25, (0.0, 0.0, 0.5)),
    # ratios 4, 0.25: issue 1 whole (0.8), then 0.1 of issue 2's 0.2
    ((0.2, 0.8), (0.8, 0.2), 0.9, (1.0, 0.5)),
    # ratios 0.5, 2.5, 0.75: issue 2 (0.5), issue 3 (0.3), then 0.1 of issue 1's 0.2
    ((0.4, 0.2, 0.4), (0.2, 0.5, 0.3), 0.9, (0.5, 1.0, 1.0)),
])
def test_linear_loss_concedes_the_cheapest_issues_first(s_a, s_b, need, expected):
    """u_B(x_A) = 0 and u_B rises by s_Bd per unit conceded on d; A pays s_Ad
    (saliences sum to 1, as the engine normalises them)."""
    terms = agreed(two_parties(s_a, s_b, 1.0 - need, exponent=1))
    np.testing.assert_allclose(terms, expected, atol=1e-9)
    exact = contract_curve.best_package(np.zeros((1, len(s_a))), np.array([s_a]), np.ones((1, len(s_a))),
                                        np.array([s_b]), np.array([need]), False)
    np.testing.assert_allclose(exact[0], expected, atol=1e-12)


@pytest.mark.parametrize("a, y1, cap", [(0.2, 0.9, 0.1), (0.3, 0.85, 0.05), (0.25, 0.95, 0.2)])
def test_a_red_line_clips_the_weighted_mean(a, y1, cap):
    """A will not sign issue 2 above ``cap`` (a red line): the KKT solution of the
    separable problem in the box is the clipped weighted mean, y = (y1, cap), where
    the unclipped curve would be past ``cap`` on issue 2 at the μ that gives y1.
    R = 1 − (1 − a)(1 − y1)² − a(1 − cap)²."""
    mu = a * y1 / ((1 - a) * (1 - y1))          # y1 = μ(1 − a)/(a + μ(1 − a))
    assert mu * a / ((1 - a) + mu * a) > cap     # the red line binds there
    r = 1 - (1 - a) * (1 - y1) ** 2 - a * (1 - cap) ** 2
    terms = agreed(two_parties([a, 1 - a], [1 - a, a], 1 - r, exponent=2, red_a=[None, cap]))
    np.testing.assert_allclose(terms, [y1, cap], atol=1e-9)
    exact = contract_curve.best_package(np.zeros((1, 2)), np.array([[a, 1 - a]]), np.ones((1, 2)),
                                        np.array([[1 - a, a]]), np.array([r]), True,
                                        high=np.array([[np.inf, cap]]))
    np.testing.assert_allclose(exact[0], [y1, cap], atol=1e-9)


def test_mutation_proportional_concessions_give_the_straight_line(monkeypatch):
    """Reverting the engine to proportional concessions (chords = the straight segments)
    puts A's package on y = λ(1, 1) with λ = 1 − √(a(1 − a)), not at (1 − a, a)."""
    monkeypatch.setattr(contract_curve, "chords", lambda start, delta, ratio, quadratic, box=None: (start, delta))
    a = 0.2
    terms = agreed(two_parties([a, 1 - a], [1 - a, a], a * (1 - a), exponent=2))
    lam = 1 - np.sqrt(a * (1 - a))
    np.testing.assert_allclose(terms, [lam, lam], atol=1e-9)
    assert not np.allclose(terms, [1 - a, a], atol=0.1)


def test_the_option_is_off_by_default():
    a = 0.2
    terms = agreed(two_parties([a, 1 - a], [1 - a, a], a * (1 - a), exponent=2, concessions="proportional"))
    lam = 1 - np.sqrt(a * (1 - a))
    np.testing.assert_allclose(terms, [lam, lam], atol=1e-9)


@pytest.mark.parametrize("n, delta", [(3, 0.85), (5, 0.9), (7, 0.97)])
def test_baron_ferejohn_on_the_simplex_holds_with_contract_curve_concessions(n, delta):
    """Equal saliences tie every ratio, so the curve is the straight segment and
    Baron–Ferejohn's shares are unchanged (tests/theory/test_baron_ferejohn_n.py)."""
    scenario = divide_the_dollar(n, delta).with_overrides({"bargaining.concessions": "contract_curve"})
    result = NegotiationModel(scenario, 300, seed=7).run()
    assert (result.outcome == COMPREHENSIVE).all()
    assert (result.agreement_round == 1).all()
    kept = result.terms[np.arange(result.n), result.proposer]
    np.testing.assert_allclose(kept, 1 - delta * (n - 1) / n, atol=1e-9)


def test_offers_are_values_a_package_can_have_without_an_arms_issue():
    """A truce agenda with no arms (regeneration) issue: the planner's placeholder arms
    term must cover every chord, else the kernel reads past it (a bug found by the talks
    tests).  Every proposer's own value is then at most 1, the best any package gives."""
    from negotiate.model import STRATEGIES
    from tests.model.conftest import load

    scenario = load("talks").with_overrides({"bargaining.concessions": "contract_curve",
                                             "actors.A.agendas": ["truce", "settlement"],
                                             "actors.B.agendas": ["truce", "settlement"]})
    model = NegotiationModel(scenario, 64, seed=3, record=False)
    assert model.params.regen_issue < 0
    model.evaluate({})
    strategy = STRATEGIES["strategic"](model.params, model.valuation, model.red_box)
    offers = strategy.propose(model.state, list(range(model.params.n_actors)))
    own = offers.own[np.isfinite(offers.own)]
    assert own.size and (own <= 1.0 + 1e-9).all()


@pytest.mark.parametrize("quadratic", [True, False])
def test_best_package_beats_every_package_on_a_grid(quadratic):
    """The per-world solution against brute force: on a 201 × 201 grid of two-issue
    packages inside a random box, none that gives j its need is better for p than
    ``best_package`` (up to the grid's resolution), and the solution gives j its need."""
    rng = np.random.default_rng(11 if quadratic else 12)
    worlds = 40
    x_p, x_j = rng.random((worlds, 2)), rng.random((worlds, 2))
    s_p, s_j = rng.dirichlet([1, 1], worlds), rng.dirichlet([1, 1], worlds)
    low = np.minimum(rng.random((worlds, 2)) * 0.3, 1)
    high = 1 - rng.random((worlds, 2)) * 0.3
    p = 2 if quadratic else 1
    u = lambda y, x, s: 1 - (s * np.abs(y - x) ** p).sum(axis=-1)
    # a need between j's utility at p's (clipped) ideal and at its own
    lo_u, hi_u = u(np.clip(x_p, low, high), x_j, s_j), u(np.clip(x_j, low, high), x_j, s_j)
    need = lo_u + rng.uniform(0.1, 0.9, worlds) * (hi_u - lo_u)
    best = contract_curve.best_package(x_p, s_p, x_j, s_j, need, quadratic, low, high)
    assert (best >= low - 1e-12).all() and (best <= high + 1e-12).all()
    assert (u(best, x_j, s_j) >= need - 1e-9).all()
    grid = np.linspace(0, 1, 201)
    g1, g2 = np.meshgrid(grid, grid, indexing="ij")
    for n in range(worlds):
        y = np.vstack([np.stack([g1, g2], axis=-1).reshape(-1, 2), np.clip(x_j[n], low[n], high[n])])
        inside = ((y >= low[n]) & (y <= high[n])).all(axis=1) & (u(y, x_j[n], s_j[n]) >= need[n])
        assert u(y[inside], x_p[n], s_p[n]).max() <= u(best[n], x_p[n], s_p[n]) + 1e-12
        # and the grid comes close to it (the solution is not far from the feasible set's best)
        assert u(y[inside], x_p[n], s_p[n]).max() >= u(best[n], x_p[n], s_p[n]) - 0.05


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_engine_finds_the_per_world_solution_with_linear_loss(seed):
    """Random saliences on three issues, linear loss: the engine's chain of chords has the
    curve's corners, so its package is the per-world solution exactly."""
    rng = np.random.default_rng(seed)
    s_a, s_b = rng.dirichlet([1, 1, 1]), rng.dirichlet([1, 1, 1])
    need = rng.uniform(0.2, 0.8)
    terms = agreed(two_parties(list(s_a), list(s_b), 1.0 - need, exponent=1))
    exact = contract_curve.best_package(np.zeros((1, 3)), s_a[None], np.ones((1, 3)), s_b[None],
                                        np.array([need]), False)
    np.testing.assert_allclose(terms, exact[0], atol=1e-9)
