"""``load_results`` trusts nothing it cannot check (issue 16, item 3).

Before: a runs.parquet with flipped bytes loaded with changed values, a
runs.parquet copied from another run loaded that run's rows, an edited
``runs`` divided the counts by the wrong number, ``scenario_sha256`` was never
checked, and a missing key or a missing/truncated aggregates.npz gave a
traceback.  Now each is refused with a one-line ResultsFileError naming the file.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from negotiate import NegotiateError, ResultsFileError, load_results
from negotiate.results.check import UncheckedResultsWarning, metadata_digest
from negotiate.run import simulate


@pytest.fixture(scope="module")
def results(varied):
    return simulate(varied, 3000, seed=11, progress=False)


@pytest.fixture(scope="module")
def other(varied):
    return simulate(varied, 3000, seed=12, progress=False)  # same size, other seed


@pytest.fixture
def saved(results, tmp_path):
    results.save(tmp_path / "o", plots=False)
    return tmp_path / "o"


def _meta(directory):
    return json.loads((directory / "metadata.json").read_text())


def _write_meta(directory, meta, *, rehash: bool = False):
    if rehash:  # as a careful forger would: the metadata's own hash made to match
        meta["metadata_sha256"] = metadata_digest(meta)
    (directory / "metadata.json").write_text(json.dumps(meta, indent=2))


def _refused(directory, names: str):
    with pytest.raises(ResultsFileError) as caught:
        load_results(directory)
    message = str(caught.value)
    assert names in message and "\n" not in message, message
    return message


def test_an_untouched_directory_loads(saved, results):
    loaded = load_results(saved)
    assert (loaded.runs, loaded.seed) == (results.runs, results.seed)
    np.testing.assert_array_equal(loaded.run_data.outcome, results.run_data.outcome)


def test_flipped_bytes_in_runs_parquet_are_refused(saved):
    data = bytearray((saved / "runs.parquet").read_bytes())
    middle = len(data) // 2
    data[middle:middle + 256] = bytes(b ^ 0xFF for b in data[middle:middle + 256])
    (saved / "runs.parquet").write_bytes(bytes(data))
    _refused(saved, "runs.parquet")


def test_a_runs_parquet_copied_from_another_run_is_refused(saved, other, tmp_path):
    source = tmp_path / "other"
    other.save(source, plots=False)
    (saved / "runs.parquet").write_bytes((source / "runs.parquet").read_bytes())
    _refused(saved, "runs.parquet")


def test_a_runs_parquet_from_another_run_is_refused_even_with_its_hash(saved, other, tmp_path):
    """The hash swapped too: the table's outcomes still disagree with the summaries."""
    source = tmp_path / "other"
    other.save(source, plots=False)
    (saved / "runs.parquet").write_bytes((source / "runs.parquet").read_bytes())
    meta = _meta(saved)
    meta["files"]["runs.parquet"] = _meta(source)["files"]["runs.parquet"]
    _write_meta(saved, meta, rehash=True)
    _refused(saved, "runs.parquet")


@pytest.mark.parametrize("rehash", [False, True])
def test_an_edited_run_count_is_refused(saved, rehash):
    meta = _meta(saved)
    meta["runs"] = 6000
    _write_meta(saved, meta, rehash=rehash)
    assert "runs is 6,000" in _refused(saved, "metadata.json")


def test_an_edited_seed_is_refused(saved):
    meta = _meta(saved)
    meta["seed"] = 99
    _write_meta(saved, meta)
    _refused(saved, "metadata.json: edited after it was written")


def test_an_edited_scenario_is_refused(saved):
    meta = _meta(saved)
    meta["scenario"]["rounds"]["horizon"] += 1
    _write_meta(saved, meta, rehash=True)
    _refused(saved, "scenario_sha256")


@pytest.mark.parametrize("key", ["seed", "runs", "scenario", "scenario_sha256", "files", "keep_runs"])
def test_a_missing_key_is_named(saved, key):
    meta = _meta(saved)
    del meta[key]
    _write_meta(saved, meta)
    assert f"lacks {key}" in _refused(saved, "metadata.json")


def test_a_key_of_the_wrong_type_is_named(saved):
    meta = _meta(saved)
    meta["seed"] = "eleven"
    _write_meta(saved, meta)
    _refused(saved, "metadata.json: seed is 'eleven'")


def test_a_missing_aggregates_npz_is_refused(saved):
    (saved / "aggregates.npz").unlink()
    _refused(saved, "aggregates.npz: missing")


@pytest.mark.parametrize("keep", [0, 100, 0.5])
def test_a_truncated_aggregates_npz_is_refused(saved, keep):
    data = (saved / "aggregates.npz").read_bytes()
    size = int(len(data) * keep) if isinstance(keep, float) else keep
    (saved / "aggregates.npz").write_bytes(data[:size])
    _refused(saved, "aggregates.npz")


def test_a_missing_runs_table_is_refused(saved):
    (saved / "runs.parquet").unlink()
    _refused(saved, "runs.parquet: missing")


def test_every_refusal_is_a_negotiate_error():
    assert issubclass(ResultsFileError, NegotiateError)


# --- directories written before the hashes (format 1) -------------------------------------------

def _as_legacy(directory):
    meta = _meta(directory)
    meta["format"] = 1
    del meta["files"], meta["metadata_sha256"]
    _write_meta(directory, meta)


def test_an_old_directory_loads_with_a_warning(saved, results):
    _as_legacy(saved)
    with pytest.warns(UncheckedResultsWarning, match="run the command again"):
        loaded = load_results(saved)
    np.testing.assert_array_equal(loaded.run_data.outcome, results.run_data.outcome)


def test_an_old_directory_still_gets_the_checks_that_need_no_hash(saved, other, tmp_path):
    _as_legacy(saved)
    meta = _meta(saved)
    meta["runs"] = 6000
    _write_meta(saved, meta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UncheckedResultsWarning)
        _refused(saved, "runs is 6,000")
        meta["runs"] = 3000
        _write_meta(saved, meta)
        other.save(tmp_path / "x", plots=False)
        (saved / "runs.parquet").write_bytes((tmp_path / "x" / "runs.parquet").read_bytes())
        _refused(saved, "runs.parquet")
        (saved / "aggregates.npz").write_bytes(b"PK\x03\x04 truncated")
        _refused(saved, "aggregates.npz")
