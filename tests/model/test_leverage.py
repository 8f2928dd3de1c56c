"""Leverage on the value of accepting (negotiate.model.leverage.bonus)."""

import numpy as np
import pytest

from negotiate.model import leverage

from .conftest import params

H, L, M, S = range(4)

BONUS = {"by": "M", "target": "H", "kind": "acceptance_bonus", "amount": 0.1, "start": 2,
         "end": 4, "assumption": "restored relations"}
THREAT = {"by": "M", "target": "L", "kind": "refusal_cost", "amount": 0.05, "start": 3,
          "assumption": "sanctions threatened"}


@pytest.mark.parametrize("t, to_h, to_l", [
    (1, 0.0, 0.0), (2, 0.1, 0.0), (3, 0.1, 0.05), (4, 0.1, 0.05), (5, 0.0, 0.05), (20, 0.0, 0.05),
])
def test_bonus_and_refusal_cost_only_for_proposals_by_the_lever(t, to_h, to_l):
    p = params("mechanics", leverage=[BONUS, THREAT])
    b = leverage.bonus(p, t)[..., 0]          # (responder, proposer)
    expected = np.zeros((4, 4))
    expected[H, M], expected[L, M] = to_h, to_l
    np.testing.assert_allclose(b, expected, atol=0)


def test_levers_on_the_same_target_add_up():
    p = params("mechanics", leverage=[BONUS, {**BONUS, "amount": 0.25, "start": 1, "end": 2}])
    assert leverage.bonus(p, 2)[H, M, 0] == pytest.approx(0.35, abs=1e-15)
    assert leverage.bonus(p, 1)[H, M, 0] == pytest.approx(0.25, abs=1e-15)


# S controls sanctions (status quo 0.2); H's ideal there is 1 with salience 0.3.
# The payment moves sanctions toward H's ideal by at most |amount|:
# p = 2: 0.3 (0.8² − (0.8 − step)²);  p = 1: 0.3 · step.
@pytest.mark.parametrize("exponent, amount, expected", [
    (2, 0.3, 0.3 * (0.64 - 0.25)),
    (2, -0.3, 0.3 * (0.64 - 0.25)),     # the sign does not matter: the move is toward H
    (2, 0.9, 0.3 * 0.64),               # never past H's ideal
    (1, 0.3, 0.3 * 0.3),
    (1, 0.9, 0.3 * 0.8),
])
def test_side_payment_is_worth_the_utility_of_the_promised_move(exponent, amount, expected):
    pay = {"by": "S", "target": "H", "kind": "side_payment", "issue": "sanctions",
           "amount": amount, "start": 1, "end": 1, "assumption": "sanctions relief"}
    p = params("mechanics", leverage=[pay], bargaining__utility_exponent=exponent)
    b = leverage.bonus(p, 1)[..., 0]
    # it comes with any agreement, whoever proposes it
    np.testing.assert_allclose(b[H], expected, atol=1e-15)
    assert not b[[L, M, S]].any()
    assert not leverage.bonus(p, 2).any()
