"""A truce in force (docs/model.md §5): collapse hazard and classification of its terms.

Regeneration and the value of a truce live in :mod:`negotiate.model.values`,
beside the war value they feed.
"""

from __future__ import annotations

import numpy as np

from .params import WorldParams


def collapse_probability(params: WorldParams, age: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """P(collapse in the age-th round | survived so far): discrete Weibull hazard.

    Cumulative hazard ``H(a) = m·(a/λ)^k`` with shape k < 1 (risk highest at
    the start) and multiplier ``m = exp(Σ_d β_d y_d)`` from the agreed terms
    (e.g. monitors lower it).  A scale of 0 is the limit of an ever shorter
    truce: it collapses in its first round.
    """
    k, lam = params.hazard_shape, params.hazard_scale
    mult = np.exp(np.einsum("dn,nd->n", params.hazard_effects, np.nan_to_num(terms)))
    a = age.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        cum = (a / lam) ** k - (np.maximum(a - 1.0, 0.0) / lam) ** k
    cum = np.where(lam > 0, cum, np.inf)
    return 1.0 - np.exp(-mult * cum)


def conditions(params: WorldParams, terms: np.ndarray) -> np.ndarray:
    """How many conditions a truce carries: truce terms moved off status quo by more than
    their threshold; terms (…, N, D) → (…, N)."""
    moved = np.abs(terms - params.status_quo) > params.threshold
    return (moved & params.truce_issue).sum(axis=-1)


def is_conditional(params: WorldParams, terms: np.ndarray) -> np.ndarray:
    """A truce has conditions when a truce term moved off status quo by more than its threshold."""
    return conditions(params, terms) > 0
