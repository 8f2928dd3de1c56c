"""How often each actor accepted what was put to it, per agenda."""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Patch

from ..model.outcomes import AGENDAS
from .style import OKABE_ITO, new_axes, percent_axis

__all__ = ["plot_acceptance_rates"]

AGENDA_COLOURS = {"truce": OKABE_ITO["sky_blue"], "settlement": OKABE_ITO["blue"]}


def plot_acceptance_rates(results, *, level: float = 0.95, ax=None):
    """Grouped bars: per actor, the share of truce and settlement proposals it
    accepted, with intervals that account for answers within a run being
    correlated.  Actors never asked have no bar.  Returns the axes."""
    table = results.acceptance_rates(level=level)
    actors = list(dict.fromkeys(table.index.get_level_values("actor")))
    ax = new_axes(ax)
    width = 0.8 / len(AGENDAS)
    x = np.arange(len(actors))
    for g, agenda in enumerate(AGENDAS):
        rows = table.xs(agenda, level="agenda").reindex(actors)
        rate = rows["rate"].to_numpy(float)
        xs = x + (g - (len(AGENDAS) - 1) / 2) * width
        bars = ax.bar(xs, np.nan_to_num(rate), width=width, color=AGENDA_COLOURS[agenda],
                      edgecolor="black", linewidth=0.5)
        for bar, actor, r in zip(bars, actors, rate):
            bar.set_gid(f"bar:{actor}:{agenda}")
            bar.set_visible(bool(np.isfinite(r)))
        ok = np.isfinite(rate)
        err = np.vstack([rate - rows["ci_low"].to_numpy(float), rows["ci_high"].to_numpy(float) - rate])
        if ok.any():
            ax.errorbar(xs[ok], rate[ok], yerr=err[:, ok], fmt="none", ecolor="black", capsize=3)
    ax.set_xticks(x, actors)
    ax.set_ylim(0, 1.05)
    percent_axis(ax.yaxis)
    ax.set_ylabel("Proposals accepted")
    ax.set_title(f"{results.scenario.name}: acceptance by actor ({level:.0%} intervals)", fontsize=10)
    handles = [Patch(facecolor=AGENDA_COLOURS[a], edgecolor="black", linewidth=0.5, label=a.capitalize())
               for a in AGENDAS]
    ax.legend(handles=handles, frameon=False, fontsize=9, title="Agenda")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    return ax
