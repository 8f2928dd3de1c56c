"""The war path alone (negotiate.model.war): drift, volatility, events, leverage on
the drift, clipping, outright wins.  Expected balances are worked out by hand."""

import numpy as np
import pytest
from scipy import stats

from negotiate.model import NegotiationModel, war

from .conftest import load, params

NO_EVENTS = np.zeros((0, 1), bool)


def one_step(p, t, balance, shock, happens=NO_EVENTS):
    return war.step(p, t, np.array([balance]), happens, np.array([shock]))[0]


@pytest.mark.parametrize("balance, drift, vol, shock, expected", [
    (0.6, 0.01, 0.05, 1.0, 0.66),     # 0.6 + 0.01 + 0.05·1
    (0.3, -0.02, 0.1, -0.5, 0.23),    # 0.3 − 0.02 − 0.1·0.5
    (0.5, 0.0, 0.0, 3.0, 0.5),        # no drift, no volatility: the front stands
    (0.4, 0.003, 0.02, 0.0, 0.403),
])
def test_drift_and_volatility(balance, drift, vol, shock, expected):
    p = params("mechanics", war__drift=drift, war__volatility=vol)
    assert one_step(p, 1, balance, shock) == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("balance, drift, vol, shock, expected", [
    (0.99, 0.05, 0.0, 0.0, 1.0),
    (0.02, -0.05, 0.0, 0.0, 0.0),
    (0.5, 0.0, 0.1, 10.0, 1.0),
    (0.5, 0.0, 0.1, -10.0, 0.0),
])
def test_balance_is_clipped_to_the_unit_interval(balance, drift, vol, shock, expected):
    p = params("mechanics", war__drift=drift, war__volatility=vol)
    assert one_step(p, 1, balance, shock) == expected


OFFENSIVE = {"start": 3, "end": 5, "drift": 0.02, "volatility": 0.01, "jump": 0.1}


@pytest.mark.parametrize("t, expected", [
    (2, 0.56),   # before: 0.5 + 0.01 + 0.05·1
    (3, 0.69),   # first round: + drift 0.02 + volatility 0.01 + jump 0.1
    (4, 0.59),   # inside: drift and volatility, no second jump
    (5, 0.59),   # last round of the window
    (6, 0.56),   # after
])
def test_event_acts_inside_its_window_and_jumps_only_at_its_start(t, expected):
    p = params("mechanics", war__events=[OFFENSIVE])
    happens = np.ones((1, 1), bool)
    assert one_step(p, t, 0.5, 1.0, happens) == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("t", [2, 3, 4, 5, 6])
def test_event_that_does_not_happen_changes_nothing(t):
    p = params("mechanics", war__events=[OFFENSIVE])
    assert one_step(p, t, 0.5, 1.0, np.zeros((1, 1), bool)) == pytest.approx(0.56, abs=1e-15)


def test_event_without_end_lasts_one_round_and_events_add_up():
    second = {"start": 4, "drift": -0.01, "jump": -0.05}
    p = params("mechanics", war__events=[{**OFFENSIVE, "end": None}, second])
    both = np.ones((2, 1), bool)
    assert one_step(p, 3, 0.5, 1.0, both) == pytest.approx(0.69, abs=1e-15)
    # round 4: the first event is over; the second: 0.5 + (0.01 − 0.01) + 0.05 − 0.05
    assert one_step(p, 4, 0.5, 1.0, both) == pytest.approx(0.5, abs=1e-15)
    assert one_step(p, 5, 0.5, 1.0, both) == pytest.approx(0.56, abs=1e-15)


@pytest.mark.parametrize("probabilities", [(0.3, 0.8), (0.05, 0.5)])
def test_each_event_happens_with_its_probability_in_each_world(probabilities):
    events = [{**OFFENSIVE, "probability": q} for q in probabilities]
    n = 4000
    model = NegotiationModel(load("mechanics", war__events=events), n, seed=3, record=False)
    assert model.happens.shape == (2, n)
    for row, q in zip(model.happens, probabilities):
        half_width = stats.norm.ppf(0.9995) * np.sqrt(q * (1 - q) / n)
        assert abs(row.mean() - q) <= half_width
    # independent draws for the two events
    both = (model.happens[0] & model.happens[1]).mean()
    q0, q1 = probabilities
    assert abs(both - q0 * q1) <= stats.norm.ppf(0.9995) * np.sqrt(q0 * q1 * (1 - q0 * q1) / n)


@pytest.mark.parametrize("t, expected_drift", [(1, 0.01), (2, 0.03), (3, 0.03), (4, 0.01)])
def test_war_drift_leverage_acts_only_in_its_window(t, expected_drift):
    lever = {"by": "M", "target": "L", "kind": "war_drift", "amount": 0.02, "start": 2, "end": 3,
             "assumption": "aid suspended"}
    p = params("mechanics", leverage=[lever])
    assert war.drift_now(p, t, NO_EVENTS)[0] == pytest.approx(expected_drift, abs=1e-15)
    assert one_step(p, t, 0.5, 0.0) == pytest.approx(0.5 + expected_drift, abs=1e-15)


def test_war_drift_leverage_without_end_lasts_to_the_horizon():
    lever = {"by": "M", "target": "L", "kind": "war_drift", "amount": -0.004, "start": 5,
             "assumption": "extra aid"}
    p = params("mechanics", leverage=[lever])   # horizon 20
    drifts = [war.drift_now(p, t, NO_EVENTS)[0] for t in (4, 5, 20)]
    assert drifts == pytest.approx([0.01, 0.006, 0.006], abs=1e-15)


VICTORY = {"upper": 0.9, "lower": 0.1, "probability": 0.3}


def test_victories_need_the_front_beyond_a_threshold_and_the_draw():
    p = params("mechanics", war__victory=VICTORY)
    balance = np.array([0.95, 0.95, 0.05, 0.05, 0.5, 0.9, 0.1])
    uniform = np.array([0.2, 0.5, 0.29, 0.31, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(war.victories(p, balance, uniform), [1, 0, -1, 0, 0, 1, -1])


def test_no_victories_when_their_probability_is_zero():
    p = params("mechanics", war__victory={**VICTORY, "probability": 0.0})
    got = war.victories(p, np.array([1.0, 0.0]), np.array([0.0, 0.0]))
    np.testing.assert_array_equal(got, [0, 0])
