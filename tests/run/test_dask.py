"""The Dask executor against a real scheduler and two worker processes on 127.0.0.1."""

import importlib.util
import json
import math
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("distributed")

import psutil  # a dependency of distributed
from distributed import Client

from negotiate import SimulationError
from negotiate.run import dask_executor, simulate
from negotiate.run.dask_executor import DaskExecutor, dashboard_line
from negotiate.run.executors import get_executor

TWO_PARTY = Path(__file__).parents[1] / "model" / "data" / "two_party.yaml"
SEED = 17
STARTUP_SECONDS = 30


def _stop(processes):
    # newest first: workers leave while their scheduler is still up (a worker
    # whose scheduler went first keeps trying to reconnect and exits slowly)
    for proc in reversed(processes):
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _wait_for(condition, what):
    deadline = time.monotonic() + STARTUP_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {STARTUP_SECONDS} s")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler on a free port and two single-threaded workers (no nanny: the
    process we kill is the worker itself).  Yields (address, {name: process})."""
    where = tmp_path_factory.mktemp("dask")
    scheduler_file = where / "scheduler.json"
    processes = []
    try:
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
             "--port", "0", "--no-dashboard", "--dashboard-address", "127.0.0.1:0",  # health checks
             "--scheduler-file", str(scheduler_file)],
            cwd=where, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _wait_for(lambda: scheduler_file.exists() and scheduler_file.stat().st_size > 0,
                  "the scheduler writing its address")
        address = json.loads(scheduler_file.read_text())["address"]
        workers = {}
        for name in ("w0", "w1"):
            workers[name] = subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", address, "--name", name,
                 "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1", "--no-nanny",
                 "--no-dashboard", "--local-directory", str(where / name)],
                cwd=where, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            processes.append(workers[name])
        with Client(address, timeout=STARTUP_SECONDS) as client:
            client.wait_for_workers(2, timeout=STARTUP_SECONDS)
        yield address, workers
    finally:
        _stop(processes)


def _same_runs(a, b):
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    pd.testing.assert_frame_equal(a.outcome_probabilities(), b.outcome_probabilities())


def test_map_keeps_task_order_and_failures_name_the_task(cluster):
    address, _ = cluster
    with DaskExecutor(address) as ex:
        tasks = list(range(30))
        assert list(ex.map(math.factorial, tasks)) == [math.factorial(t) for t in tasks]
        with pytest.raises(SimulationError, match="task 1 failed on a Dask worker") as info:
            list(ex.map(math.sqrt, [4, -1, 9]))
        assert isinstance(info.value.__cause__, ValueError)


def test_a_calibration_on_dask_is_the_calibration_in_process(cluster, tmp_path):
    """docs/validation.md: the calibration does not depend on the executor (the same
    posterior draws, per-case table and skill on a Dask cluster as in process)."""
    from negotiate.validation import calibrate, load_cases
    from tests.validation.library import write_library

    address, _ = cluster
    cases = load_cases(write_library(tmp_path / "cases", {"alpha_1990": "comprehensive_agreement",
                                                          "beta_1991": "no_agreement"}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # a two-case library is thin: its warnings are not the point
        local = calibrate(cases, knobs="truce+default", worlds=48, seed=3)
        remote = calibrate(cases, knobs="truce+default", worlds=48, seed=3, address=address)
    pd.testing.assert_frame_equal(local.draws, remote.draws)
    pd.testing.assert_frame_equal(local.to_frame(), remote.to_frame())
    pd.testing.assert_frame_equal(local.skill(), remote.skill())


def test_a_run_survives_a_worker_killed_in_the_middle(cluster):
    address, workers = cluster
    # 6 chunks of one block (the last one partial): w1 is killed as soon as it holds a
    # task, so work remains when it dies, and w0 must take over what w1 held
    runs = 5 * 4096 + 3_000
    reference = simulate(TWO_PARTY, runs, seed=SEED, executor="inprocess", progress=False)
    killed = {}

    def kill_w1_once_it_is_busy(client):
        # processing() names the tasks the scheduler has handed to each worker
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            busy = {client.scheduler_info()["workers"][a]["name"]: keys
                    for a, keys in client.processing().items() if keys}
            if busy.get("w1"):
                workers["w1"].kill()
                killed["while processing"] = busy["w1"]
                return
            time.sleep(0.02)

    with Client(address, timeout=STARTUP_SECONDS) as monitor:
        killer = threading.Thread(target=kill_w1_once_it_is_busy, args=(monitor,))
        killer.start()
        try:
            on_dask = simulate(TWO_PARTY, runs, seed=SEED, executor="dask", address=address,
                               chunk_size=4096, progress=False)
        finally:
            killer.join()
        assert killed, "worker w1 was never given a task, so it was not killed"
        assert workers["w1"].wait(timeout=10) != 0
        survivors = monitor.scheduler_info()["workers"].values()
        assert [w["name"] for w in survivors] == ["w0"]
    _same_runs(reference, on_dask)


def test_without_an_address_a_local_cluster_runs_and_is_closed(capsys):
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    reference = simulate(TWO_PARTY, 9000, seed=SEED, executor="inprocess", progress=False)
    local = simulate(TWO_PARTY, 9000, seed=SEED, executor="dask", workers=2, chunk_size=4096,
                     progress=False)
    _same_runs(reference, local)
    # the dashboard stays on and its address is printed, or one line says why there is none
    said = [line for line in capsys.readouterr().err.splitlines() if line.startswith("Dask dashboard")]
    if importlib.util.find_spec("bokeh") is None:
        assert said == ["Dask dashboard off: it needs bokeh (pip install bokeh)"]
    else:
        assert len(said) == 1 and said[0].startswith("Dask dashboard: http://127.0.0.1:")
    left = [p for p in psutil.Process().children(recursive=True)
            if p.pid not in before and p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not left, f"the local cluster's processes outlived the run: {left}"


def test_the_dashboard_line_gives_the_link_when_bokeh_is_there(monkeypatch):
    class Found:  # what find_spec returns for an installed package: anything but None
        pass

    monkeypatch.setattr(dask_executor.importlib.util, "find_spec", lambda name: Found())
    client = type("FakeClient", (), {"dashboard_link": "http://127.0.0.1:41234/status"})()
    assert dashboard_line(client) == "Dask dashboard: http://127.0.0.1:41234/status"
    monkeypatch.setattr(dask_executor.importlib.util, "find_spec", lambda name: None)
    assert "bokeh" in dashboard_line(client)


@pytest.mark.parametrize("how", ["executor", "address"])
def test_a_client_of_the_users_is_used_and_left_open(cluster, how):
    address, _ = cluster
    reference = simulate(TWO_PARTY, 5000, seed=SEED, executor="inprocess", progress=False)
    with Client(address, timeout=STARTUP_SECONDS) as client:
        on_client = simulate(TWO_PARTY, 5000, seed=SEED, chunk_size=4096, progress=False,
                             **{how: client})
        assert client.status == "running"  # not closed by simulate
        assert client.submit(math.sqrt, 16).result() == 4.0
    _same_runs(reference, on_client)


def test_a_client_with_another_executor_is_refused(cluster):
    address, _ = cluster
    with (Client(address, timeout=STARTUP_SECONDS) as client,
          pytest.raises(ValueError, match="either as executor= or as address=")):
        simulate(TWO_PARTY, 100, seed=1, executor="processes", address=client)


def test_unreachable_scheduler_is_a_clear_error():
    nowhere = DaskExecutor("tcp://127.0.0.1:9", timeout=2)  # port 9 (discard) is not a scheduler
    with pytest.raises(SimulationError, match="could not connect to the Dask scheduler at 'tcp://127.0.0.1:9'"):
        simulate(TWO_PARTY, 100, seed=1, executor=nowhere, progress=False)


def test_address_is_only_for_dask():
    with pytest.raises(ValueError, match="'processes' does not take address"):
        get_executor("processes", 2, address="tcp://127.0.0.1:8786")
    assert get_executor("dask", 3, address="tcp://h:1").address == "tcp://h:1"


def _record(message: str, exc: BaseException | None):
    import logging
    info = (type(exc), exc, None) if exc is not None else None
    return logging.LogRecord("tornado.application", logging.ERROR, __file__, 1, message, (),
                             info)


def test_only_distributeds_sync_cancel_race_is_dropped_from_the_log():
    # distributed.utils.sync's cancel callback reads a future never assigned when
    # Ctrl-C lands early; tornado logs that NameError with this message
    from negotiate.run.dask_executor import _DropSyncCancelRace

    race = NameError("cannot access free variable 'future' where it is not associated "
                     "with a value in enclosing scope")
    callback = ("Exception in callback functools.partial(<function sync.<locals>.cancel "
                "at 0x7f09fdb722a0>)")
    keep = _DropSyncCancelRace().filter
    assert not keep(_record(callback, race))
    # any other error, in that callback or elsewhere, is still logged
    assert keep(_record(callback, NameError("name 'x' is not defined")))
    assert keep(_record(callback, RuntimeError("cannot access free variable 'future'")))
    assert keep(_record("Exception in callback functools.partial(<function other>)", race))
    assert keep(_record(callback, None))
