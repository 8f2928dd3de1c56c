"""Ceasefire types (ETH/PRIO: unilateral or bilateral, general or partial) as bars with intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import new_axes, percent_axis

__all__ = ["plot_ceasefire_types"]


def plot_ceasefire_types(results, *, level: float = 0.95, method: str = "wilson", ax=None):
    """Bar per ceasefire type at the share of runs whose first ceasefire was of that type,
    whiskers at its interval (docs/model.md, "Ceasefire types").

    ``results`` is a :class:`~negotiate.results.Results` or a table from its
    ``ceasefire_types()``.  Returns the axes.
    """
    if isinstance(results, pd.DataFrame):
        table, title = results, None
    else:
        table = results.ceasefire_types(method=method, level=level)
        title = f"{results.scenario.name}: first ceasefire by type, {level:.0%} intervals ({method})"
    ax = new_axes(ax)
    x = np.arange(len(table))
    p = table["p"].to_numpy(float)
    bars = ax.bar(x, p, width=0.65, color="#8da0cb", edgecolor="black", linewidth=0.6)
    for bar, (parties, scope) in zip(bars, table.index):
        bar.set_gid(f"bar:{parties}:{scope}")
    whiskers = np.vstack([p - table["ci_low"].to_numpy(float), table["ci_high"].to_numpy(float) - p])
    ax.errorbar(x, p, yerr=whiskers, fmt="none", ecolor="black", elinewidth=1.2, capsize=5)
    ax.set_xticks(x, [f"{parties}\n{scope}" for parties, scope in table.index])
    top = float(np.nanmax(table["ci_high"])) if len(table) else 1.0
    ax.set_ylim(0, min(1.08, top + 0.1))
    percent_axis(ax.yaxis)
    ax.set_ylabel("Share of runs")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    if title:
        ax.set_title(title, fontsize=10)
    return ax
