"""Closed-form search along a segment: the ``strategic`` proposer's core.

A proposer moves from its own ideal ``x_p`` toward a target ``z`` the
responders like, ``y(λ) = x_p + λ (z − x_p)``, and stops at the smallest λ
that gives every veto player at least its reservation value.  Each
responder's value along the segment is a quadratic in λ (exactly so for
quadratic utility), fitted from its values at λ = 0, ½, 1, so the smallest
acceptable λ is a root of a quadratic: no grid search.
"""

from __future__ import annotations

import numpy as np

POINTS = np.array([0.0, 0.5, 1.0])
INFEASIBLE = np.inf


def fit_quadratic(v0, vh, v1):
    """Coefficients (c0, c1, c2) of the quadratic through λ = 0, ½, 1."""
    return v0, -3.0 * v0 + 4.0 * vh - v1, 2.0 * (v0 - 2.0 * vh + v1)


def evaluate(coef, lam):
    c0, c1, c2 = coef
    return c0 + lam * (c1 + lam * c2)


def smallest_acceptable(coef, need, tol: float = 1e-12) -> np.ndarray:
    """Smallest λ in [0, 1] with ``c0 + c1 λ + c2 λ² ≥ need`` (``inf`` if none).

    All arguments broadcast; the result has their broadcast shape.
    """
    c0, c1, c2 = np.broadcast_arrays(*coef, need)[:3]
    need = np.broadcast_to(need, c0.shape)
    a, b, c = c2, c1, c0 - need
    with np.errstate(invalid="ignore", divide="ignore"):
        disc = b * b - 4.0 * a * c
        root = np.sqrt(np.maximum(disc, 0.0))
        # numerically stable pair of roots (Numerical Recipes §5.6)
        q = -0.5 * (b + np.where(b >= 0, root, -root))
        r1 = np.where(a != 0, q / a, np.inf)
        r2 = np.where(q != 0, c / q, np.inf)
        linear = np.abs(a) <= 1e-14
        r_lin = np.where(b != 0, -c / b, np.inf)
    cands = np.stack([r1, r2])
    cands = np.where(linear[None], np.stack([r_lin, r_lin]), cands)
    cands = np.where((disc >= -tol)[None] | linear[None], cands, np.inf)
    ok = (cands >= -tol) & (cands <= 1.0 + tol)
    first = np.where(ok, np.clip(cands, 0.0, 1.0), np.inf).min(axis=0)
    return np.where(c >= -tol, 0.0, first)
