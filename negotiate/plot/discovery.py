"""Figures of scenario discovery: the boxes' ranges, and PRIM's coverage–density trade-off."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.patches import Patch

from .style import OUTCOME_LABELS, SERIES, new_axes, percent_axis

__all__ = ["plot_discovery", "plot_tradeoff"]


def _scaled(value: float, low: float, high: float) -> float:
    """``value`` on the input's observed range as 0–1 (an open side is the range's end)."""
    if not math.isfinite(value):
        return 0.0 if value < 0 else 1.0
    return float(np.clip((value - low) / (high - low), 0.0, 1.0)) if high > low else 0.5


def plot_discovery(discovery, ax=None, *, boxes: int = 3):
    """One bar per limited input of each of the first ``boxes`` boxes: the part
    of the input's observed range (0 = its smallest value, 1 = its largest)
    the box keeps, labelled with the limits.  Returns the axes."""
    shown = discovery.boxes[:boxes]
    rows = [(k, name, lim) for k, b in enumerate(shown) for name, lim in b.limits.items()]
    ax = new_axes(ax, figsize=(7, 1.2 + 0.4 * max(len(rows), 1)))
    y = np.arange(len(rows))[::-1].astype(float)
    for (k, name, (low, high)), yy in zip(rows, y):
        lo_obs, hi_obs = discovery.ranges[name]
        a, b = _scaled(low, lo_obs, hi_obs), _scaled(high, lo_obs, hi_obs)
        ax.barh(yy, b - a, left=a, height=0.6, color=SERIES[k % len(SERIES)], gid=f"box:{k + 1}:{name}")
        ax.barh(yy, 1.0, left=0.0, height=0.6, fill=False, edgecolor="0.6", linewidth=0.6)
        text = " – ".join(f"{v:.3g}" if math.isfinite(v) else "…" for v in (low, high))
        ax.text(min(b + 0.01, 0.99), yy, text, va="center", ha="left" if b < 0.8 else "right", fontsize=7)
    ax.set_yticks(y, [f"{k + 1}: {name}" for k, name, _ in rows], fontsize=8)
    handles = [Patch(color=SERIES[k % len(SERIES)],
                     label=f"box {k + 1}: coverage {b.coverage:.0%}, density {b.density:.0%}" + _dropped(b))
               for k, b in enumerate(shown)]
    ax.set_xlim(0, 1)
    ax.set_xlabel("Position in the input's observed range")
    if handles:
        ax.legend(handles=handles, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15))
    label = OUTCOME_LABELS.get(discovery.outcome, discovery.outcome).lower()
    ax.set_title(f"{discovery.name}: where {label} happens ({discovery.method.upper()})\n"
                 f"{discovery.cases:,} of {discovery.worlds:,} worlds ({discovery.base_rate:.1%})", fontsize=10)
    return ax


def _dropped(box) -> str:
    """Legend note on the restrictions pruned from ``box`` (empty if none)."""
    return f" ({len(box.dropped)} restriction{'s' * (len(box.dropped) > 1)} dropped)" if box.dropped else ""


def plot_tradeoff(discovery, ax=None):
    """Density against coverage along PRIM's peeling trajectory, coloured by
    the number of limited inputs; the chosen box circled and, when restrictions
    were pruned from it, the wider box reported marked with a cross.  Returns the axes."""
    if discovery.trajectory is None:
        raise ValueError(f"a {discovery.method} discovery has no peeling trajectory; use method='prim'")
    t = discovery.trajectory
    ax = new_axes(ax)
    points = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="cividis", s=14, gid="trajectory")
    chosen = t[t["chosen"]]
    reported = discovery.boxes[0] if discovery.boxes else None
    pruned = reported is not None and bool(reported.dropped)
    ax.scatter(chosen["coverage"], chosen["density"], s=120, facecolors="none", edgecolors="black",
               gid="chosen", label="chosen box, before pruning" if pruned else "reported box")
    if pruned:  # off the trajectory: the chosen box less its insignificant restrictions
        ax.scatter([reported.coverage], [reported.density], s=80, marker="X", color="black", gid="pruned",
                   label="reported box" + _dropped(reported))
    ax.figure.colorbar(points, ax=ax, label="inputs limited")
    percent_axis(ax.xaxis)
    percent_axis(ax.yaxis)
    ax.set_xlabel("Coverage")
    ax.set_ylabel("Density")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(f"{discovery.name}: PRIM peeling trajectory ({discovery.outcome.replace('_', ' ')})",
                 fontsize=10)
    return ax
