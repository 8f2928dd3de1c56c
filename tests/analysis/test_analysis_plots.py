"""Figures of sensitivity and discovery: what is drawn matches the tables."""

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere: no display in tests

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from scipy import stats

import negotiate.plot as nplot
from negotiate.analysis import Factor, analyse_function, discover


def _axes():
    return Figure().add_subplot()


def _bars(ax, gid):
    return [p for p in ax.patches if p.get_gid() == gid]


@pytest.fixture(scope="module")
def linear():
    """y = 3 a + b + 0 c: a matters most, c not at all."""
    factors = [Factor(n, stats.uniform(0, 1).ppf) for n in "abc"]
    return factors, (lambda v: v @ np.array([3.0, 1.0, 0.0]))


def test_sobol_tornado_orders_inputs_and_draws_both_indices(linear):
    result = analyse_function(*linear, ["y"], "sobol", samples=256, seed=0)
    ax = nplot.plot_sensitivity(result, ax=_axes())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]  # drawn top to bottom
    s1, st = _bars(ax, "bar:S1"), _bars(ax, "bar:ST")
    assert len(s1) == len(st) == 3
    ranked = result.ranking()
    np.testing.assert_allclose([b.get_width() for b in st], ranked["ST"])
    np.testing.assert_allclose([b.get_width() for b in s1], ranked["S1"])
    assert [b.get_y() for b in st] == sorted((b.get_y() for b in st), reverse=True)


def test_morris_chart_draws_mu_star_and_sigma(linear):
    result = analyse_function(*linear, ["y"], "morris", samples=8, seed=0)
    ax = result.plot(ax=_axes(), max_inputs=2)
    bars = _bars(ax, "bar:mu_star")
    assert len(bars) == 2 and [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    np.testing.assert_allclose([b.get_width() for b in bars], result.ranking()["mu_star"].head(2))
    (sigma,) = [line for line in ax.lines if line.get_gid() == "markers:sigma"]
    np.testing.assert_allclose(sigma.get_xdata(), 0.0, atol=1e-9)


def test_an_unknown_outcome_is_refused(linear):
    result = analyse_function(*linear, ["y"], "sobol", samples=8, seed=0)
    with pytest.raises(ValueError, match="unknown outcome 'x'"):
        result.plot(ax=_axes(), outcome="x")


@pytest.fixture(scope="module")
def found():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.random((2000, 2)), columns=["a", "b"])
    frame["outcome"] = np.where(frame["a"] > 0.7, "temporary_truce", "no_agreement")
    return discover(frame, "temporary_truce", method="prim")


def test_discovery_plot_draws_each_limit_within_the_observed_range(found):
    ax = found.plot(ax=_axes())
    (bar,) = [p for p in ax.patches if (p.get_gid() or "") == "box:1:a"]
    low, high = found.boxes[0].limits["a"]
    lo_obs, hi_obs = found.ranges["a"]
    assert bar.get_x() == pytest.approx((low - lo_obs) / (hi_obs - lo_obs))
    assert high == np.inf and bar.get_x() + bar.get_width() == pytest.approx(1.0)  # open above: to the end
    assert "coverage" in ax.get_legend().get_texts()[0].get_text()


def test_tradeoff_marks_the_reported_box(found):
    ax = found.plot_tradeoff(ax=_axes())
    (chosen,) = [c for c in ax.collections if c.get_gid() == "chosen"]
    row = found.trajectory[found.trajectory["chosen"]]
    np.testing.assert_allclose(chosen.get_offsets()[0], [row["coverage"].iloc[0], row["density"].iloc[0]])


def test_tradeoff_needs_prim():
    frame = pd.DataFrame({"a": np.linspace(0, 1, 200)})
    frame["outcome"] = np.where(frame["a"] > 0.5, "temporary_truce", "no_agreement")
    with pytest.raises(ValueError, match="method='prim'"):
        discover(frame, "temporary_truce", method="cart").plot_tradeoff(ax=_axes())
