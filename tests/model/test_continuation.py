"""The fixed-point solver of the continuation values (docs/model.md §8), on maps solved by hand."""

import numpy as np
import pytest

from negotiate.model.continuation import FixedPoint


def solve(T, x0, *, tol=1e-12, sweeps=200):
    solver = FixedPoint(np.asarray(x0, float), tol=tol, active=np.ones(np.shape(x0)[1], bool))
    for _ in range(sweeps):
        tx = T(solver.x)
        kept = tx.copy()
        if solver.update(tx):
            break
    return solver, kept


def baron_ferejohn_map(n, delta):
    """P_i = 1 − Σ_{j≠i} f P_j (a proposer pays each responder its reservation f P_j)."""
    pi = 1.0 / n
    f = delta * pi / (1 - (1 - pi) * delta)

    def T(P):
        return 1 - f * (P.sum(axis=0, keepdims=True) - P)
    return T, f


@pytest.mark.parametrize("n", [3, 5, 7])
@pytest.mark.parametrize("delta", [0.8, 0.9, 0.97])
def test_divide_the_dollar_map_is_solved_where_plain_iteration_cycles(n, delta):
    T, f = baron_ferejohn_map(n, delta)
    x0 = np.zeros((n, 4))
    solver, _ = solve(T, x0)
    assert solver.converged.all()
    # closed form: P = 1/(1 + (n−1) f), i.e. the proposer keeps 1 − δ(n−1)/n
    np.testing.assert_allclose(solver.x, 1 - delta * (n - 1) / n, atol=1e-10)
    # plain iteration has slope −(n−1)f < −1 here: it never settles
    assert (n - 1) * f > 1
    x = x0.copy()
    for _ in range(200):
        x = T(x)
    assert np.abs(T(x) - x).max() > 1e-3


def test_a_kinked_map_is_solved():
    """T(P) = max(a − sP, S + f(P − S)): the proposer's best offer or its reservation."""
    a, s, S, f = 1.61, 1.83, 1 / 3, 0.915
    T = lambda P: np.maximum(a - s * P, S + f * (P - S))
    solver, _ = solve(T, np.full((1, 3), S))
    assert solver.converged.all()
    np.testing.assert_allclose(solver.x, a / (1 + s), atol=1e-10)


def test_a_map_without_fixed_point_is_reported_and_the_best_point_kept():
    """T jumps over the diagonal at 0.5: no fixed point, residual at least 0.1 everywhere."""
    T = lambda P: np.where(P < 0.5, P + 0.1, P - 0.1)
    solver = FixedPoint(np.zeros((1, 2)), tol=1e-9, active=np.ones(2, bool))
    for _ in range(50):
        if solver.update(T(solver.x)):
            break
    assert not solver.converged.any()


def test_each_world_is_solved_as_if_alone():
    """A world's answer does not depend on the other worlds of the block."""
    T, _ = baron_ferejohn_map(3, 0.9)
    wobbly = lambda P: T(P) + 0.05 * np.sin(7 * P)
    starts = np.array([[0.0, 0.3, 0.9], [0.1, 0.5, 0.2], [0.7, 0.0, 0.4]])
    together, _ = solve(wobbly, starts, tol=1e-11, sweeps=60)
    for w in range(3):
        alone, _ = solve(wobbly, starts[:, [w]], tol=1e-11, sweeps=60)
        np.testing.assert_array_equal(alone.x[:, 0], together.x[:, w])
        assert alone.converged[0] == together.converged[w]


def test_inactive_worlds_count_as_converged():
    T, _ = baron_ferejohn_map(3, 0.9)
    solver = FixedPoint(np.zeros((3, 2)), tol=1e-12, active=np.array([True, False]))
    while not solver.update(T(solver.x)):
        pass
    assert solver.converged.all()
    np.testing.assert_array_equal(solver.x[:, 1], 0.0)


def test_the_residual_kept_is_the_smallest_met():
    """T jumps from 0.6 to 0.4 at 0.5: ‖T(x) − x‖ is at least 0.1 everywhere (0.1 at 0.5
    alone); the solver reports, per world, the residual of the evaluation it kept, the
    smallest of those it met, and 0 in an inactive world."""
    T = lambda P: np.where(P < 0.5, 0.6, 0.4)
    solver = FixedPoint(np.array([[0.0, 0.9, 0.0]]), tol=1e-9, active=np.array([True, True, False]))
    met = []
    for _ in range(40):
        tx = T(solver.x)
        met.append(np.abs(tx - solver.x)[0])
        if solver.update(tx):
            break
    assert not solver.converged[:2].any()
    np.testing.assert_array_equal(solver.residual[:2], np.min(met, axis=0)[:2])
    assert (solver.residual[:2] >= 0.1 - 1e-12).all() and (solver.residual[:2] < 0.11).all()
    assert solver.residual[2] == 0.0


def test_a_converged_world_reports_its_last_residual():
    T, _ = baron_ferejohn_map(3, 0.9)
    solver = FixedPoint(np.zeros((3, 2)), tol=1e-8, active=np.ones(2, bool))
    while True:
        tx = T(solver.x)
        last = np.abs(tx - solver.x).max(axis=0)
        if solver.update(tx):
            break
    assert (solver.residual <= 1e-8).all()
    # a world that converged earlier is frozen: T there is what it was when it converged
    np.testing.assert_array_equal(solver.residual, last)


def test_a_map_steeper_than_one_along_the_residual_is_solved():
    """T(P) = 2P − 1 (fixed point 1): the plain step from 0 doubles the residual, so it is
    rejected; the secant through it and the start would land on 1 at once."""
    T = lambda P: 2 * P - 1
    solver = FixedPoint(np.zeros((1, 1)), tol=1e-9, active=np.ones(1, bool))
    for _ in range(100):
        if solver.update(T(solver.x)):
            break
    assert solver.converged.all()


@pytest.mark.parametrize("slopes", [(1.3, 1.5), (2.0, 5.0), (1.1, 0.4)])
def test_an_affine_map_expanding_along_the_residual_is_solved(slopes):
    """T(P) = P* + M (P − P*) with M's eigenvalues ``slopes`` (above 1 in one direction at
    least): every step along the residual makes it grow, yet the fixed point is P*."""
    star = np.array([[0.3], [0.7]])
    basis = np.array([[1.0, 0.6], [0.2, 1.0]])
    M = basis @ np.diag(slopes) @ np.linalg.inv(basis)
    T = lambda P: star + M @ (P - star)
    solver, _ = solve(T, np.array([[0.0, 1.0, 0.5], [0.0, 0.2, 0.9]]), tol=1e-11, sweeps=50)
    assert solver.converged.all()
    np.testing.assert_allclose(solver.x, np.broadcast_to(star, (2, 3)), atol=1e-9)
