"""The compiled normal CDF gives SciPy's doubles, so moving the war value into
compiled code changed no result (negotiate.model.normal)."""

import math

import numpy as np
import pytest
from scipy.special import ndtr as scipy_ndtr

from negotiate.model.normal import ndtr_array

# edges of Cephes' branches: |x|/√2 = 1 and 8, exp(-x²/2) underflowing near x = -38.6
EDGES = np.array([0.0, -0.0, math.sqrt(2), -math.sqrt(2), 8 * math.sqrt(2), -8 * math.sqrt(2),
                  np.nextafter(math.sqrt(2), 0), np.nextafter(-math.sqrt(2), 0), 37.5, -37.5, 38.6, -38.6,
                  40.0, -40.0, 1e-300, -1e-300, 1e300, -1e300, np.inf, -np.inf])


def same_bits(a, b):
    return (a.view(np.int64) == b.view(np.int64)) | (np.isnan(a) & np.isnan(b))


@pytest.mark.parametrize("sample", [
    pytest.param(lambda rng: rng.normal(0.0, 3.0, 200_000), id="normal(0, 3)"),
    pytest.param(lambda rng: rng.uniform(-45.0, 45.0, 200_000), id="uniform(-45, 45)"),
    pytest.param(lambda rng: rng.uniform(-1.5, 1.5, 200_000), id="centre"),
    pytest.param(lambda rng: EDGES, id="branch edges"),
])
def test_same_doubles_as_scipy(sample):
    x = sample(np.random.default_rng(7))
    mismatched = ~same_bits(ndtr_array(x), scipy_ndtr(x))
    assert not mismatched.any(), f"differs from scipy at {x[mismatched][:5]}"


def test_nan_gives_nan():
    assert np.isnan(ndtr_array(np.array([np.nan]))[0])


@pytest.mark.parametrize("x, expected", [
    (0.0, 0.5),
    (1.959963984540054, 0.975),          # the familiar 97.5% quantile
    (-1.0, 0.5 * math.erfc(1.0 / math.sqrt(2.0))),     # the C library's erfc, an independent code
    (-5.0, 0.5 * math.erfc(5.0 / math.sqrt(2.0))),
    (3.0, 1.0 - 0.5 * math.erfc(3.0 / math.sqrt(2.0))),
])
def test_known_values(x, expected):
    assert ndtr_array(np.array([x]))[0] == pytest.approx(expected, rel=1e-13)


def test_symmetry():
    x = np.linspace(-6, 6, 1201)
    np.testing.assert_allclose(ndtr_array(x) + ndtr_array(-x), 1.0, atol=2e-16)
