"""What was agreed: the distribution of each issue's settled value."""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.patches import Rectangle

from ..results.aggregate import TERM_GROUPS
from .style import OKABE_ITO, OUTCOME_COLOURS, new_axes

__all__ = ["plot_settled_terms"]

GROUP_LABELS = {"comprehensive_agreement": "comprehensive agreements", "truce": "truces"}
GROUP_COLOURS = {"comprehensive_agreement": OUTCOME_COLOURS["comprehensive_agreement"],
                 "truce": OKABE_ITO["sky_blue"]}
ROW = 0.42  # half the height a row may use
LABEL_WIDTH = 48  # characters per line of an end label: the two ends share one row


def plot_settled_terms(results, agreement: str = "comprehensive_agreement", *, issues=None, ax=None):
    """One row per issue: histogram of the agreed values, a box from the 25th
    to the 75th percentile, whiskers from the 5th to the 95th, the median, and
    the issue's own words for 0 (``low``) and 1 (``high``) at the ends.

    ``agreement`` is ``"comprehensive_agreement"`` or ``"truce"``; ``issues``
    defaults to those agreed in at least one such run.  Returns the axes.
    """
    if agreement not in TERM_GROUPS:
        raise ValueError(f"agreement must be one of {', '.join(TERM_GROUPS)}, got {agreement!r}")
    table = results.settled_terms().loc[agreement]
    if issues is None:
        issues = [i for i in table.index if table.loc[i, "count"] > 0]
    ax = new_axes(ax, figsize=(7, 1.0 + 0.9 * max(1, len(issues))))
    what = GROUP_LABELS[agreement]
    ax.set_title(f"{results.scenario.name}: terms of {what}", fontsize=10)
    if not issues:
        ax.text(0.5, 0.5, f"No run ended in {what}", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
        return ax
    hist = results.aggregates.term_hist[TERM_GROUPS.index(agreement)]
    names = results.scenario.issue_names
    colour = GROUP_COLOURS[agreement]
    for row, issue in enumerate(issues):
        y = len(issues) - 1 - row
        _issue_row(ax, y, issue, table.loc[issue], hist[names.index(issue)], colour)
    ax.set_yticks(np.arange(len(issues))[::-1], list(issues))
    ax.set_ylim(-0.6, len(issues) - 0.3)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel("Agreed value (0 = the issue's low end, 1 = its high end)")
    return ax


def _issue_row(ax, y: float, issue: str, row, hist: np.ndarray, colour: str) -> None:
    edges = np.linspace(0.0, 1.0, hist.size + 1)
    if hist.max() > 0:
        heights = hist / hist.max() * ROW * 0.9
        bars = ax.bar(edges[:-1], heights, width=np.diff(edges), bottom=y - ROW, align="edge",
                      color=colour, alpha=0.35, linewidth=0)
        for bar in bars:
            bar.set_gid(f"histogram:{issue}")
    whisker = ax.hlines(y, row["q05"], row["q95"], color="black", linewidth=1.2)
    whisker.set_gid(f"whisker:{issue}")
    box = Rectangle((row["q25"], y - 0.1), row["q75"] - row["q25"], 0.2, facecolor=colour,
                    edgecolor="black", linewidth=0.8, zorder=3)
    box.set_gid(f"box:{issue}")
    ax.add_patch(box)
    median = ax.vlines(row["median"], y - 0.14, y + 0.14, color="black", linewidth=2, zorder=4)
    median.set_gid(f"median:{issue}")
    ax.text(0.0, y + 0.16, _wrap(f"0 = {row['low']}"), ha="left", va="bottom", fontsize=8, color="0.25",
            gid=f"low:{issue}")
    ax.text(1.0, y + 0.16, _wrap(f"1 = {row['high']}"), ha="right", va="bottom", fontsize=8, color="0.25",
            gid=f"high:{issue}")
    ax.text(1.0, y - 0.16, f"n = {int(row['count']):,}", ha="right", va="top", fontsize=7, color="0.4")


def _wrap(text: str) -> str:
    return "\n".join(textwrap.wrap(text, LABEL_WIDTH, max_lines=2, placeholder=" …"))
