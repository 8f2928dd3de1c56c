"""Replay one run of a batch, round by round: ``replay(scenario, i, seed=...)``.

Run ``i`` draws every random number from streams keyed by the run's seed and
its own index ``i`` (docs/model.md, "Random numbers"), never from the other
runs of its block.  So playing world ``i`` alone, in a one-world block with
world index ``i``, repeats exactly what happened to it in the batch: same
parameters, same shocks, same outcome, round and terms, whatever the block
size, workers or executor of the batch.  The replay also keeps the engine's
one-world record (``NegotiationModel(..., record=True)``), so the story can
be read (:meth:`Replay.to_frame`) or drawn (:meth:`Replay.plot`).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model.block import release
from ..model.model import NegotiationModel
from ..model.outcomes import OUTCOMES, BlockResult
from ..scenario import Scenario, load_scenario
from .arguments import check_seed, whole_number
from .seeding import MAX_RUNS, run_seed

__all__ = ["Replay", "replay"]

#: The record's text columns, missing (NaN) in rounds with none: no ceasefire in force,
#: nobody recognised to propose.
TEXT_COLUMNS = ("ceasefire", "proposer", "agenda")


@dataclass(frozen=True, repr=False)
class Replay:
    """Run ``run`` of ``scenario`` with ``seed``, played again alone.

    ``result`` is its one-world engine result (the row the batch kept for
    it: :meth:`row`); ``trajectory`` its round-by-round record (columns as
    in :mod:`negotiate.plot.trajectory`; the text columns ``ceasefire``,
    ``proposer`` and ``agenda`` are strings, NaN where there is none, in
    every replay alike).
    """

    scenario: Scenario
    seed: int
    run: int
    result: BlockResult
    trajectory: pd.DataFrame

    @property
    def outcome(self) -> str:
        return OUTCOMES[int(self.result.outcome[0])]

    @property
    def agreement_round(self) -> int | None:
        """Round of the agreement that defines the outcome (``None``: none)."""
        r = int(self.result.agreement_round[0])
        return r or None

    @property
    def signing_round(self) -> int | None:
        """Round a comprehensive agreement was signed (``None``: none was): its
        :attr:`agreement_round`, the replay's last row.  With drafting (docs/model.md §15)
        it was agreed in principle earlier, in the row with ``agenda`` ``settlement``
        and ``agreed`` true."""
        return self.agreement_round if self.outcome == "comprehensive_agreement" else None

    @property
    def truce_round(self) -> int | None:
        r = int(self.result.truce_round[0])
        return r or None

    @property
    def rounds(self) -> int:
        """Rounds played (the world stops once it is over, else at the horizon)."""
        return len(self.trajectory)

    @property
    def terms(self) -> dict[str, float]:
        """Agreed value of each issue (NaN where nothing was agreed on it)."""
        return {issue: float(v) for issue, v in zip(self.scenario.issue_names, self.result.terms[0])}

    def row(self, *, by_agenda: bool = False) -> pd.DataFrame:
        """The run's row of the batch's per-run table (:meth:`Results.to_frame`), index ``run``."""
        from ..results import run_frame  # results imports the runner: import on use

        frame = run_frame(self.scenario, self.result, 0, 1, by_agenda=by_agenda)
        frame.index = pd.RangeIndex(self.run, self.run + 1, name="run")
        return frame

    def to_frame(self) -> pd.DataFrame:
        """The story, one row per round played (a copy of :attr:`trajectory`)."""
        frame = self.trajectory.copy()
        frame.attrs.update(scenario=self.scenario.name, seed=self.seed, run=self.run,
                           outcome=self.outcome)
        return frame

    def plot(self, ax=None):
        """The balance, the offers and the answers by round, in three panels
        (:func:`negotiate.plot.trajectory.plot_trajectory`); never shows the figure.

        ``ax=None``: a new figure, returned (:class:`matplotlib.figure.Figure`; its
        ``axes`` are the three panels), as a multi-panel plot is; one Axes: the balance
        panel only, that Axes returned, as every result's ``plot(ax=ax)`` does; three
        Axes: the panels on them, returned as an array.  The balance panel marks the
        round a comprehensive agreement was signed (:attr:`signing_round`) with a star.
        """
        from ..plot.style import OKABE_ITO
        from ..plot.trajectory import plot_trajectory

        drawn = plot_trajectory(self.trajectory, scenario=self.scenario, ax=ax)
        balance_ax = drawn[0] if isinstance(drawn, np.ndarray) else drawn
        signed = self.signing_round
        if signed is not None:
            front = self.trajectory.loc[self.trajectory["round"] == signed, "balance"].to_numpy(float)
            balance_ax.plot([signed], front[-1:], linestyle="none", marker="*", markersize=12,
                            color=OKABE_ITO["vermillion"], label="Signed", gid=f"signed:{signed}", clip_on=False)
            balance_ax.legend(frameon=False, fontsize=8, loc="lower left")
        return drawn[0].figure if ax is None else drawn

    def __repr__(self) -> str:
        when = "" if self.agreement_round is None else f" in round {self.agreement_round}"
        return (f"<Replay of run {self.run:,} of {self.scenario.name} (seed {self.seed}): "
                f"{self.outcome}{when}, {self.rounds} rounds>")


def replay(scenario, run: int, *, seed: int | None = None, runs: int | None = None) -> Replay:
    """Play run ``run`` of ``scenario`` with ``seed`` again, alone, and return its story.

    ``scenario`` is a :class:`~negotiate.Scenario` or a path; ``seed``
    defaults to the scenario's ``monte_carlo.seed``.  ``runs``, if given, is
    the size of the batch the run belongs to (``run`` must lie below it).
    The result equals the batch's record of run ``run`` for any block size,
    worker count or executor (docs/model.md, "Random numbers").
    """
    scenario = load_scenario(scenario)
    seed = scenario.monte_carlo.seed if seed is None else check_seed(seed)
    limit = MAX_RUNS if runs is None else whole_number("runs", runs, 1, MAX_RUNS)
    run = _run_index(run, limit - 1, batch=runs)
    model = NegotiationModel(scenario, 1, seed=run_seed(seed), record=True, first=run)
    try:
        result = model.run()
        trajectory = _one_missing_value(model.trajectory())
    finally:
        release(model)
    return Replay(scenario, seed, run, result, trajectory)


def _one_missing_value(trajectory: pd.DataFrame) -> pd.DataFrame:
    """The record with its text columns as strings, NaN where missing: the engine records
    None, which pandas keeps as None in a column with no string and makes NaN in one with
    some, so replays would differ in how they say "none"."""
    text = pd.StringDtype(na_value=np.nan)
    return trajectory.astype({c: text for c in TEXT_COLUMNS if c in trajectory.columns})


def _run_index(value, last: int, *, batch: int | None) -> int:
    """A run's index in 0..``last``; the message says how the batch numbers its runs."""
    ok = isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool)
    if not ok or not 0 <= value <= last:
        where = f" (the batch has {batch:,} runs, numbered from 0)" if batch is not None else ""
        raise ValueError(f"run must be a whole number between 0 and {last:,}{where}, got {value!r}")
    return int(value)
