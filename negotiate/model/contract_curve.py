"""Concessions along the contract curve, issue by issue (docs/model.md §9).

The straight segment of the ``strategic`` proposer, ``y(λ) = s + λ (e − s)``,
concedes every issue in the same proportion.  With separable loss the package
the proposer likes best among those a responder values at ``R`` concedes
instead where conceding is cheap for it and worth much to the responder:

* quadratic loss: the Lagrangian of ``max u_p(y)`` s.t. ``u_j(y) ≥ R`` is
  maximised issue by issue at the weighted mean of the two ideals,
  ``y_d(μ) = (s_pd x_pd + μ σ_d z_d) / (s_pd + μ σ_d)``, one multiplier μ ≥ 0
  (Edgeworth's contract curve); with a box ``[lo, hi]`` (red lines) the
  solution is that mean clipped into the box (the problem is separable and
  each issue's objective concave);
* linear loss: the problem is a linear programme whose solution concedes
  whole issues in the order of the ratio ``σ_d / s_pd`` (responder's value per
  unit of the proposer's), one issue partly; issues with equal ratios are
  conceded together, in proportion (the limit of the quadratic curve).

Writing ``y_d = s_d + w_d (e_d − s_d)``, the straight segment has the same
weight ``w_d = λ`` on every issue; the curve has ``w_d(μ) = μ r_d / (1 + μ r_d)``
with ``r_d = σ_d / s_pd`` (quadratic), or ``w_d = 1[μ r_d > 1]`` (linear).
:func:`chords` turns each curve into a chain of short straight chords the
segment search of :mod:`negotiate.model.kernels` already handles (for linear
loss the chain's vertices are the curve's, so nothing is approximated);
:func:`best_package` is the pure per-world solution for one binding
responder, used to check the chain.
"""

from __future__ import annotations

import numpy as np

#: chords per curve with quadratic loss (with linear loss, one per issue)
QUADRATIC_CHORDS = 8
#: ratios closer than this (relative) are the same rank: those issues move together
TIE = 1e-9


def ratios(salience: np.ndarray, veto: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Each family's exchange rate per issue, ``r = σ / s_p``: (A_prop, G, K, N, D).

    The families are those of :func:`negotiate.model.kernels.segments`, in its
    order: k = 0 pools the other veto players (salience σ = Σ_j s_j, the
    quadratic curve toward their weighted mean ideal, all multipliers equal);
    then each other actor j (σ = s_j; the pool again if j is no veto player).
    ``weight`` (G, D): the issues each agenda moves.  An issue the proposer
    does not care about has ratio +inf (conceded first).
    """
    A, N, D = salience.shape
    G = veto.shape[0]
    out = np.empty((A, G, A, N, D))
    with np.errstate(divide="ignore", invalid="ignore"):
        for a in range(A):
            own = salience[a]
            for g in range(G):
                others = veto[g] & (np.arange(A) != a)
                pooled = salience[others].sum(axis=0) * weight[g]
                families = [pooled] + [salience[j] * weight[g] if veto[g, j] else pooled
                                       for j in range(A) if j != a]
                for k, sigma in enumerate(families):
                    out[a, g, k] = np.where(own > 0, sigma / np.where(own > 0, own, 1.0), np.inf)
    return out


def weights(ratio: np.ndarray, mu: np.ndarray, quadratic: bool) -> np.ndarray:
    """How far along ``e − s`` each issue is at multiplier ``mu`` (broadcast with ratio)."""
    if quadratic:
        with np.errstate(invalid="ignore", over="ignore"):
            scaled = mu * ratio
            w = scaled / (1.0 + scaled)
        return np.where(np.isinf(ratio) & (mu > 0), 1.0, np.where(np.isinf(mu), 1.0, np.nan_to_num(w)))
    return (mu * ratio > 1.0).astype(float)


def chords(start: np.ndarray, delta: np.ndarray, ratio: np.ndarray, quadratic: bool, box=None):
    """Every straight segment (A, G, K, N, D) replaced by a chain of chords along its curve.

    Returns (start, delta) of shape (A, G, 1 + K·M, N, D): first the first
    straight segment unchanged (toward the pooled mean: the fallback of the
    search when nothing is acceptable), then for each family its M chords in
    order from the proposer's side.  Quadratic loss: M = QUADRATIC_CHORDS
    chords between the curve's points at ``t = i/M``, ``μ = t/(1 − t)/ρ``
    (ρ the geometric mean of the family's finite ratios, so the points are
    even along a curve that is straight).  Linear loss: M = D chords, the
    i-th moving the issues of the i-th largest ratio (ties together).
    Issues a segment does not move rank last, so on an agenda that moves few
    issues the last chords have length 0 in every world (the search skips them).
    ``box`` (lo, hi), each (A, G, N, D): red lines; every node of the curve is
    clipped into it (the solution of the separable problem in a box is the
    clipped curve), so every chord stays inside.  The chords are written one
    node at a time (no (M, …) temporaries).
    """
    A, G, K, N, D = start.shape
    def clip(y, axis=2):
        if box is None:
            return y
        lo, hi = (np.expand_dims(b, axis) if y.ndim == 5 else b for b in box)
        return np.minimum(np.maximum(y, lo), hi)

    if quadratic:
        node = _quadratic_node(ratio)
    else:
        node = _linear_node(np.where(delta == 0, -1.0, ratio))
    M = QUADRATIC_CHORDS if quadratic else D
    out_start = np.empty((A, G, 1 + K * M, N, D))
    out_delta = np.empty_like(out_start)
    first = clip(start[:, :, 0])
    out_start[:, :, 0], out_delta[:, :, 0] = first, clip(start[:, :, 0] + delta[:, :, 0]) - first
    here = clip(start)                                                   # the curve at node 0
    for m in range(M):
        nxt = clip(start + node(m + 1) * delta)
        out_start[:, :, 1 + m::M] = here
        out_delta[:, :, 1 + m::M] = nxt - here
        here = nxt
    return out_start, out_delta


def _quadratic_node(ratio):
    """w_d at node i: μ_i = t_i/(1 − t_i)/ρ, t_i = i/M (μ_M = ∞, the segment's end)."""
    finite = np.isfinite(ratio) & (ratio > 0)
    logs = np.where(finite, np.log(np.where(finite, ratio, 1.0)), 0.0)
    count = finite.sum(axis=-1, keepdims=True)
    rho = np.exp(logs.sum(axis=-1, keepdims=True) / np.maximum(count, 1))

    def node(i):
        t = i / QUADRATIC_CHORDS
        mu = np.inf if t >= 1 else t / (1.0 - t) / rho
        return weights(ratio, np.asarray(mu, float), True)

    return node


def _linear_node(ratio):
    """Node i concedes the issues of the i largest distinct ratios."""
    rank = _ranks(ratio)
    return lambda i: (rank < i).astype(float)


def _ranks(ratio):
    """An issue's rank: how many issues have a clearly larger ratio (ties share it)."""
    r_i, r_e = ratio[..., :, None], ratio[..., None, :]
    larger = np.where(np.isinf(r_i), False, np.isinf(r_e) | (r_e > r_i + TIE * np.abs(r_i) + 1e-300))
    return larger.sum(axis=-1)


def _linear_nodes(ratio):
    """All nodes of the linear chain: (D + 1, …)."""
    rank = _ranks(ratio)
    levels = np.arange(ratio.shape[-1] + 1).reshape((-1,) + (1,) * ratio.ndim)
    return (rank[None] < levels).astype(float)


def best_package(x_p, s_p, x_j, s_j, need, quadratic: bool, low=None, high=None, *, steps: int = 200):
    """The package best for p among those worth ``need`` to j: (N, D).

    One binding responder, separable loss, over worlds: ideals and saliences
    (N, D), need (N,), an optional box ``low``/``high`` (N, D).  Quadratic loss:
    the clipped weighted mean, μ found by bisection (``u_j`` rises with μ);
    linear loss: issues conceded whole in order of ``s_j / s_p`` (ties
    together), the last one partly.  Where even ``x_j`` (clipped) falls short
    the responder's best package in the box is returned.
    """
    x_p, s_p, x_j, s_j = (np.asarray(v, float) for v in (x_p, s_p, x_j, s_j))
    need = np.asarray(need, float)
    if x_p.shape != x_j.shape or s_p.shape != x_p.shape or s_j.shape != x_p.shape or x_p.ndim != 2:
        raise ValueError("ideals and saliences must all be (N, D) arrays of one shape")
    if need.shape != x_p.shape[:1]:
        raise ValueError(f"need must be (N,) = {x_p.shape[:1]}, got {need.shape}")
    low = np.full_like(x_p, -np.inf) if low is None else np.asarray(low, float)
    high = np.full_like(x_p, np.inf) if high is None else np.asarray(high, float)
    p = 2 if quadratic else 1

    def u_j(y):
        return 1.0 - (s_j * np.abs(y - x_j) ** p).sum(axis=-1)

    start, end = np.clip(x_p, low, high), np.clip(x_j, low, high)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(s_p > 0, s_j / np.where(s_p > 0, s_p, 1.0), np.inf)
    if quadratic:
        def at(mu):
            w = weights(ratio, mu[:, None], True)
            return np.clip(x_p + w * (x_j - x_p), low, high)
        lo_t, hi_t = np.zeros(len(need)), np.ones(len(need))
        for _ in range(steps):    # t = μ/(1 + μ) in [0, 1]
            mid = 0.5 * (lo_t + hi_t)
            mu = np.where(mid < 1, mid / np.maximum(1.0 - mid, 1e-300), np.inf)
            ok = u_j(at(mu)) >= need
            hi_t, lo_t = np.where(ok, mid, hi_t), np.where(ok, lo_t, mid)
        mu = np.where(hi_t < 1, hi_t / np.maximum(1.0 - hi_t, 1e-300), np.inf)
        y = at(mu)
        return np.where((u_j(start) >= need)[:, None], start, y)
    nodes = _linear_nodes(ratio)                                        # (D + 1, N, D)
    y = start.copy()
    done = u_j(start) >= need
    for i in range(1, nodes.shape[0]):
        a, b = start + nodes[i - 1] * (end - start), start + nodes[i] * (end - start)
        ua, ub = u_j(a), u_j(b)        # linear along the chord (it moves toward j's ideal)
        here = ~done & (ub >= need)
        frac = np.where(ub > ua, (need - ua) / np.where(ub > ua, ub - ua, 1.0), 0.0)
        y = np.where(here[:, None], a + np.clip(frac, 0, 1)[:, None] * (b - a), y)
        done = done | here
    return np.where(done[:, None], y, end)
