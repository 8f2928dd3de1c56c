"""One results contract: every result object saves through the same ``save``,
atomically, with the same metadata header (the import direction between
``negotiate.run`` and ``negotiate.results`` is checked in test_import_graph.py)."""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

import negotiate
from negotiate.analysis import Factor, analyse_function, discover
from negotiate.results.check import metadata_digest
from negotiate.results.output import Saved
from negotiate.validation import BacktestResults, CalibrationResults

matplotlib.use("Agg")
HEADER = {"producer", "format", "kind", "saved_utc", "versions", "files", "metadata_sha256"}
PACKAGE = Path(negotiate.__file__).parent


@pytest.fixture(scope="module")
def outputs(varied):
    """One cheap object of every result type that has data of its own."""
    results = negotiate.simulate(varied, 200, seed=3, keep_runs=True, progress=False)
    twin = varied.with_overrides({"actors.A.patience": 0.99})
    factors = [Factor("x", lambda u: u), Factor("y", lambda u: u)]
    morris = analyse_function(factors, lambda v: np.c_[v[:, 0] + 0.1 * v[:, 1]], ["p"], "morris",
                              samples=8, seed=1)
    frame = pd.DataFrame({"outcome": np.where(np.arange(200) % 3 == 0, "no_agreement", "temporary_truce"),
                          "x": np.arange(200) % 3, "y": np.arange(200) % 7})
    return {
        "results": results,
        "comparison": negotiate.compare(varied, twin, 150, seed=3, progress=False),
        "many-comparison": negotiate.compare_many(varied, {"patient": twin}, runs=150, seed=3,
                                                  progress=False),
        "sweep": negotiate.sweep(varied, {"actors.A.patience": [0.9, 0.99]}, 100, seed=3, progress=False),
        "sensitivity": morris,
        "discovery": discover(frame, "no_agreement", method="cart"),
    }


def test_every_result_type_has_the_one_save():
    for cls in (negotiate.Results, negotiate.Comparison, negotiate.ManyComparison, negotiate.SweepResults,
                negotiate.SensitivityResults, negotiate.DiscoveryResults, BacktestResults, CalibrationResults):
        assert issubclass(cls, Saved) and cls.save is Saved.save, cls.__name__
        assert isinstance(cls.KIND, str)
    params = inspect.signature(Saved.save).parameters
    assert list(params) == ["self", "directory", "plots", "force"]
    assert params["plots"].kind is inspect.Parameter.KEYWORD_ONLY and params["plots"].default is True


@pytest.mark.parametrize("kind", ["results", "comparison", "many-comparison", "sweep", "sensitivity",
                                  "discovery"])
def test_save_writes_the_common_header_and_hashes_every_file(outputs, kind, tmp_path):
    out = tmp_path / kind
    paths = outputs[kind].save(out, plots=False)
    assert all(isinstance(p, Path) and p.parent == out and p.is_file() for p in paths)
    assert paths[-1].name == "metadata.json"
    meta = json.loads(paths[-1].read_text())
    assert HEADER <= set(meta) and meta["kind"] == kind and meta["producer"] == "negotiate"
    assert set(meta["files"]) == {p.name for p in paths[:-1]}
    for p in paths[:-1]:
        assert meta["files"][p.name] == hashlib.sha256(p.read_bytes()).hexdigest()
    assert meta["metadata_sha256"] == metadata_digest(meta)
    assert not list(out.glob("*.png"))


def test_plots_add_figures_that_are_hashed_too(outputs, tmp_path):
    paths = outputs["sweep"].save(tmp_path / "s")
    assert [p.name for p in paths] == ["sweep.csv", "sweep.png", "metadata.json"]
    meta = json.loads(paths[-1].read_text())
    assert meta["files"]["sweep.png"] == hashlib.sha256(paths[1].read_bytes()).hexdigest()


def test_a_save_that_fails_leaves_the_earlier_output(outputs, tmp_path, monkeypatch):
    out = tmp_path / "o"
    first = outputs["comparison"].save(out, plots=False)
    before = {p.name: p.read_bytes() for p in first}

    def broken(self, directory):
        (directory / "comparison.csv").write_text("half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(negotiate.Comparison, "_write_tables", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        outputs["comparison"].save(out, plots=False)
    assert {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")} == before


def test_results_save_round_trips_through_load_results(outputs, tmp_path):
    results = outputs["results"]
    results.save(tmp_path / "r", plots=False)
    loaded = negotiate.load_results(tmp_path / "r")
    pd.testing.assert_frame_equal(loaded.outcome_probabilities(), results.outcome_probabilities())


# --- imports ---------------------------------------------------------------------

def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_every_relative_import_names_a_module_that_exists():
    """Imports inside functions too (plots, reports): a module moved must leave none dangling."""
    modules = {_module_name(p) for p in PACKAGE.rglob("*.py")}
    dangling = []
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
                if module not in modules:
                    dangling.append(f"{name}: {module}")
    assert not dangling
