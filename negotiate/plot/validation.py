"""Figures of a backtest: per-case forecasts of what happened, and a reliability diagram."""

from __future__ import annotations

import numpy as np

from .style import OKABE_ITO, SERIES, new_axes, percent_axis

__all__ = ["plot_backtest", "plot_posterior", "plot_reliability"]


def plot_backtest(backtest, *, level: float = 0.95, ax=None):
    """One row per case: the probability the model (dot, with its Monte Carlo
    interval) and climatology (open diamond) gave to the outcome that happened
    (named beside the case); the dotted line is the uniform forecast.
    Returns the axes."""
    table = backtest.to_frame(level)
    ax = new_axes(ax)
    y = np.arange(len(table))[::-1]
    for yi, (case, row) in zip(y, table.iterrows()):
        err = [[max(row.p_model - row.mc_low, 0.0)], [max(row.mc_high - row.p_model, 0.0)]]
        container = ax.errorbar([row.p_model], [yi], xerr=err, fmt="o", color=OKABE_ITO["blue"],
                                markersize=7,
                                capsize=3, label="model" if yi == y[0] else None)
        container[0].set_gid(f"model:{case}")
        marker = ax.scatter([row.p_climatology], [yi], marker="D", facecolors="none",
                            edgecolors=OKABE_ITO["black"], s=40, zorder=3,
                            label="climatology (leave one out)" if yi == y[0] else None)
        marker.set_gid(f"climatology:{case}")
    if len(table):
        ax.axvline(float(table.p_uniform.iloc[0]), color="grey", linestyle=":", label="uniform")
    ax.set_yticks(y, [f"{case} ({row.outcome.replace('_', ' ')})" for case, row in table.iterrows()])
    ax.set_ylim(-0.7, len(table) - 0.3)
    ax.set_xlim(-0.02, 1.02)
    percent_axis(ax.xaxis)
    ax.set_xlabel("Probability given to what happened")
    ax.set_title(f"Backtest: {len(table)} cases, {backtest.runs:,} runs each\n"
                 f"(model with {level:.0%} Monte Carlo intervals)", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return ax


def plot_reliability(table, *, ax=None):
    """Reliability diagram from a reliability table (``BacktestResults.reliability_table()``):
    mean forecast probability of each bin against the observed frequency, with its
    interval and the number of forecasts beside each point.  Returns the axes."""
    ax = new_axes(ax)
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=0.8, label="perfect reliability")
    if len(table):
        err = [np.maximum(table.observed_frequency - table.ci_low, 0),
               np.maximum(table.ci_high - table.observed_frequency, 0)]
        container = ax.errorbar(table.mean_forecast, table.observed_frequency, yerr=err, fmt="o-",
                                color=OKABE_ITO["blue"], capsize=3, label="model")
        container[0].set_gid("reliability")
        for row in table.itertuples():
            ax.annotate(f"n={row.count}", (row.mean_forecast, row.observed_frequency),
                        textcoords="offset points", xytext=(6, -10), fontsize=8)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    percent_axis(ax.xaxis)
    percent_axis(ax.yaxis)
    ax.set_xlabel("Forecast probability (bin mean)")
    ax.set_ylabel("Observed frequency")
    level = table.attrs.get("level", 0.95)
    ax.set_title(f"Reliability over cases × outcome classes ({level:.0%} Wilson intervals)",
                 fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    return ax


def plot_posterior(calibration, *, bins: int = 20, ax=None):
    """The posterior marginal of every knob (``CalibrationResults``), each on its prior
    range rescaled to 0–1 (a scale knob's in log; the knob's prior in the legend): a weighted histogram of the
    prior sample, as a density; the prior is the flat line at 1.  Returns the axes."""
    ax = new_axes(ax)
    edges = np.linspace(0.0, 1.0, bins + 1)
    for j, (knob, colour) in enumerate(zip(calibration.knobs, SERIES * len(calibration.knobs))):
        unit = knob.to_unit(calibration.theta[:, j])  # a scale knob's range is log-scaled
        density, _ = np.histogram(unit, bins=edges, weights=calibration.weights, density=True)
        informed = len(calibration.cases_with(knob.name))
        line, = ax.step(edges, np.append(density, density[-1]), where="post", color=colour,
                        label=f"{knob.name} {knob.prior()} ({informed} cases)")
        line.set_gid(f"posterior:{knob.name}")
    ax.axhline(1.0, color="grey", linestyle=":", label="prior")
    ax.set_xlim(0, 1)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("Knob value, as a quantile of its prior")
    ax.set_ylabel("Posterior density (prior range = 1)")
    ax.set_title(f"Calibration: {len(calibration.cases)} cases, {calibration.worlds:,} worlds, "
                 f"ESS {calibration.ess:,.0f}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return ax
