"""Why runs ended without an agreement: :class:`WhyNoAgreement`, from ``Results.why_no_agreement()``.

The runs ending in no agreement are split into exclusive, exhaustive reasons
(:data:`negotiate.model.outcomes.REASONS`, docs/model.md §12, "Why no
agreement"), read from each run's outright win, the round anything was first
agreed in principle and the offers it answered.  Shares are of all runs, so
they add up to the probability of no agreement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model.outcomes import REASONS
from ..stats import proportion_interval

__all__ = ["MEANINGS", "WhyNoAgreement"]

#: What each reason means, in a line (docs/model.md §12, "Why no agreement")
MEANINGS: dict[str, str] = {
    "won_outright": "a side won outright before anything was agreed in principle",
    "won_after_agreeing": "a side won outright after something was agreed in principle "
                          "(still being drafted, or fallen at ratification)",
    "agreed_never_in_force": "agreed in principle, no win, never in force by the horizon "
                             "(drafting unfinished, ratification failed)",
    "refused": "offers were answered, none accepted by every veto player",
    "never_offered": "no offer was ever answered (nothing worth offering, red lines closing "
                     "every agenda, talks that never sat)",
}


@dataclass(frozen=True)
class WhyNoAgreement:
    """Runs ending without an agreement, by reason: ``counts`` (one per
    :data:`~negotiate.model.outcomes.REASONS`) out of all ``runs``, with
    ``level`` intervals by ``method`` (Wilson by default)."""

    scenario: str
    runs: int
    counts: tuple[int, ...]
    level: float = 0.95
    method: str = "wilson"

    @classmethod
    def from_counts(cls, counts, runs: int, *, level: float = 0.95, method: str = "wilson",
                    scenario: str = "") -> WhyNoAgreement:
        """Checked constructor: ``counts`` whole numbers >= 0, one per reason, summing to at most ``runs``."""
        values = np.asarray(counts)
        if values.shape != (len(REASONS),) or not np.issubdtype(values.dtype, np.integer) or (values < 0).any():
            raise ValueError(f"counts must be {len(REASONS)} whole numbers >= 0 (one per reason: "
                             f"{', '.join(REASONS)}), got {counts!r}")
        if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or runs < 1 or values.sum() > runs:
            raise ValueError(f"runs must be a whole number >= 1 and at least the {int(values.sum())} "
                             f"runs counted, got {runs!r}")
        proportion_interval(0, 1, level, method)   # an unknown method or a bad level fails here
        return cls(scenario, int(runs), tuple(int(c) for c in values), float(level), method)

    @property
    def no_agreement(self) -> float:
        """P(no agreement): the share of all runs ending without one (the shares' sum)."""
        return sum(self.counts) / self.runs

    def to_frame(self) -> pd.DataFrame:
        """One row per reason (index ``reason``): ``p`` (share of all runs), ``ci_low``,
        ``ci_high`` and ``count``; ``attrs`` hold ``n``, ``level`` and ``method``."""
        counts = np.array(self.counts, dtype=np.int64)
        lo, hi = proportion_interval(counts, self.runs, self.level, self.method)
        table = pd.DataFrame({"p": counts / self.runs, "ci_low": lo, "ci_high": hi, "count": counts},
                             index=pd.Index(REASONS, name="reason"))
        table.attrs.update(n=self.runs, level=self.level, method=self.method)
        return table

    def lines(self) -> list[str]:
        """One short line per reason: its name, share of all runs and interval."""
        width = max(len(r) for r in REASONS)
        return [f"{reason.replace('_', ' '):<{width}}  {row.p:6.1%}  [{row.ci_low:.1%}, {row.ci_high:.1%}]"
                for reason, row in self.to_frame().iterrows()]

    def plot(self, ax=None):
        """Bar per reason at its share of all runs, whiskers at its interval; returns the axes."""
        from ..plot.style import interval_bars, new_axes, wrap_label

        table = self.to_frame()
        ax = new_axes(ax)
        x, _, _ = interval_bars(ax, table, ylabel="Share of all runs", colours="#e5c494",
                                gids=[f"bar:{r}" for r in table.index])
        ax.set_xticks(x, [wrap_label(r.replace("_", " ")) for r in table.index])
        ax.set_title(f"{self.scenario}: why no agreement ({self.no_agreement:.1%} of runs), "
                     f"{self.level:.0%} intervals ({self.method})", fontsize=10)
        return ax

    def _repr_html_(self) -> str:
        head = (f"<p><b>{self.scenario}</b>: why no agreement ({self.no_agreement:.1%} of "
                f"{self.runs:,} runs), shares of all runs</p>")
        return head + self.to_frame().to_html(float_format=lambda x: f"{x:.4f}")

    def __repr__(self) -> str:
        parts = "; ".join(f"{r} {c / self.runs:.1%}" for r, c in zip(REASONS, self.counts))
        return f"<WhyNoAgreement {self.scenario}: no agreement {self.no_agreement:.1%} = {parts}>"
