"""Saving and loading results: round trips, atomic replacement, refusal to clobber, CSV fallback."""

import hashlib
import json
import os

import numpy as np
import pandas as pd
import pytest

import negotiate
import negotiate.results
from negotiate import SimulationError
from negotiate.results import Results, load_results, storage
from negotiate.run import simulate


@pytest.fixture(scope="module")
def results(varied):
    return simulate(varied, 5000, seed=21, progress=False)  # two blocks


@pytest.fixture(scope="module")
def other_results(varied):
    return simulate(varied, 300, seed=22, progress=False)


def _snapshot(directory):
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def _assert_same_results(a, b):
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    pd.testing.assert_frame_equal(a.outcome_probabilities(), b.outcome_probabilities())
    pd.testing.assert_frame_equal(a.settled_terms(), b.settled_terms())
    assert (a.seed, a.runs, a.scenario) == (b.seed, b.runs, b.scenario)


def test_save_writes_the_three_files_and_round_trips(results, tmp_path):
    out = tmp_path / "out"
    results.save(out, plots=False)
    names = {p.name for p in out.iterdir()}
    assert {"runs.parquet", "summary.csv", "metadata.json"} <= names
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == ["outcome", "p", "ci_low", "ci_high"]
    np.testing.assert_allclose(summary["p"], results.outcome_probabilities()["p"])
    loaded = load_results(out)
    _assert_same_results(results, loaded)
    assert loaded.wall_time == pytest.approx(results.wall_time)


def test_runs_parquet_reads_back_as_the_per_run_table(results, tmp_path):
    out = tmp_path / "out"
    results.save(out, plots=False)
    frame = pd.read_parquet(out / "runs.parquet")
    expected = results.to_frame(by_agenda=True).reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, expected)


def test_metadata_describes_the_run(results, tmp_path):
    results.save(tmp_path / "out", plots=False)
    meta = json.loads((tmp_path / "out" / "metadata.json").read_text())
    canonical = json.dumps(results.scenario.to_dict(), sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False).encode()
    assert meta["scenario_sha256"] == hashlib.sha256(canonical).hexdigest()
    assert (meta["scenario_name"], meta["seed"], meta["runs"]) == ("varied", 21, 5000)
    assert meta["scenario"] == results.scenario.to_dict()
    assert meta["wall_time_seconds"] > 0
    for lib in ("negotiate", "numpy", "scipy", "mesa", "pandas"):
        assert meta["versions"][lib] and meta["versions"][lib] != "not installed"
    assert meta["versions"]["numpy"] == np.__version__


def test_saving_summaries_only_round_trips(varied, tmp_path):
    lean = simulate(varied, 500, seed=3, keep_runs=False, progress=False)
    out = tmp_path / "lean"
    lean.save(out, plots=False)
    assert not (out / "runs.parquet").exists()
    loaded = load_results(out)
    assert loaded.run_data is None
    pd.testing.assert_frame_equal(loaded.outcome_probabilities(), lean.outcome_probabilities())
    pd.testing.assert_frame_equal(loaded.settled_terms(), lean.settled_terms())


def test_interrupted_save_leaves_the_previous_output(results, other_results, tmp_path, monkeypatch):
    out = tmp_path / "out"
    results.save(out, plots=False)
    before = _snapshot(out)

    def disk_full(directory, frames):
        (directory / "runs.parquet").write_bytes(b"half a file")
        raise OSError("No space left on device")

    monkeypatch.setattr(negotiate.results.core, "write_runs_table", disk_full)
    with pytest.raises(OSError, match="No space"):
        other_results.save(out, plots=False)
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary left behind
    _assert_same_results(results, load_results(out))


def test_failure_while_swapping_restores_the_previous_output(results, other_results, tmp_path, monkeypatch):
    out = tmp_path / "out"
    results.save(out, plots=False)
    before = _snapshot(out)
    real_rename = os.rename
    calls = []

    def rename(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # old output moved aside; now moving the new one in fails
            raise OSError("device busy")
        return real_rename(src, dst)

    monkeypatch.setattr(storage.os, "rename", rename)
    with pytest.raises(SimulationError, match="device busy"):
        other_results.save(out, plots=False)
    monkeypatch.undo()
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_saving_again_replaces_the_output(results, other_results, tmp_path):
    out = tmp_path / "out"
    results.save(out, plots=False)
    other_results.save(out, plots=False)
    _assert_same_results(other_results, load_results(out))


def test_refuses_to_replace_a_directory_that_is_not_an_output(results, tmp_path):
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "thesis.tex").write_text("precious")
    with pytest.raises(SimulationError, match="refusing to replace.*thesis.tex"):
        results.save(mine, plots=False)
    assert (mine / "thesis.tex").read_text() == "precious"
    (tmp_path / "file").write_text("x")
    with pytest.raises(SimulationError, match="not a directory"):
        results.save(tmp_path / "file", plots=False)


def test_an_empty_directory_may_be_used(results, tmp_path):
    (tmp_path / "empty").mkdir()
    results.save(tmp_path / "empty", plots=False)
    assert (tmp_path / "empty" / "metadata.json").exists()


def test_csv_fallback_without_pyarrow(results, tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "_pyarrow", lambda: None)
    out = tmp_path / "out"
    results.save(out, plots=False)
    assert (out / "runs.csv").exists() and not (out / "runs.parquet").exists()
    _assert_same_results(results, load_results(out))


def test_load_names_what_is_missing_or_wrong(tmp_path):
    with pytest.raises(negotiate.ResultsFileError, match="metadata.json: not found"):
        load_results(tmp_path)
    (tmp_path / "metadata.json").write_text('{"producer": "someone else"}')
    with pytest.raises(SimulationError, match="not a negotiate results file"):
        load_results(tmp_path)


def test_save_adds_figures(results, tmp_path):
    paths = results.save(tmp_path / "report")
    names = {p.name for p in paths}
    assert {"summary.csv", "runs.parquet", "metadata.json", "outcomes.png",
            "time_to_agreement.png", "settled_terms.png", "acceptance.png"} <= names
    for p in paths:
        assert p.exists() and p.parent == tmp_path / "report"
        if p.suffix == ".png":
            assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    _assert_same_results(results, load_results(tmp_path / "report"))
    # a second run without plots replaces it (old figures gone)
    paths = results.save(tmp_path / "report", plots=False)
    assert not list((tmp_path / "report").glob("*.png"))


def test_comparison_save(varied, tmp_path):
    cmp = negotiate.run.compare(varied, varied.with_overrides({"actors.B.noise": 0.2}), 400,
                                seed=1, progress=False)
    paths = cmp.save(tmp_path / "cmp")
    assert {p.name for p in paths} == {"comparison.csv", "summary_a.csv", "summary_b.csv",
                                       "comparison.png", "metadata.json"}
    table = pd.read_csv(tmp_path / "cmp" / "comparison.csv", index_col="outcome")
    np.testing.assert_allclose(table["difference"], cmp.differences()["difference"])
    with pytest.raises(SimulationError, match="comparison"):
        load_results(tmp_path / "cmp")


def test_results_from_block_equal_simulated_ones(results):
    again = Results.from_block(results.scenario, results.run_data, seed=results.seed)
    for name, value in results.aggregates.to_arrays().items():
        np.testing.assert_array_equal(value, again.aggregates.to_arrays()[name], err_msg=name)
