"""What packages, war and truces are worth to each actor (docs/model.md §2–6).

All values are in *normalised flow* units (Powell 2006): a permanent
agreement ``y`` is worth ``u_i(y) = 1 − Σ_d s_id |y_d − x_id|^p``; a war is a
costly lottery worth ``E_i[u_i(war outcome)] − k_i`` (Fearon 1995: "p − c");
a truce of ``L`` rounds is worth ``(1 − δ^L)·(flow during the truce) +
δ^L·(war value from the balance the truce leaves behind)``.
Arrays: actors first, then worlds: ``(A, N)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import kernels
from .params import WorldParams


def issue_loss(y: np.ndarray, ideal: np.ndarray, salience: np.ndarray, p: int) -> np.ndarray:
    """Per-issue weighted loss ``s |y − x|^p`` (broadcasting over leading axes)."""
    gap = np.abs(y - ideal)
    return salience * (gap * gap if p == 2 else gap)


def utility(y: np.ndarray, params: WorldParams) -> np.ndarray:
    """``u_i(y)`` for every actor: y (N, D) → (A, N)."""
    return 1.0 - issue_loss(y[None], params.ideal, params.salience, params.exponent).sum(axis=2)


@dataclass
class Valuation:
    """Block-constant pieces of the value functions, computed once per block."""

    params: WorldParams
    sq_loss_other: np.ndarray   # (A, N) loss from status quo on settlement issues ≠ battlefield
    sq_loss_truce: np.ndarray   # (A, N) loss from status quo on truce issues ≠ battlefield
    bf_salience: np.ndarray     # (A, N) salience of the battlefield issue (0 if none)
    bf_ideal: np.ndarray        # (A, N)
    bf_in_truce: bool           # the battlefield issue is itself a truce term (Powell's setting)
    fade: np.ndarray            # (A, N) δ^H: weight of the war's end state
    u_victory: np.ndarray       # (2, A, N) utility of the high / low side's imposed peace
    base: np.ndarray            # (A, N) utility with every issue but the front at status quo
    follow: _Following          # the political issues a war's end state moves with the front

    @classmethod
    def build(cls, params: WorldParams) -> Valuation:
        loss = issue_loss(params.status_quo[None], params.ideal, params.salience, params.exponent)
        bf = params.battlefield
        not_bf = np.ones(params.n_issues, bool)
        if bf >= 0:
            not_bf[bf] = False
        settle = ~params.truce_issue & not_bf
        truce = params.truce_issue & not_bf
        A, N = params.n_actors, params.n
        c = np.ascontiguousarray  # one compiled specialisation of the kernels
        sq_loss_other, sq_loss_truce = loss[:, :, settle].sum(axis=2), loss[:, :, truce].sum(axis=2)
        return cls(
            params=params,
            sq_loss_other=sq_loss_other,
            sq_loss_truce=sq_loss_truce,
            bf_salience=c(params.salience[:, :, bf]) if bf >= 0 else np.zeros((A, N)),
            bf_ideal=c(params.ideal[:, :, bf]) if bf >= 0 else np.zeros((A, N)),
            bf_in_truce=bool(bf >= 0 and params.truce_issue[bf]),
            fade=params.patience ** params.lookahead,
            u_victory=_victory_utilities(params),
            base=1.0 - sq_loss_other - sq_loss_truce,
            follow=_Following.build(params),
        )

    # --- war ----------------------------------------------------------------
    def war_value(self, balance: np.ndarray, belief_drift: np.ndarray, *, victories: bool = True,
                  where: np.ndarray | None = None, actors: list[int] | None = None) -> np.ndarray:
        """``W_i``: fight on for ``H = lookahead`` rounds, then live with where the front is.

        ``W_i = (1 − δ_i^H)·(u_i(front now) − k_i) + δ_i^H·E_i[u_i(front after H)]``:
        the costs and the current front are paid as a flow while the war lasts
        (Fearon 1995's costly lottery, spread over the war as in Powell 2006),
        and actor i expects the front to move at its own believed drift.  With
        quadratic utility the spread of the outcome costs ``s·Var`` (risk
        aversion); the variance is capped at the largest that a [0, 1] variable
        with that mean can have.  Balance (…, N) → values (A, …, N).
        ``victories=False`` leaves out outright wins (a cheaper approximation
        proposers may use when planning; responses always use the full value).

        Outright wins: the winner imposes its ideal settlement.  P(win) ≈
        P(front beyond the threshold after H rounds) × P(the win comes within
        the half of the window the front spends there), the front at H being
        normal around the believed mean with sd σ√H:
        ``end ← (1 − p_high − p_low)·end + p_high·u_high + p_low·u_low``.
        Political issues that follow the front (``issues.*.follows_front: w``)
        end at ``clip(sq + w·(m − b), 0, 1)`` in the no-win branch, with
        spread ``min(w²·Var, e(1 − e))`` (p = 2); an outright win imposes the
        winner's terms on them as on every settlement issue.
        Computed by :func:`negotiate.model.kernels.war_values` in one pass.
        ``where`` (N,) bool: compute only these worlds (the others are 0).
        ``actors``: only these actors' values (``belief_drift`` is then theirs), the
        same bits as their rows of the whole.
        """
        p = self.params
        per_actor = (self.bf_salience, self.bf_ideal, self.fade, self.base, self.war_flow_cost,
                     self.u_victory[0], self.u_victory[1])
        f_w, f_sq, f_sal, f_ideal = self.follow.arrays
        if actors is not None:
            per_actor = tuple(np.ascontiguousarray(a[actors]) for a in per_actor)
            f_sal, f_ideal = np.ascontiguousarray(f_sal[actors]), np.ascontiguousarray(f_ideal[actors])
        sal, ideal, fade, base, cost, u_high, u_low = per_actor
        like = np.broadcast_shapes(np.shape(belief_drift), (1,) + np.shape(balance))
        A, N = like[0], like[-1]
        wins = bool(victories and p.victory_prob > 0)
        strike = 1.0 - (1.0 - p.victory_prob) ** (p.lookahead / 2.0)
        out = kernels.war_values(
            np.broadcast_to(balance, like[1:]).reshape(-1, N), np.broadcast_to(belief_drift, like).reshape(A, -1, N),
            sal, ideal, fade, base, cost, p.volatility,
            float(p.lookahead), float(np.sqrt(p.lookahead)), p.exponent == 2, wins, strike,
            p.victory_upper, p.victory_lower, u_high, u_low,
            np.ones(N, bool) if where is None else where, f_w, f_sq, f_sal, f_ideal)
        return out.reshape(like)

    @property
    def war_flow_cost(self) -> np.ndarray:
        """k − g (A, N): the war cost per round less the gain from the talks that go on
        while fighting (``actors.*.process_gain``, docs/model.md §17); ``k`` itself
        when no actor gains (the same array, so results do not move by a rounding)."""
        p = self.params
        return p.war_cost - p.process_gain if np.any(p.process_gain) else p.war_cost

    def belief_drift(self, drift_now: np.ndarray) -> np.ndarray:
        """Each actor's belief about the drift: (N,) → (A, N)."""
        return drift_now[None, :] + self.params.optimism

    # --- truce --------------------------------------------------------------
    def regenerated(self, balance: np.ndarray, rounds, arms: np.ndarray) -> np.ndarray:
        """Balance after ``rounds`` of truce: it drifts toward 0.5 (the weaker side
        regenerates) at ``ρ·(1 − (1 − residual)·arms)`` per round (Powell 2006)."""
        p = self.params
        rate = p.regeneration * (1.0 - (1.0 - p.residual) * arms)
        gap = balance - 0.5
        return balance - np.sign(gap) * np.minimum(np.abs(gap), rate * rounds)

    def truce_value(self, truce_loss, balance, arms, belief_drift, rounds, *, where=None,
                    actors: list[int] | None = None) -> np.ndarray:
        """Value of a truce lasting ``rounds`` with loss ``truce_loss`` (A, …, N) on its terms.

        ``(1 − δ^L)·(flow while it holds) + δ^L·W(balance after regeneration)``;
        ``truce_loss`` is the salience-weighted loss on the truce issues the
        package sets (including the battlefield issue when it is a truce term).
        ``where`` (N,) bool: the worlds whose value is needed (the war after the
        truce is left out, as 0, in the others).  ``actors``: only these actors' values
        (``truce_loss`` and ``belief_drift`` are then theirs), as in :meth:`war_value`.
        """
        flow, fade = self.truce_flow(balance, rounds)
        if actors is not None:
            flow, fade = flow[actors], fade[actors]
        flow, fade = _expand(flow, truce_loss), _expand(fade, truce_loss)
        after = self.war_value(self.regenerated(balance, rounds, arms), _expand(belief_drift, truce_loss), where=where,
                               actors=actors)
        return (1.0 - fade) * (flow - truce_loss) + fade * after

    def truce_flow(self, balance, rounds):
        """(flow during the truce before its terms' loss, δ^L), each (A, N).

        The front is frozen where it stands (unless it is itself a truce term),
        other settlement issues stay at status quo, a share of war costs remains.
        """
        p = self.params
        frozen = 0.0
        if not self.bf_in_truce:
            gap = np.abs(balance - self.bf_ideal)
            frozen = self.bf_salience * (gap * gap if p.exponent == 2 else gap)
        flow = 1.0 - frozen - self.sq_loss_other - p.cost_factor * p.war_cost
        return flow, p.patience ** rounds

    def war_after_truce(self, balance, belief_drift, rounds, *, where=None):
        """W after a truce as a quadratic in the arms term a ∈ [0, 1]: (w0, w1, w2), each (A, N).

        Fitted through a = 0, ½, 1; exact when W is quadratic in the balance
        (quadratic utility, no clipping, no outright wins).  ``where``: as in
        :meth:`war_value`.
        """
        arms = np.array([0.0, 0.5, 1.0])[:, None]
        after = self.war_value(self.regenerated(balance, rounds, arms), belief_drift[:, None, :], where=where)
        v0, vh, v1 = after[:, 0], after[:, 1], after[:, 2]
        return v0, -3.0 * v0 + 4.0 * vh - v1, 2.0 * (v0 - 2.0 * vh + v1)

    # --- settlement -----------------------------------------------------------
    @property
    def durable(self) -> bool:
        return bool(np.any(self.params.settlement_hazard > 0))

    def settlement_value(self, u, line, extra_drift, belief_drift, *, where=None) -> np.ndarray:
        """A settlement that may break down: ``α·u + (1 − α)·W'`` (Fearon 1996, Powell 2006).

        With a breakdown hazard h per round, ``α = (1 − δ)/(1 − δ + δh)`` is the
        share of the agreement's value that survives; ``W'`` is the war that
        resumes from the agreed ``line`` with the drift shifted by the agreed
        terms' power effects.  ``u`` is (A, …, N); ``line`` and ``extra_drift``
        (…, N); ``belief_drift`` comes shaped like ``u``.  ``where``: as in
        :meth:`war_value`.
        """
        if not self.durable:
            return u
        keep = _expand(self.survival, u)
        resumed = self.war_value(line, belief_drift + extra_drift, where=where)
        return keep * u + (1.0 - keep) * resumed

    @property
    def survival(self) -> np.ndarray:
        """α (A, N): the weight of the agreement itself in a settlement's value."""
        p = self.params
        d, h = p.patience, p.settlement_hazard
        denominator = 1.0 - d + d * h
        return np.divide(1.0 - d, denominator, out=np.ones_like(d), where=denominator > 0)

    def settlement_line_and_drift(self, y: np.ndarray):
        """The agreed line (battlefield term, or the front now) and the power-effect drift of y (…, N, D)."""
        p = self.params
        line = y[..., p.battlefield] if p.battlefield >= 0 else None
        extra = np.einsum("...nd,dn->...n", y, p.power_effects)
        return line, extra

    def package_losses(self, y: np.ndarray, *, masked: bool = False, where: np.ndarray | None = None,
                       actors: list[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``u_i(y)`` and the loss on the truce issues of packages y (…, N, D), each (A, …, N),
        from one compiled pass (:func:`negotiate.model.kernels.package_losses`; ``masked``
        picks how the truce loss is summed, see there).  ``where`` (N,) bool: compute
        only these worlds (the others are 0); ``actors``: only these actors' (A → len(actors))."""
        p = self.params
        lead, (N, D) = y.shape[:-2], y.shape[-2:]
        ideal, salience = (p.ideal, p.salience) if actors is None else (p.ideal[actors], p.salience[actors])
        u, truce = kernels.package_losses(np.ascontiguousarray(y).reshape(-1, N, D), ideal, salience,
                                          p.exponent == 2, p.truce_issue, masked,
                                          np.ones(N, bool) if where is None else where)
        A = ideal.shape[0]
        return u.reshape((A, *lead, N)), truce.reshape((A, *lead, N))

    def truce_loss(self, y: np.ndarray) -> np.ndarray:
        """Loss on the truce issues of package y (N, D) → (A, N)."""
        return self.package_losses(y)[1]

@dataclass(frozen=True)
class _Following:
    """The settlement issues whose end state follows the front (docs/model.md §4), as the
    kernel takes them: w, status quo (F, N), salience and ideal (A, F, N); F = 0 if none."""

    weight: np.ndarray
    status_quo: np.ndarray
    salience: np.ndarray
    ideal: np.ndarray

    @classmethod
    def build(cls, p: WorldParams) -> _Following:
        rows = np.flatnonzero(np.any(p.follows_front != 0.0, axis=1))
        c = np.ascontiguousarray
        per_actor = lambda a: c(a[:, :, rows].transpose(0, 2, 1))   # (A, F, N)
        return cls(c(p.follows_front[rows]), c(p.status_quo[:, rows].T),
                   per_actor(p.salience), per_actor(p.ideal))

    @property
    def arrays(self) -> tuple[np.ndarray, ...]:
        return self.weight, self.status_quo, self.salience, self.ideal


def _expand(arr: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Insert axes so an (A, N) array broadcasts against (A, …, N)."""
    if not isinstance(arr, np.ndarray) or arr.ndim == like.ndim or arr.ndim == 0:
        return arr
    if arr.ndim == 1:  # (N,)
        return arr
    extra = like.ndim - arr.ndim
    return arr.reshape(arr.shape[:1] + (1,) * extra + arr.shape[1:])



def _victory_utilities(p: WorldParams) -> np.ndarray:
    """(2, A, N): each actor's utility if the high (low) side wins outright.

    The winner is the party whose ideal on the battlefield issue is highest
    (lowest); it imposes its ideal on every settlement issue.
    """
    A, N = p.n_actors, p.n
    if p.battlefield < 0:
        return np.zeros((2, A, N))
    parties = np.flatnonzero(p.is_party)
    on_front = p.ideal[parties, :, p.battlefield]              # (k, N)
    out = np.empty((2, A, N))
    for side, pick in enumerate((np.argmax, np.argmin)):
        winner = parties[pick(on_front, axis=0)]              # (N,)
        terms = p.ideal[winner, np.arange(N)]                 # (N, D)
        terms = np.where(p.truce_issue, p.status_quo, terms)
        out[side] = utility(terms, p)
    return out
