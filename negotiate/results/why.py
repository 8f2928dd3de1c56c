"""Why runs ended without an agreement: :class:`WhyNoAgreement`, from ``Results.why_no_agreement()``.

The runs ending in no agreement are split into exclusive, exhaustive reasons
(:data:`negotiate.model.outcomes.REASONS`, docs/model.md §12, "Why no
agreement"), read from each run's outright win, the round anything was first
agreed in principle, whether a needed party was still stalling at the horizon
and the offers it answered.  Shares are of all runs, so they add up to the
probability of no agreement.  Results saved before ``stalled`` was recorded have
the other five reasons only: their ``refused`` and ``never_offered`` include
the runs a party stalled through, and every output says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model.outcomes import REASONS, REASONS_WITHOUT_STALLED
from ..stats import proportion_interval

__all__ = ["LABELS", "MEANINGS", "NOT_SPLIT", "WhyNoAgreement"]

#: How each reason is printed (a few words)
LABELS: dict[str, str] = {
    "won_outright": "won outright",
    "won_before_in_force": "won before a deal was in force",
    "agreed_never_in_force": "agreed, never in force",
    "stalled": "a party stalling",
    "refused": "offers refused",
    "never_offered": "nothing offered",
}

#: What each reason means, in a line (docs/model.md §12, "Why no agreement")
MEANINGS: dict[str, str] = {
    "won_outright": "a side won outright before anything was agreed in principle",
    "won_before_in_force": "a side won outright after a deal was agreed in principle but before it "
                           "was in force (still being drafted or awaiting ratification, or fallen "
                           "at ratification); no one reneged",
    "agreed_never_in_force": "agreed in principle, no win, never in force by the horizon "
                             "(drafting unfinished, ratification failed)",
    "stalled": "nothing agreed in principle, no win, and in the horizon's round a party whose "
               "consent every agreement needs was still stalling: refusing every settlement (and "
               "every truce, where it stalls truces) only to stall, while the others, taking it "
               "for sincere, offered on. Under calibration: library this is the behaviour the "
               "library's cases need, the same for every party, not a judgement of a party's sincerity",
    "refused": "nothing agreed in principle, no win, no needed party stalling in the last round: "
               "offers were answered, none accepted by every veto player",
    "never_offered": "nothing agreed in principle, no win, no needed party stalling in the last "
                     "round: no offer was ever answered (red lines closing every agenda, nothing "
                     "worth offering, talks that never sat)",
}

#: Said wherever a breakdown from before ``stalled`` was recorded is shown
NOT_SPLIT = ("stalled not recorded (results saved before it was): refused and never offered "
             "include the runs in which a party stalled to the horizon")


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
    reasons: tuple[str, ...] = REASONS

    @classmethod
    def from_counts(cls, counts, runs: int, *, level: float = 0.95, method: str = "wilson",
                    scenario: str = "") -> WhyNoAgreement:
        """Checked constructor: ``counts`` whole numbers >= 0, one per reason (or one per
        :data:`~negotiate.model.outcomes.REASONS_WITHOUT_STALLED`, from results saved
        before ``stalled`` was recorded), summing to at most ``runs``."""
        values = np.asarray(counts)
        if values.ndim != 1 or values.size not in (len(REASONS), len(REASONS_WITHOUT_STALLED)) \
                or not np.issubdtype(values.dtype, np.integer) or (values < 0).any():
            raise ValueError(f"counts must be {len(REASONS)} whole numbers >= 0 (one per reason: "
                             f"{', '.join(REASONS)}; or {len(REASONS_WITHOUT_STALLED)}, without "
                             f"stalled, from older results), got {counts!r}")
        if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or runs < 1 or values.sum() > runs:
            raise ValueError(f"runs must be a whole number >= 1 and at least the {int(values.sum())} "
                             f"runs counted, got {runs!r}")
        proportion_interval(0, 1, level, method)   # an unknown method or a bad level fails here
        reasons = REASONS if values.size == len(REASONS) else REASONS_WITHOUT_STALLED
        return cls(scenario, int(runs), tuple(int(c) for c in values), float(level), method, reasons)

    @property
    def stalled_recorded(self) -> bool:
        """False for results saved before ``stalled`` was recorded (:data:`NOT_SPLIT`)."""
        return "stalled" in self.reasons

    @property
    def no_agreement(self) -> float:
        """P(no agreement): the share of all runs ending without one (the shares' sum)."""
        return sum(self.counts) / self.runs

    def to_frame(self) -> pd.DataFrame:
        """One row per reason (index ``reason``): ``p`` (share of all runs), ``ci_low``,
        ``ci_high`` and ``count``; ``attrs`` hold ``n``, ``level``, ``method`` and
        ``stalled_recorded``."""
        counts = np.array(self.counts, dtype=np.int64)
        lo, hi = proportion_interval(counts, self.runs, self.level, self.method)
        table = pd.DataFrame({"p": counts / self.runs, "ci_low": lo, "ci_high": hi, "count": counts},
                             index=pd.Index(self.reasons, name="reason"))
        table.attrs.update(n=self.runs, level=self.level, method=self.method,
                           stalled_recorded=self.stalled_recorded)
        return table

    def lines(self) -> list[str]:
        """A first line with the total (``no agreement 43.4%, of which:``), then one per reason:
        its label, share of all runs and interval.  The shares shown are rounded to add up to
        the total shown (largest remainders); the intervals are as computed."""
        width = max(len(LABELS[r]) for r in self.reasons)
        total = f"{self.no_agreement:.1%}"
        shown = _rounded_parts(np.array(self.counts), self.runs, round(float(total[:-1]) * 10))
        out = [f"no agreement {total}, of which:"]
        out += [f"  {LABELS[reason]:<{width}}  {p:5.1f}%  [{row.ci_low:.1%}, {row.ci_high:.1%}]"
                for p, (reason, row) in zip(shown, self.to_frame().iterrows())]
        if not self.stalled_recorded:
            out.append(f"  ({NOT_SPLIT})")
        return out

    def plot(self, ax=None):
        """Horizontal bar per reason at its share of all runs, whiskers at its interval;
        returns the axes."""
        from ..plot.style import new_axes, percent_axis

        table = self.to_frame()
        ax = new_axes(ax)
        y = np.arange(len(table))[::-1]   # the first reason on top
        p = table["p"].to_numpy(float)
        bars = ax.barh(y, p, height=0.6, color="#e5c494", edgecolor="black", linewidth=0.6)
        for bar, reason in zip(bars, table.index):
            bar.set_gid(f"bar:{reason}")
        whiskers = np.vstack([p - table["ci_low"].to_numpy(float), table["ci_high"].to_numpy(float) - p])
        ax.errorbar(p, y, xerr=whiskers, fmt="none", ecolor="black", elinewidth=1.2, capsize=4)
        ax.set_yticks(y, [LABELS[r] for r in table.index])
        ax.set_xlim(0, min(1.05, float(np.nanmax(table["ci_high"])) + 0.05))
        percent_axis(ax.xaxis)
        ax.set_xlabel("Share of all runs")
        ax.grid(axis="x", alpha=0.3)
        ax.set_axisbelow(True)
        title = (f"{self.scenario}: why no agreement\n{self.no_agreement:.1%} of runs, "
                 f"{self.level:.0%} intervals ({self.method})")
        ax.set_title(title if self.stalled_recorded else title + ", stalled not recorded", fontsize=10)
        return ax

    def _repr_html_(self) -> str:
        head = (f"<p><b>{self.scenario}</b>: why no agreement ({self.no_agreement:.1%} of "
                f"{self.runs:,} runs), shares of all runs</p>")
        note = "" if self.stalled_recorded else f"<p>{NOT_SPLIT}</p>"
        return head + note + self.to_frame().to_html(float_format=lambda x: f"{x:.4f}")

    def __repr__(self) -> str:
        parts = "; ".join(f"{r} {c / self.runs:.1%}" for r, c in zip(self.reasons, self.counts))
        note = "" if self.stalled_recorded else " (stalled not recorded)"
        return f"<WhyNoAgreement {self.scenario}: no agreement {self.no_agreement:.1%} = {parts}{note}>"


def _rounded_parts(counts: np.ndarray, runs: int, total: int) -> np.ndarray:
    """Percentages to one decimal, one per count, adding up to ``total`` tenths of a percent
    (the total as printed): largest remainders, the parts furthest rounded down go up."""
    tenths = counts * 1000 / runs
    base = np.floor(tenths).astype(np.int64)
    short = total - int(base.sum())
    order = np.argsort(-(tenths - base), kind="stable")
    base[order[:max(short, 0)]] += 1
    return base / 10
