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

from . import segments
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
    name: str

    def propose(self, ctx, who: list[int]) -> Offers: ...


def agenda_mask(params) -> np.ndarray:
    """Issues each agenda moves: (2, D). A settlement settles everything."""
    return np.stack([params.truce_issue, np.ones(params.n_issues, bool)])


def veto_players(params) -> np.ndarray:
    """(2, A) bool: parties plus the controllers of any issue on the agenda."""
    moved = agenda_mask(params)
    ctl = (moved[:, :, None] & params.controllers[None]).any(axis=1)
    return ctl | params.is_party[None]


class Strategic:
    """Closest package to the proposer's ideal that every veto player accepts.

    The proposer searches along segments from its ideal toward a few targets
    (the salience-weighted ideal of the other veto players, and each of their
    ideals), stopping on each at the smallest acceptable step (a closed form,
    see :mod:`negotiate.model.segments`), and keeps the acceptable package it
    likes best.  Issues the proposer does not care about are conceded outright.
    """

    name = "strategic"

    def __init__(self, ctx):
        p = ctx.params
        A, N, D = p.n_actors, p.n, p.n_issues
        moved = agenda_mask(p)                        # (G, D)
        veto = veto_players(p)                        # (G, A)
        self.start = np.empty((A, 2, A, N, D))        # (proposer, agenda, target, N, D)
        self.delta = np.empty((A, 2, A, N, D))
        for a in range(A):
            for g in range(2):
                others = veto[g].copy()
                others[a] = False
                w = p.salience[others]                # (k, N, D)
                wsum = w.sum(axis=0)
                mean = np.where(wsum > 0, (w * p.ideal[others]).sum(axis=0) / np.where(wsum > 0, wsum, 1), p.ideal[a])
                start = np.where(p.salience[a] > 0, p.ideal[a], mean)
                start = np.where(moved[g], start, p.status_quo)
                targets = [mean] + [p.ideal[j] if others[j] else mean for j in range(A) if j != a]
                for k, target in enumerate(targets):
                    target = np.where(moved[g], target, p.status_quo)
                    self.start[a, g, k], self.delta[a, g, k] = start, target - start
        self.loss_coef = _loss_coefficients(p, self.start, self.delta)   # 3 × (A_resp, A_prop, G, K, N)
        r = p.regen_issue
        zero = np.zeros((A, A, N))
        self.arms0 = self.start[:, TRUCE, ..., r] if r >= 0 else zero    # (A_prop, K, N)
        self.arms_step = self.delta[:, TRUCE, ..., r] if r >= 0 else zero
        self.durable = ctx.valuation.durable
        if self.durable:  # where a broken settlement would leave the war, at λ = 0, ½, 1
            pts = (self.start[:, SETTLEMENT, :, None]
                   + segments.POINTS[:, None, None] * self.delta[:, SETTLEMENT, :, None])
            line, self.resume_drift = ctx.valuation.settlement_line_and_drift(pts)  # (A_prop, K, 3, N)
            self.resume_line = line if line is not None else None

    def take(self, keep) -> Strategic:
        """The same strategy for a subset of worlds."""
        new = object.__new__(Strategic)
        new.start, new.delta = self.start[..., keep, :], self.delta[..., keep, :]
        new.loss_coef = tuple(c[..., keep] for c in self.loss_coef)
        new.arms0, new.arms_step = self.arms0[..., keep], self.arms_step[..., keep]
        new.durable = self.durable
        if self.durable:
            new.resume_drift = self.resume_drift[..., keep]
            new.resume_line = self.resume_line[..., keep] if self.resume_line is not None else None
        return new

    def _value_coefficients(self, ctx, who):
        """Each actor's value along each segment as c0 + c1 λ + c2 λ²: 3 × (A, P, G, K, N)."""
        l0, l1, l2 = (c[:, who] for c in self.loss_coef)
        flow, fade, (w0, w1, w2) = ctx.truce_terms_now()                  # (A, N) each
        ex = lambda a: a[:, None, None, :]
        a0, da = self.arms0[who][None], self.arms_step[who][None]            # (1, P, K, N)
        keep = 1.0 - ex(fade)
        t0 = keep * (ex(flow) - l0[:, :, TRUCE]) + ex(fade) * (ex(w0) + ex(w1) * a0 + ex(w2) * a0 * a0)
        t1 = -keep * l1[:, :, TRUCE] + ex(fade) * (ex(w1) * da + 2.0 * ex(w2) * a0 * da)
        t2 = -keep * l2[:, :, TRUCE] + ex(fade) * ex(w2) * da * da
        # talks go on during a truce: v + f·max(0, P − v), fitted through λ = 0, ½, 1
        # (exact unless the truce overtakes the hoped-for settlement P mid-segment)
        f = ctx.option[:, who][:, :, None, :]                                # (A, P, 1, N)
        hope = ctx.proposer_value[:, None, None, :]
        pts = [segments.evaluate((t0, t1, t2), lam) for lam in segments.POINTS]
        t0, t1, t2 = segments.fit_quadratic(*(v + f * np.maximum(hope - v, 0.0) for v in pts))
        s0, s1, s2 = 1.0 - l0[:, :, SETTLEMENT], -l1[:, :, SETTLEMENT], -l2[:, :, SETTLEMENT]
        if self.durable:
            s0, s1, s2 = self._durable(ctx, who, s0, s1, s2)
        return tuple(np.stack([t, u], axis=2) for t, u in ((t0, s0), (t1, s1), (t2, s2)))

    def _durable(self, ctx, who, s0, s1, s2):
        """α·u + (1 − α)·W' along the segments, W' fitted through λ = 0, ½, 1."""
        v = ctx.valuation
        w0, w1, w2 = self._resumed_war(ctx, who)
        keep = v.survival[:, None, None, :]
        return keep * s0 + (1 - keep) * w0, keep * s1 + (1 - keep) * w1, keep * s2 + (1 - keep) * w2

    def _resumed_war(self, ctx, who):
        """The war a broken settlement would leave, as a quadratic along each segment.

        It depends on the round (beliefs, front) but not on the sweep: computed
        once per round.
        """
        key = (ctx.round, tuple(who))
        if getattr(self, "_resumed_key", None) != key:
            line = (self.resume_line[who] if self.resume_line is not None
                    else np.broadcast_to(ctx.balance, self.resume_drift[who].shape))
            resumed = ctx.valuation.war_value(line, ctx.belief[:, None, None, None, :] + self.resume_drift[who],
                                              victories=False)                   # (A, P, K, 3, N)
            self._resumed = segments.fit_quadratic(resumed[..., 0, :], resumed[..., 1, :], resumed[..., 2, :])
            self._resumed_key = key
        return self._resumed

    def propose(self, ctx, who: list[int]) -> Offers:
        P = len(who)
        coef = self._value_coefficients(ctx, who)                               # (A, P, G, K, N)
        need = ctx.need[:, who][:, :, None, None, :]                            # (A, P, 1, 1, N)
        lam_j = segments.smallest_acceptable(coef, need)                        # (A, P, G, K, N)
        veto = ctx.veto.T[:, None, :, None, None]                               # (A, 1, G, 1, 1)
        not_self = np.ones((ctx.params.n_actors, P, 1, 1, 1), bool)
        not_self[who, np.arange(P)] = False
        binding = veto & not_self
        lam = np.where(binding, lam_j, 0.0).max(axis=0)                         # (P, G, K, N)
        finite = np.isfinite(lam)
        lam = np.where(finite, lam, 1.0)
        ok_at = segments.evaluate(coef, lam[None]) >= need - 1e-9
        feasible = finite & np.where(binding, ok_at, True).all(axis=0)
        own_coef = tuple(c[who, np.arange(P)] for c in coef)
        own = segments.evaluate(own_coef, lam)                                  # (P, G, K, N)
        # the best acceptable target; if none is, the most accommodating step on the first
        best = np.argmax(np.where(feasible, own, -np.inf), axis=2)              # (P, G, N)
        best = np.where(feasible.any(axis=2), best, 0)
        pick = lambda arr: np.take_along_axis(arr, best[:, :, None], axis=2)[:, :, 0]
        lam_b = pick(lam)
        start = np.take_along_axis(self.start[who], best[:, :, None, :, None], axis=2)[:, :, 0]
        delta = np.take_along_axis(self.delta[who], best[:, :, None, :, None], axis=2)[:, :, 0]
        y = start + lam_b[..., None] * delta
        offers = Offers(who, y, pick(feasible), pick(own))
        if ctx.params.binary.any():
            offers = _round_binaries(ctx, offers, start + delta)
        return offers



def _loss_coefficients(p, start, delta):
    """Loss of every actor along every segment, as a quadratic in λ.

    Segment arrays are (A_prop, G, K, N, D).  Returns (l0, l1, l2), each
    (A_resp, A_prop, G, K, N); the truce agenda's loss counts truce issues only.
    Exact for quadratic utility; with p = 1 it is the quadratic through
    λ = 0, ½, 1 (exact while no issue crosses the responder's ideal).
    """
    A = p.n_actors
    weight = np.where(np.arange(2)[:, None] == TRUCE, p.truce_issue, True).astype(float)  # (G, D)
    shape = (A,) + start.shape[:-1]
    out = [np.empty(shape) for _ in range(3)]
    for j in range(A):  # one responder at a time keeps the temporaries small
        s = p.salience[j][None, None, None] * weight[None, :, None, None, :]   # (1, G, 1, N, D)
        gap = start - p.ideal[j]
        if p.exponent == 2:
            out[0][j] = (s * gap * gap).sum(-1)
            out[1][j] = 2.0 * (s * gap * delta).sum(-1)
            out[2][j] = (s * delta * delta).sum(-1)
        else:
            pts = [(s * np.abs(gap + lam * delta)).sum(-1) for lam in segments.POINTS]
            for k, c in enumerate(segments.fit_quadratic(*pts)):
                out[k][j] = c
    return tuple(out)


class Compromise:
    """Achen's compromise: capability × salience weighted mean of all positions."""

    name = "compromise"

    def __init__(self, ctx):
        p = ctx.params
        w = p.capability[:, :, None] * p.salience                # (A, N, D)
        wsum = w.sum(axis=0)
        point = np.where(wsum > 0, (w * p.ideal).sum(axis=0) / np.where(wsum > 0, wsum, 1), p.status_quo)
        moved = agenda_mask(p)
        self.y = np.where(moved[:, None, :], point[None], p.status_quo[None])  # (G, N, D)

    def take(self, keep) -> Compromise:
        new = object.__new__(Compromise)
        new.y = self.y[:, keep]
        return new

    def propose(self, ctx, who: list[int]) -> Offers:
        y = np.broadcast_to(self.y, (len(who),) + self.y.shape)
        return _judge(ctx, who, y)


class Nash:
    """Asymmetric Nash bargaining solution among the veto players.

    Maximises ``Σ α_i ln(u_i(y) − d_i)`` over the agenda's issues with
    ``α_i`` = capability, ``d_i`` = the status value (war value in war) by a
    projected Newton method; issues off the agenda stay where they are.
    """

    name = "nash"
    steps = 40

    def __init__(self, ctx):
        self.moved = agenda_mask(ctx.params)

    def take(self, keep) -> Nash:
        return self

    def propose(self, ctx, who: list[int]) -> Offers:
        p = ctx.params
        ys = np.empty((2, p.n, p.n_issues))
        for g in range(2):
            ys[g] = nash_solution(p, ctx.veto[g], ctx.status, self.moved[g], steps=self.steps)
        return _judge(ctx, who, np.broadcast_to(ys, (len(who),) + ys.shape))


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


def _round_binaries(ctx, offers: Offers, target: np.ndarray) -> Offers:
    """Binary issues are settled at 0 or 1: judge the offer as it will be rounded.

    Planned on unrounded values, an offer may be rounded out of every
    responder's reach; then the binary issues go the way of the segment's
    target (the responders' side) instead, when that package is acceptable.
    """
    binary = ctx.params.binary
    rounded = np.where(binary, np.round(offers.y), offers.y)
    yielding = np.where(binary, np.round(target), offers.y)
    first, second = _judge(ctx, offers.who, rounded), _judge(ctx, offers.who, yielding)
    use_second = ~first.feasible & second.feasible
    return Offers(
        offers.who,
        np.where(use_second[..., None], second.y, first.y),
        first.feasible | second.feasible,
        np.where(use_second, second.own, first.own),
    )


def _judge(ctx, who: list[int], y: np.ndarray) -> Offers:
    """Exact values of fixed packages (P, G, N, D): feasibility and own value.

    Binary issues are judged as they will be settled, rounded to 0 or 1.
    """
    binary = ctx.params.binary
    if binary.any():
        y = np.where(binary, np.round(y), y)
    values = ctx.package_values(y, who)                       # (A, P, G, N)
    accept = values >= ctx.need[:, who][:, :, None, :] - 1e-9
    veto = ctx.veto.T[:, None, :, None]                       # (A, 1, G, 1)
    not_self = np.ones((ctx.params.n_actors, len(who), 1, 1), bool)
    not_self[who, np.arange(len(who))] = False
    feasible = np.where(veto & not_self, accept, True).all(axis=0)
    own = values[who, np.arange(len(who))]
    return Offers(who, np.asarray(y), feasible, own)


STRATEGIES: dict[str, type] = {cls.name: cls for cls in (Strategic, Compromise, Nash)}


def choose(offers: Offers, reservation: np.ndarray, allowed: np.ndarray, may: np.ndarray,
           signs: np.ndarray):
    """Each proposer's agenda: the acceptable offer worth most to it.

    ``allowed`` (G, N): agendas open in each world (no new truce during one);
    ``may`` (P, G): agendas each proposer is willing to put forward;
    ``signs`` (P, G): whether the proposer's own consent is needed (a mediator
    that controls nothing on the agenda proposes whatever it likes best).
    Returns agenda (P, N) (-1 = no proposal), and the proposer's value of
    proposing (P, N): its best acceptable offer, or its reservation.
    """
    open_ = allowed[None] & may[:, :, None]
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
