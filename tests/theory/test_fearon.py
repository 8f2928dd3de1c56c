"""Fearon (1995): with win probability p and costs c_A, c_B, exactly the packages in
[p − c_A, p + c_B] are accepted by both; with agreeing beliefs there is no war."""

import numpy as np
import pytest

from negotiate.model import OUTCOMES, NegotiationModel

from .conftest import per_round_cost


def costs(c_a, c_b, delta=0.95, lookahead=26):
    return {"actors__A__war_cost": per_round_cost(c_a, delta, lookahead),
                "actors__B__war_cost": per_round_cost(c_b, delta, lookahead)}

CASES = [(0.6, 0.1, 0.15), (0.3, 0.05, 0.02), (0.75, 0.2, 0.1)]


@pytest.mark.parametrize("p, c_a, c_b", CASES)
def test_bargaining_range(theory, p, c_a, c_b):
    scenario = theory("fearon", war__balance=p, **costs(c_a, c_b))
    model = NegotiationModel(scenario, 1, seed=0)
    lo, hi = p - c_a, p + c_b
    for y in np.linspace(0, 1, 41).tolist() + [lo, hi, lo - 1e-6, hi + 1e-6, lo + 1e-6, hi - 1e-6]:
        answer = model.evaluate({"y": y})
        both = answer["A"]["accept"][0] and answer["B"]["accept"][0]
        assert both == (lo - 1e-12 <= y <= hi + 1e-12), y


@pytest.mark.parametrize("p, c_a, c_b", CASES)
def test_no_war_when_the_range_is_non_empty(theory, p, c_a, c_b):
    scenario = theory("fearon", war__balance=p, **costs(c_a, c_b))
    result = NegotiationModel(scenario, 50, seed=1).run()
    assert (result.outcome == OUTCOMES.index("comprehensive_agreement")).all()
    assert (result.agreement_round == 1).all()
    assert ((result.terms[:, 0] >= p - c_a - 1e-9) & (result.terms[:, 0] <= p + c_b + 1e-9)).all()


def test_mutual_optimism_empties_the_range(theory):
    """Each side believes the front moves its way: A expects p + ω_A·H, B expects p − ω_B·H
    at the war's end, which carries weight δ^H in the war value."""
    p, c_a, c_b, lookahead = 0.5, 0.05, 0.05, 10
    scenario = theory(
        "fearon", war__balance=p, war__lookahead=lookahead,
        **costs(c_a, c_b, lookahead=lookahead),
        actors__A__optimism=0.02, actors__B__optimism=-0.02,
    )
    # A's floor p + δ^H·0.2 − c_a = 0.57 exceeds B's ceiling p − δ^H·0.2 + c_b = 0.43
    result = NegotiationModel(scenario, 50, seed=1).run()
    assert (result.outcome == OUTCOMES.index("no_agreement")).all()
