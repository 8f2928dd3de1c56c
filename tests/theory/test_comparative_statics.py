"""Comparative statics (docs/model.md §14) as Monte Carlo tests with confidence intervals.

Each compares two versions of one uncertain scenario on the same worlds
(common random numbers: the same parameter draws and shocks per world), and
asks that a 99% interval for the paired difference lies on the predicted side.
"""

import numpy as np
import pytest

from negotiate.model import NegotiationModel
from tests.intervals import paired_interval

N = 3000


def rounds_to_agreement(result, horizon):
    """Round of the first agreement of any kind; never → horizon + 1."""
    return np.where(result.agreement_round > 0, result.agreement_round, horizon + 1)


@pytest.mark.parametrize("factor", [2.0, 4.0])
def test_higher_war_costs_bring_agreement_sooner(theory, factor):
    base = theory("statics")
    costly = base.with_overrides({
        "actors.S.war_cost": {"dist": "uniform", "low": 0.01 * factor, "high": 0.04 * factor},
        "actors.W.war_cost": {"dist": "uniform", "low": 0.01 * factor, "high": 0.04 * factor},
    })
    h = base.rounds.horizon
    slow = rounds_to_agreement(NegotiationModel(base, N, seed=7).run(), h)
    fast = rounds_to_agreement(NegotiationModel(costly, N, seed=7).run(), h)
    lo, hi = paired_interval(fast, slow)
    assert hi < 0, (lo, hi)


def _truce_acceptance(scenario, arms, seed=3):
    """Which worlds' S and W accept a truce with arms term ``arms`` now (exact responses)."""
    model = NegotiationModel(scenario, N, seed=seed)
    answer = model.evaluate({"arms": arms}, agenda="truce")
    return answer["S"]["accept"], answer["W"]["accept"]


@pytest.mark.parametrize("regeneration", [0.01, 0.02])
def test_arms_halt_helps_the_stronger_side_accept_and_the_weaker_refuse(theory, regeneration):
    # neither side cares about the arms term itself: only its effect on regeneration counts
    scenario = theory("statics", truce__regeneration=regeneration,
                      actors__S__positions__arms__salience=0, actors__W__positions__arms__salience=0)
    s_flow, w_flow = _truce_acceptance(scenario, arms=0.0)
    s_halt, w_halt = _truce_acceptance(scenario, arms=1.0)
    lo, hi = paired_interval(s_halt, s_flow)
    assert lo > 0, ("stronger side", lo, hi)
    lo, hi = paired_interval(w_halt, w_flow)
    assert hi < 0, ("weaker side", lo, hi)


@pytest.mark.parametrize("amount", [0.01, 0.03])
def test_mediator_pressure_makes_its_target_accept_more_often(theory, amount):
    base = theory("statics")
    pressed = base.with_overrides({"leverage": [
        {"name": "pressure", "by": "M", "target": "S", "kind": "refusal_cost", "amount": amount},
    ]})
    def acceptance(scenario):
        r = NegotiationModel(scenario, N, seed=11).run()
        s = scenario.actor_names.index("S")
        return r.accepts[:, s].sum(axis=1) / np.maximum(r.offers[:, s].sum(axis=1), 1), r.offers[:, s].sum(axis=1) > 0
    rate_base, asked_base = acceptance(base)
    rate_pressed, asked_pressed = acceptance(pressed)
    both = asked_base & asked_pressed
    lo, hi = paired_interval(rate_pressed[both], rate_base[both])
    assert lo > 0, (lo, hi)
