"""Decision rules: who must approve a package, and the cheapest winning coalition
(docs/model.md, "Decision rules").

Without rules every party and every controller of a moved issue must accept
(unanimity); nothing here runs then.  A rule for an agenda names bodies that
must each approve, by a weighted vote (majority is the case of unit weights),
and veto players whose consent is always needed.  Members of a body vote in it
instead of holding a veto of their own; parties and controllers outside every
body keep theirs.  The proposer votes aye in its own bodies.

A body's ayes win when they reach every threshold, or, with a blocking
minority k, when fewer than k members fail to vote aye.

Strategic proposers need only a winning set: per world, the coalition of
responders whose demands cost least (:meth:`Rules.coalition`).  A responder's
cost is its shortfall at the proposer's own package (its need less its value
there, at least 0), and a coalition's cost the sum of its members' costs.  A
body with at most :data:`EXACT_UP_TO` other members is solved exactly by
enumerating every subset; a larger one greedily, by cost per unit of
(threshold-normalised) weight, which is exact for equal weights and one
threshold.

The engine knows actors by index only.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

#: bodies with at most this many members besides the proposer are solved by enumeration
EXACT_UP_TO = 12
GROUP = ("truce", "settlement")
SLACK = 1e-9   # weights are sums of a few given numbers: a threshold met to rounding counts
NEVER = 1e300  # the cost of one that will not sign: bought only if no winning set lacks it


@dataclass
class Body:
    """One voting body: members (A,) bool, weights (W, A), thresholds (W,), blocking minority (0: none)."""

    members: np.ndarray
    weights: np.ndarray
    thresholds: np.ndarray
    blocking: int

    def wins(self, yes: np.ndarray) -> np.ndarray:
        """Whether ayes ``yes`` (A, …) bool form a winning set: (…)."""
        y = yes & self.members.reshape((-1,) + (1,) * (yes.ndim - 1))
        total = np.tensordot(self.weights, y.astype(float), axes=(1, 0))       # (W, …)
        ok = (total >= self.thresholds.reshape((-1,) + (1,) * (yes.ndim - 1)) - SLACK).all(axis=0)
        if self.blocking:
            against = self.members.sum() - y.sum(axis=0)
            ok = ok | (against < self.blocking)
        return ok


@dataclass
class AgendaRule:
    """An agenda's rule: bodies and the actors whose consent it always needs (A,) bool."""

    bodies: list[Body]
    vetoes: np.ndarray

    @property
    def members(self) -> np.ndarray:
        """(A,) bool: actors that vote in some body."""
        return np.logical_or.reduce([b.members for b in self.bodies])


class Rules:
    """The decision rules of a scenario: one :class:`AgendaRule` or None (unanimity) per agenda."""

    def __init__(self, agendas: list[AgendaRule | None], n_actors: int):
        self.agendas = agendas
        self.n_actors = n_actors
        self._subsets: dict = {}
        self._inclusion: dict = {}

    def __getitem__(self, g: int) -> AgendaRule | None:
        return self.agendas[g]

    # --- who is asked, who must agree -------------------------------------------
    def voters(self, default: np.ndarray) -> np.ndarray:
        """(G, A): actors asked on each agenda, from the unanimity veto players ``default`` (G, A)."""
        out = default.copy()
        for g, rule in enumerate(self.agendas):
            if rule is not None:
                out[g] = default[g] | rule.members | rule.vetoes
        return out

    def needed(self, default: np.ndarray) -> np.ndarray:
        """(G, A): actors whose consent is always needed (all voters under unanimity)."""
        out = default.copy()
        for g, rule in enumerate(self.agendas):
            if rule is not None:
                out[g] = (default[g] & ~rule.members) | rule.vetoes
        return out

    def passes(self, g: int, yes: np.ndarray, proposer: np.ndarray, outside: np.ndarray) -> np.ndarray:
        """Whether ayes ``yes`` (A, …) pass agenda ``g`` for proposers ``proposer`` (…) ints
        (who vote aye), with ``outside`` (A, …) the veto players outside every body."""
        rule = self.agendas[g]
        idx = np.arange(self.n_actors).reshape((-1,) + (1,) * (yes.ndim - 1))
        aye = yes | (idx == proposer[None])
        need = outside | rule.vetoes.reshape(idx.shape)
        ok = (aye | ~need).all(axis=0)
        for body in rule.bodies:
            ok = ok & body.wins(aye)
        return ok

    # --- coalitions -------------------------------------------------------------
    def coalition(self, g: int, cost: np.ndarray, who: list[int], outside: np.ndarray) -> np.ndarray:
        """The cheapest winning coalition (A_j, P, N) bool of every proposer in ``who`` on
        agenda ``g``: the responders whose demands the proposer meets.  ``cost`` (A_j, P, N)
        each responder's cost (clipped at 0 here; +inf: never in, it will not sign); ``outside`` (A,) the veto players
        outside every body (always in).  Bodies are solved one after the other; an actor
        already in counts as aye at no cost in later bodies."""
        rule = self.agendas[g]
        cost = np.clip(cost, 0.0, NEVER)   # finite, so that 0 × cost is 0 in the sums
        chosen = np.zeros(cost.shape, bool)
        chosen |= (outside | rule.vetoes)[:, None, None]
        for pi, a in enumerate(who):
            chosen[a, pi] = False
            for body in rule.bodies:
                chosen[:, pi] |= self._cheapest(body, a, cost[:, pi], chosen[:, pi])
        return chosen

    def _cheapest(self, body: Body, proposer: int, cost: np.ndarray, already: np.ndarray) -> np.ndarray:
        """(A, N) bool: members added so that ``body`` wins, at least summed cost."""
        others = np.flatnonzero(body.members & (np.arange(self.n_actors) != proposer))
        fixed = already.copy()
        fixed[proposer] = body.members[proposer]
        if others.size <= EXACT_UP_TO:
            return self._enumerated(body, proposer, others, cost, fixed)
        return self._greedy(body, others, cost, fixed)

    def _enumerated(self, body, proposer, others, cost, fixed):
        """Every subset of the other members; the winning one of least cost per world."""
        masks = self._subset_masks(others.size)                                   # (S, m)
        sub_cost = masks @ np.where(fixed[others], 0.0, cost[others])            # (S, N)
        yes = np.zeros((self.n_actors,) + masks.shape[:1] + fixed.shape[1:], bool)   # (A, S, N)
        yes |= fixed[:, None, :]
        yes[proposer] = True
        yes[others] |= masks.T[:, :, None]
        win = body.wins(yes)                                                     # (S, N)
        best = np.argmin(np.where(win, sub_cost, np.inf), axis=0)               # (N,)
        out = np.zeros_like(fixed)
        out[others] = masks[best].T
        return out

    def _subset_masks(self, m: int) -> np.ndarray:
        """(2^m, m) bool, subsets in order of size (ties in cost go to the smaller set)."""
        if m not in self._subsets:
            rows = [c for k in range(m + 1) for c in itertools.combinations(range(m), k)]
            masks = np.zeros((len(rows), m), bool)
            for i, c in enumerate(rows):
                masks[i, list(c)] = True
            self._subsets[m] = masks
        return self._subsets[m]

    def _greedy(self, body, others, cost, fixed):
        """Add members in order of cost per unit of normalised weight until the body wins
        (running sums along the order: one pass, whatever the body's size)."""
        norm = (body.weights[:, others] / body.thresholds[:, None]).sum(axis=0)      # (m,)
        free = fixed[others]                                                      # (m, N)
        c = np.where(free, 0.0, cost[others])
        ratio = np.where(norm[:, None] > 0, c / np.where(norm > 0, norm, 1.0)[:, None],
                         np.where(c > 0, np.inf, 0.0))
        ratio = np.where(free, -1.0, ratio)      # already in: first, and counted in the base
        order = np.argsort(ratio, axis=0, kind="stable")                          # (m, N)
        counted = fixed & body.members[:, None]
        base = body.weights @ counted                                             # (W, N)
        step = np.take(body.weights[:, others], order, axis=1) * ~np.take_along_axis(free, order, 0)[None]
        total = base[:, None] + np.concatenate([np.zeros_like(base)[:, None], np.cumsum(step, axis=1)], axis=1)
        wins = (total >= body.thresholds[:, None, None] - SLACK).all(axis=0)       # (m + 1, N)
        if body.blocking:
            ayes = counted.sum(axis=0) + np.concatenate(
                [np.zeros((1, free.shape[1])), np.cumsum(~np.take_along_axis(free, order, 0), axis=0)])
            wins = wins | (body.members.sum() - ayes < body.blocking)
        first = np.argmax(wins, axis=0)                                           # (N,)
        rank = np.empty_like(order)
        np.put_along_axis(rank, order, np.arange(order.shape[0])[:, None], axis=0)
        out = np.zeros_like(fixed)
        out[others] = rank < first[None]
        return out

    # --- continuation -------------------------------------------------------------
    def inclusion(self, default: np.ndarray) -> np.ndarray:
        """q (A_j, A_p): the chance responder j is in proposer p's coalition, for the
        continuation values (docs/model.md, "Decision rules").  The settlement's rule
        sets it (the truce's when only it has one).  Always-needed actors: 1.  A body
        member: the share of the body's smallest winning sets (members besides the
        proposer, by count) that hold it, counted exactly up to :data:`EXACT_UP_TO`
        other members, else the smallest set's size over the others' number."""
        key = default.tobytes()
        if key not in self._inclusion:   # static: computed once per scenario
            self._inclusion[key] = self._inclusion_of(default)
        return self._inclusion[key]

    def _inclusion_of(self, default: np.ndarray) -> np.ndarray:
        A = self.n_actors
        g = 1 if self.agendas[1] is not None else 0
        rule = self.agendas[g]
        q = np.ones((A, A))
        if rule is None:
            return q
        members = rule.members & ~(rule.vetoes | (default[g] & ~rule.members))
        for p in range(A):
            share = np.zeros(A)
            for body in rule.bodies:
                share = np.maximum(share, self._smallest_sets_share(body, p, rule.vetoes))
            q[members, p] = share[members]
        return q

    def _smallest_sets_share(self, body: Body, p: int, vetoes: np.ndarray) -> np.ndarray:
        """(A,): for each other member, the share of the body's smallest winning sets that hold it."""
        others = np.flatnonzero(body.members & (np.arange(self.n_actors) != p) & ~vetoes)
        fixed = vetoes.copy()
        fixed[p] = body.members[p]
        out = np.zeros(self.n_actors)
        if others.size == 0:
            return out
        if others.size <= EXACT_UP_TO:
            masks = self._subset_masks(others.size)
            yes = np.zeros((self.n_actors, masks.shape[0]), bool)
            yes |= fixed[:, None]
            yes[others] |= masks.T
            win = body.wins(yes)
            if not win.any():
                return out
            size = masks.sum(axis=1)
            smallest = win & (size == size[win].min())
            out[others] = masks[smallest].mean(axis=0)
            return out
        cost = np.ones((self.n_actors, 1))
        chosen = self._greedy(body, others, cost, fixed[:, None])
        out[others] = chosen[others, 0].sum() / others.size
        return out


def build(scenario, actor_names: list[str]) -> Rules | None:
    """The scenario's decision rules as index arrays, or None when every agenda is unanimous."""
    decision = scenario.decision
    if decision is None:
        return None
    who = {a: i for i, a in enumerate(actor_names)}
    A = len(actor_names)
    agendas: list[AgendaRule | None] = []
    for g in GROUP:
        rule = getattr(decision, g)
        agendas.append(None if rule is None else _agenda_rule(rule, who, A))
    if all(r is None for r in agendas):
        return None
    return Rules(agendas, A)


def _agenda_rule(rule, who: dict[str, int], A: int) -> AgendaRule:
    vetoes = np.zeros(A, bool)
    vetoes[[who[a] for a in rule.vetoes]] = True
    return AgendaRule([_body(b, who, A) for b in rule.bodies], vetoes)


def _body(body, who: dict[str, int], A: int) -> Body:
    """A scenario body as arrays: unanimity and majority are unit weights with a count."""
    members = np.zeros(A, bool)
    idx = [who[a] for a in body.voters]
    members[idx] = True
    m = len(idx)
    if body.rule == "qualified":
        tables = [(body.weights, body.threshold)]
        if body.second is not None:
            tables.append((body.second.weights, body.second.threshold))
        weights = np.zeros((len(tables), A))
        for w, (table, _) in enumerate(tables):
            for name, value in table.items():
                weights[w, who[name]] = value
        return Body(members, weights, np.array([t for _, t in tables], float), body.blocking_minority or 0)
    if body.rule == "unanimity":
        need = m
    elif body.share is None:
        need = m // 2 + 1                        # more than half
    else:
        need = int(np.ceil(body.share * m - 1e-9))
    return Body(members, members[None].astype(float), np.array([float(max(need, 1))]), 0)


__all__ = ["EXACT_UP_TO", "AgendaRule", "Body", "Rules", "build"]
