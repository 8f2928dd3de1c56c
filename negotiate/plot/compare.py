"""Forest plots of paired differences: two scenarios, or a base and its variants."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import OUTCOME_COLOURS, OUTCOME_LABELS, new_axes, percent_axis

__all__ = ["plot_comparison", "plot_many_comparison"]


def plot_comparison(comparison, *, level: float = 0.95, method: str = "newcombe", ax=None):
    """One row per outcome: the change in probability ``b − a`` and its paired interval.

    ``comparison`` is a :class:`~negotiate.run.Comparison` or a table from its
    ``differences()``.  The first outcome is at the top.  Returns the axes.
    """
    table = comparison if isinstance(comparison, pd.DataFrame) else comparison.differences(level, method=method)
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


def plot_many_comparison(many, *, level: float = 0.95, method: str = "newcombe", outcomes=None, ax=None):
    """Forest plot of a base and its variants: per outcome (a heading in its colour,
    top to bottom in ``OUTCOMES`` order, or ``outcomes``), one row per variant with
    its paired difference ``variant − base`` and interval.

    ``many`` is a :class:`~negotiate.run.ManyComparison` or a table from its
    ``to_frame()``.  Returns the axes.
    """
    table = many if isinstance(many, pd.DataFrame) else many.to_frame(level, method=method)
    chosen = list(dict.fromkeys(table["outcome"])) if outcomes is None else list(outcomes)
    unknown = [o for o in chosen if o not in set(table["outcome"])]
    if unknown:
        raise ValueError(f"unknown outcome(s) {unknown}; the outcomes are {sorted(set(table['outcome']))}")
    variants = list(dict.fromkeys(table["variant"]))
    ax = new_axes(ax, figsize=(8, 1.2 + 0.28 * len(chosen) * (len(variants) + 1)))
    ticks, labels, y = [], [], 0.0
    for outcome in chosen:
        colour = OUTCOME_COLOURS.get(outcome, "black")
        ticks.append(y)
        labels.append(OUTCOME_LABELS.get(outcome, str(outcome)))
        y -= 1
        for _, row in table[table["outcome"] == outcome].iterrows():
            err = [[row.difference - row.ci_low], [row.ci_high - row.difference]]
            container = ax.errorbar([row.difference], [y], xerr=err, fmt="o", markersize=6, capsize=3,
                                    color=colour, elinewidth=2)
            container[0].set_gid(f"difference:{row.variant}:{outcome}")
            ticks.append(y)
            labels.append(f"  {row.variant}")
            y -= 1
    ax.axvline(0.0, color="black", linewidth=0.8, linestyle="--")
    ax.set_yticks(ticks, labels)
    for tick, text in zip(ax.get_yticklabels(), labels):
        if not text.startswith("  "):  # an outcome's heading
            tick.set_fontweight("bold")
    ax.set_ylim(y + 0.5, 0.7)
    span = float(np.nanmax(np.abs(table[["ci_low", "ci_high"]].to_numpy()))) if len(table) else 0.0
    ax.set_xlim(-max(span, 0.01) * 1.15, max(span, 0.01) * 1.15)
    percent_axis(ax.xaxis, points=True)
    ax.set_xlabel("Change in probability from the base (percentage points)")
    n, base = table.attrs.get("n"), table.attrs.get("base", "base")
    ax.set_title(f"Variants − {base}\n" + (f"{n:,} paired runs each, " if n else "")
                 + f"{table.attrs.get('level', level):.0%} paired intervals", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return ax
