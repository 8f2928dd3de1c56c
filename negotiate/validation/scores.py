"""Scoring probability forecasts against what happened: pure functions, no randomness
except the bootstrap's, which takes its generator as an argument.

Notation: a forecast is a probability vector ``p = (p_1 … p_K)`` over ``K``
categories; the observation is the index ``j`` of the category that happened
(0-based in the code, 1-based in the formulas); ``o_k = 1`` if ``k = j``, else 0.
Arrays broadcast: ``probs`` has the categories on its last axis and
``observed`` broadcasts with the other axes (one forecast per case, or one
forecast scored against several observations).

Categories
    *Outcome*: the engine's four outcome classes (:data:`OUTCOMES`), nominal.
    *Time to the first agreement of any kind* (truce or settlement): the
    ordered bins ``1–4, 5–13, 14–52, 53–horizon, never`` (:data:`TIME_BINS`).
    With a horizon of 52 or less the fourth bin is empty; the case library's
    horizon is 104.

Scores (Gneiting & Raftery 2007, "Strictly proper scoring rules, prediction,
and estimation", *JASA* 102:359–378: all three are strictly proper, so a
forecaster scores best in expectation by saying what it believes)
    :func:`log_score` ``= ln p_j`` — positively oriented: higher is better, 0
    for certainty on what happened, ``−ln K`` for the uniform forecast.
    Where a loss is needed (means, skill) its negative, the *log loss*
    ``−ln p_j`` (the ignorance score in nats), is used.
    :func:`brier_score` ``= Σ_k (p_k − o_k)²`` (Brier 1950, *Monthly Weather
    Review* 78:1–3), in [0, 2], lower better.
    :func:`ranked_probability_score` ``= Σ_{k=1}^{K−1} (F_k − O_k)² / (K − 1)``
    with ``F_k = p_1 + … + p_k`` and ``O_k = o_1 + … + o_k`` (Epstein 1969,
    *J. Appl. Meteor.* 8:985–987; divided by ``K − 1`` as in Wilks,
    *Statistical Methods in the Atmospheric Sciences*, 3rd ed. 2011, ch. 8),
    in [0, 1], lower better; for ordered
    categories it rewards forecasts that put their mass near what happened.

Forecasts from counts
    :func:`smoothed_probabilities`: ``p_k = (n_k + ½) / (n + ½K)`` (add-half,
    the posterior mean under a Jeffreys Dirichlet(½, …, ½) prior), so that no
    category has probability 0 and no log score is ``−∞``.
    :func:`monte_carlo_interval`: the raw share ``n_k / n``, its standard
    error ``√(p(1−p)/n)`` and Wilson interval.

Reference forecasts
    :func:`climatology_forecasts`: for each case, the base rates of the *other*
    cases (leave one out), smoothed the same way:
    ``p_k^(−i) = (c_k − o_ik + ½) / (N − 1 + ½K)``, with ``c_k`` the number of
    the ``N`` cases observed in category ``k``.  :func:`uniform_forecasts`: ``1/K``.

Skill and its uncertainty
    :func:`skill_score` ``S = 1 − L̄_model / L̄_ref`` for mean losses ``L̄``
    (Murphy 1973, "Hedging and skill scores for probability forecasts",
    *J. Appl. Meteor.* 12:215–223; Wilks, ch. 8): 1 perfect, 0 no better than the reference,
    negative worse.  :func:`bootstrap` resamples cases with replacement and
    gives a percentile interval of any statistic of per-case scores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd

from ..model.outcomes import OUTCOMES
from ..stats import wilson_interval

__all__ = [
    "JEFFREYS",
    "OUTCOMES",
    "TIME_BINS",
    "BootstrapInterval",
    "bin_counts",
    "bootstrap",
    "brier_score",
    "check_level",
    "climatology_forecasts",
    "first_agreement_round",
    "log_score",
    "monte_carlo_interval",
    "ranked_probability_score",
    "reliability_table",
    "skill_score",
    "smoothed_probabilities",
    "time_bin",
    "time_bin_labels",
    "uniform_forecasts",
]

#: Pseudo-count added to every category (Jeffreys' prior): ``(n_k + ½) / (n + ½K)``.
JEFFREYS = 0.5
#: Names of the time bins (the fourth ends at the horizon: see :func:`time_bin_labels`).
TIME_BINS: tuple[str, ...] = ("1-4", "5-13", "14-52", "53-horizon", "never")
_TIME_EDGES = np.array([4, 13, 52])  # last round of each of the first three bins


# --- categories ---------------------------------------------------------------------

def first_agreement_round(truce_round, agreement_round) -> np.ndarray:
    """Round of the first agreement of any kind, elementwise: the smaller of the
    positive rounds, 0 if both are 0 ("never", the engine's convention)."""
    t, a = (np.asarray(v, dtype=np.int64) for v in (truce_round, agreement_round))
    if np.any(t < 0) or np.any(a < 0):
        raise ValueError("rounds must be >= 0 (0 means never)")
    big = np.iinfo(np.int64).max
    first = np.minimum(np.where(t > 0, t, big), np.where(a > 0, a, big))
    return np.where(first == big, 0, first)


def time_bin(rounds) -> np.ndarray:
    """Index into :data:`TIME_BINS` of each round (1-based; 0 = never)."""
    rounds = np.asarray(rounds, dtype=np.int64)
    if np.any(rounds < 0):
        raise ValueError("rounds must be >= 0 (0 means never)")
    return np.where(rounds == 0, len(TIME_BINS) - 1, np.searchsorted(_TIME_EDGES, rounds))


def time_bin_labels(horizon: int) -> tuple[str, ...]:
    """The bins' labels for a horizon, such as ``("1–4", …, "53–104", "never")``."""
    return ("1–4", "5–13", "14–52", f"53–{int(horizon)}", "never")


def bin_counts(indices, n_categories: int) -> np.ndarray:
    """How many of ``indices`` fall in each of ``n_categories`` categories."""
    indices = np.asarray(indices, dtype=np.int64).ravel()
    if indices.size and (indices.min() < 0 or indices.max() >= n_categories):
        raise ValueError(f"category indices must lie in 0..{n_categories - 1}")
    return np.bincount(indices, minlength=n_categories)


# --- forecasts from counts ----------------------------------------------------------

def smoothed_probabilities(counts, prior: float = JEFFREYS) -> np.ndarray:
    """``(n_k + prior) / (n + prior·K)`` along the last axis (add-half by default)."""
    counts = np.asarray(counts, dtype=float)
    if counts.ndim == 0 or counts.shape[-1] < 2:
        raise ValueError("counts need at least two categories on their last axis")
    if np.any(counts < 0) or not np.all(np.isfinite(counts)):
        raise ValueError("counts must be finite and >= 0")
    if not prior > 0:
        raise ValueError(f"prior must be > 0, got {prior!r}")
    k = counts.shape[-1]
    return (counts + prior) / (counts.sum(axis=-1, keepdims=True) + prior * k)


def monte_carlo_interval(counts, level: float = 0.95):
    """Raw shares ``n_k/n`` with their standard errors and Wilson intervals.

    Returns ``(p, se, low, high)``, each shaped like ``counts``.
    """
    counts = np.asarray(counts, dtype=float)
    n = counts.sum(axis=-1, keepdims=True)
    if np.any(n <= 0):
        raise ValueError("every forecast needs at least one run")
    p = counts / n
    low, high = wilson_interval(counts, np.broadcast_to(n, counts.shape), level)
    return p, np.sqrt(p * (1 - p) / n), np.asarray(low), np.asarray(high)


# --- scores -------------------------------------------------------------------------

def _checked(probs, observed) -> tuple[np.ndarray, np.ndarray]:
    probs = np.asarray(probs, dtype=float)
    observed = np.asarray(observed)
    if probs.ndim == 0 or probs.shape[-1] < 2:
        raise ValueError("probs need at least two categories on their last axis")
    if np.any(probs < 0) or np.any(probs > 1) or not np.allclose(probs.sum(axis=-1), 1, atol=1e-9):
        raise ValueError("each forecast must be probabilities in [0, 1] summing to 1")
    if not np.issubdtype(observed.dtype, np.integer):
        raise ValueError(f"observed must be category indices (integers), got {observed.dtype}")
    if np.any(observed < 0) or np.any(observed >= probs.shape[-1]):
        raise ValueError(f"observed must lie in 0..{probs.shape[-1] - 1}")
    try:
        shape = np.broadcast_shapes(probs.shape[:-1], observed.shape)
    except ValueError:
        raise ValueError(f"observed has shape {observed.shape}, which does not broadcast with "
                         f"the forecasts' {probs.shape[:-1]}") from None
    return np.broadcast_to(probs, shape + probs.shape[-1:]), np.broadcast_to(observed, shape)


def _one_hot(observed: np.ndarray, k: int) -> np.ndarray:
    return (observed[..., None] == np.arange(k)).astype(float)


def log_score(probs, observed) -> np.ndarray:
    """``ln p_j``: natural log of the probability given to what happened (higher is better)."""
    probs, observed = _checked(probs, observed)
    picked = np.take_along_axis(probs, observed[..., None], axis=-1)[..., 0]
    with np.errstate(divide="ignore"):
        return np.log(picked)


def brier_score(probs, observed) -> np.ndarray:
    """``Σ_k (p_k − o_k)²`` (lower is better; 0 perfect, 2 certain and wrong)."""
    probs, observed = _checked(probs, observed)
    return ((probs - _one_hot(observed, probs.shape[-1])) ** 2).sum(axis=-1)


def ranked_probability_score(probs, observed) -> np.ndarray:
    """``Σ_{k<K} (F_k − O_k)² / (K−1)`` over ordered categories (lower is better)."""
    probs, observed = _checked(probs, observed)
    k = probs.shape[-1]
    forecast = np.cumsum(probs, axis=-1)[..., :-1]
    happened = np.cumsum(_one_hot(observed, k), axis=-1)[..., :-1]
    return ((forecast - happened) ** 2).sum(axis=-1) / (k - 1)


# --- reference forecasts -------------------------------------------------------------

def climatology_forecasts(observed, n_categories: int, prior: float = JEFFREYS) -> np.ndarray:
    """Leave-one-out base rates, one row per case: case ``i`` gets the smoothed
    shares of the categories observed in all the *other* cases."""
    observed = np.asarray(observed)
    if observed.ndim != 1 or not np.issubdtype(observed.dtype, np.integer):
        raise ValueError("observed must be a 1-D array of category indices")
    totals = bin_counts(observed, n_categories)
    others = totals[None, :] - _one_hot(observed, n_categories)
    return smoothed_probabilities(others, prior)


def uniform_forecasts(n_cases: int, n_categories: int) -> np.ndarray:
    """``1/K`` for every category, one row per case."""
    if n_cases < 0 or n_categories < 2:
        raise ValueError("need n_cases >= 0 and n_categories >= 2")
    return np.full((n_cases, n_categories), 1.0 / n_categories)


# --- skill and bootstrap ---------------------------------------------------------------

def skill_score(model_losses, reference_losses) -> np.ndarray:
    """``1 − mean(model) / mean(reference)`` over the last axis, for losses
    (lower-is-better scores: log loss, Brier, RPS).  The skill of the mean
    scores, not the mean of per-case skills (which a near-perfect reference
    on one case would dominate)."""
    model = np.asarray(model_losses, dtype=float)
    ref = np.asarray(reference_losses, dtype=float)
    if model.shape != ref.shape or model.ndim == 0 or model.shape[-1] == 0:
        raise ValueError("model and reference losses need the same non-empty shape")
    with np.errstate(divide="ignore", invalid="ignore"):
        return 1.0 - model.mean(axis=-1) / ref.mean(axis=-1)


@dataclass(frozen=True)
class BootstrapInterval:
    """A statistic of the cases and its percentile bootstrap interval."""

    estimate: float
    low: float
    high: float
    level: float
    resamples: int


def check_level(level) -> None:
    """Raise ``ValueError`` unless ``level`` (an interval's coverage) is a number strictly
    between 0 and 1."""
    if isinstance(level, bool) or not isinstance(level, Real) or not 0 < level < 1:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")


def bootstrap(statistic: Callable[..., np.ndarray], *samples, rng, resamples: int = 2000,
              level: float = 0.95) -> BootstrapInterval:
    """Percentile bootstrap over cases (Efron & Tibshirani 1993, ch. 13).

    ``samples`` are 1-D arrays with one value per case; each resample draws
    ``N`` cases with replacement, the same cases from every sample (paired).
    ``statistic`` takes the samples and reduces their *last* axis (as
    ``np.mean(x, axis=-1)`` does), so all resamples are computed at once.
    ``rng`` is a seed or a ``numpy.random.Generator``: the same seed gives the
    same interval.  The interval is the ``(1±level)/2`` quantiles of the
    resampled statistics (resamples where it is undefined, NaN, are dropped).
    """
    arrays = [np.asarray(s, dtype=float) for s in samples]
    if not arrays or any(a.ndim != 1 for a in arrays) or len({a.size for a in arrays}) != 1:
        raise ValueError("samples must be 1-D arrays of the same length, one value per case")
    if arrays[0].size == 0:
        raise ValueError("the bootstrap needs at least one case")
    if not (isinstance(resamples, int) and resamples >= 1):
        raise ValueError(f"resamples must be a whole number >= 1, got {resamples!r}")
    check_level(level)
    generator = np.random.default_rng(rng)
    index = generator.integers(0, arrays[0].size, size=(resamples, arrays[0].size))
    estimate = float(statistic(*arrays))
    values = np.asarray(statistic(*(a[index] for a in arrays)), dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return BootstrapInterval(estimate, np.nan, np.nan, level, resamples)
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return BootstrapInterval(estimate, float(low), float(high), level, resamples)


# --- reliability ------------------------------------------------------------------------

def reliability_table(probs, observed, bins: int = 10, level: float = 0.95) -> pd.DataFrame:
    """Forecast probability against observed frequency, over every case × category.

    Each pair (``p_ik``, ``o_ik``) falls in one of ``bins`` equal-width bins
    of ``p`` (the last one closed); per non-empty bin: ``count`` pairs, their
    ``mean_forecast``, the ``observed_frequency`` of the event with its Wilson
    interval.  A reliable forecaster's points lie on the diagonal (Murphy &
    Winkler 1977, *Applied Statistics* 26:41–47; Wilks, ch. 8).
    """
    probs, observed = _checked(probs, observed)
    if not (isinstance(bins, int) and bins >= 1):
        raise ValueError(f"bins must be a whole number >= 1, got {bins!r}")
    p = probs.ravel()
    o = _one_hot(observed, probs.shape[-1]).ravel()
    which = np.minimum((p * bins).astype(int), bins - 1)
    rows = []
    for b in np.unique(which):
        inside = which == b
        count, events = int(inside.sum()), int(o[inside].sum())
        low, high = wilson_interval(events, count, level)
        rows.append({"bin_low": b / bins, "bin_high": (b + 1) / bins, "count": count,
                     "events": events, "mean_forecast": float(p[inside].mean()),
                     "observed_frequency": events / count, "ci_low": float(low), "ci_high": float(high)})
    table = pd.DataFrame(rows, columns=["bin_low", "bin_high", "count", "events", "mean_forecast",
                                        "observed_frequency", "ci_low", "ci_high"])
    table.attrs.update(level=level, bins=bins)
    return table
