"""Baron & Ferejohn (1989), unanimity: expected payoff = recognition probability, whatever δ."""

import numpy as np
import pytest
from scipy import stats

from negotiate.model import OUTCOMES, NegotiationModel

from .conftest import per_round_cost


@pytest.mark.parametrize("p_a, delta", [(0.3, 0.9), (0.5, 0.5), (0.8, 0.95)])
def test_expected_payoff_equals_recognition_probability(theory, p_a, delta):
    scenario = theory(
        "baron_ferejohn", actors__A__patience=delta, actors__B__patience=delta,
        actors__A__war_cost=per_round_cost(0.5, delta), actors__B__war_cost=per_round_cost(0.5, delta),
        **{"recognition.probabilities": {"A": p_a, "B": 1 - p_a}},
    )
    n = 4_000
    result = NegotiationModel(scenario, n, seed=11).run()
    assert (result.outcome == OUTCOMES.index("comprehensive_agreement")).all()
    assert (result.agreement_round == 1).all()
    share_a = result.terms[:, 0]
    # stationary SPE: A proposing keeps 1 − δ p_B; B proposing offers A δ p_A
    a_proposes = result.proposer == 0
    np.testing.assert_allclose(share_a[a_proposes], 1 - delta * (1 - p_a), atol=1e-6)
    np.testing.assert_allclose(share_a[~a_proposes], delta * p_a, atol=1e-6)
    # the Monte Carlo mean lies in a 99% interval around p_A
    spread = abs((1 - delta * (1 - p_a)) - delta * p_a) * np.sqrt(p_a * (1 - p_a) / n)
    z = stats.norm.ppf(0.995)
    assert abs(share_a.mean() - p_a) <= z * spread + 1e-12
