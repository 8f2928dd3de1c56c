"""Two scenarios run on the same random numbers, and their paired differences."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model.outcomes import OUTCOMES
from ..stats import paired_difference_from_table

__all__ = ["Comparison"]


@dataclass(repr=False)
class Comparison:
    """Results ``a`` and ``b`` of two scenarios on one seed plan (common random
    numbers), and ``joint[i, j]``: the number of runs that ended in outcome
    ``i`` under ``a`` and ``j`` under ``b``."""

    a: object  # negotiate.results.Results
    b: object
    joint: np.ndarray

    @property
    def labels(self) -> tuple[str, str]:
        name_a, name_b = self.a.scenario.name, self.b.scenario.name
        return (name_a, name_b) if name_a != name_b else ("a", "b")

    @property
    def runs(self) -> int:
        return int(self.joint.sum())

    def differences(self, level: float = 0.95, method: str = "newcombe") -> pd.DataFrame:
        """Per outcome: ``p_a``, ``p_b``, ``difference = p_b − p_a`` and its interval.

        The interval is for paired data (each run index is the same random
        draw under both scenarios): Newcombe's hybrid score interval by
        default, or ``method="wald"`` (see
        :func:`negotiate.stats.paired_difference_from_table`).
        """
        joint = np.asarray(self.joint, dtype=np.int64)
        n = joint.sum()
        both = np.diag(joint)
        a_only = joint.sum(axis=1) - both
        b_only = joint.sum(axis=0) - both
        neither = n - both - a_only - b_only
        pd_ = paired_difference_from_table(both, a_only, b_only, neither, level=level, method=method)
        table = pd.DataFrame({"p_a": pd_.p_x, "p_b": pd_.p_y, "difference": pd_.difference,
                              "ci_low": pd_.ci_low, "ci_high": pd_.ci_high},
                             index=pd.Index(OUTCOMES, name="outcome"))
        table.attrs.update(n=int(n), level=level, method=method, labels=self.labels)
        return table

    def plot(self, ax=None, **kwargs):
        """Forest plot of the paired differences (see :mod:`negotiate.plot.compare`)."""
        from ..plot.compare import plot_comparison  # matplotlib only when plotting

        return plot_comparison(self, ax=ax, **kwargs)

    def __repr__(self) -> str:
        table = self.differences()
        parts = [f"{o} {r.difference:+.1%} [{r.ci_low:+.1%}, {r.ci_high:+.1%}]"
                 for o, r in table.iterrows()]
        a, b = self.labels
        return f"<Comparison {b} − {a}: {self.runs:,} paired runs; " + "; ".join(parts) + ">"

    def _repr_html_(self) -> str:
        a, b = self.labels
        head = f"<p><b>{b} − {a}</b>: {self.runs:,} paired runs</p>"
        return head + self.differences().to_html(float_format=lambda x: f"{x:.4f}")
