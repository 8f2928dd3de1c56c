"""The war path (docs/model.md §3): drift, volatility, scheduled events, outright wins."""

from __future__ import annotations

import numpy as np

from .params import WorldParams


def _active(params: WorldParams, t: int) -> np.ndarray:
    return (params.ev_start <= t) & (t <= params.ev_end)


def drift_now(params: WorldParams, t: int, happens: np.ndarray) -> np.ndarray:
    """True drift of round t (N,): base + active events that happen + leverage on the war."""
    drift = params.drift.copy()
    on = _active(params, t)
    if on.any():
        drift += (params.ev_drift[on] * happens[on]).sum(axis=0)
    for lev in params.leverage:
        if lev.kind == "war_drift" and lev.active(t):
            drift += lev.amount
    return drift


def step(params: WorldParams, t: int, balance, happens, shock) -> np.ndarray:
    """Balance after one round of war: b + μ_t + σ_t·ε + jumps, clipped to [0, 1]."""
    on = _active(params, t)
    vol = params.volatility.copy()
    if on.any():
        vol += (params.ev_vol[on] * happens[on]).sum(axis=0)
    moved = balance + drift_now(params, t, happens) + vol * shock
    starting = params.ev_start == t
    if starting.any():
        moved += (params.ev_jump[starting] * happens[starting]).sum(axis=0)
    return np.clip(moved, 0.0, 1.0)


def victories(params: WorldParams, balance, uniform) -> np.ndarray:
    """+1 / −1 where the high / low side wins outright this round, else 0."""
    if params.victory_prob <= 0:
        return np.zeros(balance.shape, np.int8)
    won = uniform < params.victory_prob
    high = won & (balance >= params.victory_upper)
    low = won & (balance <= params.victory_lower)
    return high.astype(np.int8) - low.astype(np.int8)
