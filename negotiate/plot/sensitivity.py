"""Figures of a sensitivity analysis: a tornado chart of Sobol or Morris indices."""

from __future__ import annotations

import numpy as np

from .style import OKABE_ITO, OUTCOME_LABELS, new_axes

__all__ = ["plot_sensitivity"]


def plot_sensitivity(results, ax=None, outcome: str | None = None, *, max_inputs: int = 15):
    """Horizontal bars of the indices of ``outcome``, most important input on
    top, with error bars at the intervals: first- and total-order Sobol
    indices side by side, or Morris' ``mu_star`` (bars) and ``sigma``
    (hollow markers).  At most ``max_inputs`` inputs.  Returns the axes."""
    rows = results.ranking(outcome).head(max_inputs)
    outcome = rows["outcome"].iloc[0] if len(rows) else results._outcome(outcome)
    ax = new_axes(ax, figsize=(7, 0.8 + 0.35 * max(len(rows), 1)))
    y = np.arange(len(rows))[::-1].astype(float)  # most important on top
    if results.method == "sobol":
        _sobol_bars(ax, rows, y)
        ax.set_xlabel(f"Sobol index ({results.level:.0%} intervals)")
    else:
        _morris_bars(ax, rows, y)
        ax.set_xlabel(f"Elementary effect ({results.level:.0%} interval on μ*)")
    ax.set_yticks(y, rows["input"].tolist(), fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(_title(results, outcome), fontsize=10)
    return ax


def _sobol_bars(ax, rows, y) -> None:
    height = 0.38
    for offset, key, colour, label in ((height / 2, "S1", OKABE_ITO["blue"], "first order (S1)"),
                                       (-height / 2, "ST", OKABE_ITO["orange"], "total order (ST)")):
        bars = ax.barh(y + offset, rows[key].to_numpy(float), height=height, color=colour, label=label,
                       xerr=rows[f"{key}_conf"].to_numpy(float), error_kw={"elinewidth": 0.8, "capsize": 2})
        for bar in bars:
            bar.set_gid(f"bar:{key}")


def _morris_bars(ax, rows, y) -> None:
    bars = ax.barh(y, rows["mu_star"].to_numpy(float), height=0.6, color=OKABE_ITO["blue"],
                   label="μ* (mean |effect|)", xerr=rows["mu_star_conf"].to_numpy(float),
                   error_kw={"elinewidth": 0.8, "capsize": 2})
    for bar in bars:
        bar.set_gid("bar:mu_star")
    ax.plot(rows["sigma"].to_numpy(float), y, linestyle="none", marker="o", markerfacecolor="none",
            color=OKABE_ITO["vermillion"], label="σ (spread of effects)", gid="markers:sigma")


def _title(results, outcome: str) -> str:
    label = OUTCOME_LABELS.get(outcome, outcome)
    reps = f" × {results.replications} worlds" if results.replications else ""
    noise = (results.noise_share or {}).get(outcome)
    noise_text = f"; noise {noise:.0%} of variance" if noise is not None and np.isfinite(noise) else ""
    return (f"{results.name}: what drives P({label.lower()})\n"
            f"{results.method.capitalize()}, {len(results.design):,} points{reps}{noise_text}")
