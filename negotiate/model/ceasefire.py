"""Plain ceasefires outside the bargaining (docs/model.md, "Ceasefire types").

A third party's humanitarian pause (bilateral: every party must accept) or a
party's unilateral halt (it alone decides): no terms, ``length`` rounds, put
forward with a per-round chance in a window of rounds.  Each asked party
compares the pause with the war exactly as the engine values both (§4, §5),
without the option values of the bargaining (§8): a short pause leaves the
truce agenda open once it ends, so it gives up no conditional deal, it only
defers it.  What decides is then the war cost the pause saves against the
ground the front would have gained meanwhile, plus the proposer's pressure.

Ceasefire types follow the ETH/PRIO Civil Conflict Ceasefire data set
(Clayton et al. 2022, Journal of Conflict Resolution): unilateral or bilateral, general or partial.
Every truce the bargaining produces is bilateral and general. A partial one
stops a share of the war: the front moves by (1 − share) of its step, and a
party values it at share × (pause − war); it is no agreed truce (the world
stays at war, the bargaining goes on).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace

import numpy as np

#: the pauses' draws (is it put forward, each party's answer shock): a stream of their own
CEASEFIRE_KEY = zlib.crc32(b"ceasefires")

#: ceasefire type codes of ``BlockResult.ceasefire`` (−1: no truce)
TYPES: tuple[tuple[str, str], ...] = (
    ("bilateral", "general"), ("unilateral", "general"),
    ("bilateral", "partial"), ("unilateral", "partial"),
)
BILATERAL_GENERAL, UNILATERAL_GENERAL, BILATERAL_PARTIAL, UNILATERAL_PARTIAL = 0, 1, 2, 3


@dataclass
class CeasefireArrays:
    by: int                  # proposer (bilateral) or declaring party (unilateral)
    unilateral: bool
    partial: bool
    share: np.ndarray        # (N,) share of the war a partial one stops (1: general)
    length: int              # rounds in force
    start: int
    end: int
    probability: np.ndarray  # (N,) chance it is put forward in a round of its window
    pressure: np.ndarray     # (A, N) what refusing it costs each party
    exhaustion: np.ndarray   # (A, N) rounds of war after which a party accepts it anyway (inf: never)

    def on(self, t: int) -> bool:
        return self.start <= t <= self.end

    def take(self, keep: np.ndarray) -> CeasefireArrays:
        return replace(self, probability=self.probability[keep], pressure=self.pressure[:, keep],
                       share=self.share[keep], exhaustion=self.exhaustion[:, keep])

    @property
    def code(self) -> int:
        """Its type, an index into :data:`TYPES`."""
        return TYPES.index(("unilateral" if self.unilateral else "bilateral",
                            "partial" if self.partial else "general"))


def ceasefire_arrays(scenario, draw, who: dict[str, int]) -> list[CeasefireArrays]:
    """The scenario's ``ceasefires`` drawn per world."""
    out = []
    n, A = draw.n, len(who)
    for k, cf in enumerate(scenario.ceasefires):
        pressure = np.zeros((A, n))
        for name, amount in cf.pressure.items():
            pressure[who[name]] = draw(amount, f"ceasefires[{k}].pressure.{name}")
        tired = np.full((A, n), np.inf)
        for name, rounds in cf.exhaustion.items():
            tired[who[name]] = draw(rounds, f"ceasefires[{k}].exhaustion.{name}")
        out.append(CeasefireArrays(
            by=who[cf.by], unilateral=cf.parties == "unilateral", partial=cf.scope == "partial",
            share=(draw(cf.share, f"ceasefires[{k}].share") if cf.share is not None else np.ones(n)),
            length=int(cf.length),
            start=int(cf.start), end=int(cf.end if cf.end is not None else scenario.rounds.horizon),
            probability=draw(cf.probability, f"ceasefires[{k}].probability"), pressure=pressure,
            exhaustion=tired,
        ))
    return out


def pause_margin(valuation, status, balance, belief, length: int) -> np.ndarray:
    """(A, N): a plain pause of ``length`` rounds (truce terms at status quo, front frozen)
    less the war, both as the engine values them (§5 truce value, §4 war value ``status``)."""
    p = valuation.params
    plain = np.broadcast_to(p.status_quo, (p.n, p.n_issues))
    value = valuation.truce_value(valuation.truce_loss(plain), balance, np.zeros(p.n), belief, length)
    return value - status


def accepted(cf: CeasefireArrays, margin, noise, shock, refuses, is_party, fought) -> np.ndarray:
    """(N,): worlds where the pause is agreed: every asked party's margin (times the share a
    partial one stops) plus the pressure on it plus its noise τ·ε is ≥ 0, or it has fought
    at least its ``exhaustion`` rounds (``fought`` (N,)), and it does not refuse truces
    outright (``refuses`` (A, N)); a unilateral halt asks its declaring party only."""
    weary = fought[None, :] >= cf.exhaustion
    yes = ((cf.share * margin + cf.pressure + noise * shock >= 0.0) | weary) & ~refuses
    if cf.unilateral:
        return yes[cf.by]
    return (yes | ~is_party[:, None]).all(axis=0)
