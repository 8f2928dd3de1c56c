"""A run whose kept per-run table would not fit in memory is refused with advice,
before the table is allocated, instead of being killed by the operating system.

The available memory is replaced through the module's private seam
``_available_memory``: nothing here really exhausts memory.
"""

import importlib
import sys

import numpy as np
import pytest

from negotiate import SimulationError
from negotiate.cli import main
from negotiate.model import run_block
from negotiate.run import compare, simulate
from negotiate.run.seeding import block_seed

sim = importlib.import_module("negotiate.run.blocks")  # the module, not the function
res = importlib.import_module("negotiate.run.resources")

RUNS = 5000


@pytest.fixture(scope="module")
def bytes_per_run(varied):
    """What one kept run of ``varied`` costs, from the arrays the engine returns."""
    block = run_block(varied, 64, block_seed(0, 0))
    arrays = [v for k, v in vars(block).items() if k != "inputs"] + list(block.inputs.values())
    total = sum(np.asarray(a).nbytes for a in arrays)
    assert total % 64 == 0
    return total // 64


def _with_memory(monkeypatch, available):
    monkeypatch.setattr(sim, "_available_memory", lambda: available)


def test_too_many_kept_runs_are_refused_with_advice(varied, bytes_per_run, monkeypatch):
    _with_memory(monkeypatch, bytes_per_run * RUNS // 2)
    allocated = []
    monkeypatch.setattr(sim, "_allocate_like", lambda *a: allocated.append(a))
    with pytest.raises(SimulationError) as info:
        simulate(varied, RUNS, seed=1, progress=False)
    message = str(info.value)
    assert "keep_runs=False" in message and "--no-keep-runs" in message
    # refused up front (at least the fixed columns of a run) or after the first block
    # (the measured size of a run): either way before any per-run array is allocated
    assert f"bytes per run × {RUNS:,} runs" in message
    assert not allocated, "the per-run arrays were allocated before the check"


def test_summaries_only_need_no_memory_for_runs(varied, bytes_per_run, monkeypatch):
    _with_memory(monkeypatch, bytes_per_run * RUNS // 2)
    lean = simulate(varied, RUNS, seed=1, keep_runs=False, progress=False)
    assert lean.run_data is None and lean.outcome_probabilities()["count"].sum() == RUNS


def test_the_limit_is_a_share_of_the_available_memory(varied, bytes_per_run, monkeypatch):
    needed = bytes_per_run * RUNS
    _with_memory(monkeypatch, int(np.ceil(needed / sim.MEMORY_SHARE)))
    assert simulate(varied, RUNS, seed=1, progress=False).run_data.n == RUNS
    _with_memory(monkeypatch, int(needed / sim.MEMORY_SHARE) - 2)
    with pytest.raises(SimulationError, match="keep_runs=False"):
        simulate(varied, RUNS, seed=1, progress=False)


def test_compare_counts_both_scenarios(varied, bytes_per_run, monkeypatch):
    one = bytes_per_run * RUNS / sim.MEMORY_SHARE
    _with_memory(monkeypatch, int(1.5 * one))  # room for one scenario's runs, not two
    simulate(varied, RUNS, seed=1, progress=False)
    with pytest.raises(SimulationError, match="keep_runs=False"):
        compare(varied, varied, RUNS, seed=1, progress=False)


def test_unknown_memory_skips_the_check(varied, monkeypatch):
    _with_memory(monkeypatch, None)
    assert simulate(varied, 300, seed=1, progress=False).run_data.n == 300


def test_command_line_refuses_with_exit_1_and_one_line(varied_path, bytes_per_run, tmp_path,
                                                       monkeypatch, capsys):
    _with_memory(monkeypatch, bytes_per_run * RUNS // 2)
    out = tmp_path / "out"
    args = ["run", str(varied_path), "--runs", str(RUNS), "--seed", "1", "--workers", "1",
            "--out", str(out), "--no-plots", "--no-progress"]
    assert main(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--no-keep-runs" in err[0], err
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "no output, no empty chunk cache"
    assert main([*args, "--no-keep-runs"]) == 0
    assert (out / "summary.csv").is_file() and not (out / "runs.parquet").exists()


# --- where the available memory comes from ------------------------------------------------

def test_without_psutil_proc_meminfo_is_read(monkeypatch):
    monkeypatch.setitem(sys.modules, "psutil", None)  # import psutil now raises ImportError
    expected = None
    try:
        with open("/proc/meminfo") as fh:
            expected = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("MemAvailable:"))
    except (OSError, StopIteration):
        pass
    if expected is None:
        assert res.machine_available() is None
    else:  # the figure moves as other processes run: same order of magnitude
        assert 0.5 * expected < res.machine_available() < 2 * expected


@pytest.mark.parametrize("limit, current, inactive, expected", [
    ("1000000", "600000", "100000", 500_000),   # limit − (used − reclaimable cache)
    ("1000000", "1200000", "0", 0),             # over the limit: nothing left
    ("max", "600000", "0", None),               # no limit
])
def test_a_container_limit_counts(tmp_path, monkeypatch, limit, current, inactive, expected):
    (tmp_path / "memory.max").write_text(limit + "\n")
    (tmp_path / "memory.current").write_text(current + "\n")
    (tmp_path / "memory.stat").write_text(f"anon 5\ninactive_file {inactive}\nactive_file 7\n")
    (tmp_path / "cgroup").write_text("0::/\n")  # the process sits at the root of a v2 mount
    monkeypatch.setattr(res, "CGROUP_ROOT", tmp_path)
    monkeypatch.setattr(res, "PROC_CGROUP", tmp_path / "cgroup")
    assert res.cgroup_available() == expected
    monkeypatch.setattr(res, "machine_available", lambda: 10**12)
    monkeypatch.setattr(res, "address_space_available", lambda: None)
    assert sim._available_memory() == (10**12 if expected is None else expected)


def test_no_cgroup_files_means_no_container_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(res, "CGROUP_ROOT", tmp_path / "absent")
    assert res.cgroup_available() is None
