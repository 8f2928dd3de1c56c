"""The closed-form segment search (negotiate.model.kernels.smallest_acceptable)
against quadratics solved by hand: the smallest λ in [0, 1] with
c0 + c1 λ + c2 λ² ≥ need; and the fit through λ = 0, ½, 1 (segments)."""

import math

import numpy as np
import pytest

from negotiate.model import segments
from negotiate.model.kernels import smallest_acceptable

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
    assert smallest_acceptable(c0, c1, c2, need) == pytest.approx(expected, abs=1e-12)


def test_a_flat_segment_is_acceptable_everywhere_or_nowhere():
    assert smallest_acceptable(0.5, 0.0, 0.0, 0.4) == 0.0
    assert smallest_acceptable(0.3, 0.0, 0.0, 0.5) == math.inf


def test_smallest_acceptable_is_the_first_acceptable_step_on_random_quadratics():
    """On a fine grid: the value reaches the need at the step found and at no
    earlier step; where none is found, it reaches it nowhere in [0, 1]."""
    rng = np.random.default_rng(5)
    grid = np.linspace(0.0, 1.0, 2001)
    kinds = set()
    for c0, c1, c2, need in rng.normal(scale=0.5, size=(500, 4)):
        lam = smallest_acceptable(c0, c1, c2, need)
        kinds.add("none" if math.isinf(lam) else "start" if lam == 0 else "inside")
        value = c0 + grid * (c1 + grid * c2)
        if math.isinf(lam):
            assert (value < need + 1e-9).all()
            continue
        assert 0.0 <= lam <= 1.0
        assert c0 + lam * (c1 + lam * c2) >= need - 1e-9
        assert (value[grid < lam - 1e-3] < need).all()
    assert kinds == {"none", "start", "inside"}


def test_fit_quadratic_recovers_a_quadratic_from_three_points():
    c = (0.3, -0.7, 1.1)
    v = [c[0] + lam * c[1] + lam * lam * c[2] for lam in (0.0, 0.5, 1.0)]
    np.testing.assert_allclose(segments.fit_quadratic(*v), c, atol=1e-15)


@pytest.mark.parametrize("length", [1, 3, 7, 8, 9, 12, 16, 17, 20, 33])
def test_the_compiled_row_sum_adds_like_numpy(length):
    """kernels._sum must add in numpy's order (pairwise, 8 lanes) so compiled
    loss coefficients equal the numpy ones to the last bit."""
    from negotiate.model.kernels import _sum

    rows = np.random.default_rng(length).random((200, length)) ** 3
    got = np.array([_sum(r) for r in rows])
    np.testing.assert_array_equal(got, rows.sum(axis=-1))
