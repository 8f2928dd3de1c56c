"""Private resolve, screening offers and learning (docs/model.md §18).

The theory reduction (Fearon's risk-return offer) is tests/theory/test_private_information.py;
the naive reference compares the mechanism world by world (tests/run/test_naive_reference.py,
variants "private resolve" and "private resolve, fine cutoffs").  Here: the effect on delay
on paired worlds, the mutation checks, learning from fighting, the need at a cutoff type,
validation, compaction, and that a scenario without private actors is unchanged.
"""

from pathlib import Path

import numpy as np
import pytest

import negotiate
from negotiate.errors import ScenarioError
from negotiate.model import OUTCOMES, NegotiationModel, resolve, run_block
from negotiate.stats import paired_difference, wilson_interval

DATA = Path(__file__).parent / "data"
SETTLED = OUTCOMES.index("comprehensive_agreement")
WORLDS, SEED, LATE, HORIZON = 2000, 2026, 3, 20


def scenario(**overrides):
    s = negotiate.load_scenario(DATA / "private.yaml")
    return s.with_overrides(overrides) if overrides else s


def block(s, seed=SEED):
    return run_block(s, WORLDS, np.random.SeedSequence(seed))


def rounds_to_agreement(b):
    """Round of the agreement, horizon + 1 where none came."""
    return np.where(b.outcome == SETTLED, b.agreement_round, HORIZON + 1)


def effects(private, complete):
    """The effect of private resolve on paired worlds (same draws): returns the measures
    and whether each holds.

    * delay: P(no agreement by round LATE) rises (Newcombe paired 95 % interval above 0);
    * the mean round of the agreement rises (normal 95 % interval of the paired mean
      difference above 0);
    * screening converges (Slantchev 2003): of the worlds whose first offer was refused,
      at least 95 % settle by the horizon (Wilson 99.9 % lower bound), as the belief
      shrinks with each refusal.
    """
    r_p, r_c = rounds_to_agreement(private), rounds_to_agreement(complete)
    late = paired_difference(r_c > LATE, r_p > LATE)
    d = r_p - r_c
    half = 1.96 * d.std(ddof=1) / np.sqrt(d.size)
    refused_first = r_p > 1
    settled_later = (private.outcome == SETTLED) & refused_first
    lo, _ = wilson_interval(settled_later.sum(), max(refused_first.sum(), 1), 0.999)
    measures = {"P(late) complete": late.p_x, "P(late) private": late.p_y,
                "difference": (late.difference, late.ci_low, late.ci_high),
                "mean round": (r_c.mean(), r_p.mean(), d.mean() - half, d.mean() + half),
                "settled after a first refusal": (settled_later.sum() / max(refused_first.sum(), 1), lo)}
    holds = {"delay": late.ci_low > 0, "mean round": d.mean() - half > 0,
             "converges": refused_first.any() and lo >= 0.95}
    return measures, holds


@pytest.fixture(scope="module")
def complete():
    return block(scenario(**{"actors.B.resolve.private": False}))


def test_private_resolve_delays_agreement(complete):
    measures, holds = effects(block(scenario()), complete)
    assert all(holds.values()), measures
    # with complete information every world settles in round 1 (no noise, a bargaining range)
    assert (complete.agreement_round == 1).all() and (complete.outcome == SETTLED).all()


def test_mutation_no_private_planning(monkeypatch, complete):
    """Proposers that plan against the true type (the screen returns it, with chance 1):
    complete information again, and the delay is gone."""
    def truth(self, p):
        C = p.resolve_cutoffs + 1
        return (np.broadcast_to(p.war_cost[None], (C,) + p.war_cost.shape).copy(),
                np.ones((C,) + p.war_cost.shape))
    monkeypatch.setattr(resolve.Beliefs, "screen", truth)
    _, holds = effects(block(scenario()), complete)
    assert not holds["delay"] and not holds["mean round"]


def test_mutation_no_learning_from_refusals(monkeypatch, complete):
    """Beliefs that ignore refusals: the proposer repeats its screening offer and the
    tough types refuse it for ever, so screening no longer converges."""
    monkeypatch.setattr(resolve.Beliefs, "refused", lambda self, who, cutoff: None)
    _, holds = effects(block(scenario()), complete)
    assert not holds["converges"]


def test_learning_from_fighting_shrinks_the_belief():
    """With learning r the belief's width after t rounds of war is (1 − r)^t of the prior's,
    around the true type (no refusals: no settlement is on the table, B signing truces only, §16)."""
    s = scenario(**{"actors.B.resolve.learning": 0.5, "actors.B.signs": ["truce"],
                    "rounds.horizon": 4})
    model = NegotiationModel(s, 300, seed=1, record=False)
    k = model.params.war_cost[1]
    for t in range(1, 4):
        model.step()
        np.testing.assert_allclose(model.beliefs.hi[1] - model.beliefs.lo[1], 0.29 * 0.5**t, rtol=1e-9)
        assert ((model.beliefs.lo[1] <= k + 1e-15) & (k <= model.beliefs.hi[1] + 1e-15)).all()


def test_full_learning_is_complete_information(complete):
    """r = 1: the first round of war reveals the type, and the worlds play as with
    complete information."""
    full = block(scenario(**{"actors.B.resolve.learning": 1.0}))
    np.testing.assert_array_equal(full.outcome, complete.outcome)
    np.testing.assert_array_equal(full.agreement_round, complete.agreement_round)
    np.testing.assert_allclose(full.terms, complete.terms, atol=1e-12)


def test_need_at_a_cutoff_shifts_by_the_war_value_slope():
    """Type c = k − 0.02 has the status S_c = S + (1 − δ^H)·0.02 (the war value is linear in
    k, §4), so R_j(c) − R_j(k) = (1 − f)(1 − δ^H)·0.02 where P ≥ S_c (f > 0 here: random
    recognition and continuation), and S_c − R_j(k) where P < S_c; a settlement's value does
    not move, so the need moves as much."""
    model = NegotiationModel(scenario(), 50, seed=3, record=False)
    model.step()
    p = model.params
    c = np.where(p.private[:, None], p.war_cost - 0.02, p.war_cost)
    need, bare = resolve.needs_at(model.state, c, model.state.need)
    f = model.state.option[1, 0]
    fade = p.patience[1] ** p.lookahead
    open_ = model.phase != 2
    s_c = model.state.status[1] + (1 - fade) * 0.02
    hopes = model.proposer_value[1] >= s_c
    assert (open_ & hopes).any() and (open_ & ~hopes).any()
    shift = np.where(hopes, (1 - f) * (1 - fade) * 0.02, s_c - model.state.reservation[1, 0])
    np.testing.assert_allclose(need[1, 0, 1][open_], (model.state.need[1, 0] + shift)[open_], atol=1e-12)
    np.testing.assert_array_equal(need[0, 1, 1], model.state.need[0, 1])     # A is not private
    np.testing.assert_allclose(bare[1, 0, 1] - need[1, 0, 1], -p.margin * p.noise[1], atol=1e-15)


def test_without_private_actors_nothing_changes():
    """``resolve: {private: false}`` (or learning without privacy) is the scenario without the
    field, to the bit; the pinned regression results cover the library's scenarios."""
    data = scenario().to_dict()
    data["actors"]["B"].pop("resolve")
    plain = block(negotiate.load_scenario(data))
    off = block(scenario(**{"actors.B.resolve.private": False, "actors.B.resolve.learning": 0.4}))
    for field in ("outcome", "agreement_round", "terms", "offers", "accepts", "final_balance"):
        np.testing.assert_array_equal(getattr(plain, field), getattr(off, field))


def test_compaction_changes_nothing():
    s = scenario(**{"rounds.horizon": 8, "actors.B.noise": 0.01, "actors.B.resolve.learning": 0.1})
    a = NegotiationModel(s, 600, seed=5, record=False)
    b = NegotiationModel(s, 600, seed=5, record=False)
    b.COMPACT_MIN = 10**9
    ra, rb = a.run(), b.run()
    for field in ("outcome", "agreement_round", "terms", "offers", "accepts"):
        np.testing.assert_array_equal(getattr(ra, field), getattr(rb, field))


@pytest.mark.parametrize("war_cost", [0.1, {"dist": "choice", "values": [0.1, 0.2]}])
def test_a_private_cost_must_be_a_continuous_distribution(war_cost):
    data = scenario().to_dict()
    data["actors"]["B"]["war_cost"] = war_cost
    with pytest.raises(ScenarioError, match="resolve"):
        negotiate.load_scenario(data)


def test_learning_rate_is_validated():
    data = scenario().to_dict()
    data["actors"]["B"]["resolve"]["learning"] = 1.5
    with pytest.raises(ScenarioError):
        negotiate.load_scenario(data)
