"""Mesa agents: one per scenario actor, holding its parameters over all worlds.

An agent's arrays are views into the block's :class:`WorldParams` (axis 0 of
each is the world), so one agent speaks for its actor in every world at once;
with one world it is an ordinary inspectable Mesa agent.
"""

from __future__ import annotations

import mesa
import numpy as np

from .proposals import SETTLEMENT
from .responses import accepts, next_stance, stance_shock


class Negotiator(mesa.Agent):
    """An actor at the table. ``role`` decides only who must sign and who proposes."""

    role = "actor"

    def __init__(self, model, index: int, name: str):
        super().__init__(model)
        self.index, self.name = index, name
        self.stance = None   # (N,) z: this actor's persistent stance (docs/model.md §17), once drawn
        self.bind(model.params)

    def bind(self, p) -> None:
        """Point this agent at its rows of the block's parameters (views, no copies)."""
        index = self.index
        self.ideal = p.ideal[index]            # (N, D)
        self.salience = p.salience[index]      # (N, D)
        self.capability = p.capability[index]  # (N,)
        self.patience = p.patience[index]
        self.noise = p.noise[index]
        self.optimism = p.optimism[index]
        self.war_cost = p.war_cost[index]
        self.strategy_name = p.strategies[index]
        self.signs = p.signs[index]            # (2,): will sign a truce / a settlement at all
        # stances, gains from the process, stalling (docs/model.md §17)
        self.stance_persistence = p.stance_persistence   # (N,) ρ, the same for every actor
        self.process_gain = p.process_gain[index]
        self.insincere_until = p.insincere_until[index]  # stalls in rounds t ≤ this (0: sincere)
        self.insincere_truces = p.insincere_truces[index]  # (N,) bool
        # what happened to this actor in the last round, per world
        self.value = np.full(p.n, np.nan)        # value of the offer on the table
        self.reservation = np.full(p.n, np.nan)  # value of saying no
        self.accepted = np.zeros(p.n, bool)
        self.asked = np.zeros(p.n, bool)

    def respond(self, value, bonus, reservation, shock, asked, agenda=None, t: int = 0) -> np.ndarray:
        """Accept where ``value + bonus + τ·ε ≥ reservation`` (quantal response).

        ε is this round's ``shock``, or, where stances persist, the shock of this
        actor's stance; an actor stalling in round ``t`` refuses settlements
        (``agenda`` (N,)), and truces too if it stalls them (docs/model.md §17).
        """
        self.value, self.reservation, self.asked = value, reservation, asked
        if self.stance is not None:
            shock = np.where(self.stance_persistence > 0, stance_shock(self.stance), shock)
        self.accepted = accepts(value, bonus, reservation, self.noise, shock) & asked
        if agenda is not None:
            self.accepted &= ~self.stalls(agenda, t) & self.signs[np.asarray(agenda)]
        return self.accepted

    def stalls(self, agenda, t: int) -> np.ndarray:
        """(N,) bool: this actor refuses an offer on ``agenda`` (N,) in round ``t`` only to stall."""
        stalling = t <= self.insincere_until
        return stalling & ((np.asarray(agenda) == SETTLEMENT) | self.insincere_truces)

    def move_stance(self, innovation: np.ndarray) -> None:
        """This round's stance from the last one and a N(0, 1) ``innovation`` (N,)."""
        self.stance = next_stance(self.stance, innovation, self.stance_persistence)

    def keep(self, rows: np.ndarray) -> None:
        """Keep the state of worlds ``rows`` only (the model drops finished worlds)."""
        if self.stance is not None:
            self.stance = self.stance[rows]

    def refuse(self, crossed) -> np.ndarray:
        """Never sign past a red line (docs/model.md §16): refuse where ``crossed``, whatever
        the offer's value and the noise."""
        self.accepted = self.accepted & ~crossed
        return self.accepted

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class Party(Negotiator):
    """A belligerent: every agreement needs its signature."""

    role = "party"


class Mediator(Negotiator):
    """Proposes often, applies leverage; signs only what moves issues it controls."""

    role = "mediator"


class Stakeholder(Negotiator):
    """Outside the table but controls some issues (e.g. sanctions, frozen assets)."""

    role = "stakeholder"


AGENT_TYPES = {cls.role: cls for cls in (Party, Mediator, Stakeholder)}
