"""Closed-form search along a segment: the ``strategic`` proposer's core.

A proposer moves from its own ideal ``x_p`` toward a target ``z`` the
responders like, ``y(λ) = x_p + λ (z − x_p)``, and stops at the smallest λ
that gives every veto player at least its reservation value.  Each
responder's value along the segment is a quadratic in λ (exactly so for
quadratic utility), fitted from its values at λ = 0, ½, 1, so the smallest
acceptable λ is a root of a quadratic: no grid search.  The root and the
search over targets are compiled (:mod:`negotiate.model.kernels`); this
module holds the fit the numpy side shares with them.
"""

from __future__ import annotations

import numpy as np

POINTS = np.array([0.0, 0.5, 1.0])


def fit_quadratic(v0, vh, v1):
    """Coefficients (c0, c1, c2) of the quadratic through λ = 0, ½, 1."""
    return v0, -3.0 * v0 + 4.0 * vh - v1, 2.0 * (v0 - 2.0 * vh + v1)
