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

from .normal import ndtr

TOL = 1e-12      # how far outside [0, 1] (or short of the need) still counts
ACCEPT = 1e-9    # slack of the acceptance check at the chosen step


@njit(cache=True, error_model="numpy", inline="always")
def smallest_acceptable(c0, c1, c2, need):
    """Smallest λ in [0, 1] with ``c0 + c1 λ + c2 λ² ≥ need`` (``inf`` if none).

    With ``f(0) < need`` the first root in [0, 1] is where ``f`` reaches
    ``need``; the pair of roots is computed the numerically stable way
    (Numerical Recipes §5.6).  Written with selects rather than branches so
    the loop over worlds vectorises.
    """
    c = c0 - need
    disc = c1 * c1 - 4.0 * c2 * c
    q = -0.5 * (c1 + math.copysign(math.sqrt(max(disc, 0.0)), c1))
    linear = abs(c2) <= 1e-14
    r_lin = -c / c1
    ra = r_lin if linear else q / c2
    rb = r_lin if linear else c / q
    none = disc < -TOL and not linear
    ra = np.inf if (none or not (ra >= -TOL and ra <= 1.0 + TOL)) else ra
    rb = np.inf if (none or not (rb >= -TOL and rb <= 1.0 + TOL)) else rb
    r = max(min(ra, rb), 0.0)
    r = 1.0 if (r > 1.0 and r < np.inf) else r
    return 0.0 if c >= -TOL else r


@njit(cache=True, error_model="numpy", inline="always")
def _through_three_points(v0, vh, v1):
    """(c0, c1, c2) of the quadratic through λ = 0, ½, 1 (as :func:`segments.fit_quadratic`)."""
    return v0, -3.0 * v0 + 4.0 * vh - v1, 2.0 * (v0 - 2.0 * vh + v1)


@njit(cache=True, error_model="numpy", inline="always")
def _truce_coefficients(c0, c1, c2, l0, l1, l2, flow, fade, w0, w1, w2, a0, da, f, hope):
    """A responder's value of the truce along a segment, over worlds (into c0..c2).

    ``(1 − δ^L)(flow − loss(λ)) + δ^L·W_after(arms(λ))`` is a quadratic in λ
    (loss and W_after are quadratics, the arms term is linear in λ); the option
    of talks going on, ``v + f·max(0, P − v)``, is then fitted through
    λ = 0, ½, 1 (exact unless the truce overtakes P mid-segment).
    """
    for n in range(c0.shape[0]):
        keep, fd, a, d = 1.0 - fade[n], fade[n], a0[n], da[n]
        t0 = keep * (flow[n] - l0[n]) + fd * (w0[n] + w1[n] * a + w2[n] * a * a)
        t1 = -keep * l1[n] + fd * (w1[n] * d + 2.0 * w2[n] * a * d)
        t2 = -keep * l2[n] + fd * w2[n] * d * d
        v0 = t0 + 0.0 * (t1 + 0.0 * t2)
        vh = t0 + 0.5 * (t1 + 0.5 * t2)
        v1 = t0 + 1.0 * (t1 + 1.0 * t2)
        v0 = v0 + f[n] * max(hope[n] - v0, 0.0)
        vh = vh + f[n] * max(hope[n] - vh, 0.0)
        v1 = v1 + f[n] * max(hope[n] - v1, 0.0)
        c0[n], c1[n], c2[n] = _through_three_points(v0, vh, v1)


@njit(cache=True, error_model="numpy", inline="always")
def _settlement_coefficients(c0, c1, c2, l0, l1, l2, durable, survival, r0, r1, r2):
    """A responder's value of the settlement along a segment: ``1 − loss(λ)``, or for
    a settlement that may break down ``α·(1 − loss) + (1 − α)·W'(λ)``."""
    for n in range(c0.shape[0]):
        s0, s1, s2 = 1.0 - l0[n], -l1[n], -l2[n]
        if durable:
            a = survival[n]
            s0 = a * s0 + (1 - a) * r0[n]
            s1 = a * s1 + (1 - a) * r1[n]
            s2 = a * s2 + (1 - a) * r2[n]
        c0[n], c1[n], c2[n] = s0, s1, s2


@njit(cache=True, error_model="numpy")
def strategic_plan(who, open_pairs, binding, l0, l1, l2, flow, fade, w0, w1, w2, arms0, arms_step,
                   option, hope, durable, survival, r0, r1, r2, need, start, delta, live):
    """Best acceptable package for every (proposer, agenda, world).

    Proposer axes index actors (``who[p]``) unless said otherwise.  Shapes:
    who (P,); open_pairs (P, 2, N) bool; binding (A, P, 2) bool; l0/l1/l2
    (A, A, 2, K, N) loss coefficients; flow, fade, w0..w2, hope, survival
    (A, N); arms0, arms_step (A, K, N); option (A, A, N); r0..r2 (A, P, K, N)
    the resumed-war fit (durable settlements only; else any (A, P, K, N));
    need (A, P, 2, N) what each responder must get from each proposer's offer
    on each agenda; start, delta (A, 2, K, N, D) the segments; live (A, 2, K)
    bool, False for a segment of length 0 in every world that is not the
    first (its point is the previous chord's end: nothing to search).
    Returns y (P, 2, N, D), feasible (P, 2, N), own (P, 2, N), and the
    chosen segment's end point (P, 2, N, D).

    The innermost loops run over worlds (the arrays' last, contiguous axis),
    so the compiler vectorises them; pass C-contiguous arrays.
    """
    A, _, G, K, N = l0.shape
    P, D = who.shape[0], start.shape[4]
    y = np.empty((P, G, N, D))
    target = np.empty((P, G, N, D))
    feasible = np.zeros((P, G, N), np.bool_)
    own_best = np.full((P, G, N), -np.inf)
    c0, c1, c2 = np.empty((A, N)), np.empty((A, N)), np.empty((A, N))
    lam, ok, own = np.empty(N), np.empty(N, np.bool_), np.empty(N)
    top, top_k, top_lam = np.empty(N), np.empty(N, np.int64), np.empty(N)
    first_lam, first_own = np.empty(N), np.empty(N)
    for p in range(P):
        me = who[p]
        for g in range(G):
            top[:] = -np.inf
            top_k[:] = -1
            top_lam[:] = 0.0
            for k in range(K if open_pairs[p, g].any() else 0):
                if not live[me, g, k]:
                    continue
                for j in range(A):
                    if g == 0:
                        _truce_coefficients(c0[j], c1[j], c2[j], l0[j, me, 0, k], l1[j, me, 0, k],
                                            l2[j, me, 0, k], flow[j], fade[j], w0[j], w1[j], w2[j],
                                            arms0[me, k], arms_step[me, k], option[j, me], hope[j])
                    else:
                        _settlement_coefficients(c0[j], c1[j], c2[j], l0[j, me, 1, k], l1[j, me, 1, k],
                                                 l2[j, me, 1, k], durable, survival[j], r0[j, p, k],
                                                 r1[j, p, k], r2[j, p, k])
                # the smallest step every binding veto player accepts
                lam[:] = 0.0
                for j in range(A):
                    if binding[j, p, g]:
                        for n in range(N):
                            lam[n] = max(lam[n], smallest_acceptable(c0[j, n], c1[j, n], c2[j, n], need[j, p, g, n]))
                for n in range(N):
                    ok[n] = lam[n] < np.inf
                    lam[n] = lam[n] if ok[n] else 1.0
                for j in range(A):
                    if binding[j, p, g]:
                        for n in range(N):
                            v = c0[j, n] + lam[n] * (c1[j, n] + lam[n] * c2[j, n])
                            ok[n] = ok[n] and v >= need[j, p, g, n] - ACCEPT
                for n in range(N):
                    own[n] = c0[me, n] + lam[n] * (c1[me, n] + lam[n] * c2[me, n])
                if k == 0:
                    first_lam[:] = lam
                    first_own[:] = own
                for n in range(N):  # keep the acceptable target the proposer likes best
                    better = ok[n] and own[n] > top[n]
                    top[n] = own[n] if better else top[n]
                    top_k[n] = k if better else top_k[n]
                    top_lam[n] = lam[n] if better else top_lam[n]
            for n in range(N):
                if not open_pairs[p, g, n]:  # never put forward: the first segment's start
                    kk, step = 0, 0.0
                elif top_k[n] >= 0:
                    kk, step = top_k[n], top_lam[n]
                    feasible[p, g, n], own_best[p, g, n] = True, top[n]
                else:  # none acceptable: the first target's most accommodating step
                    kk, step = 0, first_lam[n]
                    own_best[p, g, n] = first_own[n]
                for d in range(D):
                    s_d, dl = start[me, g, kk, n, d], delta[me, g, kk, n, d]
                    y[p, g, n, d] = s_d + step * dl
                    target[p, g, n, d] = s_d + dl
    return y, feasible, own_best, target


@njit(cache=True, error_model="numpy")
def segments(ideal, salience, status_quo, veto, moved):
    """Every proposer's search segments, start and step: (A_prop, G, K, N, D) each.

    For proposer a and agenda g the segments start at a's ideal (on issues a
    cares about; elsewhere at the others' mean) and run toward K = A targets:
    the salience-weighted mean ideal of the other veto players, then each
    other actor's ideal (the mean again for one that is not a veto player).
    Issues off the agenda stay at their status quo.  ideal, salience (A, N, D);
    status_quo (N, D); veto (G, A) and moved (G, D) bool.  Sums run over
    actors in order, as numpy's sum over the first axis does.
    """
    A, N, D = ideal.shape
    G = veto.shape[0]
    start = np.empty((A, G, A, N, D))
    delta = np.empty((A, G, A, N, D))
    for a in range(A):
        for g in range(G):
            for n in range(N):
                for d in range(D):
                    wsum, num, first = 0.0, 0.0, True
                    for j in range(A):
                        if veto[g, j] and j != a:
                            w = salience[j, n, d]
                            if first:
                                wsum, num, first = w, w * ideal[j, n, d], False
                            else:
                                wsum += w
                                num += w * ideal[j, n, d]
                    mean = num / wsum if wsum > 0 else ideal[a, n, d]
                    s = ideal[a, n, d] if salience[a, n, d] > 0 else mean
                    sq = status_quo[n, d]
                    s = s if moved[g, d] else sq
                    k = 0
                    for j in range(-1, A):
                        if j == a:
                            continue
                        target = ideal[j, n, d] if (j >= 0 and veto[g, j]) else mean
                        start[a, g, k, n, d] = s
                        delta[a, g, k, n, d] = (target if moved[g, d] else sq) - s
                        k += 1
    return start, delta


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
def package_losses(y, ideal, salience, quadratic, truce, masked, where):
    """``u_i(y) = 1 − Σ_d s_d |y_d − x_d|^p`` and the loss on the truce issues, for
    packages y (M, N, D) and every actor (ideal, salience (A, N, D)): each (A, M, N).

    The truce loss adds the truce issues' losses either over the whole row,
    the other issues' losses times 0 (``masked``, as numpy's
    ``(loss * truce).sum(-1)``), or over the truce issues alone (as
    ``loss[..., truce].sum(-1)``); every sum in numpy's pairwise order.
    Worlds where ``where`` (N,) is False are skipped (0).
    """
    A, N, D = ideal.shape
    M = y.shape[0]
    utility = np.empty((A, M, N))
    truce_loss = np.empty((A, M, N))
    row = np.empty(D)
    part = np.empty(D)
    for a in range(A):
        for m in range(M):
            for n in range(N):
                if not where[n]:
                    utility[a, m, n] = 0.0
                    truce_loss[a, m, n] = 0.0
                    continue
                k = 0
                for d in range(D):
                    gap = abs(y[m, n, d] - ideal[a, n, d])
                    loss = salience[a, n, d] * (gap * gap if quadratic else gap)
                    row[d] = loss
                    if masked:
                        part[d] = loss * (1.0 if truce[d] else 0.0)
                    elif truce[d]:
                        part[k] = loss
                        k += 1
                utility[a, m, n] = 1.0 - _sum(row)
                truce_loss[a, m, n] = _sum(part) if masked else _sum(part[:k])
    return utility, truce_loss


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


@njit(cache=True, error_model="numpy", inline="always")
def _followed_loss(w, sq, s, x, move, var, quadratic):
    """The loss the war's end state saves on one political issue (negative: it adds).

    The issue ends at ``e = clip(sq + w·move, 0, 1)``, move = m − b the front's
    expected movement; its spread is ``min(w²·Var, e(1 − e))`` with quadratic
    utility, capped like the front's own; the status quo's loss is given back.
    """
    e = min(max(sq + w * move, 0.0), 1.0)
    gap_sq, gap_end = abs(sq - x), abs(e - x)
    if quadratic:
        spread = min(w * w * var, e * (1.0 - e))
        return s * (gap_sq * gap_sq - (gap_end * gap_end + spread))
    return s * (gap_sq - gap_end)


@njit(cache=True, error_model="numpy")
def war_values(balance, drift, sal, ideal, fade, base, cost, vol, horizon, sqrt_horizon, quadratic,
               victories, strike, upper, lower, u_high, u_low, where, f_w, f_sq, f_sal, f_ideal):
    """``W_i`` (see :meth:`negotiate.model.values.Valuation.war_value`) over (A, M, N).

    balance (M, N) and the believed drifts (A, M, N) may be broadcast views;
    the per-actor arrays are (A, N), vol (N,).  The believed front after H
    rounds, its spread and the chances of outright wins (normal CDF:
    :func:`negotiate.model.normal.ndtr`, SciPy's to the bit) are computed
    here with the same operations in the same order as the numpy formula,
    so the same bits.  Worlds where ``where`` (N,) is False are skipped (0).
    The political issues that follow the front (f_w, f_sq (F, N); f_sal,
    f_ideal (A, F, N)) replace their status-quo loss in the end state by
    :func:`_followed_loss`; where w = 0 nothing is added, so no bit moves.
    """
    A, M, N = drift.shape
    F = f_w.shape[0]
    out = np.empty((A, M, N))
    for a in range(A):
        for m in range(M):
            for n in range(N):
                if not where[n]:
                    out[a, m, n] = 0.0
                    continue
                b = balance[m, n]
                mu = min(max(b + drift[a, m, n] * horizon, 0.0), 1.0)
                gap_end, gap_now = abs(mu - ideal[a, n]), abs(b - ideal[a, n])
                var = 0.0
                if quadratic:
                    var = min(vol[n] * vol[n] * horizon, mu * (1.0 - mu))
                    loss_end, loss_now = gap_end * gap_end + var, gap_now * gap_now
                else:
                    loss_end, loss_now = gap_end, gap_now
                end = base[a, n] - sal[a, n] * loss_end
                for f in range(F):
                    if f_w[f, n] != 0.0:
                        end += _followed_loss(f_w[f, n], f_sq[f, n], f_sal[a, f, n],
                                              f_ideal[a, f, n], mu - b, var, quadratic)
                if victories:
                    sd = max(vol[n] * sqrt_horizon, 1e-12)
                    hi = ndtr((mu - upper) / sd) * strike
                    lo = ndtr((lower - mu) / sd) * strike
                    end = (1.0 - hi - lo) * end + hi * u_high[a, n] + lo * u_low[a, n]
                f = fade[a, n]
                out[a, m, n] = base[a, n] - (1.0 - f) * (sal[a, n] * loss_now + cost[a, n]) + f * (end - base[a, n])
    return out
