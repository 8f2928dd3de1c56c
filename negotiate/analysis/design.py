"""Running an experimental design on a scenario: outcome probabilities per design point.

A design is a matrix of input values, one row per point.  Each point is
played ``replications`` times (worlds whose distribution-valued inputs take
the point's values and whose other draws and shocks are random), and the
outcome probabilities at the point are the shares of those worlds.  The
points are cut into blocks of a fixed number of rows; block ``k`` draws from
``SeedSequence(entropy=seed, spawn_key=(SIMULATION_KEY, k))``, and chunks of
whole blocks go to an executor, so the result does not depend on the number
of workers, the executor or the chunking.  The tasks run through the batch
loop (:mod:`negotiate.run.batch`), whose bar counts the worlds simulated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import SimulationError
from ..model import run_block
from ..model.outcomes import OUTCOMES, BlockResult
from ..run.batch import run_tasks, where_to_run
from ..run.executors import Executor
from ..run.seeding import BLOCK_SIZE
from ..scenario import Scenario

__all__ = ["SIMULATION_KEY", "ScenarioEvaluator"]

#: Spawn keys of the analysis' seed: the design, the simulated worlds, the bootstrap.
DESIGN_KEY, SIMULATION_KEY, BOOTSTRAP_KEY = 0, 1, 2
MAX_CHUNK_BLOCKS = 4  # bounds the memory of the chunks in flight


def child_seed(seed: int, *key: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(entropy=seed, spawn_key=key)


@dataclass
class _DesignTask:
    scenario: Scenario
    paths: tuple[str, ...]
    seed: int
    replications: int
    blocks: list[tuple[int, np.ndarray]]  # (block index, values of its rows)


def _design_chunk(task: _DesignTask) -> list[tuple[int, np.ndarray]]:
    """Outcome counts (rows, outcomes) of each block of design rows (runs in a worker)."""
    r = task.replications
    out = []
    for index, values in task.blocks:
        # row j's replications are worlds j*r .. j*r + r - 1
        given = {path: np.repeat(values[:, j], r) for j, path in enumerate(task.paths)}
        n = len(values) * r
        result = run_block(task.scenario, n, child_seed(task.seed, SIMULATION_KEY, index), given=given)
        if not isinstance(result, BlockResult) or result.n != n:
            raise SimulationError(f"engine returned a wrong block for design block {index} "
                                  f"of {task.scenario.name}")
        codes = np.asarray(result.outcome, dtype=np.int64).reshape(len(values), r)
        counts = np.stack([(codes == k).sum(axis=1) for k in range(len(OUTCOMES))], axis=1)
        out.append((index, counts))
    return out


class ScenarioEvaluator:
    """``evaluate(values) -> (points, outcomes)`` probabilities of each outcome of ``scenario``.

    ``values`` has one column per path in ``paths``.  See the module
    docstring for how the worlds are seeded and spread over workers.
    """

    outputs = OUTCOMES

    def __init__(self, scenario: Scenario, paths, *, replications: int, seed: int,
                 workers: int = 1, executor: str | Executor | None = None,
                 address: str | None = None, progress: bool | None = None):
        self.scenario, self.paths = scenario, tuple(paths)
        self.replications, self.seed, self.workers = replications, seed, workers
        self.executor, self.address, self.progress = executor, address, progress
        self.rows_per_block = max(1, BLOCK_SIZE // replications)

    def __call__(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        starts = range(0, len(values), self.rows_per_block)
        blocks = [(k, values[s:s + self.rows_per_block]) for k, s in enumerate(starts)]
        where = where_to_run(len(blocks), self.workers, self.executor, self.address,
                             most=MAX_CHUNK_BLOCKS)
        per = where.per_task
        tasks = [_DesignTask(self.scenario, self.paths, self.seed, self.replications,
                             blocks[i:i + per]) for i in range(0, len(blocks), per)]
        counts = np.zeros((len(values), len(OUTCOMES)), dtype=np.int64)

        def consume(outputs) -> int:
            for index, block_counts in outputs:
                start = index * self.rows_per_block
                counts[start:start + len(block_counts)] = block_counts
            return sum(len(c) for _, c in outputs) * self.replications

        run_tasks(_design_chunk, tasks, consume, where=where, n_tasks=len(tasks),
                  total=len(values) * self.replications, desc=f"{self.scenario.name} design",
                  progress=self.progress, scenarios=(self.scenario,))
        return counts / self.replications
