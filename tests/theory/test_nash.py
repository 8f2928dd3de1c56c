"""Nash bargaining: argmax Π (u_i − d_i)^α_i, against closed forms worked out by hand."""

import numpy as np
import pytest
from scipy.optimize import brentq

from negotiate.model import OUTCOMES, NegotiationModel

from .conftest import per_round_cost

DELTA = 0.95  # default patience: the disagreement value is u(sq) − (1 − δ^H) k

COMPREHENSIVE = OUTCOMES.index("comprehensive_agreement")


def settle(scenario):
    result = NegotiationModel(scenario, 2, seed=3).run()
    assert (result.outcome == COMPREHENSIVE).all()
    return result.terms[0, 0]


def quadratic_nash(alpha, d):
    """FOC of α1 ln(1 − y² − d1) + α2 ln(1 − (1 − y)² − d2) = 0 (ideals 0 and 1)."""
    a1, a2 = alpha
    d1, d2 = d
    foc = lambda y: -2 * a1 * y / (1 - y**2 - d1) + 2 * a2 * (1 - y) / (1 - (1 - y) ** 2 - d2)
    # both gains must stay positive: y² < 1 − d1 and (1 − y)² < 1 − d2
    lo = 1 - np.sqrt(1 - d2) if d2 > 0 else 0.0
    hi = np.sqrt(1 - d1) if d1 > 0 else 1.0
    return brentq(foc, lo + 1e-12, hi - 1e-12)


@pytest.mark.parametrize(
    "alpha, d, expected",
    [
        ((0.7, 0.3), (0.0, 0.0), 0.3760),   # docs/model.md §9
        ((0.7, 0.3), (-4.0, -4.0), 0.3166),  # docs/model.md §9: tends to α2 as disagreement worsens
    ],
)
def test_quadratic_nash_matches_model_md(theory, alpha, d, expected):
    scenario = theory(
        "nash", actors__A__capability=alpha[0], actors__B__capability=alpha[1],
        actors__A__war_cost=per_round_cost(0.75 - d[0], DELTA), actors__B__war_cost=per_round_cost(0.75 - d[1], DELTA),
    )
    assert settle(scenario) == pytest.approx(expected, abs=5e-5)
    assert settle(scenario) == pytest.approx(quadratic_nash(alpha, d), abs=1e-6)


@pytest.mark.parametrize(
    "alpha, d",
    [((0.5, 0.5), (0.0, 0.0)), ((0.2, 0.8), (0.3, -0.5)), ((0.9, 0.1), (-1.0, 0.2))],
)
def test_quadratic_nash_solves_first_order_condition(theory, alpha, d):
    scenario = theory(
        "nash", actors__A__capability=alpha[0], actors__B__capability=alpha[1],
        actors__A__war_cost=per_round_cost(0.75 - d[0], DELTA), actors__B__war_cost=per_round_cost(0.75 - d[1], DELTA),
    )
    assert settle(scenario) == pytest.approx(quadratic_nash(alpha, d), abs=1e-6)


@pytest.mark.parametrize(
    "alpha, d",
    [((0.7, 0.3), (0.0, 0.0)), ((0.5, 0.5), (0.1, 0.2)), ((0.25, 0.75), (-0.2, 0.3)), ((0.6, 0.4), (0.3, 0.3))],
)
def test_linear_pie_split(theory, alpha, d):
    """Pie of 1, linear utility: x_i = d_i + α_i/Σα · (1 − Σd).

    A (ideal 0) gets 1 − y, B (ideal 1) gets y; d_i = 1 − |0.5 − x_i| − (1 − δ^H) k = 0.5 − (1 − δ^H) k.
    """
    scenario = theory(
        "nash", bargaining__utility_exponent=1,
        actors__A__capability=alpha[0], actors__B__capability=alpha[1],
        actors__A__war_cost=per_round_cost(0.5 - d[0], DELTA), actors__B__war_cost=per_round_cost(0.5 - d[1], DELTA),
    )
    share_b = settle(scenario)
    expected_b = d[1] + alpha[1] / sum(alpha) * (1 - sum(d))
    assert share_b == pytest.approx(expected_b, abs=1e-6)
