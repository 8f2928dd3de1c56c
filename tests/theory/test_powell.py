"""Powell (2006): the declining side rejects even the best truce iff
δ (p0 − p1) > (1 − δ)(1 − p0 + c)."""

import itertools

import pytest

from negotiate.model import NegotiationModel

from .conftest import per_round_cost

GRID = list(itertools.product([0.7, 0.8, 0.9], [0.05, 0.15], [0.6, 0.9, 0.97], [0.0, 0.05, 0.2]))


@pytest.mark.parametrize("p0, rho, delta, cost", GRID)
def test_declining_side_rejects_iff_powell_condition(theory, p0, rho, delta, cost):
    scenario = theory(
        "powell", war__balance=p0, truce__regeneration=rho,
        actors__D__patience=delta, actors__D__war_cost=per_round_cost(cost, delta),
    )
    model = NegotiationModel(scenario, 1, seed=0)
    p1 = p0 - rho
    rejects = delta * (p0 - p1) > (1 - delta) * (1 - p0 + cost)
    # the best truce D could be offered gives it the whole pie while it lasts
    answer = model.evaluate({"y": 1.0}, agenda="truce")
    assert bool(answer["D"]["accept"][0]) == (not rejects)
    value = (1 - delta) * 1.0 + delta * (p1 - cost)
    assert answer["D"]["value"][0] == pytest.approx(value, abs=1e-12)
    assert answer["D"]["reservation"][0] == pytest.approx(p0 - cost, abs=1e-12)
