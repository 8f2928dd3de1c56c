"""``Results.why_no_agreement()`` (docs/model.md §12, "Why no agreement"; docs/results.md):
the same with and without kept runs, saved and loaded, a clear error for results made
before the reasons were recorded, the ``negotiate run`` lines and the report's table.

The scenario is tests/model/data/two_party.yaml with settlements only (no truce can be
agreed), noisy answers, outright wins possible, settlement talks opening late in some
worlds, drafted settlements that B ratifies half of the time and B stalling in some
worlds, past the horizon in some of those: 96 runs in blocks of 32 end in every one of
the six reasons (the engine's reasons are checked world by
world in tests/model/test_why_no_agreement.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import negotiate
from negotiate.model.outcomes import REASONS, REASONS_WITHOUT_STALLED, no_agreement_reasons
from negotiate.report import report_html
from negotiate.results import Results
from negotiate.results.why import LABELS, NOT_SPLIT, WhyNoAgreement
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
                   "ratification": [{"actor": "B", "probability": 0.5}]},
         "actors.B.insincere": 0.3, "actors.B.insincere_rounds": {"dist": "uniform", "low": 0, "high": 24}}


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
    codes = no_agreement_reasons(run.outcome, run.victory, run.principle_round, run.offers, run.stalled)
    np.testing.assert_array_equal(table["count"], np.bincount(codes[codes >= 0], minlength=len(REASONS)))
    lo, hi = wilson_interval(table["count"].to_numpy(), RUNS, 0.9)
    wide = kept.why_no_agreement(0.9).to_frame()
    np.testing.assert_allclose(wide["ci_low"], lo)
    np.testing.assert_allclose(wide["ci_high"], hi)
    assert wide.attrs == {"n": RUNS, "level": 0.9, "method": "wilson", "stalled_recorded": True}


def test_the_per_run_table_has_principle_round_and_stalled(kept):
    frame = kept.to_frame()
    assert frame["stalled"].dtype == bool and 0 < frame["stalled"].sum() < RUNS
    np.testing.assert_array_equal(frame["stalled"].to_numpy(), kept.run_data.stalled)
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
        for col in ("principle_round", "stalled"):
            pd.testing.assert_series_equal(again.to_frame()[col], kept.to_frame()[col])


@pytest.mark.parametrize("keep", [True, False])
def test_results_saved_before_stalled_show_five_reasons_marked(kept, tmp_path, keep):
    """Saved before ``stalled`` was recorded (five counts, no column): the other five
    reasons, marked everywhere as not splitting the stalled runs out of refused and
    never offered, which hold them."""
    old = Results.from_block(kept.scenario, dataclasses.replace(kept.run_data, stalled=None), seed=SEED)
    (old if keep else dataclasses.replace(old, run_data=None)).save(tmp_path / "old", plots=False)
    again = negotiate.load_results(tmp_path / "old")
    assert again.aggregates.no_agreement_reasons.shape == (5,)
    why, new = again.why_no_agreement(), kept.why_no_agreement().to_frame()["count"]
    table = why.to_frame()
    assert not why.stalled_recorded and table.attrs["stalled_recorded"] is False
    assert list(table.index) == list(REASONS_WITHOUT_STALLED) and why.no_agreement == kept.why_no_agreement().no_agreement
    for reason in ("won_outright", "won_before_in_force", "agreed_never_in_force"):
        assert table.loc[reason, "count"] == new[reason]
    assert table.loc[["refused", "never_offered"], "count"].sum() == new[["stalled", "refused", "never_offered"]].sum()
    assert table.loc["refused", "count"] > new["refused"] or table.loc["never_offered", "count"] > new["never_offered"]
    assert why.lines()[-1] == f"  ({NOT_SPLIT})" and "stalled not recorded" in repr(why)
    assert NOT_SPLIT in report_html(again)
    if keep:
        assert "stalled" not in again.to_frame()


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
        assert f"<td>{LABELS[reason]}</td>" in html and f"{row.p:.3f} ({row.ci_low:.3f}" in html
    assert "calibration: library" in html and NOT_SPLIT not in html


def test_plot_draws_a_horizontal_bar_per_reason_on_the_axes_given(kept):
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    why = kept.why_no_agreement()
    assert why.plot(ax=ax) is ax
    bars = {p.get_gid(): p.get_width() for p in ax.patches if p.get_gid()}
    assert bars == pytest.approx({f"bar:{r}": p for r, p in why.to_frame()["p"].items()})
    tops = [p.get_y() for p in ax.patches if p.get_gid()]
    assert tops == sorted(tops, reverse=True)                              # the first reason on top
    labels = {t.get_position()[1]: t.get_text() for t in ax.get_yticklabels()}
    assert [labels[p.get_y() + p.get_height() / 2] for p in ax.patches if p.get_gid()] == [LABELS[r] for r in REASONS]


@pytest.mark.parametrize("counts, runs, what", [
    ((1, 2, 3), 10, "counts must be 6"), ((1, 2, 3, 4, 0, -1), 10, "counts must be 6"),
    ((1.5, 0, 0, 0, 0, 0), 10, "counts must be 6"), (((1, 2), (3, 4), (5, 6)), 10, "counts must be 6"),
    ((3, 3, 3, 3, 3, 0), 10, "runs must be"), ((0, 0, 0, 0, 0, 0), 0, "runs must be")])
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
    why = kept.why_no_agreement()
    start = lines.index(f"no agreement {why.no_agreement:.1%}, of which:")
    assert lines[start - 1].startswith("no_agreement")                 # under the outcome table
    parts = lines[start + 1:start + 1 + len(REASONS)]
    for line, (reason, row) in zip(parts, why.to_frame().iterrows()):
        assert line.startswith(f"  {LABELS[reason]} ") and f"[{row.ci_low:.1%}, {row.ci_high:.1%}]" in line
        assert abs(float(line[len(LABELS[reason]) + 2:].split("%")[0]) - 100 * row.p) < 0.1 + 1e-9
    # the parts printed add up to the total printed
    shown = sum(round(float(line[len(LABELS[r]) + 2:].split("%")[0]) * 10) for line, r in zip(parts, REASONS))
    assert shown == round(why.no_agreement * 1000)


@pytest.mark.parametrize("counts, runs", [((1, 1, 1, 0, 0, 0), 6), ((434, 1, 1, 0, 0, 0), 1000),
                                          ((1, 1, 1, 1, 1, 1), 7), ((2, 3, 5, 7, 11, 13), 997)])
def test_the_parts_printed_add_up_to_the_total_printed(counts, runs):
    """Rounding each share alone can miss the total (1/6 three times: 16.7% x 3 = 50.1% for 50.0%);
    the lines give the parts that add up, each within 0.1 point of its share."""
    lines = WhyNoAgreement.from_counts(counts, runs).lines()
    total = float(lines[0].split()[2].rstrip("%,"))
    assert lines[0] == f"no agreement {total:.1f}%, of which:" and total == round(100 * sum(counts) / runs, 1)
    parts = [float(line[len(LABELS[r]) + 2:].split("%")[0]) for line, r in zip(lines[1:], REASONS)]
    assert round(sum(parts), 1) == total
    assert all(abs(p - 100 * c / runs) < 0.1 for p, c in zip(parts, counts))


def test_the_breakdown_is_left_out_when_agreement_is_the_rule(kept):
    """Printed from 5% of runs without an agreement (WHY_FROM); below, not at all."""
    from negotiate.cli.simulation import WHY_FROM, why_lines

    none = int(kept.why_no_agreement().to_frame()["count"].sum())
    for counts, shown in (((none, 0, 0, 0, 0, 0), True), ((4, 0, 0, 0, 0, 0), False), ((5, 0, 0, 0, 0, 0), True)):
        # 96 runs: 4 is below 5%, 5 above; the summaries are all _print_why reads
        summaries = dataclasses.replace(kept.aggregates, no_agreement_reasons=np.array(counts))
        lines = why_lines(dataclasses.replace(kept, aggregates=summaries))
        assert len(lines) == (1 + len(REASONS) if shown else 0)
        assert shown == (sum(counts) / RUNS >= WHY_FROM)
