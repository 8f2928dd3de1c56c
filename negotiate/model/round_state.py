"""The round state: everything agents and strategies read in a round, declared and read-only.

The model builds one :class:`RoundState` per round (docs/model.md, "Agents and
the round state") once the war has moved and the status values are known, and
hands it to the agents: strategies plan on it (``propose(state, who)``),
responders answer with it.  Nothing else of the model is visible to them.

Within a round the fixed point of the continuation values (docs/model.md §8)
tries several proposer values; each sweep is a copy of the round's state with
that sweep's ``proposer_value``, ``reservation`` and ``need``
(:meth:`RoundState.for_sweep`, a shallow copy: no array is copied), and
screening private responders (§18) or pricing drafted truces (§15) moves
``need`` the same way.  After the bargaining the model keeps the state of the
sweep it settled on, with the new proposer values (:attr:`NegotiationModel.state`).

Every array in a state is a read-only view (writing raises ``ValueError``);
arrays the model changes in place later in the round (``phase``, ``truce_age``)
are copied first, so a state never changes under its reader.  The block constants
``params`` and ``valuation`` are read-only copies (:func:`read_only_copy`, made once
per block: their arrays read-only views, their attributes not settable), so a reader
cannot change the model through them either; the model keeps its own, writable.
"""

from __future__ import annotations

import dataclasses
from dataclasses import FrozenInstanceError, dataclass
from types import MappingProxyType

import numpy as np

from .params import WorldParams
from .red_lines import RedBox
from .responses import with_option
from .values import Valuation

TRUCE, SETTLEMENT = 0, 1   # as in proposals (not imported: proposals imports this module)
WAR = 0                    # the model's phase code of a world at war


def read_only(value):
    """A read-only view of an array (tuples of arrays element by element); others as they are."""
    if isinstance(value, np.ndarray):
        view = value.view()
        view.flags.writeable = False
        return view
    if isinstance(value, tuple):
        return tuple(read_only(v) for v in value)
    return value


class _ReadOnly:
    """Mixin of the read-only copies: no attribute may be set or deleted."""

    __slots__ = ()

    def __setattr__(self, name, value):
        raise FrozenInstanceError(f"cannot assign to {type(self).__name__}.{name}: "
                                  "the round state is read-only")

    def __delattr__(self, name):
        raise FrozenInstanceError(f"cannot delete {type(self).__name__}.{name}: "
                                  "the round state is read-only")


def _read_only_class(cls: type) -> type:
    """The read-only subclass of dataclass ``cls`` (made once; a subclass, so
    ``isinstance`` and the methods are those of ``cls``)."""
    if cls not in _READ_ONLY_CLASSES:
        name = f"ReadOnly{cls.__name__.lstrip('_')}"
        _READ_ONLY_CLASSES[cls] = type(name, (_ReadOnly, cls), {
            "__doc__": f"A read-only copy of a :class:`{cls.__name__}` (see :func:`read_only_copy`).",
            "__module__": __name__})
    return _READ_ONLY_CLASSES[cls]


_READ_ONLY_CLASSES: dict[type, type] = {}


def read_only_copy(value, _memo: dict | None = None):
    """A read-only copy of ``value`` sharing its arrays: arrays become read-only views,
    dataclass instances copies whose attributes cannot be set (their fields copied so,
    recursively), lists and tuples tuples, dicts read-only mappings; others are shared.
    An object met twice (a Valuation's params) gives the same copy.  No array is copied,
    so the numbers read are the model's own bits."""
    memo = {} if _memo is None else _memo
    if id(value) in memo:
        return memo[id(value)]
    if isinstance(value, np.ndarray):
        out = read_only(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = object.__new__(_read_only_class(type(value)))
        memo[id(value)] = out
        vars(out).update({k: read_only_copy(v, memo) for k, v in vars(value).items()})
    elif isinstance(value, (list, tuple)):
        out = tuple(read_only_copy(v, memo) for v in value)
    elif isinstance(value, dict):
        out = MappingProxyType({k: read_only_copy(v, memo) for k, v in value.items()})
    else:
        return value
    memo[id(value)] = out
    return out


@dataclass(frozen=True)
class RoundState:
    """What every agent and strategy may read in round ``round`` (arrays: actors first, worlds last).

    Block constants (the same every round until finished worlds are dropped):

    - ``params`` — the worlds' drawn parameters (:class:`WorldParams`), a read-only copy.
    - ``valuation`` — the value functions (:class:`Valuation`, docs/model.md §2–§6), a
      read-only copy whose ``params`` is ``params``.
    - ``veto`` (G, A) bool — who is asked on each agenda (§10; "Decision rules" adds voters).

    The world now (§3–§5, after this round's war or truce moved it):

    - ``balance`` (N,) — the front.
    - ``phase`` (N,) int — 0 war, 1 truce, 2 over (a copy).
    - ``truce_age`` (N,) — in worlds in a truce (``phase`` 1), rounds the truce in force
      has held (a copy); elsewhere it keeps the count its last truce ended with (0 if
      none yet) and means nothing.
    - ``belief`` (A, N) — each actor's believed drift of the front (§4).
    - ``status`` (A, N) — value of the status, the war or the truce in force (§4, §5).
    - ``bonus`` (A_j, A_p, N) — leverage: what accepting p's offer is worth to j (§11).
    - ``allowed`` (G, N) bool — agendas open in each world (§7, §15, §16).
    - ``option`` (A_j, A_p, N) — f, the weight of bargaining on (§8).
    - ``red_box`` — this round's red lines, or None (§16).
    - ``truce_terms`` — a new truce's flow, δ^L (A, N) and the war after it as a
      quadratic in the arms term, three (A, N) (§5, §9), or None in a state built
      without them.

    One sweep of the fixed point (§8):

    - ``proposer_value`` (A, N) — P, each actor's value of proposing.
    - ``reservation`` (A_j, A_p, N) — ``S + f·max(0, P − S)``; None before the first sweep.
    - ``need`` (A_j, A_p, N), or (A_j, A_p, G, N) while proposers screen private
      responders (§18) or price drafted truces (§15) — what p must offer j:
      reservation less bonus plus the noise margin.
    - ``bare_need`` (A_j, A_p, G, N) or None — while screening, the need without the
      margin at the screened type (§18).
    """

    round: int
    params: WorldParams
    valuation: Valuation
    veto: np.ndarray
    balance: np.ndarray
    phase: np.ndarray
    truce_age: np.ndarray
    belief: np.ndarray
    status: np.ndarray
    bonus: np.ndarray
    allowed: np.ndarray
    option: np.ndarray
    red_box: RedBox | None
    truce_terms: tuple | None
    proposer_value: np.ndarray
    reservation: np.ndarray | None = None
    need: np.ndarray | None = None
    bare_need: np.ndarray | None = None

    def __post_init__(self):
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (np.ndarray, tuple)):
                object.__setattr__(self, f.name, read_only(value))

    def replace(self, **changes) -> RoundState:
        """A copy with ``changes`` (read-only too); arrays not changed are shared.

        Made field by field rather than by ``dataclasses.replace``: a round makes one per
        sweep and screened type, and the fields not changed are read-only already."""
        unknown = set(changes) - _FIELDS
        if unknown:
            raise TypeError(f"RoundState has no field(s) {sorted(unknown)}")
        new = object.__new__(RoundState)
        new.__dict__.update(self.__dict__)
        new.__dict__.update({name: read_only(value) for name, value in changes.items()})
        return new

    def take(self, keep: np.ndarray, params: WorldParams, valuation: Valuation) -> RoundState:
        """The same state for a subset ``keep`` (indices) of its worlds, with ``params`` and
        ``valuation`` those worlds' (read-only copies, as the model makes them).

        Every array's world axis is its last (``truce_terms`` element by element,
        ``red_box`` by :meth:`RedBox.take`); ``veto`` has none.  Each world's numbers are
        its own, so the subset's are the bits of the whole's (the model evaluates a
        sweep of the fixed point on the worlds not yet converged only, docs/model.md §8)."""
        def cut(value):
            if value is None:
                return None
            if isinstance(value, tuple):
                return tuple(cut(v) for v in value)
            return np.take(value, keep, axis=-1)

        changes = {name: cut(getattr(self, name)) for name in _PER_WORLD}
        return RoundState(round=self.round, params=params, valuation=valuation, veto=self.veto,
                          red_box=self.red_box.take(keep) if self.red_box is not None else None,
                          **changes)

    def for_sweep(self, proposer_value: np.ndarray, margin: np.ndarray) -> RoundState:
        """The state of one sweep of the fixed point with proposer values ``proposer_value``
        (A, N): reservations ``S + f·max(0, P − S)`` (§8) and what each proposer must offer
        each responder, its reservation less the bonus plus ``margin`` (A_j, 1, N), the
        safety margin against its response noise."""
        reservation = with_option(self.status[:, None, :], proposer_value[:, None, :], self.option)
        need = reservation - self.bonus + margin
        return self.replace(proposer_value=proposer_value, reservation=reservation, need=need,
                            bare_need=None)

    # --- values of packages (what strategies ask for) ------------------------------
    def settlement_values(self, u, y, belief, where=None):
        """Settlement values given utilities u (A, …, N) of packages y (…, N, D) (§6)."""
        v = self.valuation
        if not v.durable:
            return u
        line, extra = v.settlement_line_and_drift(y)
        if line is None:
            line = np.broadcast_to(self.balance, extra.shape)
        return v.settlement_value(u, line, extra, belief, where=where)

    def package_values(self, y, who: list[int], pairs: np.ndarray | None = None, *,
                       truce_worlds: np.ndarray | None = None,
                       in_force: np.ndarray | None = None) -> np.ndarray:
        """Exact values (A, P, G, N) of packages y (P, G, N, D) put forward by ``who``.

        ``pairs`` (P, G) bool: value only these (proposer, agenda) pairs, and
        truces only in worlds at war (where one may be agreed); the rest are 0.
        ``truce_worlds`` (N,) bool, if given, replaces that choice of worlds: the war
        after a truce is computed only there (elsewhere it counts as 0, so the truce's
        value there is meaningless); a caller that reads only some worlds skips the rest
        (each world's value is computed alone, so those read keep their bits).
        ``in_force`` (A, T, N), if given: the truces' values in force, before the option of
        talks (:meth:`truce_in_force` of the truce rows), computed before.
        """
        p, v = self.params, self.valuation
        P = len(who)
        out = np.zeros((p.n_actors, P, 2, p.n))
        rows = [np.arange(P) if pairs is None else np.flatnonzero(pairs[:, g]) for g in (TRUCE, SETTLEMENT)]
        if rows[SETTLEMENT].size:
            ys = y[rows[SETTLEMENT], SETTLEMENT]                                   # (S, N, D)
            u, _ = v.package_losses(ys)
            out[:, rows[SETTLEMENT], SETTLEMENT] = self.settlement_values(u, ys, self.belief[:, None, :])
        if rows[TRUCE].size:
            where = None if pairs is None else self.phase == WAR
            if truce_worlds is not None:
                where = truce_worlds
            truce_v = self.truce_in_force(y[rows[TRUCE], TRUCE], where) if in_force is None else in_force
            proposers = [who[i] for i in rows[TRUCE]]
            out[:, rows[TRUCE], TRUCE] = with_option(truce_v, self.proposer_value[:, None],
                                                     self.option[:, proposers])
        return out

    def truce_in_force(self, yt, where=None) -> np.ndarray:
        """(A, T, N): everyone's value of truces yt (T, N, D) in force at once, before the
        option of talks going on; ``where`` as in :meth:`Valuation.truce_value`.  It does
        not depend on the sweep (nor on the proposer value)."""
        p, v = self.params, self.valuation
        _, tl = v.package_losses(yt, masked=True)
        arms = yt[..., p.regen_issue] if p.regen_issue >= 0 else np.zeros(yt.shape[:2])
        return v.truce_value(tl, self.balance, arms, self.belief, p.truce_length, where=where)

    def own_truce_values(self, y, who: list[int], read: np.ndarray | None = None) -> np.ndarray:
        """(P, …, N): each proposer's exact value of its own truces y (P, …, N, D) — the
        entries ``package_values(…)[who[i], i, TRUCE]`` (truces valued in worlds at war
        only), the same bits, computed for that actor alone.  ``read`` (N,) bool: only
        these worlds are computed (the others are meaningless)."""
        p, v = self.params, self.valuation
        where = self.phase == WAR if read is None else (self.phase == WAR) & read
        out = np.empty(y.shape[:-1])
        for i, a in enumerate(who):
            yt = y[i]                                                              # (…, N, D)
            _, tl = v.package_losses(yt, masked=True, where=read, actors=[a])     # (1, …, N)
            arms = yt[..., p.regen_issue] if p.regen_issue >= 0 else np.zeros(yt.shape[:-1])
            truce_v = v.truce_value(tl, self.balance, arms, self.belief[[a]], p.truce_length, where=where,
                                    actors=[a])
            out[i] = with_option(truce_v[0], self.proposer_value[a], self.option[a, a])
        return out

    def truce_terms_now(self):
        """This round's pieces of a new truce's value: flow, δ^L, and W after it
        as a quadratic in the arms term (see :meth:`Valuation.war_after_truce`)."""
        if self.truce_terms is None:
            raise RuntimeError("this round state was built without the truce terms")
        return self.truce_terms


_FIELDS = frozenset(f.name for f in dataclasses.fields(RoundState))
#: the fields with a world axis (the last), as :meth:`RoundState.take` cuts them
_PER_WORLD = ("balance", "phase", "truce_age", "belief", "status", "bonus", "allowed", "option",
              "truce_terms", "proposer_value", "reservation", "need", "bare_need")


def truce_terms(valuation: Valuation, balance, belief, phase, truce_length):
    """(flow, δ^L, (w0, w1, w2)): a new truce's flow and fade, and the war after it, (A, N)
    each; only worlds at war may agree a new truce, the others' war after it is 0."""
    flow, fade = valuation.truce_flow(balance, truce_length)
    after = valuation.war_after_truce(balance, belief, truce_length, where=phase == WAR)
    return flow, fade, after


__all__ = ["RoundState", "read_only", "read_only_copy", "truce_terms"]
