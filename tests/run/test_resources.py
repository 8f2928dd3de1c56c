"""Resource limits: the number of runs is bounded and checked before anything is built;
the engine's working memory is estimated and a run that would not fit is refused before
it simulates; the memory check honours the address-space limit and the process's own
control group (v1 and v2); operating-system and memory errors are one-line messages.

Limits are set in child processes (``resource.setrlimit`` before ``exec``), so
nothing here exhausts the machine.
"""

from __future__ import annotations

import importlib
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import negotiate
from negotiate import SimulationError
from negotiate.model import run_block
from negotiate.run import simulate
from negotiate.run.seeding import BLOCK_SIZE, MAX_RUNS, SeedPlan, block_seed

res = importlib.import_module("negotiate.run.resources")
sim = importlib.import_module("negotiate.run.blocks")
ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "ukraine_march_2025.yaml"
GiB = 2**30

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="rlimits, /proc, /dev/full")


def _command(args: list[str], cwd: Path, *, limits: dict | None = None, timeout: float = 120,
             stdout=subprocess.PIPE) -> tuple[int, str, str, float]:
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))

    def set_limits() -> None:
        for which, value in (limits or {}).items():
            resource.setrlimit(which, (value, value))

    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "negotiate", *args], cwd=cwd, env=env, check=False,
                          stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=timeout,
                          preexec_fn=set_limits)
    return proc.returncode, proc.stdout or "", proc.stderr, time.monotonic() - started


def _one_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    return lines[0]


def generated(actors: int, issues: int, horizon: int = 8) -> dict:
    """A scenario of ``actors`` actors (all but one of them parties) and ``issues`` issues."""
    spec = {f"i{k}": {"group": "truce" if k == 0 else "settlement", "low": "a", "high": "b",
                      "status_quo": 0.5} for k in range(issues)}
    people = {}
    for a in range(actors):
        role = "party" if a < max(2, actors - 1) else "mediator"
        people[f"a{a}"] = {"role": role, "positions": {
            f"i{k}": {"ideal": round((a * 0.37 + k * 0.11) % 1, 3), "salience": 1 + (a + k) % 3,
                      "assumption": "x"} for k in range(issues)}}
    return {"name": f"gen{actors}x{issues}", "rounds": {"horizon": horizon, "unit": "week"},
            "issues": spec, "actors": people}


# --- the number of runs -------------------------------------------------------------------

def test_the_seed_plan_is_lazy():
    plan = SeedPlan(1, MAX_RUNS)
    assert isinstance(plan.blocks(), Iterator) and isinstance(plan.chunks(BLOCK_SIZE), Iterator)
    first = next(plan.chunks(3 * BLOCK_SIZE))
    assert [b.index for b in first] == [0, 1, 2]


@pytest.mark.parametrize("runs", [MAX_RUNS + 1, 10**12])
def test_too_many_runs_are_refused_at_once_by_the_api(varied, runs):
    started = time.monotonic()
    with pytest.raises(ValueError, match="runs must be at most 10,000,000,000"):
        simulate(varied, runs, progress=False)
    assert time.monotonic() - started < 1


def test_too_many_runs_are_refused_at_once_by_the_command(varied_path, tmp_path):
    code, _stdout, err, _seconds = _command(
        ["run", str(varied_path), "--runs", "1000000000000", "--out", str(tmp_path / "o")], tmp_path,
        timeout=60)
    assert code == 2 and "--runs" in err and "at most 10,000,000,000" in err, err
    assert sorted(tmp_path.iterdir()) == []


def test_runs_that_could_never_be_kept_are_refused_before_any_simulation(varied_path, tmp_path):
    """10^10 kept runs need at least a terabyte: refused before a worker starts or a block
    is simulated (not after the first chunk), with no cache left behind."""
    code, _stdout, err, seconds = _command(
        ["run", str(varied_path), "--runs", "10000000000", "--workers", "2", "--out",
         str(tmp_path / "o")], tmp_path, timeout=60)
    assert code == 1 and "keeping every run would need at least" in _one_line(err), err
    assert seconds < 20 and sorted(tmp_path.iterdir()) == []


# --- the engine's working memory ------------------------------------------------------------

@pytest.mark.parametrize("actors, issues", [(3, 2), (6, 4), (10, 3), (12, 6), ("baseline", None)])
def test_the_engine_estimate_bounds_the_measured_peak(actors, issues):
    # the baseline: 4 actors, 12 issues, truce drafting (a plan per number of conditions)
    scenario = negotiate.load_scenario(BASELINE if actors == "baseline" else generated(actors, issues))
    worlds = 64
    run_block(scenario, 8, block_seed(0, 0))  # compiled and cached before measuring
    tracemalloc.start()
    try:
        run_block(scenario, worlds, block_seed(0, 1))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    estimate = res.engine_bytes_per_block(scenario, worlds)
    assert peak <= estimate, (peak, estimate)
    assert estimate < 3 * peak, "an estimate far above the need would refuse runs that fit"


def test_the_estimate_grows_with_the_cube_of_the_actors():
    small = negotiate.load_scenario(generated(10, 4))
    large = negotiate.load_scenario(generated(20, 4))
    ratio = res.engine_bytes_per_block(large) / res.engine_bytes_per_block(small)
    assert 6 < ratio <= 8


def test_a_run_whose_blocks_do_not_fit_is_refused_before_simulating(varied, monkeypatch):
    per_block = res.engine_bytes_per_block(varied)
    one_worker = per_block + res.WORKER_BASE_BYTES
    monkeypatch.setattr(res, "shared_memory", lambda: int(1.5 * one_worker / res.MEMORY_SHARE))
    monkeypatch.setattr(res, "address_space_available", lambda: None)
    simulated = []
    monkeypatch.setattr(sim, "_simulate_block", lambda *a: simulated.append(a))
    with pytest.raises(SimulationError) as info:
        simulate(varied, 4 * BLOCK_SIZE, seed=1, workers=3, progress=False)
    message = str(info.value)
    assert "--workers 1" in message and "4,096 worlds" in message and "3 actors" in message
    assert not simulated
    monkeypatch.setattr(res, "shared_memory", lambda: int(0.5 * per_block))
    with pytest.raises(SimulationError, match="more memory"):
        simulate(varied, 4 * BLOCK_SIZE, seed=1, workers=1, progress=False)
    assert not simulated


def test_a_block_over_the_address_space_limit_is_refused_by_the_command(tmp_path):
    """40 actors and 10 issues need about 21 GiB per block: refused under ``ulimit -v 4G``
    at once, with the reason, instead of a MemoryError deep in the engine."""
    scenario = tmp_path / "big.yaml"
    scenario.write_text(negotiate.dump_yaml(negotiate.load_scenario(generated(40, 10))))
    code, _, err, seconds = _command(
        ["run", str(scenario), "--runs", "5000", "--workers", "1", "--out", str(tmp_path / "o"),
         "--no-progress"], tmp_path, limits={resource.RLIMIT_AS: 4 * GiB})
    assert code == 1, err
    line = _one_line(err)
    assert "address-space limit" in line and "40 actors" in line, line
    assert seconds < 60
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.yaml"]


# --- where the available memory comes from ------------------------------------------------

def _limit_files(folder: Path, names: tuple[str, str], limit: str, used: int, stat: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / names[0]).write_text(limit + "\n")
    (folder / names[1]).write_text(f"{used}\n")
    (folder / "memory.stat").write_text(stat)


def test_cgroup_v2_the_process_own_group_and_those_above_count(tmp_path):
    v2 = ("memory.max", "memory.current")
    _limit_files(tmp_path, v2, "max", 10**9, "inactive_file 0\n")  # the root: no limit
    _limit_files(tmp_path / "user.slice", v2, "8000000", 1_000_000, "inactive_file 0\n")
    _limit_files(tmp_path / "user.slice" / "job", v2, "5000000", 2_000_000, "inactive_file 500000\n")
    proc = tmp_path / "cgroup"
    proc.write_text("0::/user.slice/job\n")
    assert res.cgroup_available(proc, tmp_path) == 5_000_000 - 2_000_000 + 500_000
    proc.write_text("0::/user.slice\n")
    assert res.cgroup_available(proc, tmp_path) == 7_000_000


def test_cgroup_v1_memory_controller_is_read_at_the_process_group(tmp_path):
    v1 = ("memory.limit_in_bytes", "memory.usage_in_bytes")
    memory = tmp_path / "memory"
    _limit_files(memory, v1, "9223372036854771712", 10**9, "total_inactive_file 0\n")  # no limit
    _limit_files(memory / "process_api" / "abc", v1, "3000000", 1_000_000,
                 "cache 5\ntotal_inactive_file 250000\n")
    proc = tmp_path / "cgroup"
    proc.write_text("9:systemd:/\n4:memory:/process_api/abc\n1:cpu:/\n0::/\n")
    assert res.cgroup_available(proc, tmp_path) == 3_000_000 - 1_000_000 + 250_000
    proc.write_text("4:memory:/elsewhere\n")  # a group not visible here: the mount's root counts
    assert res.cgroup_available(proc, tmp_path) is None


def test_the_address_space_limit_counts(tmp_path):
    """In a child under ``ulimit -v``, the available memory is at most what the limit leaves."""
    code = ("import negotiate.run.resources as r; a = r.address_space_available(); "
            "print(a, r.available_memory())")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    limit = 6 * GiB
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)),
                         timeout=60, check=True).stdout.split()
    headroom, available = int(out[0]), int(out[1])
    assert 0 < headroom < limit and available <= headroom


def test_kept_runs_over_the_address_space_limit_are_refused_with_a_message(varied, varied_path,
                                                                            tmp_path):
    """Keeping 12 million runs needs a few GiB: under a 3 GiB address-space limit the
    command refuses with advice after one block, not with a MemoryError traceback."""
    block = run_block(varied, 64, block_seed(0, 0))
    arrays = [v for k, v in vars(block).items() if k != "inputs"] + list(block.inputs.values())
    per_run = sum(np.asarray(a).nbytes for a in arrays) // 64
    runs = int(3.5 * GiB / per_run)
    code, _, err, _ = _command(
        ["run", str(varied_path), "--runs", str(runs), "--workers", "1", "--out",
         str(tmp_path / "o"), "--no-progress", "--chunk-size", str(BLOCK_SIZE)], tmp_path,
        limits={resource.RLIMIT_AS: 3 * GiB})
    assert code == 1, err
    line = _one_line(err)
    assert "--no-keep-runs" in line, line
    assert not (tmp_path / "o").exists()


# --- operating-system errors ------------------------------------------------------------------

def test_a_file_size_limit_while_writing_is_one_line_and_keeps_the_old_output(varied, varied_path,
                                                                              tmp_path):
    out = tmp_path / "out"
    simulate(varied, 300, seed=1, progress=False).save(out, plots=False)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    code, _stdout, err, _ = _command(
        ["run", str(varied_path), "--runs", "20000", "--workers", "1", "--out", str(out),
         "--no-progress", "--no-plots"], tmp_path, limits={resource.RLIMIT_FSIZE: 64 * 1024})
    assert code == 1, err
    line = _one_line(err)
    assert line.startswith("negotiate: error:") and "too large" in line.lower(), line
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")
                 and not p.name.endswith(".chunks")]
    assert leftovers == []


def test_stdout_on_a_full_device_is_one_line(tmp_path):
    with open("/dev/full", "w") as full:
        code, _, err, _ = _command(["schema"], tmp_path, stdout=full, timeout=60)
    assert code == 1
    line = _one_line(err)
    assert line.startswith("negotiate: error:") and "No space left on device" in line, line


@pytest.mark.parametrize("error, expected", [
    (MemoryError(), ("negotiate: error: out of memory; ask for fewer runs or fewer workers, or pass "
                    "--no-keep-runs")),
    (OSError(28, "No space left on device", "o/runs.parquet"),
     "negotiate: error: o/runs.parquet: No space left on device (disk full?)"),
    (PermissionError(13, "Permission denied", "o", None, ".o.partial"),
     "negotiate: error: o -> .o.partial: Permission denied"),
])
def test_memory_and_os_errors_anywhere_in_a_command_are_one_line(varied_path, monkeypatch, capsys,
                                                                 error, expected):
    from negotiate.cli import main, simulation

    def fail(args):
        raise error

    monkeypatch.setattr(simulation, "_run_scenario", fail)
    assert main(["run", str(varied_path)]) == 1
    assert _one_line(capsys.readouterr().err) == expected
