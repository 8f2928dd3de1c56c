"""``compare_many``: a base and its variants on common random numbers; and the
warning when compared scenarios do not share their actors and issues."""

from __future__ import annotations

import json
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

import negotiate
from negotiate.model import OUTCOMES
from negotiate.stats import paired_difference

matplotlib.use("Agg")
RUNS, SEED = 700, 5


@pytest.fixture(scope="module")
def many(varied):
    variants = {"patient": varied.with_overrides({"actors.A.patience": 0.99}),
                "costly": varied.with_overrides({"actors.B.war_cost": 0.3}),
                "same": varied}
    return negotiate.compare_many(varied, variants, runs=RUNS, seed=SEED, keep_runs=True, progress=False)


def test_each_row_is_the_paired_difference_of_the_per_run_outcomes(many):
    table = many.to_frame()
    assert list(table.columns) == ["variant", "outcome", "p_base", "p_variant", "difference", "ci_low", "ci_high"]
    assert len(table) == 3 * len(OUTCOMES)
    base_runs = many.base.to_frame()["outcome"].to_numpy()
    for row in table.itertuples():
        variant_runs = many.variants[row.variant].to_frame()["outcome"].to_numpy()
        expected = paired_difference(base_runs == row.outcome, variant_runs == row.outcome)
        assert row.p_base == pytest.approx(expected.p_x) and row.p_variant == pytest.approx(expected.p_y)
        assert (row.difference, row.ci_low, row.ci_high) == pytest.approx(
            (expected.difference, expected.ci_low, expected.ci_high))


def test_the_runs_are_those_of_each_scenario_alone(many, varied):
    alone = negotiate.simulate(varied, runs=RUNS, seed=SEED, progress=False)
    pd.testing.assert_frame_equal(many.base.outcome_probabilities(), alone.outcome_probabilities())
    patient = negotiate.simulate(many.variants["patient"].scenario, runs=RUNS, seed=SEED, progress=False)
    pd.testing.assert_frame_equal(many.variants["patient"].to_frame(), patient.to_frame())


def test_the_base_against_itself_differs_by_nothing(many):
    same = many.to_frame().query("variant == 'same'")
    assert (same["difference"] == 0).all() and (same["ci_low"] <= 0).all() and (same["ci_high"] >= 0).all()
    joint = many.joints["same"]
    assert joint.sum() == RUNS and np.count_nonzero(joint - np.diag(np.diag(joint))) == 0


def test_one_variant_gives_the_two_scenario_comparison(many, varied):
    pair = negotiate.compare(varied, many.variants["costly"].scenario, runs=RUNS, seed=SEED, progress=False)
    np.testing.assert_array_equal(many.comparison("costly").joint, pair.joint)
    with pytest.raises(KeyError, match="patient"):
        many.comparison("nope")


def test_a_list_of_variants_is_labelled_by_name(varied):
    a = varied.with_overrides({"actors.A.noise": 0.2})
    b = varied.with_overrides({"actors.B.noise": 0.2}, name="noisy_b")
    result = negotiate.compare_many(varied, [a, b], runs=64, seed=1, progress=False)
    assert result.labels == ["varied+noise", "noisy_b"]
    with pytest.raises(ValueError, match="named alike"):
        negotiate.compare_many(varied, [a, a], runs=64, progress=False)
    with pytest.raises(ValueError, match="at least one variant"):
        negotiate.compare_many(varied, [], runs=64, progress=False)


def test_the_forest_plot_has_a_point_per_variant_and_outcome(many):
    from matplotlib.figure import Figure

    ax = many.plot(ax=Figure().add_subplot())
    gids = {line.get_gid() for line in ax.get_lines() if line.get_gid()}
    assert gids == {f"difference:{v}:{o}" for v in many.labels for o in OUTCOMES}
    ax = many.plot(ax=Figure().add_subplot(), outcomes=["no_agreement"])
    assert len([line for line in ax.get_lines() if line.get_gid()]) == 3
    with pytest.raises(ValueError, match="unknown outcome"):
        many.plot(ax=Figure().add_subplot(), outcomes=["truce"])


def test_save_writes_the_tables_the_figure_and_metadata(many, tmp_path):
    paths = many.save(tmp_path / "out")
    assert {p.name for p in paths} == {"comparisons.csv", "summary.csv", "comparisons.png", "metadata.json"}
    table = pd.read_csv(tmp_path / "out" / "comparisons.csv")
    pd.testing.assert_frame_equal(table, many.to_frame(), check_exact=False)
    meta = json.loads((tmp_path / "out" / "metadata.json").read_text())
    assert meta["variants"] == many.labels and meta["runs"] == RUNS and meta["seed"] == SEED
    assert [p.name for p in many.save(tmp_path / "bare", plots=False)] == [
        "comparisons.csv", "summary.csv", "metadata.json"]


def test_scenarios_with_other_actors_warn_and_disjoint_ones_are_refused(varied):
    fewer = negotiate.load_scenario({**varied.to_dict(), "name": "fewer"}).with_overrides(
        {"recognition": {}})
    data = varied.to_dict()
    del data["actors"]["M"]
    data["name"] = "no_mediator"
    no_mediator = negotiate.load_scenario(data)
    with pytest.warns(negotiate.ScenarioMismatchWarning, match="actors only in varied: M"):
        negotiate.compare(varied, no_mediator, runs=16, progress=False)
    with pytest.warns(negotiate.ScenarioMismatchWarning):
        negotiate.compare_many(varied, [no_mediator], runs=16, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", negotiate.ScenarioMismatchWarning)
        negotiate.compare(varied, fewer, runs=16, progress=False)  # same actors and issues: silent
    other = negotiate.load_scenario({
        "name": "other", "issues": {"land": {"group": "settlement", "low": "x", "high": "y", "status_quo": 0.5}},
        "actors": {p: {"role": "party", "positions": {"land": {"ideal": i, "salience": 1, "assumption": "x"}}}
                   for p, i in (("P", 0), ("Q", 1))}})
    with pytest.raises(ValueError, match="share no actor and no issue"):
        negotiate.compare(varied, other, runs=16, progress=False)


def test_the_same_scenario_twice_warns_and_a_changed_one_does_not(varied):
    renamed = negotiate.load_scenario({**varied.to_dict(), "name": "renamed", "description": "a copy"})
    for a, b in ((varied, varied), (varied, renamed)):
        with pytest.warns(negotiate.IdenticalScenariosWarning, match="are the same scenario"):
            negotiate.compare(a, b, runs=16, progress=False)
    with pytest.warns(negotiate.IdenticalScenariosWarning, match="renamed and varied are the same"):
        negotiate.compare_many(varied, [renamed], runs=16, progress=False)
    changed = varied.with_overrides({"actors.B.noise": 0.2})
    with warnings.catch_warnings():
        warnings.simplefilter("error", negotiate.IdenticalScenariosWarning)
        negotiate.compare(varied, changed, runs=16, progress=False)


def test_summary_holds_each_scenarios_own_probabilities(many):
    summary = many.summary().set_index(["scenario", "outcome"])
    assert list(summary.index.get_level_values("scenario").unique()) == ["varied (base)", *many.labels]
    for label, results in [("varied (base)", many.base), *many.variants.items()]:
        np.testing.assert_allclose(summary.loc[label, "p"].to_numpy(),
                                   results.outcome_probabilities()["p"].to_numpy())
