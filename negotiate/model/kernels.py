"""Compiled inner loop of the ``strategic`` proposer (numba).

:meth:`Strategic.propose <negotiate.model.proposals.Strategic.propose>`
spends its time on small arrays of shape (responders, proposers, agendas,
targets, worlds): building every responder's value along every segment as a
quadratic, finding the smallest acceptable step on each (a quadratic root),
and keeping the best acceptable target.  As numpy expressions that is dozens
of full-size temporaries per round; here it is one pass over the worlds with
scalars, and it skips the (agenda, world) pairs that cannot be proposed (a
proposer's agendas, no new truce during one, worlds already over).

Every expression is written in the same order as the numpy formulas it
replaces (see ``docs/model.md``), and numba does not reassociate or fuse
floating-point operations unless asked to, so the results are the same to
the last bit: ``tests/model/test_regression.py`` pins them.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

TOL = 1e-12      # segments.smallest_acceptable's tolerance
ACCEPT = 1e-9    # slack of the acceptance check at the chosen step


@njit(cache=True, error_model="numpy", inline="always")
def _smallest_acceptable(c0, c1, c2, need):
    """Scalar twin of :func:`negotiate.model.segments.smallest_acceptable`."""
    c = c0 - need
    if c >= -TOL:
        return 0.0
    disc = c1 * c1 - 4.0 * c2 * c
    q = -0.5 * (c1 + math.copysign(math.sqrt(max(disc, 0.0)), c1))
    if abs(c2) <= 1e-14:
        r1 = -c / c1
        r2 = r1
    else:
        if disc < -TOL:
            return np.inf
        r1 = q / c2
        r2 = c / q
    if not (r1 >= -TOL and r1 <= 1.0 + TOL):
        r1 = np.inf
    if not (r2 >= -TOL and r2 <= 1.0 + TOL):
        r2 = np.inf
    first = min(r1, r2)
    first = max(first, 0.0)
    if math.isfinite(first) and first > 1.0:
        first = 1.0
    return first


@njit(cache=True, error_model="numpy", inline="always")
def _with_option(v, f, hope):
    return v + f * max(hope - v, 0.0)


@njit(cache=True, error_model="numpy")
def strategic_plan(who, open_pairs, binding, l0, l1, l2, flow, fade, w0, w1, w2, arms0, arms_step,
                   option, hope, durable, survival, r0, r1, r2, need, start, delta):
    """Best acceptable package for every (proposer, agenda, world).

    Proposer axes index actors (``who[p]``) unless said otherwise.  Shapes:
    who (P,); open_pairs (P, 2, N) bool; binding (A, P, 2) bool; l0/l1/l2
    (A, A, 2, K, N) loss coefficients; flow, fade, w0..w2, hope, survival
    (A, N); arms0, arms_step (A, K, N); option (A, A, N); r0..r2 (A, P, K, N)
    the resumed-war fit (durable settlements only); need (A, A, N); start,
    delta (A, 2, K, N, D) the segments.
    Returns y (P, 2, N, D), feasible (P, 2, N), own (P, 2, N), and the
    chosen segment's end point (P, 2, N, D).
    """
    A, _, G, K, N = l0.shape
    P, D = who.shape[0], start.shape[4]
    y = np.empty((P, G, N, D))
    target = np.empty((P, G, N, D))
    feasible = np.zeros((P, G, N), np.bool_)
    own_best = np.full((P, G, N), -np.inf)
    c0 = np.empty(A)
    c1 = np.empty(A)
    c2 = np.empty(A)
    for n in range(N):
        for p in range(P):
            me = who[p]
            for g in range(G):
                if not open_pairs[p, g, n]:  # never put forward: the first segment's start
                    for d in range(D):
                        y[p, g, n, d] = start[me, g, 0, n, d]
                        target[p, g, n, d] = start[me, g, 0, n, d] + delta[me, g, 0, n, d]
                    continue
                top = -np.inf
                top_k = -1
                top_lam = 0.0
                first_lam = 0.0
                first_own = 0.0
                for k in range(K):
                    for j in range(A):
                        if g == 0:
                            keep = 1.0 - fade[j, n]
                            a0 = arms0[me, k, n]
                            da = arms_step[me, k, n]
                            fd = fade[j, n]
                            t0 = keep * (flow[j, n] - l0[j, me, 0, k, n]) + fd * (w0[j, n] + w1[j, n] * a0 + w2[j, n] * a0 * a0)
                            t1 = -keep * l1[j, me, 0, k, n] + fd * (w1[j, n] * da + 2.0 * w2[j, n] * a0 * da)
                            t2 = -keep * l2[j, me, 0, k, n] + fd * w2[j, n] * da * da
                            f = option[j, me, n]
                            h = hope[j, n]
                            v0 = _with_option(t0 + 0.0 * (t1 + 0.0 * t2), f, h)
                            vh = _with_option(t0 + 0.5 * (t1 + 0.5 * t2), f, h)
                            v1 = _with_option(t0 + 1.0 * (t1 + 1.0 * t2), f, h)
                            c0[j] = v0
                            c1[j] = -3.0 * v0 + 4.0 * vh - v1
                            c2[j] = 2.0 * (v0 - 2.0 * vh + v1)
                        else:
                            s0 = 1.0 - l0[j, me, 1, k, n]
                            s1 = -l1[j, me, 1, k, n]
                            s2 = -l2[j, me, 1, k, n]
                            if durable:
                                a = survival[j, n]
                                s0 = a * s0 + (1 - a) * r0[j, p, k, n]
                                s1 = a * s1 + (1 - a) * r1[j, p, k, n]
                                s2 = a * s2 + (1 - a) * r2[j, p, k, n]
                            c0[j] = s0
                            c1[j] = s1
                            c2[j] = s2
                    lam = 0.0
                    for j in range(A):
                        if binding[j, p, g]:
                            lam = max(lam, _smallest_acceptable(c0[j], c1[j], c2[j], need[j, me, n]))
                    ok = math.isfinite(lam)
                    if not ok:
                        lam = 1.0
                    for j in range(A):
                        if ok and binding[j, p, g]:
                            ok = c0[j] + lam * (c1[j] + lam * c2[j]) >= need[j, me, n] - ACCEPT
                    own = c0[me] + lam * (c1[me] + lam * c2[me])
                    if k == 0:
                        first_lam, first_own = lam, own
                    if ok and own > top:
                        top, top_k, top_lam = own, k, lam
                if top_k >= 0:
                    feasible[p, g, n], own_best[p, g, n] = True, top
                else:  # none acceptable: the first target's most accommodating step
                    top_k, top_lam, own_best[p, g, n] = 0, first_lam, first_own
                for d in range(D):
                    s_d, dl = start[me, g, top_k, n, d], delta[me, g, top_k, n, d]
                    y[p, g, n, d] = s_d + top_lam * dl
                    target[p, g, n, d] = s_d + dl
    return y, feasible, own_best, target


@njit(cache=True, error_model="numpy", inline="always")
def _sum(a):
    """``a.sum()`` exactly as numpy adds a short contiguous row (pairwise, 8 lanes)."""
    n = a.shape[0]
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[i]
        return 0.0 + res
    r0, r1, r2, r3, r4, r5, r6, r7 = a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]
    i = 8
    while i < n - (n % 8):
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[i]
        i += 1
    return 0.0 + res


@njit(cache=True, error_model="numpy")
def loss_coefficients(salience, ideal, weight, start, delta, quadratic):
    """Every responder's loss along every segment as a quadratic in λ.

    salience, ideal (A, N, D); weight (G, D) (which issues an agenda's loss
    counts); start, delta (A_prop, G, K, N, D).  Returns (3, A, A_prop, G, K, N).
    Quadratic loss: exact coefficients; linear loss: the quadratic through
    λ = 0, ½, 1 (see :func:`negotiate.model.proposals._loss_coefficients`).
    """
    A, N, D = salience.shape
    AP, G, K = start.shape[0], start.shape[1], start.shape[2]
    out = np.empty((3, A, AP, G, K, N))
    a0 = np.empty(D)
    a1 = np.empty(D)
    a2 = np.empty(D)
    for j in range(A):
        for a in range(AP):
            for g in range(G):
                for k in range(K):
                    for n in range(N):
                        for d in range(D):
                            s = salience[j, n, d] * weight[g, d]
                            gap = start[a, g, k, n, d] - ideal[j, n, d]
                            dl = delta[a, g, k, n, d]
                            if quadratic:
                                a0[d] = s * gap * gap
                                a1[d] = s * gap * dl
                                a2[d] = s * dl * dl
                            else:
                                a0[d] = s * abs(gap + 0.0 * dl)
                                a1[d] = s * abs(gap + 0.5 * dl)
                                a2[d] = s * abs(gap + 1.0 * dl)
                        if quadratic:
                            out[0, j, a, g, k, n] = _sum(a0)
                            out[1, j, a, g, k, n] = 2.0 * _sum(a1)
                            out[2, j, a, g, k, n] = _sum(a2)
                        else:
                            v0, vh, v1 = _sum(a0), _sum(a1), _sum(a2)
                            out[0, j, a, g, k, n] = v0
                            out[1, j, a, g, k, n] = -3.0 * v0 + 4.0 * vh - v1
                            out[2, j, a, g, k, n] = 2.0 * (v0 - 2.0 * vh + v1)
    return out
