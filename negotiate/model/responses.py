"""Reservation values and quantal responses (docs/model.md §8 and §10).

Rejecting an offer means one more round of the status (war, or the truce in
force) and then bargaining again, so in normalised flow units the reservation
value is ``R = (1 − δ)·S + δ·C`` whenever the continuation ``C`` beats the
status value ``S`` (and ``S`` otherwise): ``R = S + δ·max(0, C − S)``.

The continuation comes from the stationary equilibrium of random-proposer
bargaining (Baron & Ferejohn 1989; Rubinstein 1982 for alternating offers):
a responder whose constraint binds gets exactly its reservation, a proposer
gets the value of its own best acceptable offer ``P``.  With recognition
probability π that gives ``C − S = π (P − S) / (1 − (1 − π) δ)``; under
alternating offers, ``R − S = δ^k (P − S)`` with ``k`` rounds to one's next turn.

Talks go on during a truce, so a truce is worth its own value plus the same
option (:func:`with_option`): whether to accept a truce then turns on the
truce against the war, not on the truce against the settlement one hopes for.
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_ndtr


def option_weight(params, t: int) -> np.ndarray:
    """f (A_responder, A_proposer, N): how much of ``P − S`` keeping bargaining is worth.

    Random recognition: ``f = δπ / (1 − (1 − π)δ)``, whoever proposes.
    Alternating offers: ``f = δ^k``, k rounds from the proposer's turn to the
    responder's next one.  No continuation (or the last round): ``f = 0``.
    """
    A, N = params.n_actors, params.n
    if not params.continuation or t >= params.horizon:
        return np.zeros((A, A, N))
    delta = params.patience
    if params.recognition_mode == "alternating":
        k = _rounds_to_turn(params, t)                           # (A_j, A_p)
        finite = np.isfinite(k)[..., None]
        return np.where(finite, delta[:, None, :] ** np.where(finite, k[..., None], 0.0), 0.0)
    pi = params.recognition.T                                    # (A, N)
    # π = 0 with δ = 1 is 0/0: an actor that never proposes gains nothing by waiting
    denominator = 1.0 - (1.0 - pi) * delta
    if params.rules is not None:   # left out of others' coalitions (docs/model.md, "Decision rules")
        denominator = 1.0 - delta * _asked_share(params, pi)
    f = np.divide(delta * pi, denominator, out=np.zeros_like(pi), where=denominator > 0)
    return np.broadcast_to(f[:, None, :], (A, A, N))


def _asked_share(params, pi: np.ndarray) -> np.ndarray:
    """(A, N): ``Σ_{p≠j} π_p q_jp``, the chance responder j is recognised against and in the
    proposer's coalition (q from :meth:`negotiate.model.rules.Rules.inclusion`; 1 − π_j
    under unanimity)."""
    from .proposals import unanimity_veto

    q = params.rules.inclusion(unanimity_veto(params)).copy()
    np.fill_diagonal(q, 0.0)
    return q @ pi


def with_option(value, proposer_value, weight):
    """A state's value plus the option of bargaining on from it: ``v + f·max(0, P − v)``.

    Applied to the status it gives the reservation value; applied to a truce
    it credits the truce with the settlement talks that go on while it holds.
    """
    return value + weight * np.maximum(proposer_value - value, 0.0)


def reservation(status, proposer_value, params, t: int) -> np.ndarray:
    """R (A_responder, A_proposer, N) in round ``t``: ``S + f·max(0, P − S)``.

    Under random recognition a responder's reservation does not depend on who
    proposes; under alternating offers it depends on how many rounds separate
    the proposer's turn from the responder's next one.
    """
    return with_option(status[:, None, :], proposer_value[:, None, :], option_weight(params, t))


def _rounds_to_turn(params, t: int) -> np.ndarray:
    """(A_j, A_p): rounds from proposer p's turn until j next proposes (inf if never).

    Proposer p's turn is its next place in the order from round t on (an actor
    may appear several times); one that is not in the order is placed at round t.
    """
    order = params.recognition
    m, A = len(order), params.n_actors
    now = (t - 1) % m
    k = np.full((A, A), np.inf)
    for p in range(A):
        ahead = [(i - now) % m for i, who in enumerate(order) if who == p]
        at = (now + min(ahead)) % m if ahead else now
        for step in range(m, 0, -1):  # nearest turn wins
            k[order[(at + step) % m], p] = step
    return k


def recognise(params, t: int, uniform: np.ndarray) -> np.ndarray:
    """The proposer of round t in each world: (N,) actor indices."""
    if params.recognition_mode == "alternating":
        order = params.recognition
        return np.full(params.n, order[(t - 1) % len(order)], dtype=np.int64)
    cum = np.cumsum(params.recognition, axis=1)
    idx = (uniform[:, None] >= cum).sum(axis=1)
    return np.minimum(idx, params.n_actors - 1)


def next_stance(stance, innovation, persistence):
    """One step of a stance (docs/model.md §17): ``z_t = ρ·z_{t−1} + √(1 − ρ²)·η_t``.

    A Gaussian AR(1) with N(0, 1) innovations: started at ``z_1 = η_1``
    (``stance`` None) it is N(0, 1) in every round, with ``corr(z_t, z_{t+1}) = ρ``.
    """
    if stance is None:
        return np.array(innovation, dtype=float)
    rho = persistence
    return rho * stance + np.sqrt(1.0 - rho * rho) * innovation


def stance_shock(stance):
    """The response shock of a stance z: the standard logistic quantile of Φ(z).

    ``logit(Φ(z)) = ln Φ(z) − ln Φ(−z)``, written with ``log_ndtr`` so that it
    stays exact in both tails; since Φ(z) is uniform, the shock is standard
    logistic in every round, like a fresh draw.
    """
    return log_ndtr(stance) - log_ndtr(-stance)


def accepts(value, bonus, reservation, noise, shock) -> np.ndarray:
    """Quantal response: accept iff ``u + bonus + τ·ε ≥ R`` with ε standard logistic."""
    return value + bonus + noise * shock >= reservation - 1e-12
