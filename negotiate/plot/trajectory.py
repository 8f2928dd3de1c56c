"""One run, round by round: the front, the offers and the answers.

Takes the engine's one-world record (``NegotiationModel(..., record=True)``
then ``.trajectory()``): a DataFrame with columns ``round``, ``balance``,
``truce`` (bool), ``proposer`` and ``agenda`` (str or None), ``agreed``
(bool), ``offer:<issue>`` (float, NaN when no offer) and ``accept:<actor>``
(bool, NaN when the actor was not asked).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .style import OKABE_ITO, SERIES, new_axes, round_axis, unit_label

__all__ = ["plot_balance", "plot_offers", "plot_responses", "plot_trajectory"]

REQUIRED = ("round", "balance", "truce", "proposer", "agenda", "agreed")


def _check(frame: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ValueError(f"trajectory frame lacks column(s) {', '.join(missing)}; "
                         "expected the output of NegotiationModel(..., record=True).trajectory()")


def plot_trajectory(frame: pd.DataFrame, *, scenario=None, ax=None):
    """Three panels sharing the round axis: :func:`plot_balance`,
    :func:`plot_offers`, :func:`plot_responses`.

    ``ax``: ``None`` (a new figure), a sequence of three axes, or one axes
    (then only the balance panel).  Returns the axes drawn on.
    """
    _check(frame)
    if ax is None:
        import matplotlib.pyplot as plt  # only when the caller asked for a new figure

        # constrained: the layout makes room for the legends right of the panels, so a
        # plain savefig (bbox_inches=None) does not clip them at the figure's edge
        _, ax = plt.subplots(3, 1, sharex=True, figsize=(8, 7), height_ratios=[2, 2, 1.4],
                             layout="constrained")
    if not isinstance(ax, (list, tuple, np.ndarray)):
        return plot_balance(frame, scenario=scenario, ax=ax)
    axes = list(np.ravel(ax))
    if len(axes) != 3:
        raise ValueError(f"plot_trajectory needs one axes or three, got {len(axes)}")
    plot_balance(frame, scenario=scenario, ax=axes[0])
    plot_offers(frame, scenario=scenario, ax=axes[1])
    plot_responses(frame, scenario=scenario, ax=axes[2])
    for a in axes[:-1]:
        a.set_xlabel("")
    return np.asarray(axes)


def _round_axis(ax, frame: pd.DataFrame, scenario) -> None:
    """Whole rounds, labelled in the scenario's unit, spanning the recorded rounds."""
    rounds = frame["round"].to_numpy()
    if rounds.size:
        ax.set_xlim(rounds.min() - 0.5, rounds.max() + 0.5)
    ax.set_xlabel(unit_label(scenario))
    round_axis(ax.xaxis)


def truce_spans(frame: pd.DataFrame) -> list[tuple[int, int]]:
    """(first, last) round of each stretch of consecutive truce rounds."""
    spans, start, prev = [], None, None
    for r, t in zip(frame["round"].to_numpy(), frame["truce"].to_numpy(bool)):
        if t and start is None:
            start = r
        elif not t and start is not None:
            spans.append((int(start), int(prev)))
            start = None
        prev = r
    if start is not None:
        spans.append((int(start), int(prev)))
    return spans


def plot_balance(frame: pd.DataFrame, *, scenario=None, ax=None):
    """Battlefield balance by round; truces shaded; agreements marked with who proposed what."""
    _check(frame)
    ax = new_axes(ax)
    rounds = frame["round"].to_numpy()
    (line,) = ax.plot(rounds, frame["balance"].to_numpy(float), color=OKABE_ITO["black"], linewidth=1.6,
                      marker="o", markersize=2.5)
    line.set_gid("balance")
    for i, (first, last) in enumerate(truce_spans(frame)):
        span = ax.axvspan(first - 0.5, last + 0.5, color=OKABE_ITO["sky_blue"], alpha=0.25,
                          label="Truce" if i == 0 else None)
        span.set_gid(f"truce:{first}-{last}")
    for _, row in frame[frame["agreed"].astype(bool)].iterrows():
        ax.axvline(row["round"], color=OKABE_ITO["bluish_green"], linewidth=1.5, gid=f"agreed:{row['round']}")
        who = row["proposer"] if isinstance(row["proposer"], str) else "?"
        what = row["agenda"] if isinstance(row["agenda"], str) else ""
        ax.text(row["round"], 0.97, f" {who}: {what}", rotation=90, va="top", ha="right", fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("Battlefield balance")
    _round_axis(ax, frame, scenario)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(frameon=False, fontsize=8, loc="lower left")
    return ax


def plot_offers(frame: pd.DataFrame, *, scenario=None, ax=None):
    """The value proposed on each issue in each round (gaps where nothing was proposed)."""
    ax = new_axes(ax)
    columns = [c for c in frame.columns if c.startswith("offer:")]
    for i, col in enumerate(columns):
        issue = col.removeprefix("offer:")
        (line,) = ax.plot(frame["round"].to_numpy(), frame[col].to_numpy(float), marker="o",
                          markersize=3, linewidth=1, color=SERIES[i % len(SERIES)], label=issue)
        line.set_gid(f"offer:{issue}")
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("Proposed value")
    _round_axis(ax, frame, scenario)
    if columns:
        ax.legend(frameon=False, fontsize=7, ncol=1 if len(columns) <= 6 else 2, loc="upper left",
                  bbox_to_anchor=(1.0, 1.0))
    return ax


def plot_responses(frame: pd.DataFrame, *, scenario=None, ax=None):
    """Who accepted (●) or rejected (×) each proposal put to them."""
    ax = new_axes(ax)
    columns = [c for c in frame.columns if c.startswith("accept:")]
    actors = [c.removeprefix("accept:") for c in columns]
    rounds = frame["round"].to_numpy()
    for i, (actor, col) in enumerate(zip(actors, columns)):
        y = len(actors) - 1 - i
        answer = pd.to_numeric(frame[col], errors="coerce").to_numpy(float)
        yes, no = answer == 1, answer == 0
        ax.scatter(rounds[yes], np.full(yes.sum(), y), marker="o", color=OKABE_ITO["bluish_green"],
                   s=22, gid=f"accept:{actor}", label="accepted" if i == 0 else None)
        ax.scatter(rounds[no], np.full(no.sum(), y), marker="x", color=OKABE_ITO["vermillion"],
                   s=22, gid=f"reject:{actor}", label="rejected" if i == 0 else None)
    ax.set_yticks(np.arange(len(actors))[::-1], actors)
    ax.set_ylim(-0.6, len(actors) - 0.4)
    _round_axis(ax, frame, scenario)
    if actors:
        ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax
