"""Confidence intervals the Monte Carlo tests share."""

import numpy as np
from scipy import stats

Z99 = stats.norm.ppf(0.995)


def paired_interval(a, b, z: float = Z99):
    """Normal interval (99% by default) for mean(a − b), the two paired by world."""
    d = np.asarray(a, float) - np.asarray(b, float)
    half = z * d.std(ddof=1) / np.sqrt(d.size)
    return d.mean() - half, d.mean() + half
