"""Every option is checked before any simulation: a mistake costs a second, not a run.

Each command below is given far more work than the test waits for (billions of
runs, thousands of samples), so it passes only if the mistake is refused first.
API boolean options refuse strings such as ``"no"``, which Python counts as true.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from negotiate import ScenarioError
from negotiate.run import compare, simulate, sweep
from negotiate.scenario import scenario_from_yaml

ROOT = Path(__file__).resolve().parents[2]
HUGE = "1000000000"  # runs no test could wait for
QUICK = 60  # seconds: imports and one check, never a simulation


def _command(args: list[str], cwd: Path, timeout: float = QUICK) -> tuple[int, str, str]:
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run([sys.executable, "-m", "negotiate", *args], cwd=cwd, env=env, check=False,
                          capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


def _no_traceback(err: str) -> None:
    assert "Traceback" not in err, err


@pytest.mark.parametrize("command", [
    ["sensitivity", "{file}", "--outcome", "nope", "--samples", "4096", "--workers", "1"],
    ["discover", "{file}", "--outcome", "nope", "--runs", HUGE, "--workers", "1"],
])
def test_an_unknown_outcome_is_refused_before_the_analysis(varied_path, tmp_path, command):
    args = [a.format(file=varied_path) for a in command]
    code, stdout, err = _command(args, tmp_path)
    _no_traceback(err)
    assert code == 2 and "unknown outcome 'nope'" in err and "comprehensive_agreement" in err, err
    assert stdout == ""


@pytest.mark.parametrize("command", [
    ["run", "{file}", "--runs", HUGE],
    ["compare", "{file}", "{file}", "--runs", HUGE],
    ["sweep", "{file}", "--param", "monte_carlo.seed=1,2", "--runs", HUGE],
    ["sensitivity", "{file}", "--samples", "4096"],
    ["discover", "{file}", "--runs", HUGE],
    ["backtest", "{cases}", "--runs", HUGE],
])
def test_an_output_path_that_is_a_file_is_refused_before_simulating(varied_path, tmp_path, command):
    taken = tmp_path / "taken"
    taken.write_text("a user's file")
    args = [a.format(file=varied_path, cases=ROOT / "cases") for a in command]
    code, _stdout, err = _command([*args, "--out", str(taken), "--workers", "1", "--no-progress"],
                                 tmp_path)
    _no_traceback(err)
    assert code == 2 and "not a directory" in err, err  # a bad --out is invalid input
    assert taken.read_text() == "a user's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"], "no cache, no output"


@pytest.mark.parametrize("command, empty", [
    (["run", "{file}"], ""), (["run", "{file}"], "  "), (["compare", "{file}", "{file}"], ""),
    (["sensitivity", "{file}"], ""), (["discover", "{file}"], ""),
    (["sweep", "{file}", "--param", "monte_carlo.seed=1"], ""), (["backtest"], ""), (["calibrate"], ""),
])
def test_an_empty_out_is_refused(varied_path, tmp_path, command, empty):
    args = [a.format(file=varied_path) for a in command]
    code, _stdout, err = _command([*args, "--out", empty], tmp_path)
    _no_traceback(err)
    assert code == 2 and "--out" in err and "expected a folder name" in err, err
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_scheduler_fails_fast_with_a_message(varied_path, tmp_path):
    pytest.importorskip("distributed")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    code, _, err = _command(["run", str(varied_path), "--runs", "5000", "--scheduler",
                             f"tcp://127.0.0.1:{port}", "--out", str(tmp_path / "o"), "--no-progress"],
                            tmp_path)
    seconds = time.monotonic() - started
    _no_traceback(err)
    assert code == 1 and "could not connect to the Dask scheduler" in err, err
    assert seconds < 20, f"took {seconds:.0f} s"


# --- the API: boolean options -------------------------------------------------------------

@pytest.mark.parametrize("option, value", [("keep_runs", "no"), ("progress", "no"),
                                           ("keep_runs", 0), ("progress", "false"),
                                           ("keep_cache", "yes")])
def test_simulate_refuses_a_string_for_a_boolean_option(varied, option, value):
    with pytest.raises(TypeError, match=f"{option} must be True"):
        simulate(varied, 100, seed=1, **{option: value})


@pytest.mark.parametrize("option", ["keep_runs", "progress"])
def test_compare_and_sweep_refuse_a_string_for_a_boolean_option(varied, option):
    with pytest.raises(TypeError, match=f"{option} must be True"):
        compare(varied, varied, 100, seed=1, **{option: "no"})
    if option == "progress":
        with pytest.raises(TypeError, match="progress must be True"):
            sweep(varied, {"monte_carlo.seed": [1, 2]}, 100, progress="no")


def test_booleans_and_none_are_still_accepted(varied):
    assert simulate(varied, 100, seed=1, keep_runs=False, progress=None).runs == 100
    assert simulate(varied, 100, seed=1, keep_runs=True, progress=False).run_data.n == 100


# --- the size limit of a scenario file -----------------------------------------------------

def test_a_large_file_without_aliases_is_not_told_about_aliases():
    text = "name: big\nvalues: [" + ", ".join(["0"] * 200_001) + "]\n"
    with pytest.raises(ScenarioError) as info:
        scenario_from_yaml(text)
    message = str(info.value)
    assert "more than 200,000 values" in message and "aliases" not in message, message


def test_an_alias_bomb_is_still_told_about_aliases():
    lines = ["name: bomb", "a0: &a0 [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"]
    lines += [f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * 10)}]" for k in range(1, 7)]
    with pytest.raises(ScenarioError, match="too many aliases"):
        scenario_from_yaml("\n".join(lines) + "\n")



def test_backtest_and_calibrate_take_the_lock_of_out_before_simulating(tmp_path):
    """A place another run writes, or one no file can be created in, is refused first (as by run)."""
    from negotiate.results.storage import lock_output

    case = str(ROOT / "cases" / "korea_1951")
    busy = tmp_path / "busy"
    with lock_output(busy):  # held by this process: the command's is another
        code, stdout, err = _command(["backtest", case, "--runs", HUGE, "--out", str(busy), "--workers", "1",
                                      "--no-progress"], tmp_path)
    _no_traceback(err)
    assert code == 1 and "in use by another negotiate run" in err, err
    assert stdout == ""
    code, stdout, err = _command(["calibrate", case, "--worlds", HUGE, "--out", "/proc/negotiate-out",
                                  "--workers", "1", "--no-progress"], tmp_path)
    _no_traceback(err)
    assert code == 2 and "/proc/.negotiate-out.lock: cannot create the lock file" in err, err
    assert stdout == ""
