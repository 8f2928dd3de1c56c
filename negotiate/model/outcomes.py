"""What one block of worlds produces, and how a finished world is classified.

This is the contract between the engine (``negotiate.model``) and the runner
(``negotiate.run``): the engine fills a :class:`BlockResult`, the runner
concatenates blocks and hands them to :class:`negotiate.results.Results`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Outcome codes, in the order the int8 ``BlockResult.outcome`` indexes them.
OUTCOMES: tuple[str, ...] = (
    "temporary_truce",
    "conditional_truce",
    "comprehensive_agreement",
    "no_agreement",
)
TEMPORARY, CONDITIONAL, COMPREHENSIVE, NONE = range(4)

#: Agenda codes (last axis of ``offers``/``accepts``).
AGENDAS: tuple[str, ...] = ("truce", "settlement")


#: BlockResult fields an engine or a saved table may lack (None: not recorded)
OPTIONAL = ("unconverged", "unconverged_gap", "unconverged_gap_noise", "ceasefire",
            "stood_still", "conditions_round", "principle_round", "stalled")


@dataclass
class BlockResult:
    """Per-world results of one block of N worlds (A actors, D issues).

    Rounds are 1-based; 0 means "never".
    """

    outcome: np.ndarray          # (N,) int8, index into OUTCOMES
    agreement_round: np.ndarray  # (N,) int16, round of the agreement that defines the outcome
    truce_round: np.ndarray      # (N,) int16, round the first truce was agreed
    collapsed: np.ndarray        # (N,) bool, a truce collapsed before its end
    truces: np.ndarray           # (N,) int16, number of truces agreed
    proposer: np.ndarray         # (N,) int16, actor index who proposed the defining agreement, -1
    terms: np.ndarray            # (N, D) float64, agreed values (NaN where not agreed)
    final_balance: np.ndarray    # (N,) float64, battlefield balance at the end
    victory: np.ndarray          # (N,) int8, +1 / -1 if the high / low side won outright, else 0
    offers: np.ndarray           # (N, A, 2) int16, proposals the actor answered, by agenda
    accepts: np.ndarray          # (N, A, 2) int16, of which accepted
    first_accept: np.ndarray     # (N, A) int16, round the actor first accepted anything
    inputs: dict[str, np.ndarray] = field(default_factory=dict)  # sampled inputs, (N,) each
    # (N,) int16, rounds whose continuation values missed the solver's tolerance (None: not recorded)
    unconverged: np.ndarray | None = None
    # (N,) float64, the largest residual max-norm of the continuation values left in those
    # rounds (flow units; 0: none), and the same over the world's largest response noise
    unconverged_gap: np.ndarray | None = None
    unconverged_gap_noise: np.ndarray | None = None
    # (N,) int8, ceasefire type of the first truce, index into ceasefire.TYPES, -1 none
    # (None: not recorded; docs/model.md, "Ceasefire types")
    ceasefire: np.ndarray | None = None
    # (N,) bool, the first truce was accepted in a world standing still with D > 0 rounds of
    # drafting (counted at once, the plain ceasefire in force meanwhile); (N,) int16, the round
    # at whose end the first truce's terms took effect, 0: never (no truce, or its conditions
    # dropped).  None: not recorded (docs/model.md §15, "Standstill while drafting")
    stood_still: np.ndarray | None = None
    conditions_round: np.ndarray | None = None
    # (N,) int16, the round in which anything (a truce or a settlement, any agenda) was first
    # agreed in principle: accepted by every veto player (or passed by the decision rule), or
    # an agreed pause begun; 0: never.  None: not recorded (docs/model.md §12, "Why no agreement")
    principle_round: np.ndarray | None = None
    # (N,) bool: in the horizon's round a party whose consent every agreement on an agenda
    # open in the scenario needs was still stalling on it (drawn once per world, whatever
    # happened).  None: not recorded (docs/model.md §12, "Why no agreement"; §17)
    stalled: np.ndarray | None = None

    @property
    def n(self) -> int:
        return int(self.outcome.shape[0])

    @staticmethod
    def concat(blocks: list[BlockResult]) -> BlockResult:
        first = blocks[0]
        out = {}
        for name in first.__dataclass_fields__:
            if name == "inputs":
                out[name] = {k: np.concatenate([b.inputs[k] for b in blocks]) for k in first.inputs}
            elif name in OPTIONAL:
                out[name] = None if any(getattr(b, name) is None for b in blocks) else \
                    np.concatenate([getattr(b, name) for b in blocks])
            else:
                out[name] = np.concatenate([getattr(b, name) for b in blocks])
        return BlockResult(**out)

    def take(self, index) -> BlockResult:
        out = {}
        for name in self.__dataclass_fields__:
            if name == "inputs":
                out[name] = {k: v[index] for k, v in self.inputs.items()}
            elif name in OPTIONAL:
                out[name] = None if getattr(self, name) is None else getattr(self, name)[index]
            else:
                out[name] = getattr(self, name)[index]
        return BlockResult(**out)


#: Why a world ended without an agreement: mutually exclusive, exhaustive reasons, in the
#: order of the int8 codes :func:`no_agreement_reasons` returns (docs/model.md §12,
#: "Why no agreement")
REASONS: tuple[str, ...] = (
    "won_outright",            # a side won outright before anything was agreed in principle
    "won_before_in_force",     # ... after something was, before it was in force (no one reneged)
    "agreed_never_in_force",   # agreed in principle, no win, never in force by the horizon
    "stalled",                 # nothing agreed, no win, a needed party stalling at the horizon
    "refused",                 # offers answered, none accepted by every veto player, no win
    "never_offered",           # no offer ever answered by anyone, no win
)
(WON_OUTRIGHT, WON_BEFORE_IN_FORCE, AGREED_NEVER_IN_FORCE, STALLED, REFUSED,
 NEVER_OFFERED) = range(6)
#: the reasons of results recorded before ``stalled`` was (five counts): their refused
#: and never_offered include the runs a party stalled through
REASONS_WITHOUT_STALLED: tuple[str, ...] = tuple(r for r in REASONS if r != "stalled")


def no_agreement_reasons(outcome, victory, principle_round, offers, stalled) -> np.ndarray:
    """(N,) int8: each world's index into :data:`REASONS` if it ended without an agreement,
    -1 if it ended in one.  ``offers`` (N, A, 2) counts the proposals each actor answered;
    ``stalled`` (N,) is :attr:`BlockResult.stalled`."""
    won = np.asarray(victory) != 0
    agreed = np.asarray(principle_round) > 0
    answered = np.asarray(offers).sum(axis=(1, 2)) > 0
    code = np.select([won & ~agreed, won & agreed, agreed, np.asarray(stalled, bool), answered],
                     [WON_OUTRIGHT, WON_BEFORE_IN_FORCE, AGREED_NEVER_IN_FORCE, STALLED, REFUSED],
                     NEVER_OFFERED)
    return np.where(np.asarray(outcome) == NONE, code, -1).astype(np.int8)


def block_reason_codes(block: BlockResult, *, with_stalled: bool | None = None):
    """Each world's index into the reasons (:func:`no_agreement_reasons`) and those reasons:
    :data:`REASONS`, or :data:`REASONS_WITHOUT_STALLED` where ``stalled`` is not recorded
    (``with_stalled`` None: whether the block records it; False: as if it did not), in which
    case stalled worlds count as refused or never offered, as in results saved before it was."""
    if with_stalled is None:
        with_stalled = block.stalled is not None
    stalled = block.stalled if with_stalled else np.zeros(block.n, bool)
    codes = no_agreement_reasons(block.outcome, block.victory, block.principle_round, block.offers, stalled)
    if with_stalled:
        return codes, REASONS
    return np.where(codes > STALLED, codes - 1, codes).astype(np.int8), REASONS_WITHOUT_STALLED
