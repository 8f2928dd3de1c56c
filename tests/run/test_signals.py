"""`negotiate run` with two workers, stopped by a signal as a user, ``timeout`` or the
operating system would stop it, in a real subprocess.

Promises: SIGTERM is handled like Ctrl-C (exit 143, one line saying how to
resume, finished blocks kept); no process of the command (the fork server, the
workers, the resource tracker) outlives it after SIGTERM, SIGINT or SIGKILL;
a signal while Python is still importing prints no traceback; the output
folder holds the old output or the new one, never a mixture; the temporary
folders of a run killed while writing are cleaned by the next one, and only
when their owner is dead.

The slow variant repeats the signals at random moments (``-m slow``).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from negotiate import load_results
from negotiate.results.leftovers import clean_stale
from negotiate.run import simulate
from negotiate.run.seeding import BLOCK_SIZE

ROOT = Path(__file__).resolve().parents[2]
RUNS = 100 * BLOCK_SIZE  # far more than the tests wait for
GONE_WITHIN = 5.0  # seconds after the command ends

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="POSIX signals, /proc")


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONFAULTHANDLER="1")  # SIGABRT shows where it hangs
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    # a session of its own, as a terminal or `timeout` gives it
    return subprocess.Popen([sys.executable, "-m", "negotiate", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _run_args(scenario: Path, out: Path, runs: int = RUNS, seed: int = 5) -> list[str]:
    return ["run", str(scenario), "--runs", str(runs), "--seed", str(seed), "--workers", "2",
            "--chunk-size", str(BLOCK_SIZE), "--out", str(out), "--no-plots", "--no-progress"]


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _wait_for_workers(proc: subprocess.Popen, cache: Path, timeout: float = 120) -> list[psutil.Process]:
    """The command's processes once it has cached a block (so the pool is busy)."""
    deadline = time.monotonic() + timeout
    while not list(cache.glob("block-*.npz")):
        assert proc.poll() is None, f"the run ended (exit {proc.returncode}): {proc.stderr.read()}"
        if time.monotonic() > deadline:
            proc.kill()
            raise TimeoutError("no block cached")
        time.sleep(0.02)
    return _descendants(proc.pid)


def _still_running(processes: list[psutil.Process]) -> list[str]:
    """Those of ``processes`` still alive ``GONE_WITHIN`` seconds from now at the latest."""
    deadline = time.monotonic() + GONE_WITHIN
    while True:
        alive = []
        for p in processes:
            try:
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(f"{p.pid} {' '.join(p.cmdline())[:80]}")
            except psutil.NoSuchProcess:
                pass
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def _finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)  # the faulthandler prints every thread's stack
        out, err = proc.communicate()
        raise AssertionError(f"the command did not stop within 60 s: {err}") from None
    return proc.returncode, out, err


def _one_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    return lines[0]


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_sigterm_is_handled_like_ctrl_c(varied_path, tmp_path):
    out, cache = tmp_path / "out", tmp_path / ".out.chunks"
    proc = _start(_run_args(varied_path, out), tmp_path)
    processes = _wait_for_workers(proc, cache)
    assert len(processes) >= 3, "expected a fork server and two workers"
    proc.send_signal(signal.SIGTERM)
    code, stdout, err = _finish(proc)
    assert code == 143, err
    line = _one_line(err)
    assert line.startswith(f"negotiate: terminated; nothing was written to {out}; ") and "--resume" in line, line
    assert list(cache.glob("block-*.npz")), "the finished blocks are kept"
    assert not out.exists() and stdout == ""
    assert _still_running(processes) == []


def test_sigterm_to_the_process_group_as_timeout_sends_it(varied_path, tmp_path):
    """``timeout`` signals the command and its whole process group: the workers ignore it
    and the command still stops them and reports the stop, not a dead worker."""
    out, cache = tmp_path / "out", tmp_path / ".out.chunks"
    proc = _start(_run_args(varied_path, out), tmp_path)
    processes = _wait_for_workers(proc, cache)
    os.killpg(proc.pid, signal.SIGTERM)
    code, _, err = _finish(proc)
    assert code == 143, err
    assert _one_line(err).startswith("negotiate: terminated")
    assert _still_running(processes) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL],
                         ids=["SIGINT", "SIGTERM", "SIGKILL"])
def test_no_process_outlives_the_command(varied_path, tmp_path, signum):
    out, cache = tmp_path / "out", tmp_path / ".out.chunks"
    proc = _start(_run_args(varied_path, out), tmp_path)
    processes = _wait_for_workers(proc, cache)
    names = " ".join(" ".join(p.cmdline()) for p in processes)
    assert "forkserver" in names and "resource_tracker" in names, names
    proc.send_signal(signum)
    code, _, _ = _finish(proc)
    assert code == {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGKILL: -9}[signum]
    assert _still_running(processes) == []
    assert not out.exists()


def _before_the_package(returncode: int, err: str, signum: int) -> bool:
    """Whether a signal reached the command before its package ran: killed by the default
    action (Python had not yet set its own handler), or a traceback through the
    interpreter's start-up (importing `site`, runpy) with no frame of the package."""
    return returncode == -signum or ("Traceback" in err and "/negotiate/" not in err)


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("delay", [0.05, 0.15, 0.3])
def test_a_signal_while_starting_prints_no_traceback(varied_path, tmp_path, signum, code, delay):
    for attempt in range(4):
        proc = _start(_run_args(varied_path, tmp_path / f"out{attempt}"), tmp_path)
        time.sleep(delay)
        processes = _descendants(proc.pid)
        proc.send_signal(signum)
        returncode, _stdout, err = _finish(proc)
        # On a loaded machine the signal can land while the interpreter itself still
        # starts, before any line of the package runs: nothing the package does can
        # catch that, so try again a little later.
        if not _before_the_package(returncode, err, signum):
            break
        delay *= 2
    assert returncode == code, err
    word = "interrupted" if signum == signal.SIGINT else "terminated"
    assert _one_line(err).startswith(f"negotiate: {word}")
    assert _still_running(processes + _descendants(proc.pid)) == []


# --- leftovers of a run killed while writing -------------------------------------------

def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid  # reaped: no process has this pid now (barring reuse within the test)


def test_a_dead_runs_partial_folder_is_cleaned_by_the_next_write(varied, tmp_path):
    out = tmp_path / "out"
    dead, alive = _dead_pid(), os.getppid()
    stale = tmp_path / f".out.{dead}-0123456789ab.partial"
    running = tmp_path / f".out.{alive}-0123456789ab.partial"  # a run still going
    for folder in (stale, running):
        folder.mkdir()
        (folder / "summary.csv").write_text("half written")
    simulate(varied, 300, seed=1, progress=False).save(out, plots=False)
    assert not stale.exists()
    assert running.exists(), "the folder of a live run was removed"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out", running.name])


def test_a_run_killed_between_the_two_renames_gets_its_old_output_back(varied, tmp_path):
    """Killed after moving the old output aside and before moving the new one in:
    the target is missing and the old output sits in ``.out.<pid>-<hex>.old``."""
    out = tmp_path / "out"
    earlier = simulate(varied, 300, seed=1, progress=False)
    earlier.save(out, plots=False)
    before = _snapshot(out)
    aside = tmp_path / f".out.{_dead_pid()}-0123456789ab.old"
    os.rename(out, aside)
    assert clean_stale(out) == []  # nothing removed: it was put back
    assert _snapshot(out) == before and not aside.exists()
    assert load_results(out).seed == 1


def test_sigkill_while_writing_leaves_the_old_output_or_the_new_one(varied, varied_path, tmp_path):
    """Killed at random moments around the write: the target is always one complete
    output (the old one or the new one), and the next run leaves no temporary folder."""
    out = tmp_path / "out"
    simulate(varied, 300, seed=1, progress=False).save(out, plots=False)
    old = _snapshot(out)
    rng = random.Random(3)
    for _ in range(3):
        proc = _start(_run_args(varied_path, out, runs=2 * BLOCK_SIZE, seed=2), tmp_path)
        time.sleep(rng.uniform(1.0, 6.0))
        proc.kill()
        proc.wait()
        _assert_old_or_new(out, old, new_seed=2)
    code, _, err = _finish(_start(_run_args(varied_path, out, runs=2 * BLOCK_SIZE, seed=2), tmp_path))
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def _assert_old_or_new(out: Path, old: dict[str, bytes], new_seed: int) -> None:
    if not out.exists():  # killed between the two renames: the next write restores it
        clean_stale(out)
    if _snapshot(out) != old:
        assert load_results(out).seed == new_seed


# --- the slow profile: many signals at random moments ------------------------------------

@pytest.mark.slow
def test_signals_at_random_moments_leave_no_process_and_no_mixture(varied, varied_path, tmp_path):
    out = tmp_path / "out"
    simulate(varied, 300, seed=1, progress=False).save(out, plots=False)
    old = _snapshot(out)
    rng = random.Random(11)
    signals = [signal.SIGINT, signal.SIGTERM, signal.SIGKILL]
    for attempt in range(50):
        signum = rng.choice(signals)
        proc = _start(_run_args(varied_path, out, runs=3 * BLOCK_SIZE, seed=2), tmp_path)
        deadline = time.monotonic() + rng.uniform(0.0, 8.0)
        processes: list[psutil.Process] = []
        while time.monotonic() < deadline and proc.poll() is None:
            processes += [p for p in _descendants(proc.pid) if p not in processes]
            time.sleep(0.05)
        proc.send_signal(signum)
        code, _, err = _finish(proc)
        assert "Traceback" not in err, (attempt, signum, err)
        # -signum: the signal came after the command had ended, while Python shut down
        assert code in (0, 130, 143, -9, -signum), (attempt, signum, code, err)
        assert _still_running(processes) == [], (attempt, signum)
        _assert_old_or_new(out, old, new_seed=2)


def test_a_signal_inside_a_deferred_block_is_delivered_when_it_ends():
    """What the pool's waits and the output's two renames rely on (see interrupts.py)."""
    from negotiate.results.interrupts import signals_deferred

    reached = []
    # the handler in force before the block is Python's own, whatever earlier tests in
    # this worker process left there
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt), signals_deferred():
            signal.raise_signal(signal.SIGINT)
            reached.append("the end of the block")
        assert reached == ["the end of the block"]
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)
