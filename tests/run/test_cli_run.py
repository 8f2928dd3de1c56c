"""`negotiate run` and `negotiate compare`, run as a user would: a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import negotiate
from tests.cli import negotiate_cli

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "tests" / "model" / "data" / "two_party.yaml"


def test_run_prints_the_table_and_writes_every_output(tmp_path):
    out = tmp_path / "out"
    done = negotiate_cli("run", str(SCENARIO), "--runs", "600", "--seed", "3", "--workers", "1",
                         "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    for name in ("summary.csv", "runs.parquet", "metadata.json", "outcomes.png", "time_to_agreement.png"):
        assert (out / name).is_file(), name
    summary = pd.read_csv(out / "summary.csv", index_col="outcome")
    expected = negotiate.simulate(SCENARIO, runs=600, seed=3, workers=1, progress=False)
    pd.testing.assert_series_equal(summary["p"], expected.outcome_probabilities()["p"], check_names=False)
    for outcome, p in summary["p"].items():  # the printed table shows the same numbers
        assert outcome in done.stdout and f"{p:.4f}" in done.stdout
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["runs"] == 600 and meta["seed"] == 3 and meta["scenario_name"] == "two_party"


def test_run_rejects_a_bad_scenario_with_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SCENARIO.read_text().replace("war_cost: 0.05", "war_cost: -1", 1))
    done = negotiate_cli("run", str(bad), "--runs", "10", "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "actors.A.war_cost" in lines[0] and "bad.yaml" in lines[0]
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("runs", ["0", "-5", "many"])
def test_run_rejects_bad_arguments_with_exit_2(tmp_path, runs):
    done = negotiate_cli("run", str(SCENARIO), "--runs", runs, "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr


def test_compare_prints_paired_differences(tmp_path):
    variant = tmp_path / "costly.yaml"
    variant.write_text(SCENARIO.read_text().replace("name: two_party", "name: costly")
                       .replace("war_cost: 0.05", "war_cost: 0.2"))
    done = negotiate_cli("compare", str(SCENARIO), str(variant), "--runs", "500", "--seed", "1",
                         "--workers", "1", "--out", str(tmp_path / "cmp"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "cmp" / "comparison.csv", index_col="outcome")
    assert set(table.index) == set(negotiate.model.OUTCOMES)
    assert ((table["ci_low"] <= table["difference"]) & (table["difference"] <= table["ci_high"])).all()
    assert "costly − two_party" in done.stdout
    # the printed table: probabilities as they are (0.4662), differences with their sign (+0.0120)
    rows = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines()
            if line.split() and line.split()[0] in table.index}
    for outcome, r in table.iterrows():
        assert rows[outcome] == [f"{r.p_a:.4f}", f"{r.p_b:.4f}",
                                 *(f"{r[c]:+.4f}" for c in ("difference", "ci_low", "ci_high"))]
