"""Rubinstein (1982): the first proposer's share is (1 − δ2)/(1 − δ1 δ2), agreed at once."""

import numpy as np
import pytest

from negotiate.model import OUTCOMES, NegotiationModel

from .conftest import per_round_cost


def status_zero(d1, d2):
    """War costs that make both status values 0 (u(sq) = 0.5)."""
    return {"actors__A__war_cost": per_round_cost(0.5, d1), "actors__B__war_cost": per_round_cost(0.5, d2)}


@pytest.mark.parametrize("d1, d2", [(0.9, 0.8), (0.5, 0.5), (0.95, 0.6), (0.3, 0.9)])
def test_first_proposer_share(theory, d1, d2):
    scenario = theory("rubinstein", actors__A__patience=d1, actors__B__patience=d2, **status_zero(d1, d2))
    result = NegotiationModel(scenario, 2, seed=5).run()
    assert (result.outcome == OUTCOMES.index("comprehensive_agreement")).all()
    assert (result.agreement_round == 1).all()
    np.testing.assert_allclose(result.terms[:, 0], (1 - d2) / (1 - d1 * d2), atol=1e-6)


@pytest.mark.parametrize("d1, d2", [(0.9, 0.8), (0.7, 0.4)])
def test_second_mover_proposing_first_gets_its_share(theory, d1, d2):
    """Swap who opens: B's share is (1 − δ1)/(1 − δ1 δ2)."""
    scenario = theory("rubinstein", actors__A__patience=d1, actors__B__patience=d2,
                      **status_zero(d1, d2), **{"recognition.order": ["B", "A"]})
    result = NegotiationModel(scenario, 1, seed=5).run()
    np.testing.assert_allclose(1 - result.terms[:, 0], (1 - d1) / (1 - d1 * d2), atol=1e-6)
