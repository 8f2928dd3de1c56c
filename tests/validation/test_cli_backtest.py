"""``negotiate backtest`` run as a user would: a subprocess."""

from __future__ import annotations

import json

from tests.cli import negotiate_cli
from tests.validation.library import write_case, write_library

LIBRARY = {"alpha_1990": "comprehensive_agreement", "beta_1991": "no_agreement",
           "gamma_1992": "conditional_truce"}


def test_backtest_prints_the_table_and_summary_and_writes_files(tmp_path):
    write_library(tmp_path / "cases", LIBRARY)  # the default CASES: cases/ in the working folder
    done = negotiate_cli("backtest", "--runs", "100", "--seed", "3", "--workers", "1",
                         "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("backtest: 3 cases, 100 runs each, seed 3;")
    for case_id, outcome in LIBRARY.items():
        assert any(line.startswith(case_id) and outcome in line for line in out.splitlines())
    assert "mean log score: model -" in out
    assert "log_loss climatology" in out and "rps_time climatology" in out
    assert "95% bootstrap intervals over cases (2,000 resamples)" in out
    assert out.rstrip().endswith("wrote 8 files to out")
    meta = json.loads((tmp_path / "out" / "metadata.json").read_text())
    assert [c["id"] for c in meta["cases"]] == sorted(LIBRARY)


def test_bad_arguments_give_one_line_and_exit_2(tmp_path):
    write_case(tmp_path / "lib", "alpha_1990", horizon=52)
    (tmp_path / "empty").mkdir()
    for args, expected in [
        (["missing"], "missing: (top level): folder not found"),
        (["empty"], "empty: (top level): no scenario.yaml here nor in any subfolder"),
        (["lib"], ("lib/alpha_1990/record.yaml:3: horizon: 52 is not the scenario's "
                   "rounds.horizon 20")),
    ]:
        done = negotiate_cli("backtest", *args, "--runs", "10", cwd=tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr
        assert done.stderr.splitlines() == [done.stderr.strip()], done.stderr
        assert done.stderr.strip().startswith(expected), done.stderr
        assert done.stdout == ""


def test_runs_must_be_positive(tmp_path):
    done = negotiate_cli("backtest", "--runs", "0", cwd=tmp_path)
    assert done.returncode == 2 and "must be >= 1" in done.stderr and "Traceback" not in done.stderr


def test_a_bad_out_is_refused_before_any_case_is_simulated(tmp_path, monkeypatch):
    write_library(tmp_path / "cases", LIBRARY)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("my own work")
    (tmp_path / "afile").write_text("x")
    for out, expected in [("mine", "refusing to replace this directory"),
                          ("afile", "exists and is not a directory")]:
        # 10^6 runs a case would take minutes: the refusal must come first
        done = negotiate_cli("backtest", "--runs", "1000000", "--workers", "1", "--out", out,
                             cwd=tmp_path, timeout=60)
        assert done.returncode != 0 and expected in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and done.stdout == ""
    assert (tmp_path / "mine" / "notes.txt").read_text() == "my own work"


def test_few_cases_get_a_note_on_their_references(tmp_path):
    write_library(tmp_path / "cases", dict(list(LIBRARY.items())[:1]))
    done = negotiate_cli("backtest", "--runs", "20", "--workers", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 case: climatology is the base rate of the other cases (uniform with none)" in done.stderr


def test_a_case_folder_with_a_record_but_no_scenario_is_reported_not_skipped(tmp_path):
    write_library(tmp_path / "lib", dict(list(LIBRARY.items())[:1]))
    orphan = tmp_path / "lib" / "orphan_2000"
    orphan.mkdir()
    (orphan / "record.yaml").write_text("case: orphan_2000\n")
    for args in (["lib"], ["lib/orphan_2000"]):
        done = negotiate_cli("backtest", *args, "--runs", "10", cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        assert "orphan_2000: (top level): record.yaml found but no scenario.yaml" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
