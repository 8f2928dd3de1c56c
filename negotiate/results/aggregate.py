"""Summaries of blocks that add up: what ``Results`` needs without per-run rows.

Everything but the term sums is an integer count, so merging is exact in any
order.  The float sums are merged block by block in block order by the
runner, so they too are identical whatever the workers or chunk size.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields

import numpy as np

from ..errors import SimulationError
from ..model.outcomes import (
    COMPREHENSIVE,
    CONDITIONAL,
    OUTCOMES,
    TEMPORARY,
    BlockResult,
    block_reason_codes,
)

__all__ = ["BLOCK_SIZE", "GAP_EDGES", "TERM_BINS", "TERM_GROUPS", "Aggregates"]

#: Worlds per block by default: the runner simulates and summarises runs in blocks
#: of this many (see negotiate.run.seeding).  A tuning knob (simulate(block_size=...)):
#: it changes no run's result, each world drawing by its own index (docs/model.md,
#: "Random numbers"); summaries merged over other blocks may differ in the last digits.
BLOCK_SIZE = 4096

#: Equal bins on [0, 1] for the distribution of agreed terms.
TERM_BINS = 50
#: Which runs' terms are summarised: runs ending in a comprehensive agreement, or in a truce.
TERM_GROUPS: tuple[str, ...] = ("comprehensive_agreement", "truce")


#: Edges of the bins of the runs' largest unconverged residual (flow units, and over the
#: response noise): ten a decade from 1e-10 to 1e4, 1 among them (so "below the noise"
#: is counted exactly); the first and last bins also take what lies beyond.
GAP_EDGES = 10.0 ** np.linspace(-10, 4, 141)
_MAXIMA = {"unconverged_gap_max", "unconverged_gap_noise_max"}   # merged by max, not sum


def _gap_bins() -> np.ndarray:
    return np.zeros(GAP_EDGES.size - 1, np.int64)


def _not_recorded() -> np.ndarray:
    return np.zeros(0, np.int64)


def term_group_masks(outcome: np.ndarray) -> list[np.ndarray]:
    return [outcome == COMPREHENSIVE, (outcome == TEMPORARY) | (outcome == CONDITIONAL)]


@dataclass
class Aggregates:
    """Additive summaries of ``n`` runs (A actors, D issues, H = horizon)."""

    n: int
    outcome_counts: np.ndarray   # (4,) runs per outcome
    round_counts: np.ndarray     # (H + 1, 4) runs per (defining agreement round, outcome)
    truce_runs: int              # runs with at least one truce
    collapsed_runs: int          # of which a truce collapsed
    offers: np.ndarray           # (A, 2) Σ answers per actor and agenda
    accepts: np.ndarray          # (A, 2) Σ acceptances
    offers_sq: np.ndarray        # (A, 2) Σ answers² (per run), for clustered intervals
    accepts_sq: np.ndarray       # (A, 2) Σ acceptances²
    offers_accepts: np.ndarray   # (A, 2) Σ answers × acceptances
    term_hist: np.ndarray        # (2, D, TERM_BINS) agreed values per TERM_GROUPS, issue, bin
    term_sum: np.ndarray         # (2, D) Σ agreed values
    term_sumsq: np.ndarray       # (2, D) Σ agreed values²
    unconverged_runs: int = 0    # runs in which some round's continuation values missed the tolerance
    # of those runs (when recorded): each run's largest residual left (docs/model.md §8), its
    # maximum and its bins over GAP_EDGES, in flow units and over the run's largest response noise
    unconverged_gap_max: float = 0.0
    unconverged_gap_noise_max: float = 0.0
    unconverged_gap_hist: np.ndarray = field(default_factory=_gap_bins)
    unconverged_gap_noise_hist: np.ndarray = field(default_factory=_gap_bins)
    # (len(REASONS),) runs ending without an agreement, by reason (docs/model.md §12, "Why no
    # agreement"); five counts (REASONS_WITHOUT_STALLED): saved before `stalled` was
    # recorded; empty: not recorded (runs made, or summaries saved, before any was)
    no_agreement_reasons: np.ndarray = field(default_factory=_not_recorded)

    @classmethod
    def from_block(cls, block: BlockResult, horizon: int) -> Aggregates:
        """Summarise one block (or any set of runs)."""
        n = block.n
        outcome = np.asarray(block.outcome, dtype=np.int64)
        rounds = np.asarray(block.agreement_round, dtype=np.int64)
        if n and (outcome.min() < 0 or outcome.max() >= len(OUTCOMES)):
            raise SimulationError(f"engine returned outcome codes outside 0..{len(OUTCOMES) - 1}")
        if n and (rounds.min() < 0 or rounds.max() > horizon):
            raise SimulationError(f"engine returned agreement rounds outside 0..{horizon}")
        round_counts = np.zeros((horizon + 1, len(OUTCOMES)), dtype=np.int64)
        np.add.at(round_counts, (rounds, outcome), 1)
        offers = np.asarray(block.offers, dtype=np.int64)
        accepts = np.asarray(block.accepts, dtype=np.int64)
        had_truce = np.asarray(block.truces) > 0
        hist, tsum, tsq = _term_summaries(block.terms, outcome)
        return cls(
            n=n,
            outcome_counts=np.bincount(outcome, minlength=len(OUTCOMES)).astype(np.int64),
            round_counts=round_counts,
            truce_runs=int(np.count_nonzero(had_truce)),
            collapsed_runs=int(np.count_nonzero(had_truce & np.asarray(block.collapsed, bool))),
            offers=offers.sum(axis=0),
            accepts=accepts.sum(axis=0),
            offers_sq=(offers * offers).sum(axis=0),
            accepts_sq=(accepts * accepts).sum(axis=0),
            offers_accepts=(offers * accepts).sum(axis=0),
            term_hist=hist,
            term_sum=tsum,
            term_sumsq=tsq,
            unconverged_runs=0 if block.unconverged is None else int(np.count_nonzero(block.unconverged)),
            **_gap_summaries(block),
            **_reason_counts(block),
        )

    @classmethod
    def from_runs(cls, block: BlockResult, horizon: int, block_size: int) -> Aggregates:
        """Summarise many runs block by block, in order, as the runner does."""
        if block.n == 0:
            raise SimulationError("no runs to summarise")
        total = None
        for start in range(0, block.n, block_size):
            part = cls.from_block(block.take(slice(start, start + block_size)), horizon)
            total = part if total is None else total.merge(part)
        return total

    def merge(self, other: Aggregates) -> Aggregates:
        """Summary of both sets of runs (``self`` first, for the float sums' order)."""
        out = {}
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if isinstance(a, np.ndarray) and a.shape != b.shape:
                raise SimulationError(f"cannot merge summaries: '{f.name}' has shapes {a.shape} and {b.shape}")
            out[f.name] = max(a, b) if f.name in _MAXIMA else a + b
        return Aggregates(**out)

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {f.name: np.asarray(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_arrays(cls, arrays) -> Aggregates:
        names = [f.name for f in fields(cls) if f.name in arrays or f.default is MISSING]
        missing = [k for k in names if k not in arrays]
        if missing:
            raise ValueError(f"summary arrays are missing {', '.join(missing)}")
        scalars = {"n", "truce_runs", "collapsed_runs", "unconverged_runs"}
        return cls(**{k: int(arrays[k]) if k in scalars else float(arrays[k]) if k in _MAXIMA
                      else np.asarray(arrays[k]) for k in names})

    def gap_quantile(self, q: float, *, noise: bool = False) -> float:
        """The ``q``-quantile of the unconverged runs' largest residual (over the response
        noise if ``noise``), read from its bins (log-linear within one; a tenth of a decade
        wide); NaN if none was recorded."""
        hist = self.unconverged_gap_noise_hist if noise else self.unconverged_gap_hist
        total = hist.sum()
        if total == 0:
            return np.nan
        right = np.cumsum(hist)
        j = int(np.searchsorted(right, q * total, side="left"))
        j = min(j, hist.size - 1)
        inside = min(max((q * total - (right[j] - hist[j])) / hist[j], 0.0), 1.0)
        low, high = np.log10(GAP_EDGES[j]), np.log10(GAP_EDGES[j + 1])
        return float(10.0 ** (low + inside * (high - low)))

    def gap_below_noise(self) -> int:
        """Unconverged runs whose largest residual is below their largest response noise."""
        return int(self.unconverged_gap_noise_hist[:np.searchsorted(GAP_EDGES, 1.0)].sum())


def _gap_summaries(block: BlockResult) -> dict:
    """The gap fields of :class:`Aggregates` for the runs of ``block`` that missed the
    tolerance in some round (defaults where the block does not record the gap)."""
    if block.unconverged is None or block.unconverged_gap is None or block.unconverged_gap_noise is None:
        return {}
    missed = np.asarray(block.unconverged) > 0
    out = {}
    for key, values in (("unconverged_gap", block.unconverged_gap),
                        ("unconverged_gap_noise", block.unconverged_gap_noise)):
        values = np.asarray(values, dtype=float)[missed]
        bins = np.clip(np.searchsorted(GAP_EDGES, values, side="right") - 1, 0, GAP_EDGES.size - 2)
        out[f"{key}_hist"] = np.bincount(bins, minlength=GAP_EDGES.size - 1).astype(np.int64)
        out[f"{key}_max"] = float(values.max(initial=0.0))
    return out


def _reason_counts(block: BlockResult) -> dict:
    """The ``no_agreement_reasons`` field of :class:`Aggregates`: one count per
    :data:`REASONS`; five (:data:`REASONS_WITHOUT_STALLED`) for a block read from a table
    that does not record ``stalled``; absent where it lacks ``principle_round`` too."""
    if block.principle_round is None:
        return {}
    codes, reasons = block_reason_codes(block)
    counts = np.bincount(codes[codes >= 0].astype(np.int64), minlength=len(reasons)).astype(np.int64)
    return {"no_agreement_reasons": counts}


def _term_summaries(terms: np.ndarray, outcome: np.ndarray):
    terms = np.asarray(terms, dtype=float)
    n_issues = terms.shape[1]
    hist = np.zeros((len(TERM_GROUPS), n_issues, TERM_BINS), dtype=np.int64)
    tsum = np.zeros((len(TERM_GROUPS), n_issues))
    tsq = np.zeros((len(TERM_GROUPS), n_issues))
    for g, mask in enumerate(term_group_masks(outcome)):
        sub = terms[mask]
        for d in range(n_issues):
            values = sub[:, d]
            values = values[~np.isnan(values)]
            # agreed values live in [0, 1]; the last bin is closed on the right
            bins = np.clip((values * TERM_BINS).astype(np.int64), 0, TERM_BINS - 1)
            hist[g, d] = np.bincount(bins, minlength=TERM_BINS)
            tsum[g, d] = values.sum()
            tsq[g, d] = (values * values).sum()
    return hist, tsum, tsq
