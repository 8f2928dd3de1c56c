"""The posterior of the knobs by importance weighting of a prior sample: pure functions.

Notation: ``L`` points ``θ_l`` drawn from the prior; for each of ``C`` cases an
emulator's probabilities ``p̂_c(k | θ_l)`` (an array ``probs`` shaped
``(C, L, K)``) and the class ``o_c`` that happened.  The synthetic
log-likelihood of a case at a point is ``ℓ_c(θ_l) = ln p̂_c(o_c | θ_l)``, of
the library ``ℓ = Σ_c ℓ_c`` (cases independent given ``θ``).  With a prior
sample, the posterior is the sample weighted by ``w_l ∝ exp ℓ(θ_l)``
(self-normalised importance sampling with the prior as proposal), and

* its effective sample size (Kish 1965) is ``1 / Σ_l w_l²``: how many
  equally weighted points the weighted sample is worth;
* the posterior predictive of case ``c`` is ``Σ_l w_l p̂_c(k | θ_l)``, the
  prior predictive ``(1/L) Σ_l p̂_c(k | θ_l)``;
* leaving case ``c`` out, the weights come from ``ℓ − ℓ_c`` (the other cases'
  likelihoods only) and predict case ``c``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["effective_sample_size", "leave_one_out", "leave_one_out_weights", "log_likelihoods",
           "posterior_weights", "predictive", "weighted_quantiles"]


def log_likelihoods(probs, observed) -> np.ndarray:
    """``ℓ_c(θ_l) = ln probs[c, l, observed[c]]``, shaped ``(C, L)``."""
    probs = np.asarray(probs, dtype=float)
    observed = np.asarray(observed, dtype=np.int64)
    if probs.ndim != 3 or observed.shape != probs.shape[:1]:
        raise ValueError(f"need probs (cases, points, classes) and one observed class per case, "
                         f"got {probs.shape} and {observed.shape}")
    if np.any(observed < 0) or np.any(observed >= probs.shape[2]):
        raise ValueError(f"observed classes must lie in 0..{probs.shape[2] - 1}")
    if np.any(probs <= 0):
        raise ValueError("probabilities must be > 0 (floor them first)")
    return np.log(probs[np.arange(probs.shape[0]), :, observed])


def posterior_weights(loglik) -> np.ndarray:
    """``w_l = exp(ℓ_l) / Σ exp(ℓ)`` (computed after subtracting the largest ``ℓ``)."""
    loglik = np.asarray(loglik, dtype=float)
    if loglik.ndim != 1 or loglik.size == 0 or not np.all(np.isfinite(loglik)):
        raise ValueError("loglik must be a non-empty 1-D array of finite numbers")
    w = np.exp(loglik - loglik.max())
    return w / w.sum()


def effective_sample_size(weights) -> float:
    """Kish's ``(Σ w)² / Σ w²``."""
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or w.size == 0 or np.any(w < 0) or not w.sum() > 0:
        raise ValueError("weights must be a non-empty 1-D array of non-negative numbers, not all 0")
    return float(w.sum() ** 2 / (w ** 2).sum())


def predictive(weights, probs) -> np.ndarray:
    """``Σ_l w_l probs[..., l, :]``: the forecast of each case under the weights."""
    w = np.asarray(weights, dtype=float)
    probs = np.asarray(probs, dtype=float)
    if probs.shape[-2] != w.size:
        raise ValueError(f"need one weight per point ({probs.shape[-2]}), got {w.size}")
    return np.einsum("l,...lk->...k", w / w.sum(), probs)


def leave_one_out_weights(loglik) -> np.ndarray:
    """``(C, L)``: row ``c`` the posterior weights from every case's log-likelihood but
    ``c``'s (``loglik`` shaped ``(C, L)``)."""
    loglik = np.asarray(loglik, dtype=float)
    total = loglik.sum(axis=0)
    return np.stack([posterior_weights(total - row) for row in loglik])


def leave_one_out(probs, observed) -> tuple[np.ndarray, np.ndarray]:
    """For each case ``c``: its forecast under the posterior of the *other* cases,
    ``(C, K)``, and that posterior's effective sample size, ``(C,)``."""
    weights = leave_one_out_weights(log_likelihoods(probs, observed))
    forecasts = np.stack([predictive(w, probs[c]) for c, w in enumerate(weights)])
    return forecasts, np.array([effective_sample_size(w) for w in weights])


def weighted_quantiles(values, weights, q) -> np.ndarray:
    """Quantiles ``q`` of a weighted sample (the inverse of its step CDF, midpoints of the
    weights: with equal weights, ``numpy.quantile``'s ``"hazen"`` rule)."""
    values = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    order = np.argsort(values, kind="stable")
    v, w = values[order], w[order] / w.sum()
    mid = np.cumsum(w) - 0.5 * w
    return np.interp(np.asarray(q, dtype=float), mid, v)
