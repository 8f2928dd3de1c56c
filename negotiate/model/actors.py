"""Mesa agents: one per scenario actor, holding its parameters over all worlds.

An agent's arrays are views into the block's :class:`WorldParams` (axis 0 of
each is the world), so one agent speaks for its actor in every world at once;
with one world it is an ordinary inspectable Mesa agent.

Agents own their behaviour (docs/model.md, "Agents and the round state"):
each holds its strategy, its private type and red lines, and the round asks
it to ``propose`` and ``respond`` with the round's read-only
:class:`~negotiate.model.round_state.RoundState`.  Strategies are vectorised
over proposers, so agents that share a strategy propose in one call
(:meth:`Negotiator.propose_all`).
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from . import red_lines
from .proposals import SETTLEMENT, Offers
from .responses import accepts, next_stance, stance_shock


@dataclass(frozen=True)
class Tabled:
    """The offer on the table in each world this round, as the responders see it (§10).

    ``proposer``, ``agenda`` (N,) int (``agenda`` 0 where nobody proposes);
    ``proposing`` (N,) bool: an offer is on the table; ``y`` (N, D) the package
    (binary issues rounded); ``value`` (A, N) its exact value to every actor;
    ``asked`` (A, N) bool: who must answer.
    """

    proposer: np.ndarray
    agenda: np.ndarray
    proposing: np.ndarray
    y: np.ndarray
    value: np.ndarray
    asked: np.ndarray


class Negotiator(mesa.Agent):
    """An actor at the table. ``role`` decides only who must sign and who proposes."""

    role = "actor"

    def __init__(self, model, index: int, name: str, strategy=None):
        super().__init__(model)
        self.index, self.name = index, name
        self.strategy = strategy   # its proposal strategy (shared by the agents using the same one)
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
        self.war_cost = p.war_cost[index]      # its type; private where ``private`` (§18)
        self.private = bool(p.private[index]) if p.private is not None else False
        # its red lines as drawn (§16); those in force this round are in the round state's box
        self.red_low, self.red_high = p.red_low[index], p.red_high[index]
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
        self.offered = np.zeros(p.n, bool)       # an offer was on the table
        self.proposed = np.zeros(p.n, bool)      # ... put forward by this actor

    # --- proposing ----------------------------------------------------------------------
    def propose(self, state) -> Offers:
        """This actor's offers on both agendas in round state ``state`` (P = 1)."""
        return self.strategy.propose(state, [self.index])

    @staticmethod
    def propose_all(agents, state, strategies: dict | None = None) -> Offers:
        """Offers of every actor on both agendas, (A, 2, N, D): ``agents`` propose, one
        batched call per strategy they share (in agent order); the other actors' rows
        stay at status quo, infeasible, worth −inf to them (they make no offer).

        ``strategies`` (agent index → strategy), if given, stands in for each agent's own:
        the same strategy for a subset of the block's worlds, when ``state`` is that
        subset's (the model's sweeps over the worlds not yet converged, docs/model.md §8);
        agents sharing a strategy share its stand-in."""
        p = state.params
        A, N, D = p.n_actors, p.n, p.n_issues
        y = np.broadcast_to(p.status_quo, (A, 2, N, D)).copy()
        feasible, own = np.zeros((A, 2, N), bool), np.full((A, 2, N), -np.inf)
        groups: dict[int, tuple] = {}   # id of a strategy -> (the strategy, its agents' indices)
        for agent in agents:
            strategy = agent.strategy if strategies is None else strategies[agent.index]
            groups.setdefault(id(strategy), (strategy, []))[1].append(agent.index)
        for strategy, who in groups.values():
            o = strategy.propose(state, who)
            y[who], feasible[who], own[who] = o.y, o.feasible, o.own
        return Offers(list(range(A)), y, feasible, own)

    # --- responding ---------------------------------------------------------------------
    def respond(self, state, offer: Tabled, shock: np.ndarray) -> np.ndarray:
        """Answer the offer on the table (N,) bool: the quantal response (:meth:`answer`)
        to its value with the bonus and reservation of round state ``state``, and never
        past this actor's red lines in force (§16)."""
        i, worlds = self.index, np.arange(state.params.n)
        bonus = state.bonus[i, offer.proposer, worlds]
        reservation = state.reservation[i, offer.proposer, worlds]
        self.offered = offer.proposing
        self.proposed = offer.proposing & (offer.proposer == i)
        yes = self.answer(offer.value[i], bonus, reservation, shock, offer.asked[i],
                          agenda=offer.agenda, t=state.round)
        if state.red_box is not None:
            yes = self.refuse(red_lines.refusal(state.red_box, i, offer.y, offer.agenda))
        return yes

    def answer(self, value, bonus, reservation, shock, asked, agenda=None, t: int = 0) -> np.ndarray:
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

    @property
    def belief(self):
        """The public belief about this actor's private type, (lo, hi) (N,) each: its war
        cost is in [lo, hi] (§18); None when its type is not private."""
        beliefs = self.model.beliefs
        if not self.private or beliefs is None:
            return None
        return beliefs.lo[self.index], beliefs.hi[self.index]

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


def _world0(attribute, shown_if=None):
    """A reporter of an agent's ``attribute`` in world 0 (NaN where ``shown_if`` is False there)."""
    def report(agent):
        if shown_if is not None and not getattr(agent, shown_if)[0]:
            return np.nan
        value = getattr(agent, attribute)
        return np.nan if value is None else value[0].item()
    return report


#: what each agent reports every round of a recorded run (world 0), for Mesa's DataCollector:
#: whether an offer was on the table and it made it, whether it was asked, the offer's
#: value to it (NaN: no offer), its reservation value, its answer (NaN: not asked), its
#: stance z (§17; NaN until stances move)
AGENT_REPORTERS = {
    "actor": "name",
    "offered": _world0("offered"),
    "proposed": _world0("proposed"),
    "asked": _world0("asked"),
    "value": _world0("value", shown_if="offered"),
    "reservation": _world0("reservation"),
    "accepted": _world0("accepted", shown_if="asked"),
    "stance": _world0("stance"),
}
