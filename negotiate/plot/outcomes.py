"""Outcome probabilities as bars with their confidence intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import OUTCOME_COLOURS, OUTCOME_LABELS, new_axes, percent_axis, wrap_label

__all__ = ["plot_outcome_probabilities"]


def plot_outcome_probabilities(results, *, level: float = 0.95, method: str = "wilson",
                               annotate: bool = True, ax=None):
    """Bar per outcome at its probability, whiskers at its interval.

    ``results`` is a :class:`~negotiate.results.Results` or a table from its
    ``outcome_probabilities()``.  Returns the axes.
    """
    if isinstance(results, pd.DataFrame):
        table, title = results, None
    else:
        table = results.outcome_probabilities(method=method, level=level)
        title = f"{results.scenario.name}: {results.runs:,} runs, {level:.0%} intervals ({method})"
    ax = new_axes(ax)
    x = np.arange(len(table))
    p = table["p"].to_numpy(float)
    bars = ax.bar(x, p, width=0.65, color=[OUTCOME_COLOURS.get(o, "grey") for o in table.index],
                  edgecolor="black", linewidth=0.6)
    for bar, outcome in zip(bars, table.index):
        bar.set_gid(f"bar:{outcome}")
    whiskers = np.vstack([p - table["ci_low"].to_numpy(float), table["ci_high"].to_numpy(float) - p])
    err = ax.errorbar(x, p, yerr=whiskers, fmt="none", ecolor="black", elinewidth=1.2, capsize=5)
    err[2][0].set_gid("intervals")
    if annotate:
        for xi, pi, hi in zip(x, p, table["ci_high"]):
            ax.text(xi, hi + 0.015, f"{pi:.0%}" if pi >= 0.01 or pi == 0 else f"{pi:.1%}",
                    ha="center", va="bottom", fontsize=9)
    ax.set_xticks(x, [wrap_label(OUTCOME_LABELS.get(o, str(o))) for o in table.index])
    top = float(np.nanmax(table["ci_high"])) if len(table) else 1.0
    ax.set_ylim(0, min(1.08, top + 0.1))
    percent_axis(ax.yaxis)
    ax.set_ylabel("Probability")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    if title:
        ax.set_title(title, fontsize=10)
    return ax
