"""Executors: order, failures, names, optional backends."""

import math
import subprocess
import sys
from pathlib import Path

import pytest

from negotiate import SimulationError
from negotiate.run import executors
from negotiate.run.executors import InProcessExecutor, ProcessExecutor, get_executor


@pytest.fixture(scope="module")
def pool():
    with ProcessExecutor(2) as ex:
        yield ex


def test_in_process_map_keeps_task_order():
    assert list(InProcessExecutor().map(math.sqrt, [9, 4, 1])) == [3.0, 2.0, 1.0]


def test_process_map_keeps_task_order(pool):
    tasks = list(range(40))
    assert list(pool.map(math.factorial, tasks)) == [math.factorial(t) for t in tasks]


def test_process_unordered_yields_every_index_once(pool):
    seen = dict(pool.imap_unordered(math.sqrt, [16, 25, 36]))
    assert seen == {0: 4.0, 1: 5.0, 2: 6.0}


@pytest.mark.parametrize("make", [InProcessExecutor, lambda: None], ids=["inprocess", "processes"])
def test_a_failing_task_raises_simulation_error_with_its_cause(make, pool):
    ex = make() or pool
    with pytest.raises(SimulationError, match="task 1 failed") as info:
        list(ex.map(math.sqrt, [4, -1, 9]))
    assert isinstance(info.value.__cause__, ValueError)
    assert "math domain error" in str(info.value)


def test_pool_is_usable_after_a_task_failed(pool):
    with pytest.raises(SimulationError):
        list(pool.map(math.sqrt, [-1]))
    assert list(pool.map(math.sqrt, [1, 4])) == [1.0, 2.0]


def test_get_executor_by_name_and_instance():
    assert isinstance(get_executor("inprocess"), InProcessExecutor)
    proc = get_executor("processes", 3)
    assert isinstance(proc, ProcessExecutor) and proc.workers == 3
    mine = InProcessExecutor()
    assert get_executor(mine) is mine


def test_unknown_executor_lists_the_known_ones():
    with pytest.raises(ValueError, match="inprocess, processes"):
        get_executor("threads")


def test_optional_backend_that_cannot_be_imported_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(executors.EXECUTORS, "fancy", "negotiate.run.no_such_backend")
    with pytest.raises(SimulationError, match="fancy.*not available"):
        get_executor("fancy")


@pytest.mark.parametrize("workers", [0, -2, 1.5, True])
def test_process_executor_needs_a_positive_whole_number_of_workers(workers):
    with pytest.raises(ValueError, match="workers"):
        ProcessExecutor(workers)


def test_importing_the_library_does_not_import_dask():
    code = ("import sys, negotiate, negotiate.run, negotiate.results, negotiate.results.output; "
            "assert not [m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')]")
    subprocess.run([sys.executable, "-c", code], check=True)


def _interrupted_in_compiled_code(task):
    # what numba-compiled code reached by a Ctrl-C raises: SystemError caused by the interrupt
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt as exc:
        raise SystemError("returned a result with an exception set") from exc


def test_in_process_an_interrupt_inside_a_task_is_an_interrupt_not_a_failure():
    with pytest.raises(KeyboardInterrupt):
        list(InProcessExecutor().imap_unordered(_interrupted_in_compiled_code, [1]))


def test_in_process_a_system_error_of_its_own_is_still_a_failure():
    def broken(task):
        raise SystemError("not an interrupt")

    with pytest.raises(SimulationError, match="not an interrupt"):
        list(InProcessExecutor().imap_unordered(broken, [1]))


def test_a_script_without_a_main_guard_is_told_why_its_workers_died(tmp_path):
    """Worker processes import the main module; an unguarded script that calls
    ``simulate`` breaks the pool while it starts, which once read as "out of memory?"."""
    scenario = Path(__file__).parent / "data" / "varied.yaml"
    script = tmp_path / "unguarded.py"
    script.write_text("import negotiate\n"
                      f"negotiate.simulate({str(scenario)!r}, runs=8192, workers=2, progress=False)\n")
    done = subprocess.run([sys.executable, str(script)], check=False, capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert done.returncode != 0
    error = [line for line in done.stderr.splitlines() if line.startswith("negotiate.errors.SimulationError")]
    assert len(error) == 1, done.stderr[-2000:]
    assert "unguarded.py" in error[0] and 'if __name__ == "__main__":' in error[0]


class _PoolThatDiesWhileStarting:
    """A pool whose second submission finds the fork server gone (seen under load)."""

    def __init__(self):
        self.submitted, self.cancelled = [], 0

    def submit(self, fn, task):
        if self.submitted:
            raise OSError(9, "Bad file descriptor")
        future = _Future(self)
        self.submitted.append(future)
        return future


class _Future:
    def __init__(self, pool):
        self.pool = pool

    def cancel(self):
        self.pool.cancelled += 1


def test_a_pool_that_breaks_while_tasks_are_submitted_gives_a_simulation_error(monkeypatch):
    executor = ProcessExecutor(workers=2)
    pool = _PoolThatDiesWhileStarting()
    monkeypatch.setattr(executor, "_get_pool", lambda: pool)
    with pytest.raises(SimulationError, match="task 1 failed because a worker process died while the pool started"):
        list(executor.imap_unordered(math.sqrt, [1.0, 4.0, 9.0]))
    assert pool.cancelled == 1          # the task already submitted is cancelled
    assert executor._pool is None      # and the broken pool is not reused


def test_abort_returns_when_a_killed_worker_left_half_a_result_in_the_pipe():
    """A worker killed while sending a result leaves half a message in the result pipe,
    and the pool's manager thread waits in ``recv`` for the rest: ``abort`` must still
    return (it hung for good once in the suite on Ctrl-C)."""
    import os
    import struct
    import threading
    import time

    ex = ProcessExecutor(1)
    assert list(ex.map(math.sqrt, [4.0])) == [2.0]   # the pool and its manager thread run
    pool = ex._pool
    manager = pool._executor_manager_thread
    writer = pool._result_queue._writer
    # what a worker killed mid-send leaves: a header announcing 1,000 bytes, and 10 of them
    os.write(writer.fileno(), struct.pack("!i", 1000) + b"x" * 10)
    time.sleep(0.5)   # the manager has woken up and waits for the other 990 bytes
    aborting = threading.Thread(target=ex.abort, daemon=True)
    aborting.start()
    aborting.join(timeout=30)
    returned = not aborting.is_alive()
    if not returned:   # release the stuck manager so the test process can still exit
        writer.close()
    assert returned, "abort hung on a half-sent result"
    manager.join(timeout=10)
    assert not manager.is_alive()
