"""Drawing a block's parameters (negotiate.model.params.draw_params)."""

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from negotiate.model.params import draw_params

from .conftest import load, params

H, L, M, S = range(4)
FRONT, SANCTIONS, ARMS, MONITORS = range(4)
Z = stats.norm.ppf(0.9995)


def test_constants_are_constant_and_not_recorded_as_inputs():
    p = params("mechanics", n=6, seed=4)
    np.testing.assert_array_equal(p.patience, np.repeat([[0.9], [0.8], [0.95], [0.95]], 6, axis=1))
    np.testing.assert_array_equal(p.drift, np.full(6, 0.01))
    np.testing.assert_array_equal(p.status_quo, np.tile([0.5, 0.2, 0.0, 0.0], (6, 1)))
    assert p.inputs == {}


# (getter, mean, sd) of each distribution in varied.yaml, worked out by hand
MEANS = {
    "actors.H.patience": (lambda p: p.patience[H], 2 / 3, math.sqrt(18 / (81 * 10))),
    "war.drift": (lambda p: p.drift, 0.01, 0.06 / math.sqrt(12)),
    "actors.L.positions.front.ideal": (lambda p: p.ideal[L, :, FRONT], 0.3, math.sqrt(0.27 / 18)),
    "actors.H.war_cost": (lambda p: p.war_cost[H], math.exp(-3 + 0.125),
                          math.sqrt((math.exp(0.25) - 1) * math.exp(-6 + 0.25))),
    "truce.regeneration": (lambda p: p.regeneration, 0.4, math.sqrt(0.03)),
    "truce.hazard_effects.monitors": (lambda p: p.hazard_effects[MONITORS], -0.5, 0.2),
    # symmetric truncation: the mean stays 0.3, the sd is below 0.1
    "issues.sanctions.status_quo": (lambda p: p.status_quo[:, SANCTIONS], 0.3, 0.1),
    "actors.M.capability": (lambda p: p.capability[M], 1.5, 1 / math.sqrt(12)),
    "leverage[0].amount": (lambda p: p.leverage[0].amount, 0.05, 0.1 / math.sqrt(12)),
    "war.events[0].drift": (lambda p: p.ev_drift[0], 0.01, 0.02 / math.sqrt(12)),
}


@pytest.fixture(scope="module")
def many():
    return params("varied", n=20_000, seed=7)


@pytest.mark.parametrize("path", list(MEANS))
def test_distributions_have_the_right_mean(many, path):
    get, mean, sd = MEANS[path]
    draws = get(many)
    assert draws.shape == (20_000,)
    assert abs(draws.mean() - mean) <= Z * sd / math.sqrt(draws.size)
    # what was drawn is what is recorded as the run's input
    np.testing.assert_array_equal(many.inputs[path], draws)


def test_only_distribution_valued_fields_are_recorded(many):
    assert set(many.inputs) == set(MEANS) | {
        "actors.H.positions.front.salience", "actors.H.positions.arms.salience",
        "actors.L.positions.monitors.salience",
    }


def test_saliences_sum_to_one_in_every_world(many):
    np.testing.assert_allclose(many.salience.sum(axis=2), 1.0, atol=1e-12)
    # H: raw (u, 0.3, b) with u, b drawn; after normalisation sanctions gets 0.3/(u + 0.3 + b)
    raw_front = many.inputs["actors.H.positions.front.salience"]
    raw_arms = many.inputs["actors.H.positions.arms.salience"]
    np.testing.assert_allclose(many.salience[H, :, SANCTIONS], 0.3 / (raw_front + 0.3 + raw_arms))


def test_each_field_has_its_own_stream():
    before = params("varied", n=50, seed=2)
    # change one field's distribution, add a distribution elsewhere
    after = params("varied", n=50, seed=2,
                   actors__H__patience={"dist": "uniform", "low": 0.5, "high": 0.6},
                   war__volatility={"dist": "uniform", "low": 0.0, "high": 0.1})
    assert not np.array_equal(before.patience[H], after.patience[H])
    for path in set(MEANS) - {"actors.H.patience"}:
        np.testing.assert_array_equal(before.inputs[path], after.inputs[path], err_msg=path)
    # another seed changes every draw
    other = params("varied", n=50, seed=3)
    for path in MEANS:
        assert not np.array_equal(before.inputs[path], other.inputs[path]), path


def test_the_same_distribution_on_two_fields_gives_different_draws():
    same = {"dist": "uniform", "low": 0.0, "high": 1.0}
    p = params("mechanics", n=20, actors__H__patience=same, actors__L__patience=same)
    assert not np.array_equal(p.patience[H], p.patience[L])


def test_parameters_depend_only_on_the_seed():
    scenario = load("varied")
    a = draw_params(scenario, 30, np.random.SeedSequence(9, spawn_key=(4,)))
    b = draw_params(scenario, 30, np.random.SeedSequence(9, spawn_key=(4,)))
    for path in a.inputs:
        np.testing.assert_array_equal(a.inputs[path], b.inputs[path])


def test_default_recognition_mediator_share_then_parties_by_capability():
    """q = 0.5 to the mediator; the rest to the parties in proportion to capability 3 : 1."""
    p = params("varied", n=5, actors__M__capability=1.0)
    np.testing.assert_allclose(p.recognition, np.tile([0.375, 0.125, 0.5, 0.0], (5, 1)))
    q = params("varied", recognition={"mediator_share": 0.2})
    np.testing.assert_allclose(q.recognition[0], [0.6, 0.2, 0.2, 0.0])


# --- WorldParams.take ---------------------------------------------------------------------
#: every per-world array and the axis that indexes the worlds, listed by hand
WORLD_AXIS = {
    "ideal": 1, "salience": 1, "capability": 1, "patience": 1, "noise": 1, "optimism": 1,
    "war_cost": 1, "status_quo": 0, "balance0": 0, "drift": 0, "volatility": 0, "ev_drift": 1,
    "ev_vol": 1, "ev_jump": 1, "ev_prob": 1, "regeneration": 0, "residual": 0,
    "cost_factor": 0, "hazard_scale": 0, "hazard_effects": 1, "recognition": 0,
}


def test_take_selects_worlds_on_every_per_world_array():
    n, keep = 7, np.array([5, 0, 3])   # 7 worlds: no other axis (4 actors, 4 issues) has 7
    p = params("varied", n=n, seed=1, war__balance={"dist": "uniform", "low": 0.2, "high": 0.8})
    sub = p.take(keep)
    assert sub.n == 3
    for name, axis in WORLD_AXIS.items():
        assert getattr(p, name).shape[axis] == n, name
    for field in dataclasses.fields(p):
        value = getattr(p, field.name)
        if not isinstance(value, np.ndarray):
            continue
        if n in value.shape:   # any per-world array, including ones added after this test
            axis = WORLD_AXIS.get(field.name, value.shape.index(n))
            np.testing.assert_array_equal(getattr(sub, field.name), np.take(value, keep, axis=axis),
                                          err_msg=field.name)
        else:
            np.testing.assert_array_equal(getattr(sub, field.name), value, err_msg=field.name)
    np.testing.assert_array_equal(sub.leverage[0].amount, p.leverage[0].amount[keep])
    assert len(set(p.balance0)) == n    # the worlds really differ
    np.testing.assert_array_equal(sub.balance0, p.balance0[keep])


def test_take_keeps_the_order_of_an_alternating_protocol():
    p = params("alternating", n=4)
    np.testing.assert_array_equal(p.take(np.array([2, 1])).recognition, [0, 1, 2])


def test_take_subsets_the_recorded_inputs():
    p = params("varied", n=7)
    sub = p.take(np.array([5, 0, 3]))
    assert sub.inputs.keys() == p.inputs.keys()
    for path, draws in p.inputs.items():
        np.testing.assert_array_equal(sub.inputs[path], draws[[5, 0, 3]])
