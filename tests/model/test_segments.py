"""The closed-form segment search (negotiate.model.segments) against quadratics
solved by hand: the smallest λ in [0, 1] with c0 + c1 λ + c2 λ² ≥ need."""

import math

import numpy as np
import pytest

from negotiate.model import segments

# (c0, c1, c2, need, smallest λ)
CASES = [
    # concave, increasing: 0.5λ² − λ + 0.4 = 0 → λ = 1 − √0.2
    (0.2, 1.0, -0.5, 0.6, 1 - math.sqrt(0.2)),
    # concave with two roots in [0, 1]: 3λ² − 3λ + 0.5 = 0 → the smaller, (3 − √3)/6
    (0.0, 3.0, -3.0, 0.5, (3 - math.sqrt(3)) / 6),
    # convex: 0.6λ² + 0.2λ − 0.4 = 0 → λ = 2/3
    (0.1, 0.2, 0.6, 0.5, 2 / 3),
    # convex, dipping first: 1.5λ² − 0.4λ − 0.2 = 0 → λ = (0.4 + √1.36)/3
    (0.3, -0.4, 1.5, 0.5, (0.4 + math.sqrt(1.36)) / 3),
    # linear: 0.3 + 0.4λ = 0.5
    (0.3, 0.4, 0.0, 0.5, 0.5),
    # reached exactly at the end of the segment
    (0.0, 0.5, 0.5, 1.0, 1.0),
    # already acceptable at λ = 0 (even when the value then falls)
    (0.5, -0.2, 0.0, 0.4, 0.0),
    (0.5, 0.0, -1.0, 0.5, 0.0),
    # no solution: linear root beyond 1; a concave maximum (0.45) below the need;
    # a convex root beyond 1, λ = (1 + √1.2)/2; decreasing from below
    (0.1, 0.3, 0.0, 0.5, math.inf),
    (0.2, 1.0, -1.0, 0.5, math.inf),
    (0.4, -1.0, 1.0, 0.45, math.inf),
    (0.3, -0.2, 0.0, 0.5, math.inf),
]


@pytest.mark.parametrize("c0, c1, c2, need, expected", CASES)
def test_smallest_acceptable(c0, c1, c2, need, expected):
    got = segments.smallest_acceptable((np.float64(c0), np.float64(c1), np.float64(c2)), need)
    assert float(got) == pytest.approx(expected, abs=1e-12)


def test_smallest_acceptable_broadcasts_over_cases():
    coef = tuple(np.array([case[k] for case in CASES]) for k in range(3))
    need = np.array([case[3] for case in CASES])
    got = segments.smallest_acceptable(coef, need)
    np.testing.assert_allclose(got, [case[4] for case in CASES], atol=1e-12)
    # one need against many segments, and many needs against one segment
    one = segments.smallest_acceptable((0.3, 0.4, 0.0), np.array([0.2, 0.5, 0.7, 0.71]))
    np.testing.assert_allclose(one, [0.0, 0.5, 1.0, np.inf], atol=1e-12)


def test_fit_quadratic_recovers_a_quadratic_from_three_points():
    c = (0.3, -0.7, 1.1)
    v = [c[0] + lam * c[1] + lam * lam * c[2] for lam in (0.0, 0.5, 1.0)]
    np.testing.assert_allclose(segments.fit_quadratic(*v), c, atol=1e-15)
    assert segments.evaluate(c, 0.25) == pytest.approx(0.3 - 0.175 + 1.1 / 16)


def test_the_compiled_root_finder_is_the_numpy_one_to_the_last_bit():
    """kernels._smallest_acceptable (scalar, compiled) twins segments.smallest_acceptable."""
    from negotiate.model.kernels import _smallest_acceptable

    rng = np.random.default_rng(5)
    n = 4000
    c0, c1, c2, need = (rng.normal(scale=0.5, size=n) for _ in range(4))
    c2[::7] = 0.0          # linear cases
    c1[::11] = 0.0         # flat linear cases
    need[::13] = c0[::13]  # acceptable right at the start
    expected = segments.smallest_acceptable((c0, c1, c2), need)
    got = np.array([_smallest_acceptable(a, b, c, d) for a, b, c, d in zip(c0, c1, c2, need)])
    np.testing.assert_array_equal(got, expected)
    assert np.isfinite(expected).any() and np.isinf(expected).any() and (expected == 0).any()


@pytest.mark.parametrize("length", [1, 3, 7, 8, 9, 12, 16, 17, 20, 33])
def test_the_compiled_row_sum_adds_like_numpy(length):
    """kernels._sum must add in numpy's order (pairwise, 8 lanes) so compiled
    loss coefficients equal the numpy ones to the last bit."""
    from negotiate.model.kernels import _sum

    rows = np.random.default_rng(length).random((200, length)) ** 3
    got = np.array([_sum(r) for r in rows])
    np.testing.assert_array_equal(got, rows.sum(axis=-1))
