"""``Results.why_no_agreement()`` (docs/model.md §12, "Why no agreement"; docs/results.md):
the same with and without kept runs, saved and loaded, a clear error for results made
before the reasons were recorded, the ``negotiate run`` lines and the report's table.

The scenario is tests/model/data/two_party.yaml with settlements only (no truce can be
agreed), noisy answers, outright wins possible, settlement talks opening late in some
worlds and drafted settlements that B ratifies half of the time: 96 runs in blocks of
32 end in every one of the five reasons (the engine's reasons are checked world by
world in tests/model/test_why_no_agreement.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import negotiate
from negotiate.model.outcomes import REASONS, no_agreement_reasons
from negotiate.report import report_html
from negotiate.results import Results
from negotiate.results.why import WhyNoAgreement
from negotiate.stats import wilson_interval
from tests.cli import negotiate_cli

ROOT = Path(__file__).resolve().parents[2]
RUNS, SEED = 96, 3
MIXED = {"actors.A.war_cost": {"dist": "uniform", "low": 0.0, "high": 0.05}, "actors.A.noise": 0.05,
         "actors.B.noise": 0.3, "war.volatility": 0.05, "rounds.horizon": 12,
         "actors.A.agendas": ["settlement"], "actors.B.agendas": ["settlement"],
         "actors.M.agendas": ["settlement"], "war.balance": {"dist": "uniform", "low": 0.2, "high": 0.9},
         "war.victory": {"upper": 0.8, "lower": 0.3, "probability": 0.3},
         "talks": {"setup": {"dist": "uniform", "low": 0, "high": 14}, "drafting": {"base": 3},
                   "ratification": [{"actor": "B", "probability": 0.5}]}}


@pytest.fixture(scope="module")
def scenario():
    return negotiate.load_scenario(ROOT / "tests/model/data/two_party.yaml").with_overrides(MIXED)


@pytest.fixture(scope="module")
def kept(scenario):
    return negotiate.simulate(scenario, runs=RUNS, seed=SEED, block_size=32, progress=False)


def test_the_reasons_split_no_agreement_exactly_with_wilson_intervals(kept):
    table = kept.why_no_agreement().to_frame()
    assert list(table.index) == list(REASONS) and (table["count"] > 0).all()   # every reason seen
    none = kept.outcome_probabilities().loc["no_agreement"]
    assert table["count"].sum() == none["count"]
    assert table["p"].sum() == pytest.approx(none["p"], abs=1e-15)
    assert kept.why_no_agreement().no_agreement == none["p"]
    # the counts are those of the per-run record, the intervals Wilson's on all runs
    run = kept.run_data
    codes = no_agreement_reasons(run.outcome, run.victory, run.principle_round, run.offers)
    np.testing.assert_array_equal(table["count"], np.bincount(codes[codes >= 0], minlength=len(REASONS)))
    lo, hi = wilson_interval(table["count"].to_numpy(), RUNS, 0.9)
    wide = kept.why_no_agreement(0.9).to_frame()
    np.testing.assert_allclose(wide["ci_low"], lo)
    np.testing.assert_allclose(wide["ci_high"], hi)
    assert wide.attrs == {"n": RUNS, "level": 0.9, "method": "wilson"}


def test_the_per_run_table_has_principle_round(kept):
    frame = kept.to_frame()
    assert str(frame["principle_round"].dtype) == "Int16"
    agreed = frame["outcome"] != "no_agreement"
    assert frame.loc[agreed, "principle_round"].notna().all()   # every agreement agreed in principle first
    np.testing.assert_array_equal(frame["principle_round"].fillna(0).to_numpy(), kept.run_data.principle_round)


def test_without_kept_runs_the_breakdown_is_the_same(scenario, kept):
    light = negotiate.simulate(scenario, runs=RUNS, seed=SEED, block_size=32, progress=False, keep_runs=False)
    pd.testing.assert_frame_equal(light.why_no_agreement().to_frame(), kept.why_no_agreement().to_frame())


@pytest.mark.parametrize("keep", [True, False])
def test_the_breakdown_survives_saving_and_loading(kept, tmp_path, keep):
    results = kept if keep else dataclasses.replace(kept, run_data=None)
    results.save(tmp_path / "out", plots=False)
    again = negotiate.load_results(tmp_path / "out")
    pd.testing.assert_frame_equal(again.why_no_agreement().to_frame(), kept.why_no_agreement().to_frame())
    if keep:
        pd.testing.assert_series_equal(again.to_frame()["principle_round"], kept.to_frame()["principle_round"])


def test_results_made_before_the_reasons_say_the_breakdown_is_not_available(kept, tmp_path):
    old = dataclasses.replace(kept.run_data, principle_round=None)
    Results.from_block(kept.scenario, old, seed=SEED).save(tmp_path / "old", plots=False)
    again = negotiate.load_results(tmp_path / "old")
    assert "principle_round" not in again.to_frame()
    with pytest.raises(ValueError, match="do not record why runs ended without an agreement.*principle_round"):
        again.why_no_agreement()
    pd.testing.assert_frame_equal(again.outcome_probabilities(), kept.outcome_probabilities())
    html = report_html(again)
    assert "Why no agreement" in html and "Not recorded" in html


def test_the_report_has_the_table(kept):
    html = report_html(kept)
    assert "<h2>Why no agreement</h2>" in html
    for reason, row in kept.why_no_agreement().to_frame().iterrows():
        assert reason.replace("_", " ") in html and f"{row.p:.3f} ({row.ci_low:.3f}" in html


def test_plot_draws_a_bar_per_reason_on_the_axes_given(kept):
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    why = kept.why_no_agreement()
    assert why.plot(ax=ax) is ax
    bars = {p.get_gid(): p.get_height() for p in ax.patches if p.get_gid()}
    assert bars == pytest.approx({f"bar:{r}": p for r, p in why.to_frame()["p"].items()})


@pytest.mark.parametrize("counts, runs, what", [
    ((1, 2, 3), 10, "counts must be 5"), ((1, 2, 3, 4, -1), 10, "counts must be 5"),
    ((1.5, 0, 0, 0, 0), 10, "counts must be 5"), ((3, 3, 3, 3, 3), 10, "runs must be"),
    ((0, 0, 0, 0, 0), 0, "runs must be")])
def test_bad_counts_are_refused_with_what_is_wrong(counts, runs, what):
    with pytest.raises(ValueError, match=what):
        WhyNoAgreement.from_counts(counts, runs)


def test_negotiate_run_prints_a_line_per_reason(scenario, kept, tmp_path):
    path = tmp_path / "mixed.yaml"
    path.write_text(yaml.safe_dump(scenario.to_dict(), allow_unicode=True), encoding="utf-8")
    done = negotiate_cli("run", str(path), "--runs", str(RUNS), "--seed", str(SEED), "--workers", "1",
                         "--no-plots", "--no-progress", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    start = lines.index("why no agreement (share of all runs):")
    assert lines[start - 1].startswith("no_agreement")                 # under the outcome table
    table = kept.why_no_agreement().to_frame()
    for line, (reason, row) in zip(lines[start + 1:start + 1 + len(REASONS)], table.iterrows()):
        assert line.split()[:len(reason.split("_"))] == reason.split("_") and f"{row.p:.1%}" in line


def test_the_breakdown_is_left_out_when_agreement_is_the_rule(kept):
    """Printed from 5% of runs without an agreement (WHY_FROM); below, not at all."""
    from negotiate.cli.simulation import WHY_FROM, why_lines

    none = int(kept.why_no_agreement().to_frame()["count"].sum())
    for counts, shown in (((none, 0, 0, 0, 0), True), ((4, 0, 0, 0, 0), False), ((5, 0, 0, 0, 0), True)):
        # 96 runs: 4 is below 5%, 5 above; the summaries are all _print_why reads
        summaries = dataclasses.replace(kept.aggregates, no_agreement_reasons=np.array(counts))
        lines = why_lines(dataclasses.replace(kept, aggregates=summaries))
        assert len(lines) == (1 + len(REASONS) if shown else 0)
        assert shown == (sum(counts) / RUNS >= WHY_FROM)
