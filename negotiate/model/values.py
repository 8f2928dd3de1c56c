"""What packages, war and truces are worth to each actor (MODEL.md §1–3).

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

    @classmethod
    def build(cls, params: WorldParams) -> "Valuation":
        loss = issue_loss(params.status_quo[None], params.ideal, params.salience, params.exponent)
        bf = params.battlefield
        not_bf = np.ones(params.n_issues, bool)
        if bf >= 0:
            not_bf[bf] = False
        settle = ~params.truce_issue & not_bf
        truce = params.truce_issue & not_bf
        A, N = params.n_actors, params.n
        return cls(
            params=params,
            sq_loss_other=loss[:, :, settle].sum(axis=2),
            sq_loss_truce=loss[:, :, truce].sum(axis=2),
            bf_salience=params.salience[:, :, bf] if bf >= 0 else np.zeros((A, N)),
            bf_ideal=params.ideal[:, :, bf] if bf >= 0 else np.zeros((A, N)),
            bf_in_truce=bool(bf >= 0 and params.truce_issue[bf]),
            fade=params.patience ** params.lookahead,
        )

    # --- war ----------------------------------------------------------------
    def war_value(self, balance: np.ndarray, belief_drift: np.ndarray) -> np.ndarray:
        """``W_i``: fight on for ``H = lookahead`` rounds, then live with where the front is.

        ``W_i = (1 − δ_i^H)·(u_i(front now) − k_i) + δ_i^H·E_i[u_i(front after H)]``:
        the costs and the current front are paid as a flow while the war lasts
        (Fearon 1995's costly lottery, spread over the war as in Powell 2006),
        and actor i expects the front to move at its own believed drift.  With
        quadratic utility the spread of the outcome costs ``s·Var`` (risk
        aversion); the variance is capped at the largest that a [0, 1] variable
        with that mean can have.  Balance (…, N) → values (A, …, N).
        """
        p = self.params
        horizon = p.lookahead
        sal = _expand(self.bf_salience, belief_drift)  # belief comes shaped (A, …, N)
        ideal = _expand(self.bf_ideal, sal)
        mean = np.clip(balance + _expand(belief_drift, sal) * horizon, 0.0, 1.0)
        gap_end, gap_now = np.abs(mean - ideal), np.abs(balance - ideal)
        if p.exponent == 2:
            var = np.minimum(p.volatility ** 2 * horizon, mean * (1.0 - mean))
            loss_end, loss_now = gap_end * gap_end + var, gap_now * gap_now
        else:
            loss_end, loss_now = gap_end, gap_now
        fade = _expand(self.fade, sal)
        base = _expand(1.0 - self.sq_loss_other - self.sq_loss_truce, sal)
        return base - (1.0 - fade) * (sal * loss_now + _expand(p.war_cost, sal)) - fade * sal * loss_end

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

    def truce_value(self, truce_loss, balance, arms, belief_drift, rounds) -> np.ndarray:
        """Value of a truce lasting ``rounds`` with loss ``truce_loss`` (A, …, N) on its terms.

        ``truce_loss`` is the salience-weighted loss on the truce issues the
        package sets (including the battlefield issue when it is a truce term).
        """
        p = self.params
        delta_l = p.patience ** rounds
        frozen = 0.0
        if not self.bf_in_truce:
            gap = np.abs(balance - _expand(self.bf_ideal, truce_loss))
            frozen = _expand(self.bf_salience, truce_loss) * (gap * gap if p.exponent == 2 else gap)
        flow = (1.0 - truce_loss - frozen - _expand(self.sq_loss_other, truce_loss)
                - _expand(p.cost_factor * p.war_cost, truce_loss))
        after = self.war_value(self.regenerated(balance, rounds, arms), _expand(belief_drift, truce_loss))
        delta_l = _expand(delta_l, truce_loss)
        return (1.0 - delta_l) * flow + delta_l * after

    def truce_loss(self, y: np.ndarray) -> np.ndarray:
        """Loss on the truce issues of package y (N, D) → (A, N)."""
        p = self.params
        loss = issue_loss(y[None], p.ideal, p.salience, p.exponent)
        return loss[:, :, p.truce_issue].sum(axis=2)


def _expand(arr: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Insert axes so an (A, N) array broadcasts against (A, …, N)."""
    if not isinstance(arr, np.ndarray) or arr.ndim == like.ndim or arr.ndim == 0:
        return arr
    if arr.ndim == 1:  # (N,)
        return arr
    extra = like.ndim - arr.ndim
    return arr.reshape(arr.shape[:1] + (1,) * extra + arr.shape[1:])

