"""When agreements happen: cumulative probability of each outcome over rounds."""

from __future__ import annotations

from .style import OUTCOME_COLOURS, OUTCOME_LABELS, new_axes, percent_axis, round_axis, unit_label

__all__ = ["plot_time_to_agreement"]


def plot_time_to_agreement(results, *, ax=None):
    """Step curve per agreement outcome: P(that outcome, agreed by round t).

    Each curve rises to the outcome's final probability at the horizon; the
    x axis counts rounds in the scenario's unit (e.g. weeks).  Returns the axes.
    """
    table = results.time_to_agreement()
    scenario = results.scenario
    ax = new_axes(ax)
    for outcome in table.columns:
        (line,) = ax.step(table.index, table[outcome].to_numpy(), where="post", linewidth=2,
                          color=OUTCOME_COLOURS.get(outcome), label=OUTCOME_LABELS.get(outcome, outcome))
        line.set_gid(f"incidence:{outcome}")
    ax.set_xlim(0, scenario.rounds.horizon)
    ax.set_ylim(0, max(0.05, min(1.0, float(table.to_numpy().max()) * 1.1)))
    round_axis(ax.xaxis)
    percent_axis(ax.yaxis)
    ax.set_xlabel(unit_label(scenario))
    ax.set_ylabel("Cumulative probability")
    ax.set_title(f"{scenario.name}: time to agreement ({results.runs:,} runs)", fontsize=10)
    ax.legend(frameon=False, fontsize=9)
    ax.grid(alpha=0.3)
    return ax
