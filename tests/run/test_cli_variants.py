"""``--set`` on the scenario commands and ``negotiate compare-many``, run as a user would."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import negotiate
from tests.cli import negotiate_cli

ROOT = Path(__file__).resolve().parents[2]
VARIED = ROOT / "tests" / "run" / "data" / "varied.yaml"
FAST = ("--runs", "300", "--seed", "2", "--workers", "1", "--no-progress")


@pytest.mark.parametrize("command", [
    ("validate",),
    ("run", *FAST),
    ("compare", *FAST),
    ("sweep", "--param", "actors.A.noise=0.05,0.1", *FAST),
    ("discover", "--runs", "200", "--workers", "1", "--no-progress"),
    ("sensitivity", "--method", "morris", "--samples", "2", "--replications", "1", "--workers", "1",
     "--no-progress"),
])
def test_every_scenario_command_refuses_a_bad_set_path_with_exit_2(tmp_path, command):
    name, *rest = command
    done = negotiate_cli(name, str(VARIED), *rest, "--set", "actors.Z.patience=0.5", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "actors.Z.patience: no field 'Z' under 'actors'" in done.stderr


@pytest.mark.parametrize("bad", ["actors.A.patience", "=3", "actors.A.patience={a: [}"])
def test_a_malformed_set_is_an_argument_error(tmp_path, bad):
    done = negotiate_cli("validate", str(VARIED), "--set", bad, cwd=tmp_path)
    assert done.returncode == 2 and "--set" in done.stderr and "Traceback" not in done.stderr


def test_set_values_are_yaml(tmp_path):
    done = negotiate_cli("validate", str(VARIED), "--set", "actors.A.patience=0.95",
                         "--set", "war.drift={dist: truncnorm, mean: 0, sd: 0.01, low: -0.1, high: 0.1}",
                         cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = negotiate_cli("validate", str(VARIED), "--set", "actors.A.patience=2", cwd=tmp_path)
    assert done.returncode == 2 and "must be between 0 and 1, got 2" in done.stderr


def test_run_with_set_equals_the_overridden_scenario(tmp_path):
    done = negotiate_cli("run", str(VARIED), *FAST, "--set", "actors.A.patience=0.5", "--no-plots",
                         "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    expected = negotiate.simulate(negotiate.load_scenario(VARIED).with_overrides({"actors.A.patience": 0.5}),
                                  runs=300, seed=2, progress=False)
    summary = pd.read_csv(tmp_path / "out" / "summary.csv", index_col="outcome")
    pd.testing.assert_series_equal(summary["p"], expected.outcome_probabilities()["p"], check_names=False)
    assert json.loads((tmp_path / "out" / "metadata.json").read_text())["scenario_name"] == "varied+patience"


def test_compare_with_one_file_compares_it_with_its_set_variant(tmp_path):
    done = negotiate_cli("compare", str(VARIED), *FAST, "--set", "actors.B.war_cost=0.3", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "varied+war_cost − varied" in done.stdout
    done = negotiate_cli("compare", str(VARIED), *FAST, cwd=tmp_path)
    assert done.returncode == 2 and "--set" in done.stderr


def test_compare_warns_in_one_line_when_actors_differ(tmp_path):
    other = tmp_path / "two.yaml"
    other.write_text(VARIED.read_text().replace("name: varied", "name: two"))
    data = negotiate.load_scenario(other).to_dict()
    del data["actors"]["M"]
    other.write_text(negotiate.dump_yaml(negotiate.load_scenario(data)))
    done = negotiate_cli("compare", str(VARIED), str(other), *FAST, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    warning_lines = [line for line in done.stderr.splitlines() if "warning" in line]
    assert len(warning_lines) == 1 and "actors only in varied: M" in warning_lines[0]


def test_compare_warns_in_one_line_when_the_scenarios_are_the_same(tmp_path):
    """A file given twice, or a copy that only renames it: every difference is exactly 0."""
    copy = tmp_path / "copy.yaml"
    copy.write_text(VARIED.read_text().replace("name: varied", "name: copy"))
    for other in (VARIED, copy):
        done = negotiate_cli("compare", str(VARIED), str(other), "--runs", "20", "--workers", "1",
                             "--no-progress", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        warning_lines = [line for line in done.stderr.splitlines() if "warning" in line]
        assert len(warning_lines) == 1 and "are the same scenario" in warning_lines[0], done.stderr
        assert "every paired difference is exactly 0" in warning_lines[0]


def test_compare_many_prints_and_writes_every_variant(tmp_path):
    patient = tmp_path / "patient.yaml"
    patient.write_text(f"extends: {VARIED}\nname: patient\nactors:\n  A:\n    patience: 0.99\n")
    done = negotiate_cli("compare-many", str(VARIED), str(patient), str(VARIED), *FAST,
                         "--set", "actors.B.noise=0.2", "--out", str(tmp_path / "cmp"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "cmp" / "comparisons.csv")
    assert list(dict.fromkeys(table["variant"])) == ["patient+noise", "varied+noise"]
    base = negotiate.load_scenario(VARIED)
    expected = negotiate.compare_many(
        base, {"patient+noise": negotiate.load_scenario(patient).with_overrides({"actors.B.noise": 0.2}),
               "varied+noise": base.with_overrides({"actors.B.noise": 0.2})},
        runs=300, seed=2, progress=False).to_frame()
    pd.testing.assert_frame_equal(table, expected, check_exact=False)
    assert (tmp_path / "cmp" / "comparisons.png").is_file()
    assert "2 variants − varied: 300 paired runs" in done.stdout
    lines = [line.split() for line in done.stdout.splitlines()]
    assert lines[1] == list(table.columns)
    printed = [line for line in lines if line and line[0] in set(table["variant"])]
    assert printed == [[r.variant, r.outcome, f"{r.p_base:.4f}", f"{r.p_variant:.4f}",
                        *(f"{r[c]:+.4f}" for c in ("difference", "ci_low", "ci_high"))]
                       for _, r in table.iterrows()]


def test_compare_many_names_a_variant_file_given_twice(tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(f"extends: {VARIED}\nname: other\n")
    done = negotiate_cli("compare-many", str(VARIED), "other.yaml", "other.yaml", *FAST, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == ("negotiate: error: a variant file is given twice: other.yaml "
                                   "(give each variant once)")


@pytest.mark.parametrize("command, setting, field, words", [
    (("run", *FAST), "bad.path=1", "bad.path", "no field 'bad' under '(top level)'"),
    (("validate",), "actors.A.patience=2", "actors.A.patience", "must be between 0 and 1, got 2"),
    (("run", *FAST), "war.drift=abc", "war.drift", "expected a number or a distribution"),
])
def test_a_refused_set_names_the_scenario_file_and_the_set_argument(tmp_path, command, setting, field,
                                                                   words):
    """Only the --set at fault is named, beside the file it changes, in the house's
    one-line form FILE: FIELD: MESSAGE; nothing is written."""
    name, *rest = command
    done = negotiate_cli(name, str(VARIED), *rest, "--set", "actors.B.noise=0.1", "--set", setting,
                         "--out", str(tmp_path / "out"), cwd=tmp_path) if name == "run" else \
        negotiate_cli(name, str(VARIED), "--set", "actors.B.noise=0.1", "--set", setting, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"{VARIED} (--set {setting}): {field}: {words}"), line
    assert not (tmp_path / "out").exists()


def test_a_set_that_makes_another_field_wrong_names_every_set(tmp_path):
    """A horizon set below talks.setup is refused at talks.setup, which no --set names:
    the file and every --set are given."""
    scenario = tmp_path / "talks.yaml"
    scenario.write_text(VARIED.read_text() + "talks: {setup: 5}\n")
    done = negotiate_cli("validate", str(scenario), "--set", "rounds.horizon=4", "--set", "actors.B.noise=0.1",
                         cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"{scenario} (--set rounds.horizon=4, --set actors.B.noise=0.1): talks.setup: "), line
