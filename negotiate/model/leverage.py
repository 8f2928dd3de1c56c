"""Leverage (docs/model.md §11): what accepting or refusing is worth beyond the terms.

``acceptance_bonus`` and ``refusal_cost`` make accepting a proposal by the
actor who applies them worth ``amount`` more to the target (restored
relations, threatened sanctions).  A ``side_payment`` promises, with any
agreement, to move an issue the payer controls by ``amount`` toward the
target's ideal; it is valued as the utility that move gives the target.
Pressure on the war path (``war_drift``) is applied in :mod:`war`.
"""

from __future__ import annotations

import numpy as np

from .params import WorldParams


def bonus(params: WorldParams, t: int) -> np.ndarray:
    """(A_responder, A_proposer, N): extra value of accepting in round t."""
    A, N = params.n_actors, params.n
    out = np.zeros((A, A, N))
    for lev in params.leverage:
        if not lev.active(t):
            continue
        if lev.kind in ("acceptance_bonus", "refusal_cost"):
            out[lev.target, lev.by] += lev.amount
        elif lev.kind == "side_payment":
            out[lev.target] += _side_payment_value(params, lev)[None]
    return out


def _side_payment_value(params: WorldParams, lev) -> np.ndarray:
    d, j = lev.issue, lev.target
    sq, x, s = params.status_quo[:, d], params.ideal[j, :, d], params.salience[j, :, d]
    step = np.clip(x - sq, -np.abs(lev.amount), np.abs(lev.amount))
    gap_before, gap_after = np.abs(sq - x), np.abs(sq + step - x)
    if params.exponent == 2:
        return s * (gap_before ** 2 - gap_after ** 2)
    return s * (gap_before - gap_after)
