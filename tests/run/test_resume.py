"""The chunk cache: ``simulate(..., cache_dir=...)`` stores finished blocks and a
later call with the same arguments reuses them, giving identical results;
damaged blocks are simulated again and a cache of another run is never reused."""

import json

import numpy as np
import pandas as pd
import pytest

import negotiate.model
from negotiate import SimulationError
from negotiate.run import simulate
from negotiate.run.cache import (
    CacheMismatchError,
    CacheWarning,
    ChunkCache,
    cached_block_count,
    discard_cache,
)
from negotiate.run.seeding import BLOCK_SIZE

RUNS = 2 * BLOCK_SIZE + 300  # three blocks, the last one short
SEED = 5


@pytest.fixture(scope="module")
def reference(varied):
    return simulate(varied, RUNS, seed=SEED, progress=False)


@pytest.fixture
def engine_calls(monkeypatch):
    """Block sizes the engine is asked to simulate (it still simulates them)."""
    calls = []
    real = negotiate.model.run_block

    def counting(scenario, n, seed, **options):
        calls.append(n)
        return real(scenario, n, seed, **options)

    monkeypatch.setattr(negotiate.model, "run_block", counting)
    return calls


def _assert_identical(a, b):
    pd.testing.assert_frame_equal(a.to_frame(by_agenda=True), b.to_frame(by_agenda=True))
    for name, value in a.aggregates.to_arrays().items():
        np.testing.assert_array_equal(value, b.aggregates.to_arrays()[name], err_msg=name)


def _blocks(cache_dir):
    return sorted(p.name for p in cache_dir.glob("block-*.npz"))


def test_a_complete_cache_is_reused_without_simulating(varied, reference, tmp_path, engine_calls):
    cache = tmp_path / "cache"
    first = simulate(varied, RUNS, seed=SEED, cache_dir=cache, keep_cache=True, progress=False)
    assert _blocks(cache) == ["block-000000.npz", "block-000001.npz", "block-000002.npz"]
    assert engine_calls == [BLOCK_SIZE, BLOCK_SIZE, 300]
    engine_calls.clear()
    again = simulate(varied, RUNS, seed=SEED, cache_dir=cache, progress=False)
    assert engine_calls == []
    _assert_identical(reference, first)
    _assert_identical(reference, again)
    assert not cache.exists(), "the cache is deleted once a run completes"


@pytest.mark.parametrize("workers, chunk_size", [(1, BLOCK_SIZE), (2, 2 * BLOCK_SIZE)])
def test_only_missing_blocks_are_simulated(varied, reference, tmp_path, engine_calls, workers, chunk_size):
    cache = tmp_path / "cache"
    simulate(varied, RUNS, seed=SEED, cache_dir=cache, keep_cache=True, progress=False)
    (cache / "block-000001.npz").unlink()  # as if interrupted before block 1 finished
    engine_calls.clear()
    resumed = simulate(varied, RUNS, seed=SEED, cache_dir=cache, workers=workers,
                       chunk_size=chunk_size, executor="inprocess", progress=False)
    assert engine_calls == [BLOCK_SIZE]
    _assert_identical(reference, resumed)


def test_summaries_only_runs_resume_too(varied, reference, tmp_path, engine_calls):
    cache = tmp_path / "cache"
    simulate(varied, RUNS, seed=SEED, keep_runs=False, cache_dir=cache, keep_cache=True, progress=False)
    (cache / "block-000000.npz").unlink()
    engine_calls.clear()
    lean = simulate(varied, RUNS, seed=SEED, keep_runs=False, cache_dir=cache, progress=False)
    assert engine_calls == [BLOCK_SIZE] and lean.run_data is None
    for name, value in reference.aggregates.to_arrays().items():
        np.testing.assert_array_equal(value, lean.aggregates.to_arrays()[name], err_msg=name)


@pytest.mark.parametrize("damage", ["truncate", "flip_a_byte", "empty", "garbage"])
def test_a_damaged_block_is_simulated_again_not_trusted(varied, reference, tmp_path, engine_calls, damage):
    cache = tmp_path / "cache"
    simulate(varied, RUNS, seed=SEED, cache_dir=cache, keep_cache=True, progress=False)
    path = cache / "block-000002.npz"
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip_a_byte":
        data[-100] ^= 0xFF
    elif damage == "empty":
        data = b""
    else:
        data = b"PK\x03\x04 not a block"
    path.write_bytes(bytes(data))
    engine_calls.clear()
    with pytest.warns(CacheWarning, match="block-000002.npz"):
        resumed = simulate(varied, RUNS, seed=SEED, cache_dir=cache, progress=False)
    assert engine_calls == [300]
    _assert_identical(reference, resumed)


@pytest.mark.parametrize("change, field", [
    ({"seed": SEED + 1}, "seed"),
    ({"runs": RUNS + 1}, "runs"),
    ({"keep_runs": False}, "keep_runs"),
    ({"scenario_change": {"actors.A.noise": 0.2}}, "scenarios_sha256"),
])
def test_a_cache_of_another_run_is_refused_and_left_alone(varied, tmp_path, change, field):
    cache = tmp_path / "cache"
    simulate(varied, 300, seed=SEED, cache_dir=cache, keep_cache=True, progress=False)
    before = {p.name: p.read_bytes() for p in cache.iterdir()}
    kwargs = {"runs": 300, "seed": SEED, "keep_runs": True, **change}
    scenario = varied.with_overrides(kwargs.pop("scenario_change", {}))
    with pytest.raises(CacheMismatchError, match=f"another run .*{field}"):
        simulate(scenario, cache_dir=cache, progress=False, **kwargs)
    assert {p.name: p.read_bytes() for p in cache.iterdir()} == before


def test_a_cache_made_by_another_version_is_refused(varied, tmp_path):
    cache = tmp_path / "cache"
    simulate(varied, 300, seed=SEED, cache_dir=cache, keep_cache=True, progress=False)
    manifest = json.loads((cache / "manifest.json").read_text())
    assert manifest["negotiate"] == negotiate.__version__ and manifest["numpy"] == np.__version__
    manifest["negotiate"] = "0.0.1"
    (cache / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CacheMismatchError, match="negotiate '0.0.1'"):
        simulate(varied, 300, seed=SEED, cache_dir=cache, progress=False)


def test_a_directory_holding_other_files_is_not_used_as_a_cache(varied, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "thesis.tex").write_text("precious")
    with pytest.raises(SimulationError, match="not a chunk cache.*thesis.tex"):
        simulate(varied, 300, seed=SEED, cache_dir=notes, progress=False)
    assert [p.name for p in notes.iterdir()] == ["thesis.tex"]
    with pytest.raises(SimulationError, match="not a chunk cache"):
        discard_cache(notes)
    assert (notes / "thesis.tex").read_text() == "precious"


def test_removing_a_cache_keeps_files_it_did_not_make(tmp_path):
    cache = ChunkCache(tmp_path / "c", {"seed": 1})
    cache.store(0, {"x": np.arange(3)})
    (tmp_path / "c" / "mine.txt").write_text("keep me")
    assert cached_block_count(tmp_path / "c") == 1
    cache.remove()
    assert [p.name for p in (tmp_path / "c").iterdir()] == ["mine.txt"]


def test_block_files_round_trip_and_leave_no_temporary_files(tmp_path):
    cache = ChunkCache(tmp_path / "c", {"seed": 1})
    arrays = {"0/summary/n": np.array(3), "0/inputs/war.balance": np.linspace(0, 1, 5)}
    cache.store(4, arrays)
    loaded = cache.load(4)
    assert loaded.keys() == arrays.keys()
    for name, value in arrays.items():
        np.testing.assert_array_equal(loaded[name], value)
    assert cache.finished() == [4] and cache.load(5) is None
    cache.close()  # releases (and deletes) its lock file
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["block-000004.npz", "manifest.json"]


def test_an_interrupted_store_leaves_no_block(tmp_path, monkeypatch):
    cache = ChunkCache(tmp_path / "c", {"seed": 1})

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr("negotiate.run.cache.os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cache.store(0, {"x": np.arange(3)})
    cache.close()
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["manifest.json"]
