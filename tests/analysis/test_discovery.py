"""Scenario discovery finds a planted box and reports coverage and density as defined."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import negotiate
from negotiate.analysis import Box, discover

DRIVERS = Path(__file__).parent / "data" / "drivers.yaml"
TRUCE = "conditional_truce"


@pytest.fixture(scope="module")
def planted() -> pd.DataFrame:
    """Worlds where the outcome is an agreement exactly when a > 0.6 and b <= 0.3 (c is noise)."""
    rng = np.random.default_rng(12)
    frame = pd.DataFrame(rng.random((3000, 3)), columns=["input:a", "input:b", "input:c"])
    inside = (frame["input:a"] > 0.6) & (frame["input:b"] <= 0.3)
    frame["outcome"] = np.where(inside, "comprehensive_agreement", "no_agreement")
    return frame


@pytest.fixture(scope="module")
def worlds():
    return negotiate.simulate(DRIVERS, runs=3000, seed=2)


def counted(frame: pd.DataFrame, inside: np.ndarray, outcome: str) -> tuple[float, float]:
    """Coverage and density counted straight from their definitions."""
    cases = (frame["outcome"] == outcome).to_numpy()
    return (inside & cases).sum() / cases.sum(), (inside & cases).sum() / inside.sum()


def test_cart_finds_the_planted_box(planted):
    found = discover(planted, method="cart")
    best = found.boxes[0]
    assert set(best.limits) == {"a", "b"}
    assert best.limits["a"][0] == pytest.approx(0.6, abs=0.01) and best.limits["a"][1] == np.inf
    assert best.limits["b"][0] == -np.inf and best.limits["b"][1] == pytest.approx(0.3, abs=0.01)
    assert best.coverage > 0.98 and best.density == 1.0
    assert found.to_frame()["density"].is_monotonic_decreasing


def test_prim_finds_the_planted_box(planted):
    found = discover(planted, method="prim")
    (best,) = found.boxes
    assert set(best.limits) == {"a", "b"}
    assert best.limits["a"][0] == pytest.approx(0.6, abs=0.03) and best.limits["b"][1] == pytest.approx(0.3, abs=0.03)
    assert best.density > 0.95 and best.coverage >= 0.5
    chosen = found.trajectory[found.trajectory["chosen"]]
    assert len(chosen) == 1 and chosen["coverage"].iloc[0] >= 0.5


@pytest.mark.parametrize("method", ["prim", "cart"])
def test_coverage_and_density_are_as_defined(worlds, method):
    frame = worlds.to_frame()
    found = discover(worlds, TRUCE, method=method)
    inputs = frame.rename(columns=lambda c: c.removeprefix("input:"))
    for box in found.boxes[:3]:
        inside = np.ones(len(frame), dtype=bool)
        for name, (low, high) in box.limits.items():
            x = inputs[name].to_numpy()
            inside &= ((x >= low) if box.low_inclusive else (x > low)) & (x <= high)
        coverage, density = counted(frame, inside, TRUCE)
        assert box.coverage == pytest.approx(coverage) and box.density == pytest.approx(density)
        assert box.worlds == inside.sum()
    assert found.cases == (frame["outcome"] == TRUCE).sum() and found.worlds == 3000
    # the best box is denser than the worlds at large: it found something
    assert found.boxes[0].density > 1.5 * found.base_rate


def test_results_and_their_table_give_the_same_boxes(worlds):
    from_results = discover(worlds, TRUCE, method="cart")
    from_table = discover(worlds.to_frame(), TRUCE, method="cart")
    pd.testing.assert_frame_equal(from_results.to_frame(), from_table.to_frame())


def test_inputs_restrict_the_search(worlds):
    found = discover(worlds, TRUCE, method="cart", inputs=["war.drift", "actors.H.patience"])
    assert found.inputs == ["war.drift", "actors.H.patience"]
    assert all(set(b.limits) <= {"war.drift", "actors.H.patience"} for b in found.boxes)
    with pytest.raises(ValueError, match="nonsense"):
        discover(worlds, TRUCE, inputs=["nonsense"])


def test_refusals_say_what_is_wrong(worlds, planted):
    with pytest.raises(ValueError, match="keep_runs=True"):
        discover(negotiate.simulate(DRIVERS, runs=50, seed=1, keep_runs=False), TRUCE)
    with pytest.raises(ValueError, match="0 of 3000 worlds reached 'temporary_truce'"):
        discover(planted, "temporary_truce", method="cart")
    with pytest.raises(ValueError, match="unknown outcome"):
        discover(planted, "peace")
    with pytest.raises(ValueError, match="method"):
        discover(planted, method="forest")
    with pytest.raises(ValueError, match="'outcome' column"):
        discover(planted.drop(columns="outcome"))
    with pytest.raises(TypeError, match="Results"):
        discover([1, 2, 3])


@pytest.mark.parametrize("method", ["prim", "cart"])
def test_the_search_shows_its_time_when_asked(planted, method, capsys):
    discover(planted, method=method, progress=True)
    assert f"{method.upper()} on 3,000 worlds: 00:" in capsys.readouterr().err
    discover(planted, method=method, progress=False)
    assert capsys.readouterr().err == ""
    with pytest.raises(TypeError, match="progress must be True, False or None"):
        discover(planted, method=method, progress="yes")


def test_rules_read_as_the_limits():
    box = Box({"x": (0.25, np.inf), "y": (-np.inf, 2.0), "z": (1.0, 3.0)}, 0.5, 0.9, 10, 9, low_inclusive=False)
    assert box.rule() == "x > 0.25 and y <= 2 and 1 < z <= 3"
    assert Box({}, 1.0, 0.1, 10, 1).rule() == "(all worlds)"


def test_save_writes_table_plots_and_metadata(planted, tmp_path):
    found = discover(planted, method="prim")
    paths = found.save(tmp_path / "d")
    assert {p.name for p in paths} == {"discovery.csv", "discovery.png", "tradeoff.png", "metadata.json"}
    # no restriction was pruned: an empty cell, read as text rather than NaN
    written = pd.read_csv(tmp_path / "d" / "discovery.csv", keep_default_na=False)
    pd.testing.assert_frame_equal(written, found.to_frame(), check_dtype=False)


@pytest.mark.parametrize("hits, warned", [(49, True), (50, False), (2950, False), (2951, True)])
def test_a_rare_outcome_or_a_rare_absence_is_flagged(planted, hits, warned):
    """Fewer than 50 worlds with the outcome (or without it): boxes among them are noise."""
    import warnings

    from negotiate.analysis.discovery import FEW_WORLDS
    from negotiate import WeakResultWarning

    assert FEW_WORLDS == 50
    frame = planted.copy()
    frame["outcome"] = np.where(np.arange(len(frame)) < hits, "comprehensive_agreement", "no_agreement")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        discover(frame, method="cart")
    weak = [w for w in caught if issubclass(w.category, WeakResultWarning)]
    assert bool(weak) is warned
    if warned:
        assert f"of {len(frame):,} worlds" in str(weak[0].message)
