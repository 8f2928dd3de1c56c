"""Mesa agents: one per scenario actor, holding its parameters over all worlds.

An agent's arrays are views into the block's :class:`WorldParams` (axis 0 of
each is the world), so one agent speaks for its actor in every world at once;
with one world it is an ordinary inspectable Mesa agent.
"""

from __future__ import annotations

import mesa
import numpy as np

from .responses import accepts


class Negotiator(mesa.Agent):
    """An actor at the table. ``role`` decides only who must sign and who proposes."""

    role = "actor"

    def __init__(self, model, index: int, name: str):
        super().__init__(model)
        self.index, self.name = index, name
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
        # what happened to this actor in the last round, per world
        self.value = np.full(p.n, np.nan)        # value of the offer on the table
        self.reservation = np.full(p.n, np.nan)  # value of saying no
        self.accepted = np.zeros(p.n, bool)
        self.asked = np.zeros(p.n, bool)

    def respond(self, value, bonus, reservation, shock, asked) -> np.ndarray:
        """Accept where ``value + bonus + τ·ε ≥ reservation`` (quantal response)."""
        self.value, self.reservation, self.asked = value, reservation, asked
        self.accepted = accepts(value, bonus, reservation, self.noise, shock) & asked
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
