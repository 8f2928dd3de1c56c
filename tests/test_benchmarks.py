"""Smoke tests of the benchmark scripts (benchmarks/run.py: it runs, prints the table and
the targets, and writes every figure to JSON; benchmarks/decision_rules.py;
benchmarks/mechanisms.py: each variant really has its mechanism off).  Tiny sizes; no
assertion on speed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SPEEDS = ("naive", "engine_1_core", "engine_exact_1_core", "library_1_worker", "library_2_workers")
MEMORY = ("peak_rss_mib", "largest_child_peak_rss_mib", "tree_peak_pss_mib")


def _is_figure(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _check_measurement(m: dict, runs: int) -> None:
    assert m["runs"] == runs
    assert m["seconds"] > 0 and m["runs_per_second"] > 0
    assert all(_is_figure(m[key]) for key in MEMORY), m
    assert m["peak_rss_mib"] > 10  # a Python process with numpy is never smaller
    assert abs(sum(m["outcomes"].values()) - 1) < 1e-3, m["outcomes"]


@pytest.mark.slow  # 1.5-3 minutes of the 2-core budget: run with `pytest -m slow`
def test_quick_run_prints_table_targets_and_writes_every_figure(tmp_path):
    out = tmp_path / "x.json"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--naive-runs", "3",
           "--runs", "4096", "--max-runs", "1000", "--json", str(out)]
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr

    figures = json.loads(out.read_text())
    for name in SPEEDS:
        _check_measurement(figures["speed"][name], 3 if name == "naive" else 4096)
    assert figures["speed"]["library_2_workers"]["workers"] == 2
    assert figures["speed"]["library_1_worker"]["keep_runs"] is False
    naive_rate = figures["speed"]["naive"]["runs_per_second"]
    for name in SPEEDS[1:]:
        expected = figures["speed"][name]["runs_per_second"] / naive_rate
        assert abs(figures["ratios"][f"{name}_vs_naive"] - expected) <= 0.05 + 1e-3 * expected
    assert {(r["runs"], r["keep_runs"]) for r in figures["scaling"]} == {(1000, False), (1000, True)}
    for row in figures["scaling"]:
        _check_measurement(row, 1000)
    assert figures["ten_million"] is None
    assert figures["machine"]["cpu_count"] >= 1 and figures["machine"]["processor"]

    verdicts = [t["verdict"] for t in figures["targets"]]
    assert len(verdicts) == 3 and verdicts[2] == "not measured"
    assert set(verdicts[:2]) <= {"PASS", "FAIL"}
    lines = done.stdout.splitlines()
    target_lines = [ln for ln in lines if re.match(r"\s+(PASS|FAIL|not measured)\s", ln)]
    assert len(target_lines) == 3, done.stdout
    assert "runs/s" in target_lines[0] and "naive" in target_lines[1] and "10^7" in target_lines[2]
    for label in ("naive Mesa reference", "engine, run_block", "planning: exact", "simulate workers=1",
                  "simulate workers=2", "scaling"):
        assert any(label in ln for ln in lines), label


def test_bad_arguments_are_refused():
    cmd = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--runs", "0"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert "--runs" in done.stderr and "positive" in done.stderr


def test_decision_rules_benchmark_reports_both_rules_and_the_ratio():
    """benchmarks/decision_rules.py on a few worlds: both timings, their ratio, the target
    (measure and report only: main() would pin this test process to one CPU)."""
    from benchmarks import decision_rules

    figures = decision_rules.measure(48, 0)
    text = decision_rules.report(figures)
    assert "unanimity (baseline)" in text and "qualified majority" in text and "speed ratio" in text
    for rule in ("unanimity", "qualified_majority"):
        assert figures[rule]["worlds_per_second"] > 0
    assert figures["ratio"] > 0 and figures["actors"] == 29 and figures["proposers"] == 1
    json.dumps(figures)   # what --json writes


BASELINE = ROOT / "scenarios" / "ukraine_march_2025.yaml"


def _baseline():
    import negotiate

    return negotiate.load_scenario(BASELINE)


def test_each_mechanism_variant_has_its_mechanism_off_and_the_baseline_on():
    """benchmarks/mechanisms.py switches each mechanism off, the fields the calibration
    replaces included (given per world); the baseline has each of them on, so its cost is
    measured. Draws only, no simulation."""
    from benchmarks import mechanisms

    scenario = _baseline()
    found = mechanisms.variants(scenario)
    full, rest = found[0], {v.name: v for v in found[1:]}
    assert full.name == mechanisms.FULL and not full.knobs
    assert {"calibration", "truce_drafting", "standstill", "stalling", "stances", "red_lines",
            "talks_setup", "settlement_drafting", "ratification", "talks"} <= set(rest)
    on = mechanisms.drawn(full, 64, 0)
    for name, v in rest.items():
        mechanisms.check_off(v)
        assert not mechanisms.MECHANISMS[name].off(scenario, on), f"{name} is off in the baseline"
    assert set(rest["stalling"].knobs) == {"actors.Russia.insincere", "actors.Ukraine.insincere"}


def test_a_calibrated_knob_left_to_the_calibration_is_caught():
    """A variant that does not give a replaced field per world leaves the calibration's
    draws in place: check_off stops it (an override of such a field the scenario refuses)."""
    from benchmarks import mechanisms
    from negotiate.errors import ScenarioError

    scenario = _baseline()
    for name in ("standstill", "stalling", "stances"):
        v = mechanisms.variant(scenario, name)
        with pytest.raises(RuntimeError, match=name):
            mechanisms.check_off(mechanisms.Variant(v.name, v.label, v.scenario, knobs={}))
        with pytest.raises(ScenarioError, match="calibration"):
            scenario.with_overrides(mechanisms.MECHANISMS[name].changes(scenario))


def test_mechanisms_benchmark_runs_on_a_few_worlds():
    """benchmarks/mechanisms.py on 8 worlds, one mechanism (measure and report only: main()
    would pin this test process to one CPU); no assertion on speed."""
    from benchmarks import mechanisms

    figures = mechanisms.measure(BASELINE, 8, 1, 0, ["continuation"], warm_up=False)
    rows = {r["mechanism"]: r for r in figures["rows"]}
    assert list(rows) == [mechanisms.FULL, "continuation"]
    assert rows[mechanisms.FULL]["full_over_variant"] == 1.0
    off = rows["continuation"]
    assert off["world_rounds"] > 0 and off["best_cpu_seconds"] > 0
    assert off["overrides"] == ["bargaining.continuation"] and not off["given"]
    text = mechanisms.report(figures)
    assert "continuation values" in text and "full/off" in text
    json.dumps(figures)   # what --json writes
    with pytest.raises(ValueError, match="unknown mechanism"):
        mechanisms.variants(_baseline(), ["nonsense"])
