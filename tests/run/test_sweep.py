"""Parameter sweeps: each point is ``simulate`` of the overridden scenario on
the same seed plan (common random numbers), and the CLI around it."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import negotiate
from negotiate.model import OUTCOMES
from tests.cli import negotiate_cli

# the package's name ``sweep`` is the function: reach the module itself
blocks_module = importlib.import_module("negotiate.run.blocks")  # where the blocks are simulated

ROOT = Path(__file__).resolve().parents[2]
STATICS = ROOT / "tests" / "theory" / "data" / "statics.yaml"


@pytest.fixture(scope="module")
def statics():
    return negotiate.load_scenario(STATICS)


@pytest.fixture(scope="module")
def varied_sweep(varied):
    # 1000 runs: not a whole number of blocks; two workers: points travel to processes
    return negotiate.sweep(varied, {"actors.A.noise": [0.0, 0.1], "war.drift": [0.0, 0.01]},
                           runs=1000, seed=5, workers=2, chunk_size=1, progress=False)


def test_every_point_equals_simulate_of_the_overridden_scenario(varied, varied_sweep):
    points = [{"actors.A.noise": a, "war.drift": d} for a in (0.0, 0.1) for d in (0.0, 0.01)]
    assert varied_sweep.points == points
    frame = varied_sweep.to_frame()
    for k, point in enumerate(points):
        alone = negotiate.simulate(varied.with_overrides(point), runs=1000, seed=5, progress=False)
        expected = alone.outcome_probabilities()
        rows = frame.iloc[4 * k: 4 * k + 4].set_index("outcome")
        for column in ("p", "ci_low", "ci_high", "count"):
            np.testing.assert_array_equal(rows[column].to_numpy(), expected[column].to_numpy())
        pd.testing.assert_frame_equal(varied_sweep.results[k].outcome_probabilities(), expected)
        np.testing.assert_array_equal(varied_sweep.outcomes[k], alone.run_data.outcome)
        assert (rows["runs"] == 1000).all() and (rows["actors.A.noise"] == point["actors.A.noise"]).all()


def test_the_table_has_one_row_per_point_and_outcome(varied_sweep):
    frame = varied_sweep.to_frame()
    assert list(frame.columns) == ["actors.A.noise", "war.drift", "outcome", "p", "ci_low", "ci_high",
                                   "count", "runs"]
    assert len(frame) == 4 * len(OUTCOMES)
    assert list(frame["outcome"]) == list(OUTCOMES) * 4
    per_point = frame.groupby(["actors.A.noise", "war.drift"])["count"].sum()
    assert (per_point == 1000).all()
    assert (frame["ci_low"] <= frame["p"]).all() and (frame["p"] <= frame["ci_high"]).all()


def test_every_point_draws_the_same_worlds(varied):
    # the sampled inputs a swept constant does not touch are the same run by run at every point
    frames = [negotiate.simulate(varied.with_overrides({"war.volatility": v}), runs=600, seed=2,
                                 progress=False).to_frame().filter(like="input:")
              for v in (0.0, 0.1)]
    assert list(frames[0].columns) == list(frames[1].columns) and len(frames[0].columns) >= 3
    pd.testing.assert_frame_equal(frames[0], frames[1])
    # so a point repeated in the grid repeats every run's outcome, and differs from another point
    result = negotiate.sweep(varied, {"war.volatility": [0.1, 0.1, 0.0]}, runs=600, seed=2, progress=False)
    np.testing.assert_array_equal(result.outcomes[0], result.outcomes[1])
    assert (result.outcomes[0] != result.outcomes[2]).any()
    diffs = result.differences(reference=0)
    assert (diffs.iloc[4:8]["difference"] == 0).all()


def test_differences_are_the_paired_differences_of_compare(varied, varied_sweep):
    diffs = varied_sweep.differences(reference=1)
    assert diffs.attrs["reference"] == {"actors.A.noise": 0.0, "war.drift": 0.01}
    reference = varied.with_overrides(varied_sweep.points[1])
    for k in (0, 3):
        pair = negotiate.compare(reference, varied.with_overrides(varied_sweep.points[k]), runs=1000,
                                 seed=5, progress=False).differences()
        rows = diffs.iloc[4 * k: 4 * k + 4]
        np.testing.assert_allclose(rows["p_ref"], pair["p_a"], rtol=0, atol=1e-15)
        np.testing.assert_allclose(rows["p"], pair["p_b"], rtol=0, atol=1e-15)
        np.testing.assert_allclose(rows["difference"], pair["difference"], rtol=0, atol=1e-15)
        np.testing.assert_allclose(rows[["ci_low", "ci_high"]], pair[["ci_low", "ci_high"]], atol=1e-12)
    by_dict = varied_sweep.differences(reference={"war.drift": 0.01, "actors.A.noise": 0.0})
    pd.testing.assert_frame_equal(by_dict, diffs)


def test_higher_war_costs_for_the_weaker_side_mean_fewer_failures(statics):
    result = negotiate.sweep(statics, {"actors.W.war_cost": [0.0, 0.03, 0.1]}, runs=2048, seed=1,
                             progress=False)
    frame = result.to_frame().set_index(["actors.W.war_cost", "outcome"])
    comprehensive = frame.xs("comprehensive_agreement", level="outcome")
    assert comprehensive["p"].is_monotonic_increasing
    assert comprehensive.loc[0.0, "ci_high"] < comprehensive.loc[0.1, "ci_low"]
    failure = frame.xs("no_agreement", level="outcome")
    assert failure.loc[0.1, "ci_high"] < failure.loc[0.0, "ci_low"]
    paired = result.differences().set_index(["actors.W.war_cost", "outcome"])
    assert paired.loc[(0.1, "no_agreement"), "ci_high"] < 0
    assert paired.loc[(0.03, "comprehensive_agreement"), "ci_low"] > 0


def _never_simulate(*args, **kwargs):
    raise AssertionError("a point was simulated before the whole grid was validated")


@pytest.mark.parametrize(("grid", "path", "words"), [
    ({"actors.Q.war_cost": [0.1]}, "actors.Q.war_cost", "no field 'Q'"),
    ({"actors.S.war_cost": [0.1, -1]}, "actors.S.war_cost", "-1"),
    ({"actors.S.patience": [0.9], "war.balance": [0.5, "high"]}, "war.balance", "'high'"),
])
def test_a_bad_path_or_value_is_named_before_anything_runs(statics, monkeypatch, grid, path, words):
    monkeypatch.setattr(blocks_module, "_simulate_block", _never_simulate)
    with pytest.raises(negotiate.ScenarioError) as caught:
        negotiate.sweep(statics, grid, runs=10, progress=False)
    assert [p.path for p in caught.value.problems] == [path]
    assert words in str(caught.value) and "sweep point" in str(caught.value)


@pytest.mark.parametrize(("grid", "error"), [
    ({}, ValueError),
    ({"a.b": [1], "c.d": [1], "e.f": [1]}, ValueError),
    ({"actors.S.war_cost": []}, ValueError),
    ({"actors.S.war_cost": "0.1,0.2"}, TypeError),
    ([("actors.S.war_cost", [0.1])], TypeError),
])
def test_a_grid_of_the_wrong_shape_is_refused(statics, grid, error):
    with pytest.raises(error, match="grid"):
        negotiate.sweep(statics, grid, runs=10, progress=False)


def test_a_reference_that_is_not_a_point_is_refused(varied_sweep):
    with pytest.raises(ValueError, match="reference"):
        varied_sweep.differences(reference=4)
    with pytest.raises(ValueError, match="not a point"):
        varied_sweep.differences(reference={"actors.A.noise": 0.5, "war.drift": 0.0})


# --- the command line ---------------------------------------------------------------


def test_cli_sweep_prints_and_writes_the_table_and_figure(tmp_path, statics):
    out = tmp_path / "out"
    done = negotiate_cli("sweep", str(STATICS), "--param", "actors.W.war_cost=0,0.05",
                         "--param", "truce.length=4,8", "--runs", "300", "--seed", "4", "--workers", "1",
                         "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert (out / "sweep.png").is_file()
    written = pd.read_csv(out / "sweep.csv")
    expected = negotiate.sweep(statics, {"actors.W.war_cost": [0, 0.05], "truce.length": [4, 8]},
                               runs=300, seed=4, progress=False).to_frame()
    pd.testing.assert_frame_equal(written, expected, check_dtype=False)
    for p in expected["p"]:
        assert f"{p:.4f}" in done.stdout
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["kind"] == "sweep" and meta["runs"] == 300 and meta["seed"] == 4
    assert meta["grid"] == {"actors.W.war_cost": [0, 0.05], "truce.length": [4, 8]}


@pytest.mark.parametrize(("param", "words"), [
    ("actors.W.war_cost", "PATH=V1,V2"),
    ("actors.W.war_cost=0,,1", "PATH=V1,V2"),
    ("actors.W.war_cst=0.1", "actors.W.war_cst"),
    ("actors.W.war_cost=cheap", "actors.W.war_cost"),
])
def test_cli_sweep_rejects_a_bad_param_with_one_line_and_exit_2(tmp_path, param, words):
    done = negotiate_cli("sweep", str(STATICS), "--param", param, "--runs", "10",
                         "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], lines
    assert not (tmp_path / "o").exists()
