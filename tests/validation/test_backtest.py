"""``backtest`` on a tiny library: seeds, the per-case table, the summary, plots and files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import negotiate
from negotiate.model.outcomes import OUTCOMES
from negotiate.results.storage import MANIFEST  # the list of the files negotiate wrote
from negotiate.validation import BacktestResults, backtest, case_seed, load_case, load_cases
from negotiate.validation import scores as sc
from tests.validation.library import write_library

RUNS = 150
LIBRARY = {"alpha_1990": "comprehensive_agreement", "beta_1991": "no_agreement",
           "gamma_1992": "conditional_truce", "delta_1993": "comprehensive_agreement"}


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return write_library(tmp_path_factory.mktemp("lib") / "cases", LIBRARY)


@pytest.fixture(scope="module")
def result(library) -> BacktestResults:
    return backtest(library, runs=RUNS, seed=5)


def test_public_names():
    assert negotiate.backtest is backtest
    assert negotiate.BacktestResults is BacktestResults
    assert negotiate.load_cases is load_cases and negotiate.load_case is load_case


def test_counts_cover_every_run(result):
    assert result.outcome_counts.shape == (4, len(OUTCOMES))
    assert result.time_counts.shape == (4, len(sc.TIME_BINS))
    assert np.all(result.outcome_counts.sum(axis=1) == RUNS)
    assert np.all(result.time_counts.sum(axis=1) == RUNS)
    assert result.ids == sorted(LIBRARY)


def test_forecast_counts_are_those_of_simulate(result):
    case = result.cases[0]
    runs = negotiate.simulate(case.scenario, RUNS, seed=case_seed(5, case.id)).run_data
    np.testing.assert_array_equal(result.outcome_counts[0], np.bincount(runs.outcome, minlength=4))
    first = sc.first_agreement_round(runs.truce_round, runs.agreement_round)
    np.testing.assert_array_equal(result.time_counts[0], np.bincount(sc.time_bin(first), minlength=5))


def test_case_seeds_depend_only_on_the_seed_and_the_id(library, result):
    assert case_seed(5, "alpha_1990") == case_seed(5, "alpha_1990")
    assert case_seed(5, "alpha_1990") != case_seed(6, "alpha_1990")
    assert case_seed(5, "alpha_1990") != case_seed(5, "beta_1991")
    assert case_seed(0, "bosnia_1995") == 6560236724706448887  # pinned: changing it changes every result
    assert 0 <= case_seed(2**63 - 1, "x") < 2**63
    # a case's numbers do not change when other cases are added or removed
    alone = backtest([library / "gamma_1992"], runs=RUNS, seed=5)
    i = result.ids.index("gamma_1992")
    np.testing.assert_array_equal(alone.outcome_counts[0], result.outcome_counts[i])
    np.testing.assert_array_equal(alone.time_counts[0], result.time_counts[i])


def test_workers_do_not_change_the_numbers(library, result):
    parallel = backtest(library, runs=RUNS, seed=5, workers=2)
    np.testing.assert_array_equal(parallel.outcome_counts, result.outcome_counts)
    np.testing.assert_array_equal(parallel.time_counts, result.time_counts)


def test_progress_counts_the_runs_of_every_case(library, result, capsys, monkeypatch):
    import functools

    from negotiate.run import batch

    plain = batch._tqdm()  # redraw at every update: the cases finish faster than tqdm's 0.1 s
    monkeypatch.setattr(batch, "_tqdm", lambda: functools.partial(plain, mininterval=0, miniters=1))
    shown = backtest(library, runs=RUNS, seed=5, progress=True)
    err = capsys.readouterr().err
    total = RUNS * len(LIBRARY)
    assert f"{total}/{total}" in err and f"{RUNS}/{total}" in err  # moves as each case finishes
    assert np.array_equal(shown.outcome_counts, result.outcome_counts)


def test_per_case_table(result):
    frame = result.to_frame()
    assert list(frame.index) == result.ids and frame.index.name == "case"
    assert list(frame.outcome) == [LIBRARY[i] for i in result.ids]
    counts, obs = result.outcome_counts, result.observed_outcomes
    n_obs = counts[np.arange(len(obs)), obs]
    np.testing.assert_allclose(frame.p_model, (n_obs + 0.5) / (RUNS + 2))
    np.testing.assert_allclose(frame.p_model_raw, n_obs / RUNS)
    assert np.all(frame.mc_low <= frame.p_model_raw) and np.all(frame.p_model_raw <= frame.mc_high)
    np.testing.assert_allclose(frame.log_score_model, np.log(frame.p_model))
    np.testing.assert_allclose(frame.log_score_uniform, np.log(0.25))
    np.testing.assert_allclose(frame.p_uniform, 0.25)
    # climatology, leave one out: two comprehensive, one none, one conditional among 4 cases
    alpha = frame.loc["alpha_1990"]
    assert alpha.p_climatology == pytest.approx((1 + 0.5) / (3 + 2))
    beta = frame.loc["beta_1991"]
    assert beta.p_climatology == pytest.approx(0.5 / 5)
    distribution = frame[[f"model:{o}" for o in OUTCOMES]].to_numpy()
    np.testing.assert_allclose(distribution.sum(axis=1), 1.0)
    times = frame[[f"model:time:{b}" for b in sc.TIME_BINS]].to_numpy()
    np.testing.assert_allclose(times.sum(axis=1), 1.0)


def test_observed_time_bins(result):
    frame = result.to_frame()
    # library helper records: comprehensive → truce in round 4; conditional truce → round 2;
    # no agreement → never
    assert frame.first_agreement_round.tolist() == [4, pd.NA, 4, 2]
    assert frame.time_bin.tolist() == ["1-4", "never", "1-4", "1-4"]


def test_summary(result):
    table = result.summary()
    assert list(table.index) == [(s, r) for s in ("log_loss", "brier", "rps_time")
                                 for r in ("climatology", "uniform")]
    assert table.attrs["cases"] == 4 and table.attrs["seed"] == 5
    losses = result.losses()
    row = table.loc[("log_loss", "uniform")]
    assert row.reference_score == pytest.approx(np.log(4))
    assert row.model == pytest.approx(losses["log_loss"]["model"].mean())
    assert row.skill == pytest.approx(1 - row.model / row.reference_score)
    assert row.improvement == pytest.approx(row.reference_score - row.model)
    for _, r in table.iterrows():
        assert r.skill_low <= r.skill <= r.skill_high
        assert r.improvement_low <= r.improvement <= r.improvement_high
    pd.testing.assert_frame_equal(result.summary(), table)  # reproducible from the seed
    other = result.summary(seed=6)
    assert other.attrs["seed"] == 6
    pd.testing.assert_frame_equal(result.summary(seed=6), other)
    # (not "another seed gives other intervals": four cases have only 35 distinct resamples,
    # so the percentiles of two seeds' 2,000 resamples may well coincide)


def test_forecast_table_gives_every_probability_its_interval(result):
    table = result.forecast_table()
    assert table.index.names == ["case", "outcome"] and len(table) == 4 * len(OUTCOMES)
    np.testing.assert_array_equal(table["count"].to_numpy(), result.outcome_counts.ravel())
    np.testing.assert_allclose(table.groupby(level="case").p.sum(), 1.0)
    assert np.all((table.mc_low <= table.p_raw) & (table.p_raw <= table.mc_high))
    assert table.happened.sum() == 4
    assert table.loc[("beta_1991", "no_agreement")].happened
    frame = result.to_frame()
    happened = table[table.happened].droplevel("outcome")
    np.testing.assert_allclose(happened.p.loc[frame.index], frame.p_model)
    np.testing.assert_allclose(happened.mc_low.loc[frame.index], frame.mc_low)
    time = result.forecast_table("time")
    assert len(time) == 4 * 5 and time.happened.sum() == 4
    with pytest.raises(ValueError, match="target must be"):
        result.forecast_table("when")


def test_reliability_table(result):
    table = result.reliability_table(bins=5)
    assert table["count"].sum() == 4 * len(OUTCOMES)
    assert table.events.sum() == 4


def test_plots_return_axes(result):
    fig = Figure()
    ax = result.plot(ax=fig.add_subplot())
    assert isinstance(ax, Axes)
    gids = {c.get_gid() for c in ax.get_children() if c.get_gid()}
    assert {f"model:{i}" for i in result.ids} <= gids
    fig = Figure()
    assert isinstance(result.reliability(ax=fig.add_subplot()), Axes)


def test_save_writes_every_file_and_can_replace_itself(tmp_path, result):
    out = tmp_path / "out"
    paths = result.save(out)
    names = sorted(p.name for p in paths)
    assert names == sorted(["summary_cases.csv", "summary.csv", "summary_reliability.csv",
                            "summary_forecasts.csv", "summary_forecasts_time.csv",
                            "backtest.png", "reliability.png", "metadata.json"])
    assert sorted(p.name for p in out.iterdir() if p.name != MANIFEST) == names
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["kind"] == "backtest" and meta["runs"] == RUNS and meta["seed"] == 5
    assert [c["id"] for c in meta["cases"]] == result.ids
    assert meta["cases"][0]["seed"] == case_seed(5, result.ids[0])
    cases = pd.read_csv(out / "summary_cases.csv", index_col="case")
    assert list(cases.index) == result.ids
    # a second save replaces the first (it is recognised as negotiate's output)
    result.save(out, plots=False)
    assert not (out / "backtest.png").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_refuses_cases_without_records_and_bad_arguments(library):
    bare = load_case(library / "alpha_1990", record=False)
    with pytest.raises(ValueError, match="loaded without its record"):
        backtest([bare], runs=10)
    with pytest.raises(ValueError, match="runs must be a whole number"):
        backtest(library, runs=0)
    with pytest.raises(ValueError, match="seed must be a whole number"):
        backtest(library, seed=-1)
    with pytest.raises(ValueError, match="at least one case"):
        backtest([], runs=10)
    with pytest.raises(TypeError, match="expected Case objects"):
        backtest([3], runs=10)


def test_repr(result):
    text = repr(result)
    assert text.startswith("<BacktestResults 4 cases, 150 runs each, seed 5; mean log score ")
    assert "<table" in result._repr_html_()
