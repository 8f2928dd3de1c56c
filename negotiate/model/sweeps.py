"""Sweeps of the fixed point over the worlds not yet converged (docs/model.md §8).

A world of the block that has converged is never moved again, and its later
evaluations are never kept (:meth:`.continuation.FixedPoint.update`): each
world's solution depends on that world alone.  Once few worlds are left to
solve, the model evaluates a sweep on a :class:`SweepView` of them only — the
round state, parameters, value functions, strategies and screening cutoffs of
those worlds, cut from the block's — and :func:`kept_at` puts the evaluation
back where the solver took it.  Every number of a world is computed from that
world's own entries, so the bits are those the whole block would give.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .proposals import Offers
from .round_state import RoundState, read_only_copy
from .values import Valuation


@dataclass(frozen=True)
class SweepView:
    """Worlds ``keep`` (indices into the block) of a round, as a sweep evaluates them.

    ``params``, ``valuation``: theirs (the model's kind, writable: a view's view is cut
    from them); ``state``: the round state cut to them, its constants read-only copies;
    ``screen``: the screening cutoffs and chances cut to them (§18), or None;
    ``strategies``: agent index → the agent's strategy for these worlds (agents that
    share a strategy share its cut), standing in for the agents' own."""

    keep: np.ndarray
    params: object
    valuation: Valuation
    state: RoundState
    screen: tuple | None
    strategies: dict


def view(agents, params, state: RoundState, screen, keep: np.ndarray, *,
         strategies: dict | None = None, within: np.ndarray | None = None) -> SweepView:
    """The :class:`SweepView` of worlds ``keep`` (indices into ``params``' worlds) of the
    round state ``state``, with block parameters ``params``, screening ``screen`` and the
    ``agents``' strategies (or ``strategies``, agent index → strategy, when cutting a view
    again); ``within`` (indices into the block) says which block worlds ``params`` holds
    (None: all), so the view's ``keep`` is in block indices.

    Strategies are cut as they stand (``cut(keep)``) where they can be, else as when the
    model drops finished worlds: ``take(keep, params)``, or built again for these worlds
    (they hold nothing but block constants then)."""
    sub = params.take(keep)
    valuation = Valuation.build(sub)
    memo = {}   # one copy of the params, the state's and its valuation's
    state = state.take(keep, read_only_copy(sub, memo), read_only_copy(valuation, memo))
    taken, out = {}, {}
    for agent in agents:
        s = agent.strategy if strategies is None else strategies[agent.index]
        if id(s) not in taken:
            taken[id(s)] = (s.cut(keep) if hasattr(s, "cut") else s.take(keep, sub) if hasattr(s, "take")
                            else type(s)(sub, valuation, state.red_box))
        out[agent.index] = taken[id(s)]
    cut = None if screen is None else tuple(np.take(a, keep, axis=-1) for a in screen)
    return SweepView(keep if within is None else within[keep], sub, valuation, state, cut, out)


def narrower(agents, current: SweepView, keep: np.ndarray) -> SweepView:
    """``current`` cut again to its worlds ``keep`` (indices into ``current``'s worlds):
    strategies are cut from the view's own (as they stand after its last sweep)."""
    return view(agents, current.params, current.state, current.screen, keep,
                strategies=current.strategies, within=current.keep)


def own_copy(best):
    """A copy of ``best`` (a sweep's outputs: offers, then arrays) that :func:`kept_at` may
    write into (a sweep's arrays may be the round state's, read-only)."""
    offers = best[0]
    return (Offers(offers.who, offers.y.copy(), offers.feasible.copy(), offers.own.copy()),) + tuple(
        a.copy() for a in best[1:])


def kept_at(best, found, keep: np.ndarray, took: np.ndarray) -> None:
    """Put ``found`` (a sweep's outputs over worlds ``keep``: offers, then arrays whose last
    axis is the world) into ``best`` (the same over the block, from :func:`own_copy`) in the
    worlds ``keep[took]``, where the solver keeps the new evaluation."""
    rows = keep[took]
    if not rows.size:
        return

    def put(old, new, axis):
        old[(slice(None),) * (old.ndim + axis) + (rows,)] = np.compress(took, new, axis=axis)

    put(best[0].y, found[0].y, -2)
    put(best[0].feasible, found[0].feasible, -1)
    put(best[0].own, found[0].own, -1)
    for old, new in zip(best[1:], found[1:]):
        put(old, new, -1)


__all__ = ["SweepView", "kept_at", "narrower", "own_copy", "view"]
