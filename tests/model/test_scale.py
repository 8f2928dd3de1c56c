"""Per-world multipliers of number fields (``given["path*"]``, a calibration's scale knobs,
docs/validation.md "Scale knobs"): each world's value is the field's own value times the
world's multiplier, and nothing else moves."""

import numpy as np
import pytest

from negotiate.model import NegotiationModel
from negotiate.model.params import draw_params

from .conftest import load

SEED = np.random.SeedSequence(11)


@pytest.mark.parametrize("cost, factors", [(0.05, [1.0, 0.25, 4.0, 2.5]), (0.0, [3.0, 0.5, 1.0, 7.0]),
                                           (0.3, [0.1, 1.0, 1.0, 2.0])])
def test_a_number_field_scaled_by_s_is_s_times_the_number_in_each_world(cost, factors):
    """A number is a degenerate distribution: with the multiplier s_i, world i's war cost is
    exactly s_i·x, and the other party's stays x."""
    scenario = load("talks", actors__A__war_cost=cost, actors__B__war_cost=cost)
    s = np.array(factors)
    p = draw_params(scenario, len(s), SEED, given={"actors.A.war_cost*": s})
    assert p.war_cost[0].tolist() == [cost * f for f in factors]
    assert p.war_cost[1].tolist() == [cost] * len(s)
    assert "actors.A.war_cost" not in p.inputs  # a number is not a distribution-valued input


def test_a_distributions_draws_scaled_by_s_are_s_times_the_unscaled_draws_of_the_same_seed():
    scenario = load("varied")
    n = 64
    s = np.exp(np.linspace(np.log(0.25), np.log(4), n))
    plain = draw_params(scenario, n, SEED)
    scaled = draw_params(scenario, n, SEED, given={"actors.H.war_cost*": s, "actors.M.capability*": 2 * s})
    h, m = scenario.actor_names.index("H"), scenario.actor_names.index("M")
    assert np.array_equal(scaled.war_cost[h], s * plain.war_cost[h])
    assert np.array_equal(scaled.capability[m], 2 * s * plain.capability[m])
    assert not np.array_equal(scaled.war_cost[h], plain.war_cost[h])
    # the inputs are the values played; every other draw is unchanged (common random numbers)
    assert np.array_equal(scaled.inputs["actors.H.war_cost"], scaled.war_cost[h])
    for path, values in plain.inputs.items():
        if path not in ("actors.H.war_cost", "actors.M.capability"):
            assert np.array_equal(scaled.inputs[path], values), path
    assert np.array_equal(np.delete(scaled.war_cost, h, 0), np.delete(plain.war_cost, h, 0))


def test_a_given_value_is_scaled_too_and_a_world_does_not_depend_on_its_block():
    scenario = load("varied")
    mine, s = np.linspace(0.01, 0.02, 10), np.linspace(0.5, 2, 10)
    whole = NegotiationModel(scenario, 10, seed=SEED, given={"actors.H.war_cost": mine,
                                                             "actors.H.war_cost*": s}).inputs
    assert np.array_equal(whole["actors.H.war_cost"], mine * s)
    tail = NegotiationModel(scenario, 4, seed=SEED, first=6,
                            given={"actors.H.war_cost*": s[6:]}).inputs
    alone = NegotiationModel(scenario, 10, seed=SEED, given={"actors.H.war_cost*": s}).inputs
    assert np.array_equal(tail["actors.H.war_cost"], alone["actors.H.war_cost"][6:])


@pytest.mark.parametrize("given, message", [
    ({"actors.A.war_cost*": np.ones(3)}, r"one value per world \(5\), got shape \(3,\)"),
    ({"actors.A.war_cost*": [1, 1, np.nan, 1, 1]}, "non-finite"),
    ({"actors.A.war_cost*": [1, 1, 0, 1, 1]}, "multiplier: every value must be > 0, got 0"),
    ({"actors.A.war_cost*": [1, -2, 1, 1, 1]}, "must be > 0, got -2"),
    ({"actors.Z.war_cost*": np.ones(5)}, "has no field 'actors.Z.war_cost'"),
    ({"actors.A.role*": np.ones(5)}, "'actors.A.role' is not a number field"),
    ({"actors.A.patience*": np.full(5, 1.2)}, r"leaves its range \[0, 1\] \(world 0: 0.9 × 1.2"),
    ({"rounds.horizon*": np.ones(5)}, r"draws no per-world value .*'rounds.horizon\*'"),
])
def test_bad_multipliers_are_refused_naming_the_key(given, message):
    with pytest.raises(ValueError, match=message):
        draw_params(load("talks"), 5, SEED, given=given)


def test_a_private_war_cost_cannot_be_scaled():
    """The others' prior about a private war cost is the scenario's distribution (§18)."""
    with pytest.raises(ValueError, match=r"B's war cost is private"):
        draw_params(load("private"), 5, SEED, given={"actors.B.war_cost*": np.full(5, 2.0)})
    draw_params(load("private"), 5, SEED, given={"actors.A.war_cost*": np.full(5, 2.0)})  # A's is public
