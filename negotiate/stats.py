"""Statistics for Monte Carlo proportions.

Every quantity the library reports is a proportion of runs (an outcome, a
collapse, an acceptance), so this module holds the few estimators it needs:

- :func:`wilson_interval` and :func:`jeffreys_interval` for one proportion
  (Brown, Cai & DasGupta 2001, "Interval estimation for a binomial
  proportion", *Statistical Science* 16:101–133, recommend both over the
  Wald interval, which under-covers badly near 0 and 1);
- :func:`cumulative_incidence` for the time to an agreement with competing
  outcomes;
- :func:`paired_difference` for two scenarios run on common random numbers;
- :func:`clustered_ratio_interval` for rates pooled over many answers per run.

All functions are vectorised over numpy arrays and never draw random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as _sps

__all__ = [
    "INTERVAL_METHODS",
    "PairedDifference",
    "clustered_ratio_interval",
    "cumulative_incidence",
    "dkw_halfwidth",
    "incidence_from_counts",
    "jeffreys_interval",
    "paired_difference",
    "paired_difference_from_table",
    "paired_table",
    "proportion_interval",
    "wilson_interval",
]


def _z(level: float) -> float:
    """Two-sided standard normal quantile for a confidence ``level``."""
    if isinstance(level, str):  # a method where the level goes (the old order)
        raise ValueError(f"level must be a number strictly between 0 and 1, got {level!r}; "  # noqa: TRY004
                         f"intervals take the level first, then the method by name (method={level!r})")
    if not (isinstance(level, (int, float)) and 0.0 < float(level) < 1.0):
        raise ValueError(f"level must be a number strictly between 0 and 1, got {level!r}")
    return float(_sps.norm.ppf(0.5 + float(level) / 2.0))


def _counts(k, n) -> tuple[np.ndarray, np.ndarray]:
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any(~np.isfinite(k)) or np.any(~np.isfinite(n)):
        raise ValueError("counts k and n must be finite")
    if np.any(k < 0) or np.any(n < 0):
        raise ValueError("counts k and n must be non-negative")
    if np.any(k > n):
        raise ValueError("count k must not exceed the number of trials n")
    return np.broadcast_arrays(k, n)


def _scalar_or_array(x: np.ndarray):
    return x[()] if x.ndim == 0 else x


def wilson_interval(k, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for ``k`` successes in ``n`` trials.

    The set of ``p`` that the score test does not reject:
    ``(p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)`` (Wilson 1927).
    ``k`` and ``n`` broadcast; non-integer values are allowed (effective
    counts). Where ``n == 0`` both bounds are NaN.
    """
    k, n = _counts(k, n)
    z = _z(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        z2n = z * z / n
        centre = (p + z2n / 2.0) / (1.0 + z2n)
        half = z * np.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n)) / (1.0 + z2n)
        lo = np.clip(centre - half, 0.0, 1.0)
        hi = np.clip(centre + half, 0.0, 1.0)
    # exact ends: rounding must not put the bound a hair inside [0, 1]
    lo = np.where(k == 0, 0.0, lo)
    hi = np.where(k == n, 1.0, hi)
    lo = np.where(n == 0, np.nan, lo)
    hi = np.where(n == 0, np.nan, hi)
    return _scalar_or_array(lo), _scalar_or_array(hi)


def jeffreys_interval(k, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed Jeffreys interval: quantiles of Beta(k + ½, n − k + ½).

    With Brown, Cai & DasGupta's (2001, §4.1.2) boundary modification: the
    lower bound is 0 when ``k == 0`` and the upper bound 1 when ``k == n``.
    """
    k, n = _counts(k, n)
    _z(level)  # validates level
    alpha = 1.0 - float(level)
    a, b = k + 0.5, n - k + 0.5
    with np.errstate(invalid="ignore"):
        lo = _sps.beta.ppf(alpha / 2.0, a, b)
        hi = _sps.beta.ppf(1.0 - alpha / 2.0, a, b)
    lo = np.where(k == 0, 0.0, lo)
    hi = np.where(k == n, 1.0, hi)
    lo = np.where(n == 0, np.nan, lo)
    hi = np.where(n == 0, np.nan, hi)
    return _scalar_or_array(np.asarray(lo, float)), _scalar_or_array(np.asarray(hi, float))


INTERVAL_METHODS = {"wilson": wilson_interval, "jeffreys": jeffreys_interval}


def proportion_interval(k, n, level: float = 0.95, method: str = "wilson"):
    """``wilson_interval`` or ``jeffreys_interval`` by name."""
    try:
        fn = INTERVAL_METHODS[method]
    except KeyError:
        raise ValueError(
            f"unknown interval method {method!r}; choose one of {', '.join(INTERVAL_METHODS)}"
        ) from None
    return fn(k, n, level)


# --- time to agreement --------------------------------------------------------

def incidence_from_counts(event_counts, n_runs: int) -> np.ndarray:
    """Cumulative incidence from counts of events per round.

    ``event_counts[t]`` (shape ``(horizon + 1,)`` or ``(horizon + 1, K)``) is
    the number of runs whose event happened in round ``t``; the result is the
    share of all ``n_runs`` runs whose event happened by round ``t``.
    """
    counts = np.asarray(event_counts, dtype=float)
    if n_runs <= 0:
        raise ValueError(f"n_runs must be positive, got {n_runs}")
    return np.cumsum(counts, axis=0) / float(n_runs)


def dkw_halfwidth(n: int, level: float = 0.95) -> float:
    """Half-width of the Dvoretzky–Kiefer–Wolfowitz band (Massart's constant):
    ``sqrt(ln(2 / (1 - level)) / (2 n))``.  The empirical distribution function
    of ``n`` independent draws lies within it of the true one at every point at
    once with probability at least ``level`` (Massart 1990; conservative for
    distributions with atoms, such as a round number)."""
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    return float(np.sqrt(np.log(2.0 / (1.0 - _checked_level(level))) / (2.0 * n)))


def _checked_level(level: float) -> float:
    _z(level)  # the same checks and messages as every interval
    return float(level)


def cumulative_incidence(rounds, event_mask, horizon: int) -> np.ndarray:
    """Share of runs whose event (of one competing kind) happened by each round.

    ``rounds`` (N,) holds each run's event round (1-based); ``event_mask`` is
    (N,) or (N, K) booleans saying which event a run ended in.  Runs with no
    event are censored at the horizon; since every run is followed to the same
    fixed horizon, the Aalen–Johansen estimator reduces to the empirical CDF
    of each competing event, ``F_k(t) = #{event k by t} / N``.  Returns shape
    ``(horizon + 1,)`` or ``(horizon + 1, K)``, indexed by round 0..horizon.
    """
    rounds = np.asarray(rounds)
    mask = np.asarray(event_mask, dtype=bool)
    if rounds.ndim != 1 or mask.shape[0] != rounds.shape[0] or mask.ndim not in (1, 2):
        raise ValueError(
            f"rounds must be (N,) and event_mask (N,) or (N, K); got {rounds.shape} and {mask.shape}"
        )
    if rounds.shape[0] == 0:
        raise ValueError("cumulative_incidence needs at least one run")
    mask2 = mask[:, None] if mask.ndim == 1 else mask
    counts = np.zeros((horizon + 1, mask2.shape[1]), dtype=np.int64)
    for j in range(mask2.shape[1]):
        r = rounds[mask2[:, j]]
        if r.size and (r.min() < 1 or r.max() > horizon):
            raise ValueError(f"event rounds must lie in 1..{horizon}, got {r.min()}..{r.max()}")
        counts[:, j] = np.bincount(r.astype(np.int64), minlength=horizon + 1)
    out = incidence_from_counts(counts, rounds.shape[0])
    return out[:, 0] if mask.ndim == 1 else out


# --- paired differences (common random numbers) -------------------------------

@dataclass(frozen=True)
class PairedDifference:
    """``difference = p_y − p_x`` with its interval; fields broadcast like the input."""

    p_x: np.ndarray
    p_y: np.ndarray
    difference: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray


def paired_table(x, y) -> tuple[int, int, int, int]:
    """Counts ``(both, x only, y only, neither)`` of two paired boolean arrays."""
    x = np.asarray(x, dtype=bool)
    y = np.asarray(y, dtype=bool)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-D arrays of the same length, got {x.shape} and {y.shape}")
    both = int(np.count_nonzero(x & y))
    x_only = int(np.count_nonzero(x & ~y))
    y_only = int(np.count_nonzero(~x & y))
    return both, x_only, y_only, x.size - both - x_only - y_only


def paired_difference(x, y, level: float = 0.95, method: str = "newcombe") -> PairedDifference:
    """Difference ``P(y) − P(x)`` of two paired binary outcomes with an interval.

    ``x[i]`` and ``y[i]`` are the same run (same random numbers) under two
    scenarios.  See :func:`paired_difference_from_table` for the methods.
    """
    return paired_difference_from_table(*paired_table(x, y), level=level, method=method)


def paired_difference_from_table(both, x_only, y_only, neither, level: float = 0.95,
                                 method: str = "newcombe") -> PairedDifference:
    """Paired difference ``p_y − p_x`` from the 2×2 table of paired outcomes.

    ``method="newcombe"`` (default): Newcombe's hybrid score ("square-and-add")
    interval for paired proportions, method 10 of Newcombe (1998), "Improved
    confidence intervals for the difference between binomial proportions
    based on paired data", *Statistics in Medicine* 17:2635–2650.  It combines
    the Wilson intervals of the two margins with their estimated correlation
    φ, and is one of the two intervals Fagerland, Lydersen & Laake (2014,
    *Statistics in Medicine* 33:2850–2875) recommend for paired proportions;
    unlike the Wald interval it stays inside [−1, 1] and keeps its coverage
    when the probabilities are near 0 or 1.

    ``method="wald"``: mean of the per-run differences ± z·sd/√n (degenerate,
    [0, 0], when the two scenarios never disagree).
    """
    a, b, c, d = (np.asarray(v, dtype=float) for v in (both, x_only, y_only, neither))
    n = a + b + c + d
    if np.any(n <= 0):
        raise ValueError("a paired table needs at least one run")
    p_x, p_y = (a + b) / n, (a + c) / n
    diff = (c - b) / n
    if method == "wald":
        z = _z(level)
        var = ((b + c) / n - diff**2) / n
        half = z * np.sqrt(np.maximum(var, 0.0))
        lo, hi = diff - half, diff + half
    elif method == "newcombe":
        lo, hi = _newcombe_paired(a, b, c, d, n, p_x, p_y, diff, level)
    else:
        raise ValueError(f"unknown paired method {method!r}; choose 'newcombe' or 'wald'")
    return PairedDifference(*(_scalar_or_array(np.asarray(v, float))
                              for v in (p_x, p_y, diff, np.clip(lo, -1, 1), np.clip(hi, -1, 1))))


def _newcombe_paired(a, b, c, d, n, p_x, p_y, diff, level):
    # Written for p_y − p_x: y plays Newcombe's first margin, x the second.
    l_y, u_y = (np.asarray(v) for v in wilson_interval(a + c, n, level))
    l_x, u_x = (np.asarray(v) for v in wilson_interval(a + b, n, level))
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    # φ with Newcombe's continuity correction of the numerator: ad − bc is
    # shrunk by n/2 when positive (and set to 0 if that crosses zero).
    cross = a * d - b * c
    numer = np.where(cross > n / 2, cross - n / 2, np.where(cross < 0, cross, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = np.where(margins > 0, numer / np.sqrt(margins), 0.0)
    dl = np.sqrt(np.maximum((p_y - l_y) ** 2 - 2 * phi * (p_y - l_y) * (u_x - p_x) + (u_x - p_x) ** 2, 0))
    du = np.sqrt(np.maximum((u_y - p_y) ** 2 - 2 * phi * (u_y - p_y) * (p_x - l_x) + (p_x - l_x) ** 2, 0))
    return diff - dl, diff + du


# --- rates pooled within runs -------------------------------------------------

def clustered_ratio_interval(num, den, num_sq, den_sq, num_den, n_clusters, level: float = 0.95):
    """Rate ``Σa / Σo`` pooled over runs, with an interval that respects runs.

    ``a_i`` acceptances out of ``o_i`` answers in run ``i`` are not independent
    trials (one run's sampled parameters drive all its answers), so a Wilson
    interval on the pooled counts would be too narrow.  The variance of the
    ratio estimator is the linearised (cluster-robust) one,
    ``n/(n−1) · Σ(a_i − r o_i)² / (Σo_i)²`` (Cochran, *Sampling Techniques*,
    3rd ed., §6.4); it gives an effective number of trials
    ``n_eff = r(1−r)/var`` (capped at Σo), and the interval is Wilson's at
    ``(r·n_eff, n_eff)`` (Korn & Graubard 1998, *Survey Methodology*
    24:193–201).  Arguments are the sums Σa, Σo, Σa², Σo², Σa·o and the number
    of runs; they broadcast.  Returns ``(rate, low, high)``; NaN where Σo = 0.
    """
    num, den, num_sq, den_sq, num_den = (np.asarray(v, dtype=float)
                                         for v in (num, den, num_sq, den_sq, num_den))
    n = float(n_clusters)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = num / den
        resid_ss = np.maximum(num_sq - 2 * rate * num_den + rate**2 * den_sq, 0.0)
        var = (n / (n - 1) if n > 1 else 1.0) * resid_ss / den**2
        n_eff = np.where(var > 0, rate * (1 - rate) / var, den)
        n_eff = np.clip(n_eff, 0.0, den)
        n_eff = np.where(den > 0, n_eff, 0.0)
        k_eff = np.clip(np.nan_to_num(rate) * n_eff, 0.0, n_eff)
    lo, hi = wilson_interval(k_eff, n_eff, level)
    return _scalar_or_array(rate), lo, hi
