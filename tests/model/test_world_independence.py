"""A world's result depends on the seed and its own index only, never on its block
(docs/model.md, "Random numbers"): the block cut in pieces, or one world played alone,
gives bit-identical worlds, for scenarios that use every draw site (parameters, events,
round shocks, responses, ratification, stances, stalling, private resolve, plain ceasefires,
a calibration)."""

from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

import negotiate
from negotiate.model import BlockResult, run_block

from .conftest import load
from .test_calibration_section import calibrated_scenario

ROOT = Path(__file__).resolve().parents[2]
SEED = np.random.SeedSequence(77)


def assert_same_worlds(a: BlockResult, b: BlockResult) -> None:
    for f in fields(BlockResult):
        if f.name == "inputs":
            assert a.inputs.keys() == b.inputs.keys()
            for key in a.inputs:
                np.testing.assert_array_equal(a.inputs[key], b.inputs[key], err_msg=key)
        else:
            np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name), err_msg=f.name)


def noisy_talks():
    return load("talks").with_overrides({
        "bargaining.stance_persistence": 0.6,
        "actors.A.insincere": 0.5,
        "actors.A.noise": {"dist": "uniform", "low": 0.02, "high": 0.2},
        "actors.B.noise": 0.1,
    })


SCENARIOS = {
    "varied": lambda tmp: load("varied"),
    "noisy_talks": lambda tmp: noisy_talks(),
    "private": lambda tmp: load("private"),
    "pause": lambda tmp: load("pause"),
    "calibrated": lambda tmp: negotiate.load_scenario(calibrated_scenario(tmp)),
    "library": lambda tmp: negotiate.load_scenario(ROOT / "scenarios/ukraine_march_2025.yaml")
    .with_overrides({"rounds.horizon": 10}),
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_worlds_are_the_same_in_any_block(name, tmp_path):
    scenario = SCENARIOS[name](tmp_path)
    n = 48
    whole = run_block(scenario, n, SEED)
    pieces = BlockResult.concat([run_block(scenario, 17, SEED), run_block(scenario, n - 17, SEED, first=17)])
    assert_same_worlds(whole, pieces)
    for i in (0, 29, n - 1):
        assert_same_worlds(whole.take(slice(i, i + 1)), run_block(scenario, 1, SEED, first=i))


def test_worlds_differ_between_indices():
    """The mutation check's counterpart: if worlds ignored their index, a block would
    repeat one world (and the test above could not fail)."""
    scenario = SCENARIOS["library"](None)
    block, again = run_block(scenario, 32, SEED), run_block(scenario, 32, SEED, first=32)
    for values in (block.final_balance, block.inputs["war.drift"]):
        assert np.unique(values).size > 16
    assert not np.array_equal(block.final_balance, again.final_balance)


def test_first_must_be_a_whole_number():
    with pytest.raises(ValueError, match="first must be a whole number"):
        run_block(load("varied"), 2, SEED, first=-1)
