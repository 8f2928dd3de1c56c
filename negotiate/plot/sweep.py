"""Figures of a parameter sweep: probability lines with bands, or a heatmap."""

from __future__ import annotations

import numbers

import numpy as np
from matplotlib.ticker import PercentFormatter

from ..model.outcomes import OUTCOMES
from .style import OUTCOME_COLOURS, OUTCOME_LABELS, new_axes, percent_axis

__all__ = ["plot_sweep_heatmap", "plot_sweep_line"]


def _numeric(values) -> bool:
    return all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values)


def _title(sweep, level: float) -> str:
    return (f"{sweep.scenario.name}: {sweep.runs:,} runs per point\n"
            f"common random numbers, {level:.0%} intervals")


def plot_sweep_line(sweep, ax=None, outcomes=None, *, level: float = 0.95, method: str = "wilson"):
    """Probability of each outcome (or of ``outcomes``) against the swept
    value, with a band at its interval.  Needs a sweep of one path; numeric
    values are placed at their value, others evenly.  Returns the axes."""
    if len(sweep.paths) != 1:
        raise ValueError(f"a line plot needs a sweep of one path; this one sweeps {sweep.paths}: "
                         "use plot_sweep_heatmap")
    (path,) = sweep.paths
    outcomes = list(OUTCOMES if outcomes is None else outcomes)
    unknown = [o for o in outcomes if o not in OUTCOMES]
    if unknown:
        raise ValueError(f"unknown outcomes {unknown}; choose from {list(OUTCOMES)}")
    table = sweep.to_frame(method=method, level=level)
    values = sweep.grid[path]
    ax = new_axes(ax)
    x = np.asarray(values, dtype=float) if _numeric(values) else np.arange(len(values), dtype=float)
    for outcome in outcomes:
        rows = table[table["outcome"] == outcome]
        colour = OUTCOME_COLOURS[outcome]
        ax.plot(x, rows["p"].to_numpy(float), marker="o", color=colour, label=OUTCOME_LABELS[outcome],
                gid=f"line:{outcome}")
        band = ax.fill_between(x, rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float),
                               color=colour, alpha=0.2, linewidth=0)
        band.set_gid(f"band:{outcome}")
    if not _numeric(values):
        ax.set_xticks(x, [str(v) for v in values])
    ax.set_ylim(0, 1.02)
    percent_axis(ax.yaxis)
    ax.set_xlabel(path)
    ax.set_ylabel("Probability")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(_title(sweep, level), fontsize=10)
    return ax


def plot_sweep_heatmap(sweep, outcome: str, ax=None, *, level: float = 0.95, method: str = "wilson"):
    """Probability of ``outcome`` at each point of a two-path sweep: the first
    path across, the second up; each cell shows the probability and its
    interval.  Returns the axes."""
    if len(sweep.paths) != 2:
        raise ValueError(f"a heatmap needs a sweep of two paths; this one sweeps {sweep.paths}: "
                         "use plot_sweep_line")
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; choose from {list(OUTCOMES)}")
    path_x, path_y = sweep.paths
    xs, ys = sweep.grid[path_x], sweep.grid[path_y]
    rows = sweep.to_frame(method=method, level=level)
    rows = rows[rows["outcome"] == outcome]
    # points run with the first path slowest: reshape to (x, y), then rows = y
    p, lo, hi = (rows[c].to_numpy(float).reshape(len(xs), len(ys)).T for c in ("p", "ci_low", "ci_high"))
    ax = new_axes(ax)
    image = ax.imshow(p, origin="lower", cmap="cividis", vmin=0.0, vmax=1.0, aspect="auto")
    image.set_gid(f"heatmap:{outcome}")
    for j in range(len(ys)):
        for i in range(len(xs)):
            ax.text(i, j, f"{p[j, i]:.1%}\n[{lo[j, i]:.1%}, {hi[j, i]:.1%}]", ha="center", va="center",
                    fontsize=8, color="black" if p[j, i] > 0.55 else "white", gid=f"cell:{i},{j}")
    ax.set_xticks(np.arange(len(xs)), [str(v) for v in xs])
    ax.set_yticks(np.arange(len(ys)), [str(v) for v in ys])
    ax.set_xlabel(path_x)
    ax.set_ylabel(path_y)
    ax.figure.colorbar(image, ax=ax, format=PercentFormatter(1.0),
                       label=f"P({OUTCOME_LABELS[outcome].lower()})")
    ax.set_title(f"{OUTCOME_LABELS[outcome]}\n" + _title(sweep, level), fontsize=10)
    return ax
