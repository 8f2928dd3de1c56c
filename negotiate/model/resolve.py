"""Private information about resolve: public beliefs, screening cutoffs, learning
(docs/model.md §18; Fearon 1995, Powell 1999, Slantchev 2003, Filson & Werner 2002).

An actor with ``resolve.private`` knows its war cost ``k`` (drawn per world as
always); the others know only its distribution.  Refusals are public, so there
is one belief per private actor and world: ``k ∈ [lo, hi]``, distributed as the
prior truncated to that interval.

A higher war cost lowers the war value, hence the reservation value, so a
*more* costly type accepts *more*: an offer that type ``c`` just accepts is
accepted by every type ``k ≥ c``.  Proposers screen: besides the sure offer
(cutoff ``lo``: every type accepts) they weigh offers planned for the types at
the belief's quantiles ``i/(K+1)``, ``i = 1..K``, accepted with probability
``P(k ≥ c | belief) = 1 − i/(K+1)``.  A refusal of an offer planned for ``c``
tells everyone ``k < c``: the belief becomes ``[lo, c]``.
"""

from __future__ import annotations

import numpy as np

#: a belief whose prior mass is below this is treated as a point (every cutoff is ``lo``)
POINT_MASS = 1e-12


class Beliefs:
    """Public beliefs ``[lo, hi]`` (A, N) about every private actor's war cost."""

    def __init__(self, lo: np.ndarray, hi: np.ndarray):
        self.lo, self.hi = lo, hi

    @classmethod
    def start(cls, p) -> Beliefs:
        shape = (p.n_actors, p.n)
        return cls(np.broadcast_to(p.resolve_lo[:, None], shape).copy(),
                   np.broadcast_to(p.resolve_hi[:, None], shape).copy())

    def take(self, keep: np.ndarray) -> Beliefs:
        return Beliefs(self.lo[:, keep], self.hi[:, keep])

    def screen(self, p) -> tuple[np.ndarray, np.ndarray]:
        """Cutoff types (C, A, N) and the belief's chance that the true type accepts an
        offer planned for each, ``P(k ≥ c)`` (C, A, N); C = K + 1, cutoff 0 the sure one
        (``lo``, chance 1).  Non-private actors: their true cost, chance 1."""
        K = p.resolve_cutoffs
        q = np.arange(K + 1) / (K + 1)                                    # (C,)
        cut = np.broadcast_to(p.war_cost[None], (K + 1,) + p.war_cost.shape).copy()
        prob = np.ones_like(cut)
        for a in np.flatnonzero(p.private):
            cut[:, a], prob[:, a] = quantiles(p.resolve_prior[a], self.lo[a], self.hi[a], q)
        return cut, prob

    def refused(self, who: np.ndarray, cutoff: np.ndarray) -> None:
        """``who`` (A, N) refused offers planned for types ``cutoff`` (A, N): ``hi ← c``."""
        self.hi = np.where(who, np.maximum(np.minimum(self.hi, cutoff), self.lo), self.hi)

    def fought(self, p, where: np.ndarray) -> None:
        """A round of war in worlds ``where`` (N,): each private belief shrinks toward the
        true type by the actor's ``resolve.learning`` r, ``lo += r (k − lo)``,
        ``hi −= r (hi − k)`` (an affine contraction: the interval keeps its order)."""
        r = np.where(p.private, p.resolve_learning, 0.0)[:, None] * where[None]
        if not r.any():
            return
        k = p.war_cost
        self.lo = np.where(r > 0, self.lo + r * (k - self.lo), self.lo)
        self.hi = np.where(r > 0, self.hi - r * (self.hi - k), self.hi)


def quantiles(prior, lo, hi, q):
    """The prior truncated to ``[lo, hi]`` (arrays): its quantiles ``q`` (C,) → (C, N), with
    ``P(k ≥ quantile)`` = 1 − q; quantile 0 is ``lo`` exactly; a point belief gives lo, chance 1."""
    f_lo, f_hi = prior.cdf(lo), prior.cdf(hi)
    mass = f_hi - f_lo
    point = ~(mass > POINT_MASS)
    inner = prior.ppf(f_lo[None] + q[1:, None] * mass[None])
    cut = np.concatenate([lo[None], np.clip(inner, lo, hi)])
    cut = np.where(point[None], lo[None], cut)
    prob = np.where(point[None], 1.0, (1.0 - q)[:, None] * np.ones_like(lo)[None])
    return cut, prob


def status_slope(state) -> np.ndarray:
    """dS/dk (A, N) in round state ``state``: how the status value moves with the war cost.  At war
    ``−(1 − δ^H)`` (§4: the cost is a flow over the war's H rounds); under a truce
    with r rounds left ``−((1 − δ^r)·cost_factor + δ^r (1 − δ^H))`` (§5)."""
    p = state.params
    war = -(1.0 - state.valuation.fade)
    remaining = np.maximum(p.truce_length - state.truce_age, 1)
    fade = p.patience ** remaining
    truce = -((1.0 - fade) * p.cost_factor + fade * (1.0 - state.valuation.fade))
    return np.where(state.phase == 1, truce, war)


def needs_at(state, cutoff: np.ndarray, need: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """In round state ``state`` (one sweep's): what each proposer must offer each
    responder if private responders were of type ``cutoff`` (A, N), given the true ``need`` (A_j, A_p, N): (need, bare) (A_j, A_p, G, N),
    ``bare`` without the noise margin.

    The war value is linear in k (§4), so type c's status is ``S + s·(c − k)`` with s
    from :func:`status_slope`, its reservation ``S_c + f·max(0, P − S_c)`` (its proposer
    value P as computed: the stationary approximation of §8), i.e.
    ``R_c = R + (1 − f)·|s|·(k − c)`` while ``P ≥ S`` at both types.  The offer's own
    value moves with k for a durable settlement (the resumed war, weight 1 − α) and a
    truce (its flow and the war after it, through the option: weight 1 − f); the need
    at c is the true need plus the change of the reservation less that of the value.
    Non-private responders keep their need to the bit.
    """
    p, v = state.params, state.valuation
    dk = np.where(p.private[:, None], cutoff - p.war_cost, 0.0)                 # (A, N)
    war_slope = -(1.0 - v.fade)
    s_c = state.status + status_slope(state) * dk
    f = state.option                                                             # (A_j, A_p, N)
    r_c = s_c[:, None] + f * np.maximum(state.proposer_value[:, None] - s_c[:, None], 0.0)
    d_r = r_c - state.reservation
    settle = (1.0 - v.survival) * war_slope * dk if v.durable else np.zeros_like(dk)
    fade_l = p.patience ** p.truce_length
    truce_slope = -((1.0 - fade_l) * p.cost_factor + fade_l * (1.0 - v.fade))
    d_v = np.stack([(1.0 - f) * (truce_slope * dk)[:, None],
                    np.broadcast_to(settle[:, None], f.shape)], axis=2)          # (A, A, G, N)
    shift = np.where(p.private[:, None, None, None], d_r[:, :, None] - d_v, 0.0)
    need = need[:, :, None, :] + shift
    bare = (state.reservation - state.bonus)[:, :, None, :] + shift
    return need, bare


def accept_chance(state, prob: np.ndarray) -> np.ndarray:
    """(A_p, G, N): the belief's chance that every private veto player of a proposer's
    agenda accepts its offer (independent types), ``Π_j P(k_j ≥ c_j)``."""
    p = state.params
    A = p.n_actors
    private_veto = state.veto[:, :, None] & p.private[None, :, None]             # (G, A_j, 1)
    out = np.ones((A, 2, p.n))
    for j in np.flatnonzero(p.private):
        asked = private_veto[:, j] & (np.arange(A) != j)[:, None, None]          # (A_p, G, 1)
        out = np.where(asked, out * prob[j][None, None], out)
    return out


__all__ = ["Beliefs", "accept_chance", "needs_at", "quantiles", "status_slope"]
