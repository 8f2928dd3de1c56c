"""The promise of the seed plan, as one matrix: the per-run results depend on the
scenario, the runs and the seed only, never on the executor, the number of
workers or the chunk size; and another seed draws other worlds.

Every cell is compared with one reference: the whole run as a single chunk in
this process.  Three blocks' worth of runs, the last one partial, so that the
chunkings differ (1+1+1, 2+1, 3) and a short block is in play.
"""

import numpy as np
import pandas as pd
import pytest

from negotiate.run import simulate
from negotiate.run.seeding import BLOCK_SIZE

RUNS = 2 * BLOCK_SIZE + 300
SEED = 11
WORKERS = (1, 2)
CHUNKS = {"1block": BLOCK_SIZE, "2blocks": 2 * BLOCK_SIZE, "default": None}


@pytest.fixture(scope="module")
def reference(varied):
    return simulate(varied, RUNS, seed=SEED, executor="inprocess", chunk_size=RUNS, progress=False)


#: The one "processes" cell that starts its own pool through the string path, as users do;
#: the other cells share a pool per worker count (starting one costs most of a cell's time).
FRESH_POOL_CELL = (2, "default")


@pytest.fixture(scope="module")
def process_pool():
    """``process_pool(w)``: a pool of ``w`` worker processes, started on first use and shared
    by the cells (an executor passed in is never closed by ``simulate``)."""
    from negotiate.run.executors import ProcessExecutor

    pools = {}
    yield lambda w: pools.setdefault(w, ProcessExecutor(w))
    for pool in pools.values():
        pool.close()


@pytest.fixture(scope="module")
def dask_cluster():
    """``dask_cluster(w)``: a local Dask cluster of ``w`` workers, started on first use and
    shared by the cells (starting one takes seconds)."""
    pytest.importorskip("distributed")
    from negotiate.run.dask_executor import DaskExecutor

    clusters = {}
    yield lambda w: clusters.setdefault(w, DaskExecutor(workers=w))
    for cluster in clusters.values():
        cluster.close()


def _assert_identical(a, b):
    pd.testing.assert_frame_equal(a.to_frame(by_agenda=True), b.to_frame(by_agenda=True))
    for name, value in a.aggregates.to_arrays().items():
        np.testing.assert_array_equal(value, b.aggregates.to_arrays()[name], err_msg=name)


@pytest.mark.parametrize("chunk", list(CHUNKS), ids=list(CHUNKS))
@pytest.mark.parametrize("workers", WORKERS, ids=[f"{w}workers" for w in WORKERS])
@pytest.mark.parametrize("executor", ["inprocess", "processes", "dask"])
def test_same_seed_same_runs_whatever_the_executor_workers_and_chunks(
        varied, reference, request, executor, workers, chunk):
    if executor == "dask":
        executor = request.getfixturevalue("dask_cluster")(workers)
    elif executor == "processes" and (workers, chunk) != FRESH_POOL_CELL:
        executor = request.getfixturevalue("process_pool")(workers)
    result = simulate(varied, RUNS, seed=SEED, executor=executor, workers=workers,
                      chunk_size=CHUNKS[chunk], progress=False)
    assert result.runs == RUNS
    _assert_identical(reference, result)


def test_processes_are_used_by_default_with_several_workers(varied, reference):
    # executor=None picks the process pool when workers > 1: the path users take
    _assert_identical(reference, simulate(varied, RUNS, seed=SEED, workers=2, chunk_size=BLOCK_SIZE,
                                          progress=False))


def test_another_seed_draws_other_inputs_and_outcomes(varied, reference):
    other = simulate(varied, RUNS, seed=SEED + 1, progress=False).to_frame()
    ref = reference.to_frame()
    inputs = [c for c in ref.columns if c.startswith("input:")]
    assert inputs, "the scenario must sample some inputs"
    for column in inputs:  # continuous draws: equal values would mean the same stream
        same = np.mean(ref[column].to_numpy() == other[column].to_numpy())
        assert same < 0.01, column
    assert (ref["outcome"] != other["outcome"]).any()
    assert np.mean(ref["final_balance"].to_numpy() == other["final_balance"].to_numpy()) < 0.01


def test_each_block_draws_its_own_worlds(reference):
    # a plan that reused one stream for every block would pass the matrix above
    frame = reference.to_frame()
    n = RUNS - 2 * BLOCK_SIZE  # the length of the short last block
    for column in [c for c in frame.columns if c.startswith("input:")]:
        values = frame[column].to_numpy()
        first, second, last = values[:n], values[BLOCK_SIZE:BLOCK_SIZE + n], values[2 * BLOCK_SIZE:]
        assert np.mean(first == second) < 0.01 and np.mean(first == last) < 0.01, column
