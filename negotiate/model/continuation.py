"""Solving for the continuation values: the fixed point ``P = T(P)`` (docs/model.md §8).

A proposer's value ``P`` is the value of its best offer that every responder
accepts, and what a responder accepts depends on everyone's ``P`` through the
reservation values.  Plain iteration ``P ← T(P)`` is a linear map near the
solution with slope ``−(n − 1) f`` along the symmetric direction (f the
option weight, see :func:`negotiate.model.responses.option_weight`): with 3 or
more players and patience above ``n / (2n − 2)`` that slope is below −1 and the
iteration falls into a two-value cycle instead of converging.

:class:`FixedPoint` solves it per world by Anderson acceleration (Anderson
1965; Walker & Ni 2011), which for an affine map finds the solution from two
evaluations whatever the slope.  Steps always start from the accepted point
(the one with the smallest residual so far), and every evaluation, a rejected
one included, joins the history as a secant of ``T``: at a kink of ``T`` (an
offer becoming feasible or not, an agenda switch) or where ``T``'s slope along
the residual is above 1, the rejected step is what tells the next one where
the root lies.
Worlds whose residual is still above the tolerance after the last sweep are
reported as not converged (never silently returned as a cycle).
"""

from __future__ import annotations

import numpy as np

#: Anderson history depth: the two or three distinct slopes of T (symmetric and
#: antisymmetric directions of the proposers' values), and room for rejected steps.
DEPTH = 5


def at_least_two(left: np.ndarray) -> np.ndarray:
    """Indices of the worlds ``left`` (bool), with one other world added when only one is
    left (of two or more): numpy reduces an axis of length one by other loops than a
    longer one (a different order of sums), so a world is never computed alone where
    the block would compute it among others."""
    keep = np.flatnonzero(left)
    if keep.size == 1 and left.size >= 2:
        keep = np.sort(np.append(keep, np.flatnonzero(~left)[0]))
    return keep


class FixedPoint:
    """Anderson-accelerated iteration for ``x = T(x)``, per world, from the best point.

    ``x0`` (A, N): the starting point (last round's values, or the status
    values).  Call :meth:`update` with ``T(x)`` evaluated at :attr:`x`; it
    returns True once every world in ``active`` is within ``tol`` (max-norm
    over actors), and moves :attr:`x` to the next point otherwise.

    The residual ``r = T(x) − x`` must shrink from one accepted point to the
    next; a point where it did not is rejected, but its difference from the
    accepted point (and that of its residual) stays in the history with the
    others, the last :data:`DEPTH` of them, and the next point is Anderson's
    step from the accepted point through all of them.  (The solver before
    session 9 dropped a rejected step and the history, then stepped back along
    it or along the residual, ever shorter: where ``T``'s slope along the
    residual is above 1 every such step was rejected, for ever.)
    """

    #: the worlds' state is cut to those not yet converged once they are fewer than this
    #: share of the worlds it holds (each world's steps are its own: the same bits)
    SHRINK_BELOW = 0.75

    def __init__(self, x0: np.ndarray, *, tol: float, active: np.ndarray):
        self.x = np.array(x0, dtype=float, copy=True)
        self.converged = ~np.asarray(active, bool)
        self.sweeps = 0
        n = self.x.shape[1]
        #: per world, the residual max-norm ``‖T(x) − x‖`` over actors at the evaluation kept
        #: (the point converged at, or the best found); 0 in worlds not active
        self.residual = np.zeros(n)
        # the solver's own state is held for worlds ``_cols`` only (all, until few are left)
        self._cols = np.arange(n)
        self._tol = np.broadcast_to(np.asarray(tol, dtype=float), (n,))
        self._x = self.x.copy()
        self._best_x = self.x.copy()             # last accepted point and its residual
        self._best_r = np.zeros_like(self.x)
        self._best_norm = np.full(n, np.inf)
        self._dx: list[np.ndarray] = []          # each evaluated point less the accepted one then (A, N)
        self._dr: list[np.ndarray] = []          # the same of their residuals (A, N)

    def update(self, tx: np.ndarray) -> bool:
        """Take ``T(x)``; return whether every active world has converged.

        A world that has converged is left where it is: later sweeps (made for
        the others) neither move it nor replace its evaluation, so each world's
        solution depends on that world alone, never on the rest of the block.
        ``T(x)`` is read only in the worlds not yet converged (the caller may
        leave the others at ``x``), and the steps are computed for them alone.
        """
        self.sweeps += 1
        cols = self._cols
        r = tx[:, cols] - self._x
        norm = np.abs(r).max(axis=0, initial=0.0)
        fresh = ~self.converged[cols]
        now = fresh & (norm <= self._tol)
        better = fresh & (norm < self._best_norm)
        #: worlds where this evaluation is the one to keep (just converged, or the best so far)
        self.took = np.zeros(self.converged.shape, bool)
        self.took[cols] = now | better
        self.residual = self.residual.copy()
        self.residual[cols] = np.where(now | better, norm, self.residual[cols])
        self.converged = self.converged.copy()
        self.converged[cols] |= now
        if self.converged.all():
            return True
        self._step(r, norm, better, self.converged[cols])
        left = ~self.converged[cols]
        if left.sum() < self.SHRINK_BELOW * left.size:
            self._shrink(at_least_two(left))
        return False

    def _step(self, r, norm, better: np.ndarray, converged: np.ndarray) -> None:
        """The next point of the worlds held, from their residual ``r``."""
        self._remember(r)
        self._best_x = np.where(better[None], self._x, self._best_x)
        self._best_r = np.where(better[None], r, self._best_r)
        self._best_norm = np.where(better, norm, self._best_norm)
        self._x = np.where(converged[None], self._x, self._accelerated())
        x = self.x.copy()   # a new array: the caller's sweep state may hold the last one
        x[:, self._cols] = self._x
        self.x = x

    def _shrink(self, keep: np.ndarray) -> None:
        """Hold the solver's state for its worlds ``keep`` (indices into those held) only."""
        self._cols = self._cols[keep]
        for name in ("_tol", "_x", "_best_x", "_best_r", "_best_norm"):
            setattr(self, name, np.take(getattr(self, name), keep, axis=-1))
        self._dx = [np.take(h, keep, axis=-1) for h in self._dx]
        self._dr = [np.take(h, keep, axis=-1) for h in self._dr]

    def _remember(self, r: np.ndarray) -> None:
        """Add this evaluation to the history as its difference from the accepted point,
        whether its step is accepted or not: a rejected step is a secant of ``T`` like any
        other, and where ``T``'s slope along the residual is above 1 it is the one that
        shows which way the root lies (every step along the residual, however short,
        makes the residual grow there)."""
        have = np.isfinite(self._best_norm)
        self._dx.append(np.where(have[None], self._x - self._best_x, 0.0))
        self._dr.append(np.where(have[None], r - self._best_r, 0.0))
        if len(self._dx) > DEPTH:
            self._dx.pop(0)
            self._dr.pop(0)

    def _accelerated(self) -> np.ndarray:
        """Anderson's step from the accepted point: ``x + r − (ΔX + ΔR) γ``,
        γ minimising ``‖r − ΔR γ‖`` (type II, Walker & Ni 2011)."""
        x, r = self._best_x, self._best_r
        dR = np.stack(self._dr, axis=-1).transpose(1, 0, 2)            # (N, A, m)
        dX = np.stack(self._dx, axis=-1).transpose(1, 0, 2)
        gram = np.einsum("nam,nak->nmk", dR, dR)
        rhs = np.einsum("nam,na->nm", dR, r.T)
        # a ridge keeps the per-world systems solvable when differences vanish
        # (forgotten history is zero, and gives γ = 0 there)
        scale = np.einsum("nmm->n", gram)[:, None, None]
        eye = np.eye(gram.shape[-1])[None]
        gamma = np.linalg.solve(gram + (1e-12 * scale + 1e-300) * eye, rhs[..., None])[..., 0]
        correction = np.einsum("nam,nm->an", dX + dR, gamma)
        return x + r - correction
