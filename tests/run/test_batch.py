"""The one batch loop (negotiate.run.batch): executors the user made, progress counting
runs, scripts on standard input (issue 15, items 4, 6, 7 and 9)."""

import concurrent.futures as cf
import dataclasses
import io
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

import negotiate
from negotiate.run import batch, simulate, sweep
from negotiate.run.executors import FuturesExecutor, InProcessExecutor, get_executor

REPO = Path(negotiate.__file__).parents[1]
RUNS = 4097  # two blocks: the second of one run


def _counts(results):
    return results.aggregates.outcome_counts.tolist()


def _same(a, b):
    """Every summary identical (bit for bit: the merge order is fixed)."""
    for f in dataclasses.fields(a.aggregates):
        x, y = getattr(a.aggregates, f.name), getattr(b.aggregates, f.name)
        assert np.array_equal(x, y, equal_nan=np.asarray(x).dtype.kind == "f"), f.name


@pytest.fixture(scope="module")
def reference(varied):
    return simulate(varied, RUNS, seed=5, progress=False, keep_runs=False)


# --- executors the user made ---------------------------------------------------------

def test_a_thread_pool_of_the_users_gives_the_same_numbers_and_stays_open(varied, reference):
    with cf.ThreadPoolExecutor(2) as pool:
        on_pool = simulate(varied, RUNS, seed=5, executor=pool, chunk_size=4096, progress=False,
                           keep_runs=False)
        assert pool.submit(sum, [1, 2]).result() == 3  # not shut down by simulate
    _same(on_pool, reference)


def test_a_process_pool_of_the_users_given_as_address(varied, reference):
    # forkserver: forking a test process that may hold threads (Dask's, tqdm's) is unsafe
    with cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("forkserver")) as pool:
        on_pool = simulate(varied, RUNS, seed=5, address=pool, chunk_size=4096, progress=False,
                           keep_runs=False)
        assert pool.submit(abs, -4).result() == 4
    _same(on_pool, reference)


def test_a_failing_task_on_a_users_pool_names_the_task():
    with (cf.ThreadPoolExecutor(2) as pool,
          pytest.raises(negotiate.SimulationError, match="task 1 failed on ThreadPoolExecutor")):
        list(get_executor(pool).map(np.sqrt, [4, "x", 9]))


def test_a_users_pool_is_wrapped_and_a_wrong_executor_refused_before_simulating(varied, monkeypatch):
    with cf.ThreadPoolExecutor(1) as pool:
        assert isinstance(get_executor(pool), FuturesExecutor)
    monkeypatch.setattr(negotiate.model, "run_block", lambda *a, **k: pytest.fail("simulated"))
    with pytest.raises(TypeError, match="executor must be a name"):
        simulate(varied, 10, executor=object())
    with pytest.raises(ValueError, match="chunk_size must be a whole number"):
        simulate(varied, 10, chunk_size=0)


# --- where tasks run ----------------------------------------------------------------

@pytest.mark.parametrize(("units", "workers", "executor", "expected"), [
    (5, 1, None, ("inprocess", 1)),          # one worker: in this process, one block per task
    (5, 2, None, ("processes", 1)),          # ceil(5 / (2 * 4)) = 1 block per task
    (100, 2, None, ("processes", 8)),        # ceil(100 / 8) = 13, capped at 8
    (1, 4, None, ("inprocess", 1)),          # a single task: no pool worth starting
    (40, 1, "processes", ("processes", 8)),  # ceil(40 / 4) = 10, capped
    (40, 3, "inprocess", ("inprocess", 1)),
])
def test_where_tasks_run_and_how_many_blocks_each_takes(units, workers, executor, expected):
    where = batch.where_to_run(units, workers, executor)
    assert (where.executor, where.per_task) == expected


def test_a_users_pool_is_cut_for_its_own_workers():
    with cf.ThreadPoolExecutor(4) as pool:
        where = batch.where_to_run(40, 1, pool)
    assert where.per_task == 3  # ceil(40 / (4 workers * 4 tasks each))


def test_in_process_the_bar_moves_after_every_block_whatever_the_chunk_size(varied, capsys):
    simulate(varied, 2 * 4096 + 1, seed=1, chunk_size=3 * 4096, progress=True, keep_runs=False)
    err = capsys.readouterr().err
    assert all(f"{n}/8193" in err for n in (4096, 8192, 8193))


# --- progress -------------------------------------------------------------------------

def test_progress_is_on_by_default_in_a_notebook_and_off_in_a_pipe(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal
    monkeypatch.setattr(batch, "in_notebook", lambda: False)
    assert batch.want_progress(None) is False
    monkeypatch.setattr(batch, "in_notebook", lambda: True)
    assert batch.want_progress(None) is True
    assert batch.want_progress(False) is False
    with pytest.raises(TypeError, match="progress must be True, False or None"):
        batch.want_progress("yes")


def test_a_notebook_is_recognised_by_its_kernel(monkeypatch):
    class Shell:
        config: ClassVar[dict] = {"IPKernelApp": {}}

    fake = type(sys)("IPython")
    fake.get_ipython = lambda: Shell()
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert batch.in_notebook()
    Shell.config = {}  # a terminal IPython: stderr decides
    assert not batch.in_notebook()
    fake.get_ipython = lambda: None
    assert not batch.in_notebook()


def test_sweep_counts_runs(varied, capsys):
    sweep(varied, {"actors.A.war_cost": [0.01, 0.02]}, 300, seed=1, progress=True)
    err = capsys.readouterr().err
    assert "300/300" in err and "sweep (2 points)" in err


def test_a_design_counts_worlds(varied, capsys):
    from negotiate.analysis.design import ScenarioEvaluator

    values = np.array([[0.2], [0.4], [0.6]])
    ScenarioEvaluator(varied, ["actors.A.war_cost"], replications=5, seed=1, progress=True)(values)
    assert "15/15" in capsys.readouterr().err  # 3 points × 5 replications


# --- a script on standard input ---------------------------------------------------------

STDIN_SCRIPT = """
import sys
import negotiate
r = negotiate.simulate(sys.argv[1], {runs}, seed=5, workers=2, chunk_size=4096, executor="processes",
                       progress=False, keep_runs=False)
print(r.aggregates.outcome_counts.tolist())
print(sys.modules["__main__"].__file__)  # left as it was
"""


def test_a_script_on_standard_input_runs_with_workers(varied_path, reference, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-", str(varied_path)], input=STDIN_SCRIPT.format(runs=RUNS),
                          check=False, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    counts, main_file = done.stdout.strip().splitlines()
    assert counts == str(_counts(reference))
    assert main_file == "<stdin>"
    assert "Traceback" not in done.stderr


def test_the_main_module_is_hidden_only_when_it_is_no_file(monkeypatch, tmp_path):
    from negotiate.run.executors import main_module_not_reimported

    main = type(sys)("__main__")
    main.__spec__ = None
    main.__file__ = "<stdin>"
    monkeypatch.setitem(sys.modules, "__main__", main)
    with main_module_not_reimported():
        assert not hasattr(main, "__file__")
    assert main.__file__ == "<stdin>"
    script = tmp_path / "script.py"
    script.write_text("")
    main.__file__ = str(script)  # a real script: workers import it, as Python expects
    with main_module_not_reimported():
        assert main.__file__ == str(script)


def test_the_in_process_executor_is_never_given_more_than_one_block_per_task():
    assert batch.where_to_run(10, 1, InProcessExecutor()).per_task == 1


def test_a_step_without_a_count_shows_the_time_it_takes(capsys, monkeypatch):
    monkeypatch.setattr(batch, "TICK_SECONDS", 0.01)
    with batch.working("PRIM on 10 worlds", show=True):
        import time

        time.sleep(0.1)
    err = capsys.readouterr().err
    assert err.count("PRIM on 10 worlds: 00:0") >= 3  # redrawn while it ran, not only at the end
    with batch.working("silent", show=False):
        pass
    assert capsys.readouterr().err == ""


# --- arguments refused before anything is simulated ----------------------------------------

def _no_simulation(monkeypatch):
    monkeypatch.setattr(negotiate.model, "run_block", lambda *a, **k: pytest.fail("simulated"))


@pytest.mark.parametrize(("options", "error", "message"), [
    ({"progress": "yes"}, TypeError, "progress must be True, False or None"),
    ({"executor": 3}, TypeError, "executor must be a name"),
    ({"address": 8786}, TypeError, "address must be a Dask scheduler address"),
    ({"chunk_size": -1}, ValueError, "chunk_size must be a whole number"),
])
def test_simulate_refuses_before_making_a_cache(varied, tmp_path, monkeypatch, options, error, message):
    _no_simulation(monkeypatch)
    with pytest.raises(error, match=message):
        simulate(varied, 10, cache_dir=tmp_path / "cache", **options)
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("options", [{"progress": "yes"}, {"executor": 3}])
def test_every_long_call_refuses_before_simulating(varied, monkeypatch, options):
    from negotiate.analysis import sensitivity
    from negotiate.run import compare_many
    from negotiate.validation import backtest, calibrate

    _no_simulation(monkeypatch)
    calls = [lambda: compare_many(varied, {"same": varied}, 10, **options),
             lambda: sweep(varied, {"actors.A.war_cost": [0.01]}, 10, **options),
             lambda: sensitivity(varied, "morris", samples=2, **options),
             lambda: backtest("no such cases", **options),
             lambda: calibrate("no such cases", **options)]
    for call in calls:
        with pytest.raises(TypeError, match="progress must be|executor must be"):
            call()


def test_with_a_cache_every_task_is_one_block_unless_a_chunk_size_is_given(varied, tmp_path, monkeypatch):
    """A block is stored when its task returns: with the chunk cache of ``run --out`` the
    default task is one block, so an interruption keeps every block finished before it."""
    from negotiate.run import blocks

    asked = []

    class Stop(Exception):
        pass

    def spy(*args, per_task=None, **kwargs):
        asked.append(per_task)
        raise Stop

    monkeypatch.setattr(blocks, "where_to_run", spy)
    for cache, chunk_size in ((tmp_path / "a", None), (None, None), (tmp_path / "b", 3 * 4096)):
        with pytest.raises(Stop):
            simulate(varied, 8 * 4096, seed=1, workers=2, cache_dir=cache, chunk_size=chunk_size,
                     progress=False, keep_runs=False)
    assert asked == [1, None, 3]
