"""`negotiate run` stopped part way, as a user would stop it: Ctrl-C (SIGINT) and a
worker process killed by the operating system (SIGKILL), in a real subprocess.

Promises: the output directory holds the previous complete output or nothing,
never a partial one; the exit code is 130 (interrupted) or 1 (failed) with a
one-line message saying how to resume; ``--resume`` then reuses the finished
blocks and writes exactly what an uninterrupted run writes.

A run must still be going when the test stops it, so its length is set from
the engine's measured speed (about 2 s of simulation), not from a guess.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest

from negotiate import load_results
from negotiate.model import run_block
from negotiate.run import simulate
from negotiate.run.seeding import BLOCK_SIZE, block_seed

ROOT = Path(__file__).resolve().parents[2]
SEED = 23
WAIT_SECONDS = 120

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.fixture(scope="module")
def long_runs(varied) -> int:
    """Runs that take about 2 s to simulate here (at least 12 blocks), the last block partial."""
    run_block(varied, BLOCK_SIZE, block_seed(0, 0))  # warm up
    started = time.perf_counter()
    run_block(varied, BLOCK_SIZE, block_seed(0, 1))
    per_block = time.perf_counter() - started
    return min(max(12, math.ceil(2.0 / per_block)), 400) * BLOCK_SIZE - 1000


def _start(*args: str, cwd: Path) -> subprocess.Popen:
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    # a session of its own: a Ctrl-C in a terminal signals the whole process group
    return subprocess.Popen([sys.executable, "-m", "negotiate", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _run_args(varied_path, out: Path, runs: int, *extra: str) -> list[str]:
    return ["run", str(varied_path), "--runs", str(runs), "--seed", str(SEED), "--chunk-size",
            str(BLOCK_SIZE), "--out", str(out), "--no-plots", "--no-progress", *extra]


def _wait_for_blocks(proc: subprocess.Popen, cache: Path, n: int) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while len(list(cache.glob("block-*.npz"))) < n:
        if proc.poll() is not None:
            raise AssertionError(f"the run ended (exit {proc.returncode}) before {n} blocks were "
                                 f"cached: {proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise TimeoutError(f"{n} blocks were not cached within {WAIT_SECONDS} s")
        time.sleep(0.01)


def _finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=WAIT_SECONDS)
    return proc.returncode, out, err


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert "Traceback" not in err
    return lines[0]


def _no_partial_leftovers(parent: Path, out: Path) -> None:
    strays = [p.name for p in parent.iterdir() if p.name.startswith(f".{out.name}.")
              and p.name != f".{out.name}.chunks"]
    assert not strays, strays


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def _assert_same_runs(a, b) -> None:
    pd.testing.assert_frame_equal(a.to_frame(by_agenda=True), b.to_frame(by_agenda=True))
    for name, value in a.aggregates.to_arrays().items():
        np.testing.assert_array_equal(value, b.aggregates.to_arrays()[name], err_msg=name)


@pytest.mark.parametrize("target", ["process", "group"])
def test_ctrl_c_into_a_fresh_path_leaves_nothing_and_exits_130(varied_path, long_runs, tmp_path, target):
    out = tmp_path / "out"
    proc = _start(*_run_args(varied_path, out, long_runs, "--workers", "2"), cwd=tmp_path)
    _wait_for_blocks(proc, tmp_path / ".out.chunks", 1)
    if target == "process":  # kill -INT PID
        proc.send_signal(signal.SIGINT)
    else:                    # Ctrl-C in a terminal: the workers get it too
        os.killpg(proc.pid, signal.SIGINT)
    code, stdout, err = _finish(proc)
    assert code == 130, err
    line = _one_line(err)
    assert line.startswith(f"negotiate: interrupted; nothing was written to {out}; ")
    assert "finished block" in line and line.endswith("run the same command with --resume to continue")
    assert not out.exists() and stdout == ""
    _no_partial_leftovers(tmp_path, out)


def test_ctrl_c_over_an_earlier_output_leaves_it_intact(varied, varied_path, long_runs, tmp_path):
    out = tmp_path / "out"
    earlier = simulate(varied, 700, seed=1, progress=False)
    earlier.save(out, plots=False)
    before = _snapshot(out)
    proc = _start(*_run_args(varied_path, out, long_runs, "--workers", "1"), cwd=tmp_path)
    _wait_for_blocks(proc, tmp_path / ".out.chunks", 1)
    proc.send_signal(signal.SIGINT)
    code, _, err = _finish(proc)
    assert code == 130
    assert _one_line(err).startswith(f"negotiate: interrupted; nothing was written to {out} (its earlier "
                                     "output is left as it was); ")
    assert _snapshot(out) == before
    _assert_same_runs(earlier, load_results(out))
    _no_partial_leftovers(tmp_path, out)


def test_a_killed_worker_fails_with_exit_1_and_no_output(varied_path, long_runs, tmp_path):
    out = tmp_path / "out"
    proc = _start(*_run_args(varied_path, out, long_runs, "--workers", "2"), cwd=tmp_path)
    _wait_for_blocks(proc, tmp_path / ".out.chunks", 1)  # the pool is busy by now
    # the pool's workers are forked by the forkserver, a child of the command
    servers = [p for p in psutil.Process(proc.pid).children()
               if any("forkserver" in part for part in p.cmdline())]
    assert len(servers) == 1, psutil.Process(proc.pid).children()
    workers = servers[0].children()
    assert workers, "no worker processes found"
    workers[0].send_signal(signal.SIGKILL)
    code, stdout, err = _finish(proc)
    assert code == 1, err
    line = _one_line(err)
    assert line.startswith("negotiate: error:") and "worker process died" in line and "--resume" in line
    assert not out.exists() and stdout == ""
    _no_partial_leftovers(tmp_path, out)


def test_resume_after_ctrl_c_writes_what_an_uninterrupted_run_writes(varied, varied_path, long_runs,
                                                                     tmp_path):
    out, cache = tmp_path / "out", tmp_path / ".out.chunks"
    args = _run_args(varied_path, out, long_runs, "--workers", "2")
    proc = _start(*args, cwd=tmp_path)
    _wait_for_blocks(proc, cache, 3)
    proc.send_signal(signal.SIGINT)
    code, _, err = _finish(proc)
    assert code == 130, err
    cached = sorted(cache.glob("block-*.npz"))
    assert 3 <= len(cached) < math.ceil(long_runs / BLOCK_SIZE)
    cached[1].write_bytes(cached[1].read_bytes()[:-500])  # a damaged block must not be trusted

    code, stdout, err = _finish(_start(*args, "--resume", cwd=tmp_path))
    assert code == 0, err
    assert f"resuming: {len(cached)} finished blocks" in err
    assert f"warning: {cached[1]}" in err and "simulating it again" in err
    assert f"{long_runs:,} runs" in stdout
    assert not cache.exists(), "the chunk cache is deleted once the output is written"
    uninterrupted = simulate(varied, long_runs, seed=SEED, progress=False)
    _assert_same_runs(uninterrupted, load_results(out))
    summary = pd.read_csv(out / "summary.csv", index_col="outcome")
    np.testing.assert_array_equal(summary["p"], uninterrupted.outcome_probabilities()["p"])


def test_an_old_cache_is_kept_until_fresh_and_resume_refuses_another_runs(varied_path, tmp_path):
    out, cache = tmp_path / "out", tmp_path / ".out.chunks"
    proc = _start(*_run_args(varied_path, out, 3 * BLOCK_SIZE, "--workers", "1"), cwd=tmp_path)
    code, _, err = _finish(proc)
    assert code == 0, err
    assert not cache.exists()
    # a cache left by an interrupted run with seed 23...
    simulate(varied_path, 3 * BLOCK_SIZE, seed=SEED, cache_dir=cache, keep_cache=True, progress=False)
    # ...is not reused for seed 24, even when asked to resume: invalid input (exit 2), said before
    # anything else (no "resuming: 3 finished blocks"), and the cache is left alone
    other = _run_args(varied_path, out, 3 * BLOCK_SIZE, "--workers", "1", "--resume")
    other[other.index("--seed") + 1] = str(SEED + 1)
    code, _, err = _finish(_start(*other, cwd=tmp_path))
    assert code == 2, err
    assert "resuming" not in err
    line = _one_line(err)
    assert "another run" in line and "seed" in line and "--fresh" in line
    assert len(list(cache.glob("block-*.npz"))) == 3
    # without --resume the blocks are kept and the run refused (exit 2), the output untouched
    other.remove("--resume")
    code, _, err = _finish(_start(*other, cwd=tmp_path))
    assert code == 2 and "3 finished blocks" in err and "--resume" in err and "--fresh" in err, err
    assert len(list(cache.glob("block-*.npz"))) == 3 and load_results(out).seed == SEED
    # with --fresh they are discarded with a note and the run starts afresh
    code, _, err = _finish(_start(*other, "--fresh", cwd=tmp_path))
    assert code == 0, err
    assert "discarded 3 finished blocks" in err and not cache.exists()
    assert load_results(out).seed == SEED + 1
