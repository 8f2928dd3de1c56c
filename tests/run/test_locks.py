"""One run at a time on an output directory and its chunk cache, and keyed blocks
(issue 16, item 2).

Before: two runs on one ``--out`` shared the block cache ``.OUT.chunks``; the
second discarded the first's cache while the first kept storing blocks, so a
later ``--resume`` reused a block of the other seed and exited 0 with wrong
numbers, and the same command started twice could die with a
``FileNotFoundError`` traceback.  Now the output and the cache are locked for
the whole run (the second run is refused, naming the first), and every
cached block carries the key of the run that made it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from negotiate.results.locks import LockedError, hold_lock
from negotiate.results.storage import lock_output
from negotiate.run import simulate
from negotiate.run.cache import CacheWarning, ChunkCache, discard_cache
from negotiate.run.seeding import BLOCK_SIZE
from tests.cli import negotiate_cli

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fcntl locks")


def _start(*args: str, cwd: Path) -> subprocess.Popen:
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.Popen([sys.executable, *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size > 0:
            return
        if proc.poll() is not None:
            pytest.fail(f"the first run ended early: {proc.communicate()}")
        time.sleep(0.05)
    pytest.fail(f"{path} never appeared")


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)


def test_the_same_command_started_twice_refuses_the_second_naming_the_first(tmp_path):
    command = ["run", str(DATA / "varied.yaml"), "--runs", "5000000", "--no-keep-runs", "--workers", "1",
               "--no-plots", "--no-progress", "--out", "o"]
    first = _start("-m", "negotiate", *command, cwd=tmp_path)
    try:
        _wait_for(tmp_path / ".o.lock", first)
        second = negotiate_cli(*command, cwd=tmp_path)
        assert first.poll() is None  # the first run was not disturbed
    finally:
        _kill(first)
    assert second.returncode == 1, second.stderr
    assert "Traceback" not in second.stderr
    line, = second.stderr.strip().splitlines()
    assert f"pid {first.pid}" in line and "negotiate run" in line and "started" in line
    assert "in use by another negotiate run" in line
    assert not (tmp_path / "o").exists()


def test_a_run_killed_with_sigkill_does_not_block_the_next(tmp_path):
    command = ["run", str(DATA / "varied.yaml"), "--runs", "5000000", "--no-keep-runs", "--workers", "1",
               "--no-plots", "--no-progress", "--out", "o"]
    first = _start("-m", "negotiate", *command, cwd=tmp_path)
    _wait_for(tmp_path / ".o.lock", first)
    _kill(first)
    again = negotiate_cli(*command[:3], "50", "--workers", "1", "--no-plots", "--out", "o", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]  # lock and stale cache gone


HOLD = """
import sys, time
from negotiate.run.cache import ChunkCache
cache = ChunkCache(sys.argv[1], {"seed": 1})
print("ready", flush=True)
time.sleep(120)
"""


def test_a_chunk_cache_in_use_by_another_process_is_refused(tmp_path):
    holder = _start("-c", HOLD, str(tmp_path / "c"), cwd=tmp_path)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(LockedError, match=f"pid {holder.pid}"):
            ChunkCache(tmp_path / "c", {"seed": 1})
        with pytest.raises(LockedError, match=f"pid {holder.pid}"):
            simulate(DATA / "varied.yaml", 50, seed=1, progress=False, cache_dir=tmp_path / "c")
        with pytest.raises(LockedError):
            discard_cache(tmp_path / "c")
        assert (tmp_path / "c" / "manifest.json").exists()
    finally:
        _kill(holder)
    assert discard_cache(tmp_path / "c")  # the holder is gone: the lock died with it


def test_locks_are_reentrant_within_a_process_and_removed_after(tmp_path):
    lock = tmp_path / "x.lock"
    with hold_lock(lock, "x"):
        with hold_lock(lock, "x"):
            assert lock.exists()
        assert lock.exists()
    assert not lock.exists()
    with lock_output(tmp_path / "new" / "o"):  # makes the parent, takes the lock beside the output
        assert (tmp_path / "new" / ".o.lock").exists()
    assert list((tmp_path / "new").iterdir()) == []


# --- every cached block carries its run's key ---------------------------------------------------

RUNS = 2 * BLOCK_SIZE + 100


def _identical(a, b) -> None:
    pd.testing.assert_frame_equal(a.to_frame(by_agenda=True), b.to_frame(by_agenda=True))
    for name, value in a.aggregates.to_arrays().items():
        np.testing.assert_array_equal(value, b.aggregates.to_arrays()[name], err_msg=name)


def test_a_block_of_another_seed_is_never_reused(varied, tmp_path):
    simulate(varied, RUNS, seed=1, progress=False, cache_dir=tmp_path / "one", keep_cache=True)
    simulate(varied, RUNS, seed=2, progress=False, cache_dir=tmp_path / "two", keep_cache=True)
    # a stray block of the seed-1 run lands in the seed-2 cache (as two runs sharing a cache did)
    shutil.copyfile(tmp_path / "one" / "block-000001.npz", tmp_path / "two" / "block-000001.npz")
    with pytest.warns(CacheWarning, match=r"block-000001.npz: cached block was made by another run \(seed 1, not 2"):
        resumed = simulate(varied, RUNS, seed=2, progress=False, cache_dir=tmp_path / "two")
    _identical(resumed, simulate(varied, RUNS, seed=2, progress=False))


def test_a_block_stored_under_another_index_is_never_reused(varied, tmp_path):
    simulate(varied, RUNS, seed=2, progress=False, cache_dir=tmp_path / "c", keep_cache=True)
    shutil.copyfile(tmp_path / "c" / "block-000000.npz", tmp_path / "c" / "block-000001.npz")
    with pytest.warns(CacheWarning, match="block 0, not 1"):
        resumed = simulate(varied, RUNS, seed=2, progress=False, cache_dir=tmp_path / "c")
    _identical(resumed, simulate(varied, RUNS, seed=2, progress=False))


def test_resume_on_the_cli_recomputes_a_block_of_another_seed(tmp_path):
    """The issue's sequence, end to end: a block of seed 1 in the cache of a seed-2 run."""
    common = [str(DATA / "varied.yaml"), "--runs", str(RUNS), "--workers", "1", "--no-plots", "--no-progress"]
    simulate(DATA / "varied.yaml", RUNS, seed=1, progress=False, cache_dir=tmp_path / "one", keep_cache=True)
    simulate(DATA / "varied.yaml", RUNS, seed=2, progress=False, cache_dir=tmp_path / ".o.chunks",
             keep_cache=True)
    shutil.copyfile(tmp_path / "one" / "block-000001.npz", tmp_path / ".o.chunks" / "block-000001.npz")
    done = negotiate_cli("run", *common, "--seed", "2", "--out", "o", "--resume", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "made by another run (seed 1, not 2" in done.stderr
    fresh = negotiate_cli("run", *common, "--seed", "2", "--out", "ref", cwd=tmp_path)
    assert fresh.returncode == 0, fresh.stderr
    assert (tmp_path / "o" / "runs.parquet").read_bytes() == (tmp_path / "ref" / "runs.parquet").read_bytes()
