"""Each family states its support in closed form (validation checks it against the
field's range); it must agree with scipy's, which is what sampling uses."""

from __future__ import annotations

import math

import pytest

from negotiate.scenario import distributions as d

FAMILIES = [
    d.Normal(dist="normal", mean=1, sd=2),
    d.TruncNormal(dist="truncnorm", mean=0.5, sd=0.2, low=0.1, high=0.8),
    d.Beta(dist="beta", a=2, b=3),
    d.Beta(dist="beta", a=0.5, b=0.5, low=0.3, high=0.9),
    d.Uniform(dist="uniform", low=-1, high=3),
    d.Triangular(dist="triangular", low=0.1, mode=0.1, high=0.7),
    d.LogNormal(dist="lognormal", mu=0.3, sigma=1.2),
    d.Choice(dist="choice", values=[0.2, 0.9, 0.4]),
]


@pytest.mark.parametrize("dist", FAMILIES, ids=lambda x: x.dist)
def test_closed_form_support_matches_scipy(dist):
    lo, hi = dist.support()
    if dist.dist == "choice":
        assert (lo, hi) == (0.2, 0.9)
        return
    scipy_lo, scipy_hi = dist.frozen().support()
    assert lo == pytest.approx(scipy_lo, abs=1e-12) or (math.isinf(lo) and lo == scipy_lo)
    assert hi == pytest.approx(scipy_hi, abs=1e-12) or (math.isinf(hi) and hi == scipy_hi)
