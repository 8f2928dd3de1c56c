"""Parameter sweeps: one scenario run at every point of a grid of overrides.

Every point runs on the same seed plan, so run ``i`` draws the same worlds
(sampled inputs and shocks) at every point: the differences between points
are common-random-number comparisons, and each point's probabilities are
exactly those ``simulate`` gives for the overridden scenario on that seed.
The points are simulated block by block side by side, so a sweep costs one
pass over the seed plan; only summaries and each run's outcome are kept.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem, ScenarioError
from ..model.outcomes import OUTCOMES
from ..results.output import FigureFile, Saved, on_axes, scenario_digest
from ..scenario import Scenario, load_scenario
from ..stats import paired_difference
from .arguments import flag, plan_and_workers
from .blocks import run_plan
from .executors import Executor
from .seeding import BLOCK_SIZE

__all__ = ["SweepResults", "sweep"]

MAX_PATHS = 2  # a line or a heatmap; more dimensions belong to a sensitivity analysis


def sweep(scenario, grid: Mapping[str, Sequence], runs: int | None = None, *,
          seed: int | None = None, workers: int | None = None, chunk_size: int | None = None,
          executor: str | Executor | None = None, address: str | None = None,
          progress: bool | None = None) -> SweepResults:
    """Run ``scenario`` at every point of ``grid`` on common random numbers.

    ``grid`` maps one or two dotted field paths to lists of values, such as
    ``{"actors.A.war_cost": [0.01, 0.05, 0.1]}``; the points are the full
    factorial of the values (first path varying slowest).  Every point is
    validated before anything runs: a bad path or value raises
    :class:`~negotiate.ScenarioError` naming it.  The other arguments are
    those of :func:`~negotiate.simulate`; the result does not depend on
    ``workers``, ``chunk_size`` or the executor.
    """
    progress = flag("progress", progress, optional=True)
    base = load_scenario(scenario)
    paths, values = _check_grid(grid)
    points = [dict(zip(paths, combo)) for combo in itertools.product(*values)]
    scenarios = tuple(_point_scenario(base, point) for point in points)
    plan, workers = plan_and_workers(base, runs, seed, workers)
    started = time.perf_counter()
    out = run_plan(plan, scenarios, workers=workers, chunk_size=chunk_size, executor=executor,
                   address=address, progress=progress, outcomes=True,
                   desc=f"{base.name} sweep ({len(points)} points)")
    wall = time.perf_counter() - started
    return SweepResults(base, dict(zip(paths, values)), points, out.results, out.outcomes,
                        plan.seed, plan.runs, wall)


# --- the grid ------------------------------------------------------------------------

def _check_grid(grid) -> tuple[list[str], list[list]]:
    if not isinstance(grid, Mapping):
        raise TypeError(f"grid must be a dict of field paths to lists of values, got {grid!r}")
    if not 1 <= len(grid) <= MAX_PATHS:
        raise ValueError(f"grid must map 1 or {MAX_PATHS} field paths to lists of values, "
                         f"such as {{'actors.A.war_cost': [0.01, 0.05]}}; got {grid!r}")
    paths, values = [], []
    for path, vals in grid.items():
        if not isinstance(path, str) or not path:
            raise TypeError(f"grid keys must be dotted field paths (strings), got {path!r}")
        if isinstance(vals, str | bytes | Mapping) or not isinstance(vals, Sequence | np.ndarray):
            raise TypeError(f"grid[{path!r}] must be a list of values, got {vals!r}")
        if len(vals) == 0:
            raise ValueError(f"grid[{path!r}] has no values")
        paths.append(path)
        values.append([_plain(v) for v in vals])
    return paths, values


def _plain(value):
    """numpy scalars as Python numbers (for validation, tables and file names)."""
    return value.item() if isinstance(value, np.generic) else value


def _point_scenario(base: Scenario, point: dict[str, Any]) -> Scenario:
    try:
        return base.with_overrides(point)
    except ScenarioError as exc:
        where = ", ".join(f"{k}={v!r}" for k, v in point.items())
        raise ScenarioError([Problem(p.path, f"{p.message} (sweep point {where})", file=p.file, line=p.line)
                             for p in exc.problems]) from None


# --- results ---------------------------------------------------------------------------

@dataclass(repr=False)
class SweepResults(Saved):
    """Outcome of :func:`sweep`: ``results[k]`` is the
    :class:`~negotiate.results.Results` (summaries only) at ``points[k]``, and
    ``outcomes[k, i]`` the outcome code (index into ``OUTCOMES``) of run ``i``
    there; run ``i`` drew the same world at every point."""

    scenario: Scenario
    grid: dict[str, list]
    points: list[dict[str, Any]]
    results: list
    outcomes: np.ndarray
    seed: int
    runs: int
    wall_time: float

    KIND = "sweep"

    @property
    def paths(self) -> list[str]:
        return list(self.grid)

    def to_frame(self, level: float = 0.95, *, method: str = "wilson") -> pd.DataFrame:
        """One row per point × outcome: the swept paths, ``outcome``, ``p``,
        ``ci_low``, ``ci_high``, ``count`` and ``runs``."""
        rows = []
        for point, res in zip(self.points, self.results):
            table = res.outcome_probabilities(method=method, level=level)
            for outcome, r in table.iterrows():
                rows.append({**point, "outcome": outcome, "p": r.p, "ci_low": r.ci_low,
                             "ci_high": r.ci_high, "count": int(r["count"]), "runs": res.runs})
        frame = pd.DataFrame(rows, columns=[*self.paths, "outcome", "p", "ci_low", "ci_high",
                                            "count", "runs"])
        frame.attrs.update(method=method, level=level, seed=self.seed)
        return frame

    def differences(self, reference: int = 0, level: float = 0.95, *, method: str = "newcombe") -> pd.DataFrame:
        """Per point × outcome: ``p_ref`` (at ``points[reference]``), ``p``,
        ``difference = p − p_ref`` and its paired interval
        (:func:`negotiate.stats.paired_difference`: run ``i`` is the same world at both points)."""
        ref = self._point_index(reference)
        rows = []
        for k, point in enumerate(self.points):
            for code, outcome in enumerate(OUTCOMES):
                d = paired_difference(self.outcomes[ref] == code, self.outcomes[k] == code, level, method)
                rows.append({**point, "outcome": outcome, "p_ref": d.p_x, "p": d.p_y,
                             "difference": d.difference, "ci_low": d.ci_low, "ci_high": d.ci_high})
        frame = pd.DataFrame(rows)
        frame.attrs.update(reference=dict(self.points[ref]), level=level, method=method, n=self.runs)
        return frame

    def _point_index(self, reference) -> int:
        if isinstance(reference, Mapping):
            wanted = {k: _plain(v) for k, v in reference.items()}
            for k, point in enumerate(self.points):
                if point == wanted:
                    return k
            raise ValueError(f"reference {reference!r} is not a point of this sweep")
        n = len(self.points)
        if isinstance(reference, bool) or not isinstance(reference, int) or not -n <= reference < n:
            raise ValueError(f"reference must be a point index in [0, {n}) or a point dict, got {reference!r}")
        return reference % n

    def plot(self, ax=None, outcome: str | None = None):
        """One swept path: probability lines with interval bands (all outcomes,
        or ``outcome``); two paths: a heatmap of ``outcome`` (default ``no_agreement``)."""
        from ..plot.sweep import (  # matplotlib only when plotting
            plot_sweep_heatmap,
            plot_sweep_line,
        )

        if len(self.paths) == 1:
            return plot_sweep_line(self, ax=ax, outcomes=None if outcome is None else [outcome])
        return plot_sweep_heatmap(self, outcome or "no_agreement", ax=ax)

    # --- files -------------------------------------------------------------------
    def _metadata_body(self) -> dict:
        return {"scenario_name": self.scenario.name, "scenario_sha256": scenario_digest(self.scenario),
                "grid": self.grid, "seed": self.seed, "runs": self.runs, "block_size": BLOCK_SIZE,
                "wall_time_seconds": self.wall_time, "scenario": self.scenario.to_dict()}

    def _write_tables(self, directory: Path) -> list[Path]:
        """sweep.csv (the :meth:`to_frame` table)."""
        self.to_frame().to_csv(directory / "sweep.csv", index=False)
        return [directory / "sweep.csv"]

    def _figures(self) -> list[FigureFile]:
        return [FigureFile("sweep.png", on_axes(self.plot))]

    def __repr__(self) -> str:
        sizes = " × ".join(f"{p} ({len(v)})" for p, v in self.grid.items())
        return (f"<SweepResults {self.scenario.name}: {len(self.points)} points over {sizes}; "
                f"{self.runs:,} runs per point, seed {self.seed}>")

    def _repr_html_(self) -> str:
        head = (f"<p><b>{self.scenario.name}</b>: sweep of {', '.join(self.paths)}; "
                f"{self.runs:,} runs per point, seed {self.seed}</p>")
        return head + self.to_frame().to_html(index=False, float_format=lambda x: f"{x:.4f}")
