"""Outcome probabilities as bars with their confidence intervals."""

from __future__ import annotations

import pandas as pd

from .style import OUTCOME_COLOURS, OUTCOME_LABELS, interval_bars, new_axes, wrap_label

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
    x, p, err = interval_bars(ax, table, ylabel="Probability",
                              colours=[OUTCOME_COLOURS.get(o, "grey") for o in table.index],
                              gids=[f"bar:{o}" for o in table.index])
    err[2][0].set_gid("intervals")
    if annotate:
        for xi, pi, hi in zip(x, p, table["ci_high"]):
            ax.text(xi, hi + 0.015, f"{pi:.0%}" if pi >= 0.01 or pi == 0 else f"{pi:.1%}",
                    ha="center", va="bottom", fontsize=9)
    ax.set_xticks(x, [wrap_label(OUTCOME_LABELS.get(o, str(o))) for o in table.index])
    if title:
        ax.set_title(title, fontsize=10)
    return ax
