"""Proposal strategies behind one small interface, and a registry of them.

A strategy computes, for a set of would-be proposers and both agendas
(``truce``, ``settlement``), a package per world, whether it predicts every
veto player accepts it, and what the package is worth to the proposer.  The
shared :func:`choose` then picks each proposer's agenda.  A new strategy is one
class with a ``propose`` method plus one line in :data:`STRATEGIES`.

Packages are full ``(…, N, D)`` arrays: the agenda's issues carry the offer,
the other issues their status quo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from . import contract_curve, kernels, red_lines, segments
from .round_state import RoundState
from .values import issue_loss

TRUCE, SETTLEMENT = 0, 1


@dataclass
class Offers:
    """Offers of proposers ``who`` on both agendas: y (P, 2, N, D); feasible, own (P, 2, N)."""

    who: list[int]
    y: np.ndarray
    feasible: np.ndarray
    own: np.ndarray


class Strategy(Protocol):
    """``Strategy(params, valuation, red_box)`` builds from the block's per-world
    parameters, value functions and first red lines (None: none); when finished
    worlds are dropped it is built again for the remaining ones, unless it has a
    cheaper ``take(keep, params)``; a sweep of the fixed point over the worlds not yet
    converged (docs/model.md §8) uses ``cut(keep)`` if it has one (the strategy as it
    stands, for those worlds), else the same.  ``propose(state, who)`` plans on the
    round's read-only :class:`~negotiate.model.round_state.RoundState`, never on the model."""

    name: str

    def propose(self, state: RoundState, who: list[int]) -> Offers: ...


def agenda_mask(params) -> np.ndarray:
    """Issues each agenda moves: (2, D). A settlement settles everything."""
    return np.stack([params.truce_issue, np.ones(params.n_issues, bool)])


def veto_players(params) -> np.ndarray:
    """(2, A) bool: the actors asked on each agenda.  Unanimity: parties plus the
    controllers of any issue on the agenda; a decision rule adds its voters."""
    default = unanimity_veto(params)
    return default if params.rules is None else params.rules.voters(default)


def unanimity_veto(params) -> np.ndarray:
    """(2, A) bool: parties plus the controllers of any issue on the agenda."""
    moved = agenda_mask(params)
    ctl = (moved[:, :, None] & params.controllers[None]).any(axis=1)
    return ctl | params.is_party[None]


def needed_players(params) -> np.ndarray:
    """(2, A) bool: actors whose consent every package on the agenda needs."""
    default = unanimity_veto(params)
    return default if params.rules is None else params.rules.needed(default)


def stalled_to_horizon(params) -> np.ndarray:
    """(N,) bool: in the horizon's round a party whose consent every agreement on an agenda
    needs still stalls on it (docs/model.md §12, "Why no agreement"; §17), the agenda open
    in the scenario (some actor may propose it).  A stalling actor refuses every settlement,
    and every truce where it stalls truces too.  Only parties (and a decision rule's vetoes)
    count: a controller is asked only when a package moves its issue, a body member can be
    outvoted.  Read from the per-world draws, so it moves no draw and no result."""
    always = np.broadcast_to(params.is_party, (2, params.n_actors))
    if params.rules is not None:
        always = params.rules.needed(always)                                 # (G, A)
    stalling = params.insincere_until >= params.horizon                      # (A, N)
    blocks = np.stack([stalling & params.insincere_truces, stalling])        # (G, A, N)
    open_ = params.agendas.any(axis=0)                                       # (G,)
    return (open_[:, None, None] & always[:, :, None] & blocks).any(axis=(0, 1))


#: the need of a responder outside the proposer's coalition: never binds (finite, so the
#: planner's quadratic roots stay finite)
NOT_NEEDED = -1e300


class Strategic:
    """Closest package to the proposer's ideal that every veto player accepts.

    The proposer searches along segments from its ideal toward a few targets
    (the salience-weighted ideal of the other veto players, and each of their
    ideals), stopping on each at the smallest acceptable step (a closed form,
    see :mod:`negotiate.model.segments`), and keeps the acceptable package it
    likes best.  Issues the proposer does not care about are conceded outright.
    """

    name = "strategic"

    def __init__(self, params, valuation, red_box=None):
        self._box = red_box     # the red lines the segments are clipped to (None: none)
        self._build(params, valuation)

    def _build(self, p, valuation) -> None:
        """The segments and every responder's loss (and resumed war) along them."""
        self._build_segments(p)
        self._resumed_key = None
        self.loss_coef = _loss_coefficients(p, self.start, self.delta)   # 3 × (A_resp, A_prop, G, K, N)
        self.durable = valuation.durable
        if self.durable:  # where a broken settlement would leave the war, at λ = 0, ½, 1
            pts = (self.start[:, SETTLEMENT, :, None]
                   + segments.POINTS[:, None, None] * self.delta[:, SETTLEMENT, :, None])
            line, self.resume_drift = valuation.settlement_line_and_drift(pts)  # (A_prop, K, 3, N)
            self.resume_line = line if line is not None else None

    def _build_segments(self, p) -> None:
        """(proposer, agenda, target, N, D): the segments, and their arms term (A_prop, K, N)."""
        one = (p.rules is not None and p.concessions != "contract_curve"
               and all(p.rules[g] is not None for g in (TRUCE, SETTLEMENT)))
        if one:   # one segment per agenda, toward the coalition (docs/model.md, "Decision rules")
            self.start, self.delta = _first_segments(p)
        else:
            self.start, self.delta = kernels.segments(p.ideal, p.salience, p.status_quo, veto_players(p),
                                                      agenda_mask(p))
        if p.concessions == "contract_curve":   # issue by issue along the curve, in the red lines (§9)
            weight = np.where(np.arange(2)[:, None] == TRUCE, p.truce_issue, True)
            ratio = contract_curve.ratios(p.salience, veto_players(p), weight)
            box = (self._box.lo, self._box.hi) if self._box is not None else None
            self.start, self.delta = contract_curve.chords(self.start, self.delta, ratio, p.exponent == 2, box)
            self.live = (self.delta != 0).any(axis=(3, 4))     # chords of length 0 everywhere: skipped
            self.live[:, :, 0] = True
        else:
            if self._box is not None:   # inside every veto player's red lines (docs/model.md §16)
                self.start, self.delta = red_lines.clip_segments(self.start, self.delta, self._box)
            self.live = np.ones(self.start.shape[:3], bool)
            if p.rules is not None:
                for g in (TRUCE, SETTLEMENT):
                    if p.rules[g] is not None:
                        self.live[:, g, 1:] = False
        r = p.regen_issue
        zero = np.zeros((p.n_actors, self.start.shape[2], p.n))    # (A_prop, K, N): no arms term
        self.arms0 = np.ascontiguousarray(self.start[:, TRUCE, ..., r]) if r >= 0 else zero
        self.arms_step = np.ascontiguousarray(self.delta[:, TRUCE, ..., r]) if r >= 0 else zero

    def take(self, keep, params) -> Strategic:
        """The same strategy for a subset ``keep`` of worlds (``params``: theirs).

        Every entry depends on its own world only, so rebuilding the segments
        (a cheap kernel) and slicing the rest gives the numbers slicing all
        would, for less than copying the (…, N, D) segment arrays.
        """
        new = self._sliced(keep)
        new._build_segments(params)
        return new

    def cut(self, keep) -> Strategic:
        """The same strategy for worlds ``keep`` (indices) within a round, as it stands:
        the model's sweeps of the fixed point over the worlds not yet converged
        (docs/model.md §8).  Every per-world array is sliced (segments a decision rule
        pointed at a coalition included) and the chords' ``live`` stays the block's, so
        the worlds kept plan to the bit as in the block."""
        new = self._sliced(keep)
        new.start, new.delta = (np.take(a, keep, axis=3) for a in (self.start, self.delta))
        new.live = self.live
        new.arms0, new.arms_step = (np.take(a, keep, axis=-1) for a in (self.arms0, self.arms_step))
        if getattr(self, "_resumed_key", None) is not None:   # the resumed war, for these worlds
            new._resumed = tuple(np.take(o, keep, axis=-1) for o in self._resumed)
            new._resumed_key, new._resumed_belief = self._resumed_key, np.take(self._resumed_belief, keep, axis=-1)
        return new

    def _sliced(self, keep) -> Strategic:
        """A new strategy holding worlds ``keep`` of this one's red lines, losses along the
        segments and resumed-war fit (its segments are set by :meth:`take` or :meth:`cut`)."""
        new = object.__new__(Strategic)
        new._box = self._box.take(keep) if self._box is not None else None
        new.loss_coef = tuple(np.take(coef, keep, axis=-1) for coef in self.loss_coef)
        new.durable = self.durable
        if self.durable:
            new.resume_drift = np.take(self.resume_drift, keep, axis=-1)
            new.resume_line = np.take(self.resume_line, keep, axis=-1) if self.resume_line is not None else None
        new._resumed_key = None
        return new

    def _coalitions(self, state, who, need, flow, fade, war_after) -> np.ndarray:
        """(A, P, G, N) bool: per agenda with a decision rule, each proposer's cheapest
        winning coalition (:meth:`negotiate.model.rules.Rules.coalition`); True everywhere
        on unanimous agendas.  A responder's cost is its need less its value of the
        proposer's own package (the segments' start; a settlement's utility, its breakdown
        risk left out); the first segment then runs toward the coalition
        (:meth:`_coalition_target`)."""
        p = state.params
        chosen = np.ones(need.shape, bool)
        default = unanimity_veto(p)
        w0, w1, w2 = war_after
        for g in (TRUCE, SETTLEMENT):
            rule = p.rules[g]
            if rule is None:
                continue
            l0 = self.loss_coef[0][:, who, g, 0]                                 # (A_j, P, N)
            if g == SETTLEMENT:
                value = 1.0 - l0
            else:   # the truce at the start, with the option of talks going on (as the planner)
                a = self.arms0[who, 0][None]                                     # (1, P, N)
                keep = 1.0 - fade[:, None]
                v = keep * (flow[:, None] - l0) + fade[:, None] * (w0[:, None] + w1[:, None] * a
                                                                   + w2[:, None] * a * a)
                hope = state.proposer_value[:, None]
                value = v + state.option[:, who] * np.maximum(hope - v, 0.0)
            cost = np.where(p.signs[:, g, None, None], need[:, :, g] - value, np.inf)  # never bought: refuses
            chosen[:, :, g] = p.rules.coalition(g, cost, who, default[g] & ~rule.members)
            self._coalition_target(state, who, g, chosen[:, :, g], np.where(chosen[:, :, g], np.maximum(cost, 0.0), 0.0))
        return chosen

    def _coalition_target(self, state, who, g, chosen, cost) -> None:
        """Point the first segment of agenda ``g`` at the coalition's ideals, each weighted by
        its salience and its cost (what it lacks at the start: concessions in proportion to
        it meet every member's need at one step where utilities are linear in the shares),
        the plain salience-weighted mean where no member lacks anything; then refit what
        depends on the segment (losses, arms term, resumed war).  Along the contract curve
        the chords keep pooling every voter (documented)."""
        p = state.params
        if p.concessions == "contract_curve":
            return
        lacking = chosen & (cost > 0)                                             # (A, P, N)
        weight = np.where(lacking.any(axis=0)[None], np.where(lacking, cost, 0.0), chosen)
        wsum = np.einsum("apn,and->pnd", weight, p.salience)                      # (P, N, D)
        num = np.einsum("apn,and->pnd", weight, p.salience * p.ideal)
        s = self.start[who, g, 0]                                                 # (P, N, D)
        mean = np.where(wsum > 0, num / np.where(wsum > 0, wsum, 1.0), s)
        end = np.where(agenda_mask(p)[g], mean, p.status_quo[None])
        if self._box is not None:   # inside the red lines, as every segment
            end = np.minimum(np.maximum(end, self._box.lo[who, g]), self._box.hi[who, g])
        self.delta[who, g, 0] = end - s
        weight = np.where(np.arange(2)[:, None] == TRUCE, p.truce_issue, True).astype(float)[g:g + 1]
        st, dl = (np.ascontiguousarray(a[who, g, 0][:, None, None]) for a in (self.start, self.delta))
        out = kernels.loss_coefficients(p.salience, p.ideal, weight, st, dl, p.exponent == 2)
        for coef, new in zip(self.loss_coef, out):
            coef[:, who, g, 0] = new[:, :, 0, 0]
        r = p.regen_issue
        if g == TRUCE and r >= 0:
            self.arms_step[who, 0] = self.delta[who, TRUCE, 0, :, r]
        if g == SETTLEMENT and self.durable:
            pts = (self.start[who, SETTLEMENT, :1, None]
                   + segments.POINTS[:, None, None] * self.delta[who, SETTLEMENT, :1, None])
            line, drift = state.valuation.settlement_line_and_drift(pts)           # (P, 1, 3, N)
            self.resume_drift[who, :1] = drift
            if self.resume_line is not None:
                self.resume_line[who, :1] = line
            self._resumed_key = None

    def _resumed_war(self, state, who, settles):
        """The war a broken settlement would leave, as a quadratic along each segment:
        3 × (A, P, K, N), zero for proposers that never propose a settlement.

        It depends on beliefs, not on the front or the sweep, and beliefs change
        only when the drift does (events, pressure): computed when they change.
        """
        key = (tuple(who), tuple(settles))
        if (getattr(self, "_resumed_key", None) == key
                and np.array_equal(self._resumed_belief, state.belief)):
            return self._resumed
        A, N = state.params.n_actors, state.params.n
        K = self.start.shape[2]
        out = tuple(np.zeros((A, len(who), K, N)) for _ in range(3))
        rows = [i for i, s in enumerate(settles) if s]
        if rows:
            sel = [who[i] for i in rows]
            line = (self.resume_line[sel] if self.resume_line is not None
                    else np.broadcast_to(state.balance, self.resume_drift[sel].shape))
            resumed = state.valuation.war_value(line, state.belief[:, None, None, None, :] + self.resume_drift[sel],
                                              victories=False)                   # (A, P', K, 3, N)
            fit = segments.fit_quadratic(resumed[..., 0, :], resumed[..., 1, :], resumed[..., 2, :])
            for o, c in zip(out, fit):
                o[:, rows] = c
        self._resumed, self._resumed_key, self._resumed_belief = out, key, state.belief.copy()
        return out

    def propose(self, state, who: list[int]) -> Offers:
        """Plan every proposer's offers (:func:`negotiate.model.kernels.strategic_plan`):
        each responder's value along each segment as a quadratic in the step λ —
        the truce's flow, the war after it (quadratic in the arms term) and the
        option of talks going on (fitted through λ = 0, ½, 1), or the settlement's
        utility mixed with the war its breakdown would resume — then the smallest
        step every veto player accepts, and the acceptable target best for the
        proposer (if none is, the first target's most accommodating step).
        With ``bargaining.planning: exact`` the plans are then checked and
        corrected on the exact values (:func:`_judged_exactly`)."""
        p = state.params
        if state.red_box is not self._box:   # red lines followed the front or gave way (§16)
            if not state.red_box.same_as(self._box):
                self._box = state.red_box
                self._build(state.params, state.valuation)
            self._box = state.red_box
        P, A = len(who), p.n_actors
        may = p.agendas[who]                                                   # (P, G)
        open_pairs = may[:, :, None] & state.allowed[None]                       # (P, G, N)
        if self._box is not None:   # no package inside the red lines: nothing to plan there
            open_pairs = open_pairs & ~self._box.blocked[who]
        not_self = np.ones((A, P), bool)
        not_self[who, np.arange(P)] = False
        binding = state.veto.T[:, None, :] & not_self[:, :, None]                # (A, P, G)
        c = np.ascontiguousarray
        flow, fade, war_after = state.truce_terms_now()
        flow, fade, w0, w1, w2 = (c(v) for v in (flow, fade, *war_after))
        resumed = {}

        def plan(need):
            if not resumed:   # after the coalitions, which may move segments
                resumed["r"] = (self._resumed_war(state, who, may[:, SETTLEMENT]) if self.durable
                                else (np.zeros((A, P, self.start.shape[2], 1)),) * 3)  # never read
            r0, r1, r2 = resumed["r"]
            survival = state.valuation.survival if self.durable else np.zeros((A, 1))
            return kernels.strategic_plan(
                np.asarray(who, np.int64), open_pairs, state.veto.T[:, None, :] & not_self[:, :, None],
                *self.loss_coef, flow, fade, w0, w1, w2,
                self.arms0, self.arms_step, c(state.option), c(state.proposer_value), self.durable, c(survival),
                r0, r1, r2, c(need), self.start, self.delta, self.live)

        need = _needs(state, who)                                                # (A, P, G, N)
        if p.rules is not None:   # only a winning coalition's needs bind (docs/model.md, "Decision rules")
            chosen = self._coalitions(state, who, need, flow, fade, (w0, w1, w2))
            need = np.where(chosen, need, NOT_NEEDED)
            binding = binding[..., None] & chosen
        y, feasible, own, target = plan(need)
        if p.planning == "exact":
            y, feasible, own, target = _judged_exactly(state, who, binding, need, plan, (y, feasible, own, target))
        offers = Offers(who, y, feasible, own)
        if p.binary.any():
            offers = _round_binaries(state, offers, target)
        return offers


def _first_segments(p):
    """Only the first of :func:`negotiate.model.kernels.segments`' segments, (A, G, 1, N, D):
    from the proposer's ideal (the other voters' salience-weighted mean on issues it does
    not care about) toward that mean; where a rule holds the target is then the coalition's."""
    voters, moved = veto_players(p), agenda_mask(p)
    start = np.empty((p.n_actors, 2, 1, p.n, p.n_issues))
    delta = np.empty_like(start)
    for g in (TRUCE, SETTLEMENT):
        w = voters[g][:, None, None] * p.salience                                  # (A, N, D)
        wsum, num = w.sum(axis=0), (w * p.ideal).sum(axis=0)
        others, others_num = wsum[None] - w, num[None] - w * p.ideal                # without each a
        mean = np.where(others > 0, others_num / np.where(others > 0, others, 1.0), p.ideal)
        s = np.where(p.salience > 0, p.ideal, mean)
        start[:, g, 0] = np.where(moved[g], s, p.status_quo[None])
        delta[:, g, 0] = np.where(moved[g], mean, p.status_quo[None]) - start[:, g, 0]
    return start, delta


#: correction passes of exact planning; a pass is made when some responder falls short of
#: its need by more than this share of its response noise τ (or 1e-9 when τ = 0)
EXACT_PASSES, SHORT_OF_TAU, SHORTFALL = 2, 0.01, 1e-9


def _judged_exactly(state, who, binding, need, plan, planned):
    """``planning: exact``: value the planned packages exactly and correct the plans.

    The fits the planner uses (docs/model.md §9) can put an offer short of a
    responder's need.  Each pass raises every such responder's need by its
    shortfall and plans again (the fit's error near the new step is then
    counted in); a world is corrected only while one of its responders is
    short by more than 1 % of its noise τ (it would accept less than 0.25 %
    less often), so no world's plan depends on the others of its block, and
    passes stop when no world is, or after :data:`EXACT_PASSES`.  The proposer's own value is then the exact one,
    and an offer is feasible only if every binding veto player's exact value,
    with its bonus, reaches its reservation: it accepts at zero noise.  Only
    the (proposer, agenda) pairs the proposers may put forward are valued.
    ``planned`` is the first plan, (y, feasible, own, target), as
    ``plan(need)`` returns it.
    """
    y, feasible, own, target = planned
    p = state.params
    pairs = p.agendas[who]                                              # (P, G)
    bind = binding[..., None] if binding.ndim == 3 else binding         # (A, P, G, 1 or N)
    tolerance = np.maximum(SHORT_OF_TAU * p.noise[:, None, None, :], SHORTFALL)
    values = state.package_values(y, who, pairs)                          # (A, P, G, N)
    for _ in range(EXACT_PASSES):
        short = np.where(bind & feasible[None], need - values, 0.0)
        # a world is corrected only if one of its own responders is short: whether other
        # worlds of the block are must not move it (the same numbers whatever the chunks)
        again = (short > tolerance).any(axis=(0, 1, 2))                     # (N,)
        if not again.any():
            break
        need = need + np.where(again, np.maximum(short, 0.0), 0.0)
        y, feasible, own, target = plan(need)
        values = state.package_values(y, who, pairs)
    valued = pairs[:, :, None] & state.allowed[None]                      # (P, G, N), as the planner
    own = np.where(valued, values[who, np.arange(len(who))], own)
    bare = ((state.reservation - state.bonus)[:, who][:, :, None, :] if state.bare_need is None
            else state.bare_need[:, who])   # a private responder's at the cutoff type (§18)
    feasible = feasible & np.where(bind, values >= bare - 1e-9, True).all(axis=0)
    return y, feasible, own, target


def _needs(state, who: list[int]) -> np.ndarray:
    """What proposers ``who`` must give every responder (A, P, G, N): ``state.need`` is
    (A_j, A_p, N), or (A_j, A_p, G, N) while proposers screen private responders (§18)."""
    need = state.need[:, who]
    if need.ndim == 3:
        need = np.broadcast_to(need[:, :, None, :], need.shape[:2] + (2, need.shape[-1]))
    return need


def _loss_coefficients(p, start, delta):
    """Loss of every actor along every segment, as a quadratic in λ.

    Segment arrays are (A_prop, G, K, N, D).  Returns (l0, l1, l2), each
    (A_resp, A_prop, G, K, N); the truce agenda's loss counts truce issues only.
    Exact for quadratic utility; with p = 1 it is the quadratic through
    λ = 0, ½, 1 (exact while no issue crosses the responder's ideal).
    """
    weight = np.where(np.arange(2)[:, None] == TRUCE, p.truce_issue, True).astype(float)  # (G, D)
    if p.rules is not None and start.shape[2] > 1 and p.concessions != "contract_curve":
        # an agenda with a rule searches one segment (along the contract curve, every chord)
        return _loss_coefficients_ruled(p, weight, start, delta)
    out = kernels.loss_coefficients(p.salience, p.ideal, weight, start, delta, p.exponent == 2)
    return out[0], out[1], out[2]


def _loss_coefficients_ruled(p, weight, start, delta):
    """As :func:`_loss_coefficients`, computing only the segments searched: the first on
    an agenda with a decision rule (the others are never read there: zeros)."""
    A, G, K, N = start.shape[:4]
    out = np.zeros((3, A, A, G, K, N))
    for g in range(G):
        k = 1 if p.rules[g] is not None else K
        st, dl = (np.ascontiguousarray(a[:, g:g + 1, :k]) for a in (start, delta))
        out[:, :, :, g:g + 1, :k] = kernels.loss_coefficients(p.salience, p.ideal, weight[g:g + 1], st, dl,
                                                              p.exponent == 2)
    return out[0], out[1], out[2]


class Compromise:
    """Achen's compromise: capability × salience weighted mean of all positions."""

    name = "compromise"

    def __init__(self, params, valuation=None, red_box=None):
        p = params
        w = p.capability[:, :, None] * p.salience                # (A, N, D)
        wsum = w.sum(axis=0)
        point = np.where(wsum > 0, (w * p.ideal).sum(axis=0) / np.where(wsum > 0, wsum, 1), p.status_quo)
        moved = agenda_mask(p)
        self.y = np.where(moved[:, None, :], point[None], p.status_quo[None])  # (G, N, D)

    def propose(self, state, who: list[int]) -> Offers:
        y = np.broadcast_to(self.y, (len(who),) + self.y.shape)
        if state.red_box is not None:   # inside the red lines, then judged (docs/model.md §16)
            y = red_lines.clipped(state.red_box, who, y)
        return _judge(state, who, y)


class Nash:
    """Asymmetric Nash bargaining solution among the veto players.

    Maximises ``Σ α_i ln(u_i(y) − d_i)`` over the agenda's issues with
    ``α_i`` = capability, ``d_i`` = the status value (war value in war) by a
    projected Newton method; issues off the agenda stay where they are.
    """

    name = "nash"
    steps = 40

    def __init__(self, params, valuation=None, red_box=None):
        self.moved = agenda_mask(params)

    def propose(self, state, who: list[int]) -> Offers:
        p = state.params
        ys = np.empty((2, p.n, p.n_issues))
        for g in range(2):
            ys[g] = nash_solution(p, state.veto[g], state.status, self.moved[g], steps=self.steps)
        y = np.broadcast_to(ys, (len(who),) + ys.shape)
        if state.red_box is not None:   # inside the red lines, then judged (docs/model.md §16)
            y = red_lines.clipped(state.red_box, who, y)
        return _judge(state, who, y)


def nash_solution(p, players: np.ndarray, d: np.ndarray, moved: np.ndarray, *, steps: int) -> np.ndarray:
    """Nash point for players (A,) bool with disagreement d (A, N): (N, D)."""
    x, s = p.ideal[players], p.salience[players]                 # (k, N, D)
    alpha = p.capability[players]
    alpha = alpha / np.maximum(alpha.sum(axis=0, keepdims=True), 1e-300)
    d = d[players]
    free = np.broadcast_to(moved, p.status_quo.shape)

    def objective(y):
        u = 1.0 - issue_loss(y[None], x, s, p.exponent).sum(axis=2)
        gap = u - d
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where((gap > 0).all(axis=0), (alpha * np.log(np.maximum(gap, 1e-300))).sum(axis=0), -np.inf)
        return f, gap

    # start from the best of a few interior guesses: the α-weighted and plain
    # means of the ideals, and each player's ideal
    starts = [(alpha[:, :, None] * s * x).sum(0) / np.maximum((alpha[:, :, None] * s).sum(0), 1e-300),
              x.mean(axis=0), *x]
    y, f, gap = None, None, None
    for guess in starts:
        guess = np.where(free, guess, p.status_quo)
        f_g, gap_g = objective(guess)
        if y is None:
            y, f, gap = guess, f_g, gap_g
            continue
        better = f_g > f
        y = np.where(better[:, None], guess, y)
        f = np.where(better, f_g, f)
        gap = np.where(better[None], gap_g, gap)
    # no guess gives every player more than its disagreement value: no Nash point
    # to look for there (the offer will be judged infeasible)
    alive = np.isfinite(f)
    for _ in range(steps):
        diff = y[None] - x
        grad_u = -2.0 * s * diff if p.exponent == 2 else -s * np.sign(diff)      # (k, N, D)
        gap_safe = np.where(alive[None], np.maximum(gap, 1e-150), 1.0)
        wgt = np.where(alive[None], alpha / gap_safe, 0.0)                       # (k, N)
        grad = (wgt[:, :, None] * grad_u).sum(axis=0)
        hess = -np.einsum("kn,knd,kne->nde", wgt / gap_safe, grad_u, grad_u)
        if p.exponent == 2:
            hess -= 2.0 * np.einsum("kn,knd->nd", wgt, s)[:, :, None] * np.eye(p.n_issues)[None]
        at_low = (y <= 0) & (grad < 0)
        at_high = (y >= 1) & (grad > 0)
        active = free & ~at_low & ~at_high
        eye = np.eye(p.n_issues)[None]
        mask2 = active[:, :, None] & active[:, None, :]
        h = np.where(mask2, hess, -eye)
        # a ridge scaled to the Hessian keeps rank-one (linear-utility) cases solvable
        scale = np.abs(np.diagonal(h, axis1=1, axis2=2)).max(axis=1)
        h = h - (1e-12 * scale + 1e-12)[:, None, None] * eye
        g = np.where(active, grad, 0.0)
        step = -np.linalg.solve(h, g[..., None])[..., 0]
        t = np.ones(p.n)
        for _ in range(30):
            y_new = np.clip(y + t[:, None] * step, 0.0, 1.0)
            f_new, gap_new = objective(y_new)
            good = f_new >= f - 1e-15
            if good.all():
                break
            t = np.where(good, t, t * 0.5)
        y = np.where(good[:, None], y_new, y)
        f = np.where(good, f_new, f)
        gap = np.where(good[None], gap_new, gap)
    return y


def _round_binaries(state, offers: Offers, target: np.ndarray) -> Offers:
    """Binary issues are settled at 0 or 1: judge the offer as it will be rounded.

    Planned on unrounded values, an offer may be rounded out of every
    responder's reach; then the binary issues go the way of the segment's
    target (the responders' side) instead, when that package is acceptable.
    """
    binary = state.params.binary
    rounded = np.where(binary, np.round(offers.y), offers.y)
    yielding = np.where(binary, np.round(target), offers.y)
    first, second = _judge(state, offers.who, rounded), _judge(state, offers.who, yielding)
    use_second = ~first.feasible & second.feasible
    return Offers(
        offers.who,
        np.where(use_second[..., None], second.y, first.y),
        first.feasible | second.feasible,
        np.where(use_second, second.own, first.own),
    )


def _judge(state, who: list[int], y: np.ndarray, *, truce_only: bool = False,
           in_force: np.ndarray | None = None) -> Offers:
    """Exact values of fixed packages (P, G, N, D): feasibility and own value.

    Binary issues are judged as they will be settled, rounded to 0 or 1.
    ``truce_only``: judge the truces alone (in every world, as otherwise); the
    settlement rows of the result are then meaningless; ``in_force``: the truces' values
    in force, computed before (:meth:`RoundState.truce_in_force`, in every world).
    """
    binary = state.params.binary
    if binary.any():
        y = np.where(binary, np.round(y), y)
    if truce_only:
        pairs = np.zeros((len(who), 2), bool)
        pairs[:, TRUCE] = True
        values = state.package_values(y, who, pairs, truce_worlds=np.ones(state.params.n, bool),
                                      in_force=in_force)
    else:
        values = state.package_values(y, who)                   # (A, P, G, N)
    accept = values >= _needs(state, who) - 1e-9
    veto = state.veto.T[:, None, :, None]                       # (A, 1, G, 1)
    not_self = np.ones((state.params.n_actors, len(who), 1, 1), bool)
    not_self[who, np.arange(len(who))] = False
    feasible = np.where(veto & not_self, accept, True).all(axis=0)
    if state.params.rules is not None:   # a winning set of ayes suffices (docs/model.md, "Decision rules")
        signs = state.params.signs[:, None, :, None]            # one who signs nothing votes no
        feasible = _rule_feasible(state, who, accept & veto & not_self & signs, feasible)
    if state.red_box is not None:   # past someone's red line: refused whatever its value (§16)
        feasible = feasible & ~red_lines.crosses(state.red_box, who, y)
    own = values[who, np.arange(len(who))]
    return Offers(who, np.asarray(y), feasible, own)


def _rule_feasible(state, who: list[int], ayes: np.ndarray, feasible: np.ndarray) -> np.ndarray:
    """Feasibility (P, G, N) on agendas with a decision rule: ``ayes`` (A, P, G, N) pass it."""
    p = state.params
    default = unanimity_veto(p)
    proposer = np.broadcast_to(np.asarray(who)[:, None], (len(who), p.n))
    out = feasible.copy()
    for g in (TRUCE, SETTLEMENT):
        rule = p.rules[g]
        if rule is not None:
            outside = (default[g] & ~rule.members)[:, None, None]
            out[:, g] = p.rules.passes(g, ayes[:, :, g], proposer, outside)
    return out


def judge(state, who: list[int], y: np.ndarray, *, truce_only: bool = False,
          in_force: np.ndarray | None = None) -> Offers:
    """Exact feasibility and own value of fixed packages y (P, G, N, D) put forward by
    ``who`` (:func:`_judge`; the model judges the plain truce with it, docs/model.md §15)."""
    return _judge(state, who, y, truce_only=truce_only, in_force=in_force)


STRATEGIES: dict[str, type] = {cls.name: cls for cls in (Strategic, Compromise, Nash)}


def choose(offers: Offers, reservation: np.ndarray, allowed: np.ndarray, may: np.ndarray,
           signs: np.ndarray):
    """Each proposer's agenda: the acceptable offer worth most to it.

    ``allowed`` (G, N): agendas open in each world (no new truce during one), or
    (P, G, N) per proposer (no package inside the red lines: docs/model.md §16);
    ``may`` (P, G): agendas each proposer is willing to put forward;
    ``signs`` (P, G): whether the proposer's own consent is needed (a mediator
    that controls nothing on the agenda proposes whatever it likes best).
    Returns agenda (P, N) (-1 = no proposal), and the proposer's value of
    proposing (P, N): its best acceptable offer, or its reservation.
    """
    open_ = (allowed if allowed.ndim == 3 else allowed[None]) & may[:, :, None]
    content = ~signs[:, :, None] | (offers.own >= reservation[offers.who][:, None, :] - 1e-12)
    good = offers.feasible & open_ & content
    score = np.where(good, offers.own, -np.inf)
    agenda = np.argmax(score, axis=1)
    best = np.take_along_axis(score, agenda[:, None], axis=1)[:, 0]
    have = np.isfinite(best)
    value = np.where(have, best, reservation[offers.who])
    # no acceptable offer: put forward the one it likes best among those it would
    # still sign (response noise may carry it), else make no proposal
    willing = open_ & content
    fallback = np.argmax(np.where(willing, offers.own, -np.inf), axis=1)
    any_open = willing.any(axis=1)
    agenda = np.where(have, agenda, np.where(any_open, fallback, -1))
    return agenda, value
