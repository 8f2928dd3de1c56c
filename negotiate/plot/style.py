"""Shared look of the figures: a colour-blind-safe palette, labels, percent axes."""

from __future__ import annotations

from matplotlib.ticker import MaxNLocator, PercentFormatter

from ..model.outcomes import OUTCOMES

__all__ = ["OKABE_ITO", "OUTCOME_COLOURS", "OUTCOME_LABELS", "SERIES", "interval_bars", "new_axes", "percent_axis",
           "round_axis", "unit_label", "wrap_label"]

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with any common colour-vision deficiency.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
SERIES = [OKABE_ITO[k] for k in ("blue", "orange", "bluish_green", "vermillion", "reddish_purple",
                                 "sky_blue", "yellow", "black")]

OUTCOME_COLOURS = dict(zip(OUTCOMES, (OKABE_ITO["sky_blue"], OKABE_ITO["orange"],
                                      OKABE_ITO["bluish_green"], OKABE_ITO["vermillion"])))
OUTCOME_LABELS = {o: o.replace("_", " ").capitalize() for o in OUTCOMES}


def new_axes(ax=None, **subplots):
    """``ax`` itself, or the axes of a new pyplot figure (so Jupyter shows it)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # only when the caller asked for a new figure

    _, ax = plt.subplots(**subplots)
    return ax


def percent_axis(axis, *, points: bool = False) -> None:
    """Format an axis holding probabilities (0–1) as percent, or differences as percentage points."""
    if points:
        axis.set_major_formatter(PercentFormatter(1.0, symbol=" pp"))
    else:
        axis.set_major_formatter(PercentFormatter(1.0))


def unit_label(scenario) -> str:
    """"Week" for a scenario whose rounds are weeks ("Round" without a scenario)."""
    return scenario.rounds.unit.capitalize() if scenario is not None else "Round"


def round_axis(axis) -> None:
    """Whole round numbers only."""
    axis.set_major_locator(MaxNLocator(integer=True))


def wrap_label(text: str) -> str:
    """Put the first space on a new line ("Comprehensive\\nagreement")."""
    return text.replace(" ", "\n", 1)


def interval_bars(ax, table, *, colours, gids, ylabel: str):
    """Bars at ``table["p"]`` with whiskers from ``ci_low`` to ``ci_high``, a percent axis
    with room above the highest whisker; ``gids`` name the bars (for tests).  Returns the
    bar positions, the heights and the error-bar container."""
    import numpy as np

    x = np.arange(len(table))
    p = table["p"].to_numpy(float)
    bars = ax.bar(x, p, width=0.65, color=colours, edgecolor="black", linewidth=0.6)
    for bar, gid in zip(bars, gids):
        bar.set_gid(gid)
    whiskers = np.vstack([p - table["ci_low"].to_numpy(float), table["ci_high"].to_numpy(float) - p])
    err = ax.errorbar(x, p, yerr=whiskers, fmt="none", ecolor="black", elinewidth=1.2, capsize=5)
    top = float(np.nanmax(table["ci_high"])) if len(table) else 1.0
    ax.set_ylim(0, min(1.08, top + 0.1))
    percent_axis(ax.yaxis)
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    return x, p, err
