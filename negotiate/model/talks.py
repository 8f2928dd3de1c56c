"""Talks as a process (docs/model.md §15): when settlement talks sit, how long an
agreement in principle takes to draft, and whether it is ratified.

Peace talks take time to set up, sit in sessions rather than every day, and an
agreement in principle is a text still to be drafted and ratified (Pillar 1983,
*Negotiating Peace*; Putnam 1988 on ratification).  These are pure functions of
a block's parameters and the round; the model keeps the per-world state — the
round a settlement being drafted is due for signing, its terms and proposer —
and calls them from its round (``NegotiationModel.step``).  With no ``talks``
section the engine never calls them.
"""

from __future__ import annotations

import numpy as np


def settlement_sits(params, t: int, in_truce: np.ndarray, truce_age: np.ndarray,
                    drafting: np.ndarray) -> np.ndarray:
    """(N,) bool: worlds where a settlement may be proposed in round ``t``.

    Talks sit in round ``t`` if ``t ≥ open`` and ``(t − open)`` is a multiple of
    ``every``; with ``settlement_after_truce = k`` only while a truce in force has
    held at least ``k`` rounds; never while a settlement is being drafted.
    """
    opened = params.talks_open
    sits = (t >= opened) & ((t - opened) % params.talks_every == 0)
    if params.settle_after_truce >= 0:
        sits &= in_truce & (truce_age >= params.settle_after_truce)
    return sits & ~drafting


def drafting_rounds(params, moved: np.ndarray) -> np.ndarray:
    """(N,) int: rounds to draft a settlement moving issues ``moved`` (N, D) off status quo,
    ``rint(base + per_issue × k)`` (half to even), capped at the horizon + 1."""
    raw = params.drafting_base + params.drafting_per_issue * moved.sum(axis=1)
    return np.rint(np.minimum(raw, params.horizon + 1)).astype(np.int64)


def truce_drafting_rounds(params, conditions: np.ndarray) -> np.ndarray:
    """(…, N) int: rounds before an accepted truce with ``conditions`` (…, N) conditions is in
    force, ``rint(base + per_condition × m)`` (half to even), capped at the horizon + 1."""
    raw = params.truce_draft_base + params.truce_draft_per_condition * conditions
    return np.rint(np.minimum(raw, params.horizon + 1)).astype(np.int64)


def delayed(value: np.ndarray, status: np.ndarray, patience: np.ndarray, rounds: np.ndarray) -> np.ndarray:
    """A truce worth ``value`` once in force, ``rounds`` rounds away, the status (war) worth
    ``status`` meanwhile, in normalised flow units: ``(1 − δ^D)·S + δ^D·V``.

    value (A, …, N); status and patience (A, N); rounds broadcast against value (…, N), or
    (A, N) with value (A, N) (each actor's own offer).
    """
    extra = value.ndim - status.ndim
    shape = status.shape[:1] + (1,) * extra + status.shape[1:]
    s, d = status.reshape(shape), patience.reshape(shape)
    fade = d ** rounds
    return (1.0 - fade) * s + fade * value


def undelayed_need(need: np.ndarray, status: np.ndarray, patience: np.ndarray,
                   rounds: np.ndarray) -> np.ndarray:
    """What a responder must get from a truce once in force for its delayed value to reach
    ``need``: ``S + (need − S)/δ^D`` (the inverse of :func:`delayed`); need (A_j, A_p, N)."""
    fade = patience[:, None, :] ** rounds
    return status[:, None, :] + (need - status[:, None, :]) / fade


def ratified(params, uniforms: np.ndarray) -> np.ndarray:
    """(N,) bool: every named actor ratifies, actor ``r`` iff ``uniforms[r] < p_r`` (R, N)."""
    return (uniforms < params.ratify_prob).all(axis=0)
