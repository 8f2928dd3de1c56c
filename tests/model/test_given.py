"""``run_block(..., given=...)``: chosen values for distribution-valued fields (experimental designs)."""

import numpy as np
import pytest

from negotiate.model import run_block

from .conftest import load

N = 64
PATIENCE = "actors.H.patience"
REGENERATION = "truce.regeneration"  # a choice field


def block(given=None, seed=5, n=N):
    return run_block(load("varied"), n, np.random.SeedSequence(seed), given=given)


def test_given_values_are_the_worlds_inputs():
    values = np.linspace(0.05, 0.95, N)
    out = block({PATIENCE: values, REGENERATION: np.full(N, 0.3)})
    np.testing.assert_array_equal(out.inputs[PATIENCE], values)
    # a value outside the choice's own values is still taken: a design decides, not the field
    np.testing.assert_array_equal(out.inputs[REGENERATION], np.full(N, 0.3))


def test_other_fields_draw_exactly_what_they_draw_without_given():
    free = block()
    fixed = block({PATIENCE: np.full(N, 0.5)})
    assert set(fixed.inputs) == set(free.inputs)
    for path, values in free.inputs.items():
        if path != PATIENCE:
            np.testing.assert_array_equal(fixed.inputs[path], values, err_msg=path)
    assert not np.array_equal(free.inputs[PATIENCE], fixed.inputs[PATIENCE])


def test_giving_the_drawn_values_back_reproduces_the_block():
    free = block()
    again = block({path: values.copy() for path, values in free.inputs.items()})
    np.testing.assert_array_equal(again.outcome, free.outcome)
    np.testing.assert_array_equal(again.agreement_round, free.agreement_round)


def test_given_values_change_the_outcomes():
    # the most patient and the least patient H: the worlds cannot all end alike
    # unless the engine ignored the values, so compare with the values swapped
    low, high = block({PATIENCE: np.full(N, 0.01)}), block({PATIENCE: np.full(N, 0.999)})
    differs = (low.outcome != high.outcome) | (low.agreement_round != high.agreement_round)
    assert differs.any()


@pytest.mark.parametrize("values, words", [
    (np.full(N - 1, 0.5), "one value per world"),
    (np.full((N, 2), 0.5), "one value per world"),
    (np.r_[np.full(N - 1, 0.5), np.nan], "non-finite"),
])
def test_bad_shapes_and_values_are_refused_naming_the_field(values, words):
    with pytest.raises(ValueError, match=words) as info:
        block({PATIENCE: values})
    assert PATIENCE in str(info.value)


@pytest.mark.parametrize("path", ["actors.H.capability",  # a constant in this scenario
                                  "actors.H.nonsense", "war.events[3].drift"])
def test_a_path_that_is_not_a_distribution_field_is_refused(path):
    with pytest.raises(ValueError, match="not distributions") as info:
        block({path: np.full(N, 0.5)})
    assert path in str(info.value) and PATIENCE in str(info.value)  # lists the valid ones
