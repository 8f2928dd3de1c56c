"""Private information about resolve (docs/model.md §18): Fearon's (1995) risk-return
trade-off, and the public belief after a refusal.

The set-up (tests/theory/data/private.yaml): A proposes once a split y of a pie (A's
share), B answers; the front is a martingale standing at p with linear utility, so the
war values are W_A = p − c_A and W_B = 1 − p − c_B, with c = (1 − δ^H) k on the engine's
cost scale (tests/theory/conftest.py::per_round_cost).  B's cost c_B is its private
type, uniform on [0, c̄]; c_A < c̄ is known; no noise, no continuation (f = 0).

Closed form.  B accepts y iff 1 − y ≥ 1 − p − c_B, i.e. iff c_B ≥ y − p =: c (the
offer's cutoff type; more costly types accept more).  Offering the cutoff c, A gets
p + c with probability P(c_B ≥ c) = 1 − c/c̄, and its war value p − c_A otherwise:

    V(c) = (1 − c/c̄)(p + c) + (c/c̄)(p − c_A),
    V'(c) = (c̄ − 2c − c_A)/c̄ = 0   ⇒   c* = (c̄ − c_A)/2,

so A offers B the share 1 − p − c* (A keeps p + (c̄ − c_A)/2) and war comes with
probability c*/c̄ = (c̄ − c_A)/(2 c̄) (Fearon 1995, §"Private information and
incentives to misrepresent"; V is concave, so the optimum is interior iff c_A < c̄).
The engine screens on a grid: the cutoffs are the belief's quantiles i/(K+1),
i = 0..K (i = 0: the sure offer), i.e. c_i = c̄·i/(K+1) for the uniform prior; with
K = 41 it must pick the grid point that maximises V, which lies within half a step,
c̄/84, of c*.
"""

import numpy as np
import pytest
from scipy import stats

from negotiate.model import OUTCOMES, NegotiationModel
from negotiate.model.resolve import quantiles
from negotiate.stats import wilson_interval

from .conftest import per_round_cost

DELTA, LOOKAHEAD, K = 0.95, 26, 41
CASES = [(0.2, 0.05, 0.5), (0.3, 0.1, 0.4), (0.12, 0.0, 0.6), (0.25, 0.2, 0.45)]


def scenario(theory, c_bar, c_a, p, **more):
    return theory("private", war__balance=p,
                  actors__A__war_cost=per_round_cost(c_a, DELTA, LOOKAHEAD),
                  actors__B__war_cost={"dist": "uniform", "low": 0.0,
                                       "high": per_round_cost(c_bar, DELTA, LOOKAHEAD)},
                  **more)


def grid_optimum(c_bar, c_a, p):
    """The cutoff c_i = c̄·i/(K+1) that maximises V, and V there."""
    c = c_bar * np.arange(K + 1) / (K + 1)
    value = (1 - c / c_bar) * (p + c) + (c / c_bar) * (p - c_a)
    i = int(np.argmax(value))
    return c[i], value[i]


@pytest.mark.parametrize("c_bar, c_a, p", CASES)
def test_offer_and_chance_of_war_are_fearons(theory, c_bar, c_a, p):
    worlds = 4000
    model = NegotiationModel(scenario(theory, c_bar, c_a, p), worlds, seed=3, record=False)
    model.COMPACT_MIN = 10**9    # keep every world's row
    model.step()
    c_grid, v_grid = grid_optimum(c_bar, c_a, p)
    c_star = (c_bar - c_a) / 2
    assert abs(c_grid - c_star) <= c_bar / (2 * (K + 1)) + 1e-12
    # the offer depends on the public belief only: the same in every world
    offer = model.last["y"][:, 0]
    np.testing.assert_allclose(offer, p + c_grid, atol=1e-9)
    np.testing.assert_allclose(offer, p + c_star, atol=c_bar / (2 * (K + 1)) + 1e-9)
    # B refuses exactly when its type is below the cutoff (world by world)
    c_b = (1 - DELTA**LOOKAHEAD) * model.params.war_cost[1]
    refused = ~model.last["agreed"]
    assert np.array_equal(refused, c_b < c_grid - 1e-12)
    # the chance of war: (c̄ − c_A)/(2c̄) within the grid's resolution, and Monte Carlo
    lo, hi = wilson_interval(refused.sum(), worlds, 0.999)
    assert lo <= c_grid / c_bar <= hi
    assert abs(c_grid / c_bar - (c_bar - c_a) / (2 * c_bar)) <= 1 / (2 * (K + 1)) + 1e-12
    # the value of proposing is the expectation V at the chosen cutoff
    np.testing.assert_allclose(model.proposer_value[0], v_grid, atol=1e-9)
    result = model.result()
    assert ((result.outcome == OUTCOMES.index("no_agreement")) == refused).all()


def test_complete_information_has_no_war(theory):
    """The same game with B's cost known: A offers each type its war value, always accepted."""
    model = NegotiationModel(scenario(theory, 0.2, 0.05, 0.5, actors__B__resolve__private=False),
                             500, seed=3, record=False)
    model.step()
    assert model.last["agreed"].all()


@pytest.mark.parametrize("c_bar, c_a, p", CASES[:2])
def test_belief_after_a_refusal_is_the_truncated_prior(theory, c_bar, c_a, p):
    """After B refuses the offer for cutoff k_c, the public belief is [0, k_c]: exactly what
    a model whose prior is the prior truncated there (for a uniform prior: U(0, k_c)) starts
    from, so A's second offer is that model's first offer, world by world."""
    two = scenario(theory, c_bar, c_a, p, rounds__horizon=2)
    model = NegotiationModel(two, 2000, seed=4, record=False)
    model.COMPACT_MIN = 10**9    # keep every world's row
    model.step()
    refused = ~model.last["agreed"]
    k_c = per_round_cost(grid_optimum(c_bar, c_a, p)[0], DELTA, LOOKAHEAD)
    np.testing.assert_allclose(model.beliefs.hi[1][refused], k_c, rtol=1e-12)
    assert (model.beliefs.lo[1] == 0).all()
    assert (model.beliefs.hi[1][~refused] == per_round_cost(c_bar, DELTA, LOOKAHEAD)).all()
    model.step()
    second = model.last["y"][refused, 0]

    truncated = two.with_overrides({"actors.B.war_cost": {"dist": "uniform", "low": 0.0, "high": k_c},
                                    "rounds.horizon": 1})
    fresh = NegotiationModel(truncated, 1, seed=4, record=False)
    fresh.step()
    np.testing.assert_allclose(second, fresh.last["y"][0, 0], atol=1e-12)
    # and the second offer is more generous to B than the first (screening converges)
    assert (second < p + grid_optimum(c_bar, c_a, p)[0]).all()


@pytest.mark.parametrize("prior", [stats.beta(2, 5, loc=0.01, scale=0.3), stats.truncnorm(-1, 2, loc=0.1, scale=0.05),
                                   stats.lognorm(s=0.5, scale=0.05)])
def test_cutoffs_are_quantiles_of_the_truncated_prior(prior):
    """The belief's cutoffs are the quantiles i/(K+1) of the prior truncated to [lo, hi], and
    P(k ≥ cutoff | belief) = 1 − i/(K+1): checked against draws of the prior kept inside the
    interval (rejection sampling, an independent construction of the truncated law)."""
    lo, hi = prior.ppf(0.1), prior.ppf(0.7)
    q = np.arange(5) / 5
    cut, chance = quantiles(prior, np.array([lo]), np.array([hi]), q)
    assert cut[0, 0] == lo
    np.testing.assert_allclose(chance[:, 0], 1 - q)
    draws = prior.rvs(size=400_000, random_state=np.random.default_rng(0))
    kept = draws[(draws >= lo) & (draws <= hi)]
    np.testing.assert_allclose(cut[1:, 0], np.quantile(kept, q[1:]), rtol=0.01)
    for i in range(5):
        lo_i, hi_i = wilson_interval((kept >= cut[i, 0]).sum(), kept.size, 0.999)
        assert lo_i <= 1 - q[i] <= hi_i + 1e-12
