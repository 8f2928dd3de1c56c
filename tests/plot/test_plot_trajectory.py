"""A single run's trajectory: balance, truces, agreements, offers and answers."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import negotiate
from negotiate.model import NegotiationModel
from negotiate.plot import plot_balance, plot_offers, plot_responses, plot_trajectory
from negotiate.plot.trajectory import truce_spans
from tests.figures import legends_outside

nan = np.nan


@pytest.fixture
def frame():
    """Eight weeks: truce in weeks 3–4 and 7–8, agreements in weeks 3 and 7."""
    return pd.DataFrame({
        "round": np.arange(1, 9),
        "balance": [0.5, 0.52, 0.55, 0.55, 0.53, 0.6, 0.62, 0.62],
        "truce": [False, False, True, True, False, False, True, True],
        "proposer": ["A", "B", "M", None, "A", "B", "M", None],
        "agenda": ["settlement", "truce", "truce", None, "settlement", "settlement", "truce", None],
        "agreed": [False, False, True, False, False, False, True, False],
        "offer:share": [0.7, nan, nan, nan, 0.65, 0.4, nan, nan],
        "offer:arms": [nan, 0.2, 0.5, nan, nan, nan, 0.3, nan],
        "accept:A": [nan, False, True, nan, nan, True, True, nan],
        "accept:B": [False, nan, True, nan, False, nan, True, nan],
    })


def _gid(artists, gid):
    found = [a for a in artists if a.get_gid() == gid]
    assert len(found) == 1, gid
    return found[0]


def test_truce_spans_by_hand(frame):
    assert truce_spans(frame) == [(3, 4), (7, 8)]


def test_three_panels_by_default(frame):
    axes = plot_trajectory(frame, scenario=None)
    assert len(axes) == 3
    assert axes[0].figure is axes[2].figure
    assert axes[2].get_xlabel() == "Round"


def test_balance_line_truce_shading_and_agreements(frame):
    ax = plot_balance(frame)
    line = _gid(ax.lines, "balance")
    np.testing.assert_array_equal(line.get_xdata(), frame["round"])
    np.testing.assert_allclose(line.get_ydata(), frame["balance"])
    for first, last in [(3, 4), (7, 8)]:
        span = _gid(ax.patches, f"truce:{first}-{last}")
        assert (span.get_x(), span.get_x() + span.get_width()) == (first - 0.5, last + 0.5)
    agreed = [a for a in ax.lines if (a.get_gid() or "").startswith("agreed:")]
    assert sorted(a.get_xdata()[0] for a in agreed) == [3, 7]
    texts = [t.get_text().strip() for t in ax.texts]
    assert texts == ["M: truce", "M: truce"]
    assert ax.get_ylim() == (0, 1)


def test_offers_panel_has_one_series_per_issue(frame):
    ax = plot_offers(frame)
    for issue in ("share", "arms"):
        line = _gid(ax.lines, f"offer:{issue}")
        np.testing.assert_allclose(line.get_ydata(), frame[f"offer:{issue}"], equal_nan=True)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["share", "arms"]


def test_responses_panel_marks_each_answer(frame):
    ax = plot_responses(frame)
    expected = {
        "accept:A": [3, 6, 7], "reject:A": [2],
        "accept:B": [3, 7], "reject:B": [1, 5],
    }
    for gid, rounds in expected.items():
        offsets = _gid(ax.collections, gid).get_offsets()
        assert sorted(np.asarray(offsets)[:, 0].tolist()) == rounds, gid
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "B"]


@pytest.mark.parametrize("issues", [2, 12])
def test_a_new_figures_legends_lie_inside_it_when_saved(frame, issues):
    """The offers and answers legends stand right of their panels: the new figure's layout
    makes room for them, so a plain savefig does not clip them (12 issues: two columns)."""
    wide = frame.drop(columns=["offer:share", "offer:arms"])
    for k in range(issues):
        wide[f"offer:issue_{k}"] = np.linspace(0.1, 0.9, len(frame))
    fig = plot_trajectory(wide)[0].figure
    assert legends_outside(fig) == []
    plt.close(fig)


def test_scenario_unit_labels_the_round_axis(frame):
    scenario = negotiate.load_scenario({
        "name": "s", "rounds": {"unit": "week"},
        "issues": {"share": {"group": "settlement", "low": "l", "high": "h", "status_quo": 0.5}},
        "actors": {n: {"role": "party", "positions": {"share": {"ideal": i, "salience": 1, "assumption": "x"}}}
                   for i, n in enumerate("AB")},
    })
    axes = plot_trajectory(frame, scenario=scenario)
    assert axes[-1].get_xlabel() == "Week"


def test_one_axes_draws_the_balance_panel_only(frame):
    _fig, ax = plt.subplots()
    assert plot_trajectory(frame, ax=ax) is ax
    assert _gid(ax.lines, "balance")


def test_wrong_axes_or_columns_are_refused(frame):
    _fig, axes = plt.subplots(2)
    with pytest.raises(ValueError, match="one axes or three"):
        plot_trajectory(frame, ax=axes)
    with pytest.raises(ValueError, match="balance"):
        plot_trajectory(frame.drop(columns="balance"))


def test_engine_record_can_be_plotted():
    scenario = negotiate.load_scenario(
        __import__("pathlib").Path(__file__).parents[1] / "run" / "data" / "varied.yaml")
    model = NegotiationModel(scenario, 1, seed=np.random.SeedSequence(3), record=True)
    model.run()
    record = model.trajectory()
    axes = plot_trajectory(record, scenario=scenario)
    np.testing.assert_allclose(_gid(axes[0].lines, "balance").get_ydata(), record["balance"])
    actors = [t.get_text() for t in axes[2].get_yticklabels()]
    assert actors == scenario.actor_names
