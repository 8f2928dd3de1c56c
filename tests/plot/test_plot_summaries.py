"""Figures of a Results: content checked against the tables they draw."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex

import negotiate.plot as nplot
from negotiate.model import OUTCOMES
from negotiate.plot.style import OKABE_ITO
from negotiate.run import Comparison


def _by_gid(artists, prefix):
    return {a.get_gid().split(":", 1)[1]: a for a in artists if (a.get_gid() or "").startswith(prefix)}


# --- outcome bars ---------------------------------------------------------------

def test_bar_heights_are_the_probabilities_and_whiskers_the_intervals(results):
    _fig, ax = plt.subplots()
    assert nplot.plot_outcome_probabilities(results, ax=ax) is ax
    table = results.outcome_probabilities()
    bars = _by_gid(ax.patches, "bar:")
    assert list(bars) == list(OUTCOMES)
    np.testing.assert_allclose([bars[o].get_height() for o in OUTCOMES], [0.2, 0.1, 0.5, 0.2])
    (whiskers,) = [c for c in ax.collections if c.get_gid() == "intervals"]
    ends = np.array([[seg[0][1], seg[1][1]] for seg in whiskers.get_segments()])
    np.testing.assert_allclose(ends[:, 0], table["ci_low"])
    np.testing.assert_allclose(ends[:, 1], table["ci_high"])
    xs = [seg[0][0] for seg in whiskers.get_segments()]
    np.testing.assert_allclose(xs, [b.get_x() + b.get_width() / 2 for b in bars.values()])


def test_outcome_bars_are_labelled_coloured_and_in_percent(results):
    ax = results.plot()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["Temporary\ntruce", "Conditional\ntruce", "Comprehensive\nagreement", "No\nagreement"]
    colours = [to_hex(p.get_facecolor()).upper() for p in ax.patches]
    assert colours == [OKABE_ITO[k] for k in ("sky_blue", "orange", "bluish_green", "vermillion")]
    ax.figure.canvas.draw()
    assert all(t.get_text().endswith("%") for t in ax.get_yticklabels() if t.get_text())
    assert "20 runs" in ax.get_title()


def test_outcome_bars_accept_a_table(results):
    table = results.outcome_probabilities(method="jeffreys")
    ax = nplot.plot_outcome_probabilities(table)
    np.testing.assert_allclose([p.get_height() for p in ax.patches], table["p"])


# --- time to agreement ---------------------------------------------------------------

def test_incidence_curves_are_monotone_and_end_at_the_probabilities(results):
    ax = nplot.plot_time_to_agreement(results)
    curves = _by_gid(ax.lines, "incidence:")
    assert list(curves) == list(OUTCOMES[:3])
    final = results.outcome_probabilities()["p"]
    for outcome, line in curves.items():
        y = np.asarray(line.get_ydata())
        assert np.all(np.diff(y) >= 0)
        assert y[0] == 0 and y[-1] == pytest.approx(final[outcome])
    # by hand: comprehensive agreements in rounds 1,1,2,2,2,3,3,4,4,4 of 20 runs
    np.testing.assert_allclose(curves["comprehensive_agreement"].get_ydata(), [0, 0.1, 0.25, 0.35, 0.5])
    np.testing.assert_array_equal(curves["comprehensive_agreement"].get_xdata(), [0, 1, 2, 3, 4])


@pytest.mark.parametrize("unit", ["week", "day"])
def test_incidence_axis_counts_in_the_scenario_unit(unit, results_in):
    ax = nplot.plot_time_to_agreement(results_in(unit))
    assert ax.get_xlabel() == unit.capitalize()
    assert ax.get_xlim() == (0, 4)
    assert [line.get_label() for line in ax.get_legend().get_lines()] == [
        "Temporary truce", "Conditional truce", "Comprehensive agreement"]


# --- comparison forest plot -------------------------------------------------------------

def test_forest_plot_shows_each_difference_and_interval(results, results_in):
    a = results
    b = results_in("week")
    joint = np.zeros((4, 4), np.int64)
    # a's outcomes (4, 2, 10, 4) moved: 2 comprehensive → none under b, 1 temporary → comprehensive
    joint[0, 0], joint[0, 2] = 3, 1
    joint[1, 1] = 2
    joint[2, 2], joint[2, 3] = 8, 2
    joint[3, 3] = 4
    cmp = Comparison(a, b, joint)
    table = cmp.differences()
    np.testing.assert_allclose(table["difference"], [-1 / 20, 0, -1 / 20, 2 / 20])
    ax = cmp.plot()
    points = _by_gid(ax.lines, "difference:")
    intervals = _by_gid(ax.collections, "interval:")
    for outcome in OUTCOMES:
        assert points[outcome].get_xdata()[0] == pytest.approx(table.loc[outcome, "difference"])
        (seg,) = intervals[outcome].get_segments()
        assert (seg[0][0], seg[1][0]) == pytest.approx((table.loc[outcome, "ci_low"], table.loc[outcome, "ci_high"]))
    # first outcome on top
    ys = [points[o].get_ydata()[0] for o in OUTCOMES]
    assert ys == sorted(ys, reverse=True)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Temporary truce", "Conditional truce", "Comprehensive agreement", "No agreement"]
    assert "percentage points" in ax.get_xlabel() and "b − a" in ax.get_title()
    assert any(line.get_xdata()[0] == 0 for line in ax.lines if line.get_linestyle() == "--")


# --- settled terms ------------------------------------------------------------------------

def test_settled_terms_boxes_are_the_quartiles_and_labels_the_scenarios(results):
    ax = nplot.plot_settled_terms(results)
    row = results.settled_terms().loc[("comprehensive_agreement", "share")]
    (box,) = _by_gid(ax.patches, "box:").values()
    assert box.get_x() == pytest.approx(row["q25"])
    assert box.get_width() == pytest.approx(row["q75"] - row["q25"])
    (whisker,) = _by_gid(ax.collections, "whisker:").values()
    ((x0, _), (x1, _)) = whisker.get_segments()[0]
    assert (x0, x1) == pytest.approx((row["q05"], row["q95"]))
    (median,) = _by_gid(ax.collections, "median:").values()
    assert median.get_segments()[0][0][0] == pytest.approx(row["median"])
    texts = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    assert texts == {"low:share": "0 = all to B", "high:share": "1 = all to A"}
    assert [t.get_text() for t in ax.get_yticklabels()] == ["share"]  # only issues agreed on
    # the histogram holds every agreed value
    heights = [p.get_height() for p in _histogram(ax, "share")]
    assert np.count_nonzero(heights) == 10


def _histogram(ax, issue):
    return [p for p in ax.patches if p.get_gid() == f"histogram:{issue}"]


def test_settled_terms_of_truces(results):
    ax = nplot.plot_settled_terms(results, "truce")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["arms"]
    texts = [t.get_text() for t in ax.texts]
    assert "0 = arms flow" in texts and "1 = arms halted" in texts


def test_settled_terms_without_any_such_agreement(results):
    block = results.run_data.take(slice(16, 20))  # only runs without agreement
    from negotiate.results import Results

    empty = Results.from_block(results.scenario, block)
    ax = nplot.plot_settled_terms(empty)
    assert any("No run ended in comprehensive agreements" in t.get_text() for t in ax.texts)
    with pytest.raises(ValueError, match="agreement must be one of"):
        nplot.plot_settled_terms(results, "peace")


# --- acceptance -----------------------------------------------------------------------------

def test_acceptance_bars_are_the_rates(results):
    ax = nplot.plot_acceptance_rates(results)
    bars = _by_gid(ax.patches, "bar:")
    assert bars["A:settlement"].get_height() == pytest.approx(0.75)
    assert bars["B:truce"].get_height() == pytest.approx(0.5)
    assert not bars["A:truce"].get_visible()  # never asked
    assert [t.get_text() for t in ax.get_xticklabels()] == ["A", "B"]
