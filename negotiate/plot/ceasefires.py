"""Ceasefire types (ETH/PRIO: unilateral or bilateral, general or partial) as bars with intervals."""

from __future__ import annotations

import pandas as pd

from .style import interval_bars, new_axes

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
    x, _, _ = interval_bars(ax, table, ylabel="Share of runs", colours="#8da0cb",
                            gids=[f"bar:{parties}:{scope}" for parties, scope in table.index])
    ax.set_xticks(x, [f"{parties}\n{scope}" for parties, scope in table.index])
    if title:
        ax.set_title(title, fontsize=10)
    return ax
