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

    All arguments broadcast; the result has their broadcast shape.  With
    ``f(0) < need`` the first root in [0, 1] is where ``f`` reaches ``need``.
    Written with few temporaries: this is the engine's innermost loop.
    """
    c0, c1, c2 = coef
    c = c0 - need
    disc = c1 * c1 - 4.0 * c2 * c
    # numerically stable pair of roots (Numerical Recipes §5.6)
    q = -0.5 * (c1 + np.copysign(np.sqrt(np.maximum(disc, 0.0)), c1))
    linear = np.abs(c2) <= 1e-14
    with np.errstate(divide="ignore", invalid="ignore"):
        r1, r2, r_lin = q / c2, c / q, -c / c1
    r1 = np.array(np.where(linear, r_lin, r1), dtype=float)
    r2 = np.array(np.where(linear, r_lin, r2), dtype=float)
    no_root = (disc < -tol) & ~linear
    for r in (r1, r2):  # roots outside [0, 1] (or none, or NaN) do not count
        r[no_root | ~((r >= -tol) & (r <= 1.0 + tol))] = np.inf
    first = np.array(np.minimum(r1, r2), dtype=float)  # an array even for scalar input
    np.maximum(first, 0.0, out=first)
    first[np.isfinite(first) & (first > 1.0)] = 1.0
    first[c >= -tol] = 0.0
    return first
