"""PRIM's restrictions are pruned by their quasi-p-values: noise inputs go, the planted ones stay."""

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from negotiate.analysis import discover

matplotlib.use("Agg")

DEAL = "comprehensive_agreement"
SIGNAL = {"x1", "x2"}
NOISE = [f"noise{k}" for k in range(1, 6)]


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    """A deal exactly when x1 > 0.6 and x2 < 0.5, then 10% of the labels flipped; noise1-5 play no part."""
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.random((1000, 7)), columns=["x1", "x2", *NOISE])
    truth = (frame["x1"] > 0.6) & (frame["x2"] < 0.5)
    flipped = rng.random(len(frame)) < 0.1
    frame["outcome"] = np.where(truth ^ flipped, DEAL, "no_agreement")
    return frame


@pytest.fixture(scope="module")
def unpruned(planted):
    return discover(planted, DEAL, method="prim", prune=None)


@pytest.fixture(scope="module")
def pruned(planted):
    return discover(planted, DEAL, method="prim", prune=0.05)


def inside(frame: pd.DataFrame, limits: dict) -> np.ndarray:
    """PRIM's box membership, low <= x <= high, counted straight from the limits."""
    mask = np.ones(len(frame), dtype=bool)
    for name, (low, high) in limits.items():
        mask &= (frame[name].to_numpy() >= low) & (frame[name].to_numpy() <= high)
    return mask


def quasi_p(frame: pd.DataFrame, limits: dict) -> dict[str, float]:
    """Bryant & Lempert's quasi-p-value of each restricted input, from its definition: a
    one-sided binomial test of the box's cases against the density of the box with one cut
    side opened; the smaller over the input's cut sides."""
    cases = (frame["outcome"] == DEAL).to_numpy()
    box = inside(frame, limits)
    hits, worlds = int((box & cases).sum()), int(box.sum())
    values = {}
    for name, (low, high) in limits.items():
        sides = [(-math.inf, high)] * math.isfinite(low) + [(low, math.inf)] * math.isfinite(high)
        wider = [inside(frame, {**limits, name: side}) for side in sides]
        values[name] = min(binomtest(hits, worlds, (w & cases).sum() / w.sum(), alternative="greater").pvalue
                           for w in wider)
    return values


def test_without_pruning_prim_restricts_noise(unpruned, planted):
    # the premise of the tests below: without it they could not fail
    limits = unpruned.boxes[0].limits
    assert SIGNAL <= set(limits)
    assert set(limits) & set(NOISE)
    # and those noise restrictions are indeed not meaningful, by the definition
    values = quasi_p(planted, limits)
    assert all(values[name] > 0.05 for name in set(limits) & set(NOISE))
    assert all(values[name] < 1e-6 for name in SIGNAL)


def test_pruning_keeps_the_planted_inputs_and_drops_the_noise(unpruned, pruned):
    before, after = unpruned.boxes[0], pruned.boxes[0]
    assert set(after.limits) == SIGNAL
    assert set(after.dropped) == set(before.limits) - SIGNAL
    assert all(value > 0.05 for value in after.dropped.values())
    assert all(value <= 0.05 for value in after.quasi_p.values())
    # pruning opens restrictions, it never moves the ones it keeps
    assert all(after.limits[name] == before.limits[name] for name in after.limits)
    # near the planted edges (an input is kept or dropped whole: a slight cut on its other side may stay)
    assert after.limits["x1"][0] == pytest.approx(0.6, abs=0.05) and after.limits["x1"][1] > 0.9
    assert after.limits["x2"][0] < 0.1 and after.limits["x2"][1] == pytest.approx(0.5, abs=0.05)


def test_quasi_p_values_are_the_binomial_tests(unpruned, pruned, planted):
    before, after = unpruned.boxes[0], pruned.boxes[0]
    expected = quasi_p(planted, before.limits)
    assert before.quasi_p == pytest.approx(expected, rel=1e-9)
    # the least meaningful restriction goes first, with the value it had in the chosen box
    first_name, first_value = next(iter(after.dropped.items()))
    assert first_name == max(expected, key=expected.get)
    assert first_value == pytest.approx(expected[first_name], rel=1e-9)
    # the kept restrictions' values are those of the reported (wider) box
    assert after.quasi_p == pytest.approx(quasi_p(planted, after.limits), rel=1e-9)


def test_pruned_coverage_and_density_are_counted_on_all_worlds(unpruned, pruned, planted):
    after = pruned.boxes[0]
    cases = (planted["outcome"] == DEAL).to_numpy()
    box = inside(planted, after.limits)
    assert after.worlds == box.sum() and after.cases == (box & cases).sum()
    assert after.coverage == pytest.approx((box & cases).sum() / cases.sum())
    assert after.density == pytest.approx((box & cases).sum() / box.sum())
    # a wider box: more worlds, at least the coverage
    assert after.worlds > unpruned.boxes[0].worlds and after.coverage >= unpruned.boxes[0].coverage


def test_prune_none_reports_the_chosen_peeled_box(unpruned, pruned):
    box, chosen = unpruned.boxes[0], unpruned.trajectory[unpruned.trajectory["chosen"]].iloc[0]
    # the box is the trajectory's chosen one, as the workbench counted it
    assert len(box.limits) == chosen["res_dim"] and not box.dropped
    assert box.coverage == pytest.approx(chosen["coverage"]) and box.density == pytest.approx(chosen["density"])
    # pruning happens after the choice: same trajectory, same choice
    pd.testing.assert_frame_equal(unpruned.trajectory, pruned.trajectory)
    assert unpruned.options["prune"] is None and pruned.options["prune"] == 0.05
    assert "dropped" not in unpruned.to_frame().columns and "dropped" not in unpruned.metadata()


def test_dropped_restrictions_are_reported(pruned):
    after = pruned.boxes[0]
    text = pruned.to_frame()["dropped"].iloc[0]
    assert all(f"{name} (qp {value:.2g})" in text for name, value in after.dropped.items())
    meta = pruned.metadata()
    assert meta["options"]["prune"] == 0.05
    assert {(d["input"], d["quasi_p"]) for d in meta["dropped"]} == set(after.dropped.items())
    limits = pruned.limits_frame()
    assert dict(zip(limits["input"], limits["quasi_p"])) == after.quasi_p


def test_tradeoff_marks_the_pruned_box(pruned):
    from matplotlib.figure import Figure

    ax = pruned.plot_tradeoff(ax=Figure().add_subplot())
    (mark,) = [c for c in ax.collections if c.get_gid() == "pruned"]
    np.testing.assert_allclose(mark.get_offsets()[0], [pruned.boxes[0].coverage, pruned.boxes[0].density])


@pytest.mark.parametrize("prune", [0, 1, 1.5, -0.1, math.nan, "0.05", True])
def test_prune_must_be_a_share(planted, prune):
    with pytest.raises(ValueError, match="prune must be .* between 0 and 1"):
        discover(planted, DEAL, method="prim", prune=prune)


def test_prune_is_for_prim_only(planted):
    with pytest.raises(ValueError, match="prune applies to PRIM boxes only"):
        discover(planted, DEAL, method="cart", prune=0.1)
    # the default, or None, leaves a tree as it was
    default, without = discover(planted, DEAL, method="cart"), discover(planted, DEAL, method="cart", prune=None)
    pd.testing.assert_frame_equal(default.to_frame(), without.to_frame())
    assert "prune" not in default.options and all(not b.dropped and not b.quasi_p for b in default.boxes)
