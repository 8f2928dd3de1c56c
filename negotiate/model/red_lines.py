"""Red lines: per actor and issue, a bound the actor will not sign past.

A red line is a box ``[low, high]`` on an issue (``actors.*.positions.*.red_line``;
an absent bound is −∞ or +∞).  It acts in two places (docs/model.md §16):

* **responses**: a responder refuses any package that puts an issue of the
  offer's agenda outside its box, whatever its value and its noise;
* **planning**: every proposer offers inside the box formed by the
  intersection of its own red lines and those of the agenda's veto players.
  A box is convex, so a search segment whose ends are clipped into it stays
  inside it all along (:func:`clip_segments`).  Where the intersection is
  empty on an issue of the agenda there is no package to offer on that
  agenda (``blocked``).

On the battlefield issue a bound may follow the front:
``bound_t = bound + w · (b_t − b_0)`` (``red_line.follows_front: w``).

With ``bargaining.red_lines_hold`` a bound gives way: once the world has fought
as many rounds as the bound's give-way time it is gone (−∞ or +∞) for good
(docs/model.md §16, "Red lines that give way").

Nothing here knows any actor or issue by name; the module is used only when
a scenario has red lines (``WorldParams.red_lines``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: how far past a bound still counts as on it (the tolerance the engine uses for "moved")
EPS = 1e-9


@dataclass(frozen=True)
class RedBox:
    """This round's red lines: each actor's box and each proposer's agenda box.

    ``low``, ``high`` (A, N, D): each actor's bounds now; ``on`` (A, G, D): whether
    the bound holds on agenda g (``red_line.agendas``).  ``lo``, ``hi``
    (A_prop, G, N, D): the intersection of the proposer's own box and the
    boxes of the agenda's veto players, on the agenda's issues (−∞, +∞ on
    the others).  ``blocked`` (A_prop, G, N): the intersection is empty on
    some issue of the agenda.  ``moved`` (G, D): the issues each agenda moves.
    """

    low: np.ndarray
    high: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    blocked: np.ndarray
    moved: np.ndarray
    on: np.ndarray

    def __post_init__(self):
        # read-only: strategies and agents see the box through the round state
        for name in ("low", "high", "lo", "hi", "blocked", "moved", "on"):
            view = getattr(self, name).view()
            view.flags.writeable = False
            object.__setattr__(self, name, view)

    def take(self, keep: np.ndarray) -> RedBox:
        """The same box for a subset ``keep`` (indices) of worlds."""
        return RedBox(np.take(self.low, keep, axis=1), np.take(self.high, keep, axis=1),
                      np.take(self.lo, keep, axis=2), np.take(self.hi, keep, axis=2),
                      np.take(self.blocked, keep, axis=2), self.moved, self.on)

    def same_as(self, other: RedBox | None) -> bool:
        return other is not None and np.array_equal(self.lo, other.lo) and np.array_equal(self.hi, other.hi)


def bounds_now(p, balance: np.ndarray, fought: np.ndarray | None = None):
    """Each actor's bounds (A, N, D) with the front at ``balance`` (N,), after ``fought``
    (N,) rounds at war (None: none given way)."""
    low, high = p.red_low, p.red_high
    if p.red_follow.any():
        shift = p.red_follow * (balance - p.balance0)[None, :, None]
        low, high = low + shift, high + shift
    if fought is not None and p.red_erodes:
        at = fought[None, :, None]
        low = np.where(at >= p.red_give_low, -np.inf, low)
        high = np.where(at >= p.red_give_high, np.inf, high)
    return low, high


def box(p, balance: np.ndarray, veto: np.ndarray, moved: np.ndarray,
        fought: np.ndarray | None = None) -> RedBox:
    """The red lines with the front at ``balance`` after ``fought`` rounds at war (None:
    none given way): veto (G, A), moved (G, D) bool."""
    low, high = bounds_now(p, balance, fought)
    A, G = p.n_actors, veto.shape[0]
    lo = np.full((A, G) + low.shape[1:], -np.inf)
    hi = np.full((A, G) + low.shape[1:], np.inf)
    holds = p.red_on[:, :, None, :]                                       # (A, G, 1, D)
    for j in range(A):
        member = veto[None, :, j] | (np.arange(A) == j)[:, None]          # (A_prop, G)
        low_j = np.where(holds[j], low[j][None], -np.inf)                 # (G, N, D)
        high_j = np.where(holds[j], high[j][None], np.inf)
        lo = np.where(member[:, :, None, None], np.maximum(lo, low_j[None]), lo)
        hi = np.where(member[:, :, None, None], np.minimum(hi, high_j[None]), hi)
    on = moved[None, :, None, :]
    lo, hi = np.where(on, lo, -np.inf), np.where(on, hi, np.inf)
    return RedBox(low, high, lo, hi, (lo > hi).any(axis=3), moved, p.red_on)


def follow(p, current: RedBox, balance: np.ndarray, veto: np.ndarray, moved: np.ndarray,
           fought: np.ndarray) -> RedBox:
    """This round's box: the same object unless some bound follows the front or some
    bound gave way (its time is up after ``fought`` (N,) rounds at war, yet it is in force)."""
    if p.red_follow.any() or (p.red_erodes and _gave_way(p, current, fought)):
        return box(p, balance, veto, moved, fought)
    return current


def _gave_way(p, current: RedBox, fought: np.ndarray) -> bool:
    at = fought[None, :, None]
    return bool(((at >= p.red_give_low) & (current.low > -np.inf)).any()
                or ((at >= p.red_give_high) & (current.high < np.inf)).any())


def clip_segments(start: np.ndarray, delta: np.ndarray, red: RedBox):
    """Segments (A_prop, G, K, N, D) with both ends clipped into each proposer's box.

    Where neither end moves the step is kept as it was (so a red line that
    does not bind changes no number); elsewhere it is the clipped end minus
    the clipped start.  Every point of a clipped segment is inside the box.
    """
    lo, hi = red.lo[:, :, None], red.hi[:, :, None]
    end = start + delta
    s = np.minimum(np.maximum(start, lo), hi)
    e = np.minimum(np.maximum(end, lo), hi)
    kept = (s == start) & (e == end)
    return np.ascontiguousarray(s), np.ascontiguousarray(np.where(kept, delta, e - s))


def clipped(red: RedBox, who: list[int], y: np.ndarray) -> np.ndarray:
    """Packages y (P, G, N, D) of proposers ``who`` clipped into their boxes."""
    return np.minimum(np.maximum(y, red.lo[who]), red.hi[who])


def crosses(red: RedBox, who: list[int], y: np.ndarray) -> np.ndarray:
    """(P, G, N): package y (P, G, N, D) leaves proposer ``who[p]``'s box on agenda g."""
    return ((y < red.lo[who] - EPS) | (y > red.hi[who] + EPS)).any(axis=-1)


def refusals(red: RedBox, y: np.ndarray, agenda: np.ndarray) -> np.ndarray:
    """(A, N): who refuses package y (N, D) on ``agenda`` (N,): it puts an issue the
    agenda moves outside the actor's own box (its bounds that hold on that agenda)."""
    on = red.moved[agenda][None] & red.on[:, agenda]                      # (A, N, D)
    out = (y[None] < red.low - EPS) | (y[None] > red.high + EPS)
    return (out & on).any(axis=2)


def refusal(red: RedBox, a: int, y: np.ndarray, agenda: np.ndarray) -> np.ndarray:
    """(N,): actor ``a`` refuses package y (N, D) on ``agenda`` (N,) (row ``a`` of :func:`refusals`)."""
    on = red.moved[agenda] & red.on[a, agenda]                             # (N, D)
    out = (y < red.low[a] - EPS) | (y > red.high[a] + EPS)
    return (out & on).any(axis=1)
