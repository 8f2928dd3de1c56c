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
from .arguments import whole_number
from .seeding import MAX_RUNS, run_seed

__all__ = ["Replay", "replay"]


@dataclass(frozen=True, repr=False)
class Replay:
    """Run ``run`` of ``scenario`` with ``seed``, played again alone.

    ``result`` is its one-world engine result (the row the batch kept for
    it: :meth:`row`); ``trajectory`` its round-by-round record (columns as
    in :mod:`negotiate.plot.trajectory`).
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
        Axes: the panels on them, returned as an array.
        """
        from ..plot.trajectory import plot_trajectory

        drawn = plot_trajectory(self.trajectory, scenario=self.scenario, ax=ax)
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
    seed = scenario.monte_carlo.seed if seed is None else whole_number("seed", seed, 0)
    limit = MAX_RUNS if runs is None else whole_number("runs", runs, 1, MAX_RUNS)
    run = _run_index(run, limit - 1, batch=runs)
    model = NegotiationModel(scenario, 1, seed=run_seed(seed), record=True, first=run)
    try:
        result = model.run()
        trajectory = model.trajectory()
    finally:
        release(model)
    return Replay(scenario, seed, run, result, trajectory)


def _run_index(value, last: int, *, batch: int | None) -> int:
    """A run's index in 0..``last``; the message says how the batch numbers its runs."""
    ok = isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, bool)
    if not ok or not 0 <= value <= last:
        where = f" (the batch has {batch:,} runs, numbered from 0)" if batch is not None else ""
        raise ValueError(f"run must be a whole number between 0 and {last:,}{where}, got {value!r}")
    return int(value)
