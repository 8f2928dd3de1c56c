"""Figures of a sweep: content checked against the sweep's table."""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

import negotiate
import negotiate.plot as nplot
from negotiate.model import OUTCOMES

VARIED = Path(__file__).resolve().parents[1] / "run" / "data" / "varied.yaml"


@pytest.fixture(scope="module")
def line_sweep():
    return negotiate.sweep(VARIED, {"actors.B.noise": [0.0, 0.05, 0.2]}, runs=300, seed=3, progress=False)


@pytest.fixture(scope="module")
def grid_sweep():
    return negotiate.sweep(VARIED, {"actors.B.noise": [0.0, 0.2], "war.drift": [0.0, 0.005, 0.02]},
                           runs=300, seed=3, progress=False)


def _by_gid(artists, prefix):
    return {a.get_gid().split(":", 1)[1]: a for a in artists if (a.get_gid() or "").startswith(prefix)}


def _contains_points(vertices, xs, ys):
    return all(np.isclose(vertices, [x, y]).all(axis=1).any() for x, y in zip(xs, ys))


def test_lines_are_the_probabilities_and_bands_the_intervals(line_sweep):
    _fig, ax = plt.subplots()
    assert nplot.plot_sweep_line(line_sweep, ax=ax) is ax
    table = line_sweep.to_frame()
    lines, bands = _by_gid(ax.lines, "line:"), _by_gid(ax.collections, "band:")
    assert list(lines) == list(OUTCOMES) and list(bands) == list(OUTCOMES)
    xs = [0.0, 0.05, 0.2]
    for outcome in OUTCOMES:
        rows = table[table["outcome"] == outcome]
        np.testing.assert_allclose(lines[outcome].get_xdata(), xs)
        np.testing.assert_allclose(lines[outcome].get_ydata(), rows["p"])
        vertices = bands[outcome].get_paths()[0].vertices
        assert _contains_points(vertices, xs, rows["ci_low"])
        assert _contains_points(vertices, xs, rows["ci_high"])
    assert ax.get_xlabel() == "actors.B.noise" and ax.get_ylabel() == "Probability"
    assert ax.yaxis.get_major_formatter()(0.25, 0) == "25%"


def test_a_line_plot_can_show_chosen_outcomes(line_sweep):
    ax = line_sweep.plot(outcome="no_agreement")
    assert list(_by_gid(ax.lines, "line:")) == ["no_agreement"]
    with pytest.raises(ValueError, match="unknown outcomes"):
        nplot.plot_sweep_line(line_sweep, outcomes=["peace"])


def test_heatmap_cells_are_the_probabilities(grid_sweep):
    _fig, ax = plt.subplots()
    assert nplot.plot_sweep_heatmap(grid_sweep, "comprehensive_agreement", ax=ax) is ax
    table = grid_sweep.to_frame()
    rows = table[table["outcome"] == "comprehensive_agreement"]
    (image,) = [im for im in ax.images if im.get_gid() == "heatmap:comprehensive_agreement"]
    cells = np.asarray(image.get_array())
    assert cells.shape == (3, 2)  # war.drift up, actors.B.noise across
    for _, row in rows.iterrows():
        i = [0.0, 0.2].index(row["actors.B.noise"])
        j = [0.0, 0.005, 0.02].index(row["war.drift"])
        assert cells[j, i] == row["p"]
        (text,) = [t for t in ax.texts if t.get_gid() == f"cell:{i},{j}"]
        assert f"{row['p']:.1%}" in text.get_text() and f"{row['ci_low']:.1%}" in text.get_text()
    assert ax.get_xlabel() == "actors.B.noise" and ax.get_ylabel() == "war.drift"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0.0", "0.005", "0.02"]


def test_each_plot_needs_its_number_of_paths(line_sweep, grid_sweep):
    with pytest.raises(ValueError, match="two paths"):
        nplot.plot_sweep_heatmap(line_sweep, "no_agreement")
    with pytest.raises(ValueError, match="one path"):
        nplot.plot_sweep_line(grid_sweep)
    with pytest.raises(ValueError, match="unknown outcome"):
        nplot.plot_sweep_heatmap(grid_sweep, "peace")
    ax = grid_sweep.plot()
    assert [im.get_gid() for im in ax.images] == ["heatmap:no_agreement"]
