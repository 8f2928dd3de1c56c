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

    Strategies are cut as when the model drops finished worlds: ``take(keep, params)``
    where a strategy has it, else built again for these worlds (they hold nothing but
    block constants then)."""
    sub = params.take(keep)
    valuation = Valuation.build(sub)
    memo = {}   # one copy of the params, the state's and its valuation's
    state = state.take(keep, read_only_copy(sub, memo), read_only_copy(valuation, memo))
    taken, out = {}, {}
    for agent in agents:
        s = agent.strategy if strategies is None else strategies[agent.index]
        if id(s) not in taken:
            taken[id(s)] = (s.take(keep, sub) if hasattr(s, "take")
                            else type(s)(sub, valuation, state.red_box))
        out[agent.index] = taken[id(s)]
    cut = None if screen is None else tuple(np.take(a, keep, axis=-1) for a in screen)
    return SweepView(keep if within is None else within[keep], sub, valuation, state, cut, out)


def narrower(agents, current: SweepView, keep: np.ndarray) -> SweepView:
    """``current`` cut again to its worlds ``keep`` (indices into ``current``'s worlds):
    strategies are cut from the view's own (as they stand after its last sweep)."""
    return view(agents, current.params, current.state, current.screen, keep,
                strategies=current.strategies, within=current.keep)


def kept_at(best, found, keep: np.ndarray, took: np.ndarray):
    """``best`` (a sweep's outputs over the block: offers, then arrays whose last axis is
    the world) with ``found`` (the same, over worlds ``keep``) put in the worlds
    ``keep[took]``, where the solver keeps the new evaluation (as ``_kept`` does)."""
    rows = keep[took]
    if not rows.size:
        return best

    def put(old, new, axis):
        out = old.copy()
        index = (slice(None),) * (old.ndim + axis) + (rows,)
        out[index] = np.compress(took, new, axis=axis)
        return out

    offers_old, offers_new = best[0], found[0]
    offers = Offers(offers_old.who, put(offers_old.y, offers_new.y, -2),
                    put(offers_old.feasible, offers_new.feasible, -1), put(offers_old.own, offers_new.own, -1))
    return (offers,) + tuple(put(o, n, -1) for o, n in zip(best[1:], found[1:]))


__all__ = ["SweepView", "kept_at", "narrower", "view"]
