"""Forest plot of the paired differences between two scenarios."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import OUTCOME_COLOURS, OUTCOME_LABELS, new_axes, percent_axis

__all__ = ["plot_comparison"]


def plot_comparison(comparison, *, level: float = 0.95, method: str = "newcombe", ax=None):
    """One row per outcome: the change in probability ``b − a`` and its paired interval.

    ``comparison`` is a :class:`~negotiate.run.Comparison` or a table from its
    ``differences()``.  The first outcome is at the top.  Returns the axes.
    """
    table = comparison if isinstance(comparison, pd.DataFrame) else comparison.differences(level, method)
    label_a, label_b = table.attrs.get("labels", ("a", "b"))
    ax = new_axes(ax)
    y = np.arange(len(table))[::-1]
    for yi, (outcome, row) in zip(y, table.iterrows()):
        err = [[row.difference - row.ci_low], [row.ci_high - row.difference]]
        container = ax.errorbar([row.difference], [yi], xerr=err, fmt="o", markersize=7, capsize=4,
                                color=OUTCOME_COLOURS.get(outcome, "black"), elinewidth=2)
        container[0].set_gid(f"difference:{outcome}")
        container[2][0].set_gid(f"interval:{outcome}")
    ax.axvline(0.0, color="black", linewidth=0.8, linestyle="--")
    ax.set_yticks(y, [OUTCOME_LABELS.get(o, str(o)) for o in table.index])
    ax.set_ylim(-0.7, len(table) - 0.3)
    span = float(np.nanmax(np.abs(table[["ci_low", "ci_high"]].to_numpy()))) if len(table) else 0.0
    ax.set_xlim(-max(span, 0.01) * 1.15, max(span, 0.01) * 1.15)
    percent_axis(ax.xaxis, points=True)
    ax.set_xlabel("Change in probability (percentage points)")
    n = table.attrs.get("n")
    level_txt = f"{table.attrs.get('level', level):.0%}"
    ax.set_title(f"{label_b} − {label_a}\n" + (f"{n:,} paired runs, " if n else "")
                 + f"{level_txt} paired intervals", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return ax
