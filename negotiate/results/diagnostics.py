"""Typed diagnostics: what a result says about its own trustworthiness.

``Results.diagnose()`` and ``SensitivityResults.diagnose()`` return a
:class:`Diagnosis`, a list of :class:`Problem` (a ``kind``, the ``subject``
it concerns, such as an outcome, and a plain-language ``message``).  An empty
diagnosis is falsy, so ``if results.diagnose(): ...`` reads as "is anything
wrong".
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from html import escape

import pandas as pd

__all__ = ["Diagnosis", "Problem", "WeakResultWarning"]


class WeakResultWarning(UserWarning):
    """A result that should not be read at face value (see its ``diagnose()``)."""


@dataclass(frozen=True)
class Problem:
    """One reason not to read a result at face value."""

    kind: str       # "degenerate", "unconverged", "constant_outcome", "high_noise", ...
    subject: str    # what it concerns: an outcome, or "runs"
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Diagnosis:
    """The problems a result found in itself (empty: none)."""

    problems: tuple[Problem, ...] = ()

    def __iter__(self):
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def __contains__(self, item) -> bool:
        return item in self.problems or item in [p.message for p in self.problems]

    @property
    def kinds(self) -> list[str]:
        return [p.kind for p in self.problems]

    def of_kind(self, kind: str) -> list[Problem]:
        return [p for p in self.problems if p.kind == kind]

    def to_frame(self) -> pd.DataFrame:
        """One row per problem: ``kind``, ``subject``, ``message``."""
        return pd.DataFrame([vars(p) for p in self.problems], columns=["kind", "subject", "message"])

    def warn(self, *, stacklevel: int = 2) -> None:
        """Each problem as a :class:`WeakResultWarning`."""
        for problem in self.problems:
            warnings.warn(problem.message, WeakResultWarning, stacklevel=stacklevel + 1)

    def plot(self, ax=None):
        """The messages, one per line, on an axes without ticks (for a report page)."""
        from ..plot.style import new_axes  # matplotlib only when plotting

        ax = new_axes(ax)
        ax.set_axis_off()
        lines = [f"• {p.message}" for p in self.problems] or ["No problems found."]
        ax.text(0, 1, "\n".join(lines), va="top", ha="left", wrap=True, transform=ax.transAxes)
        return ax

    def __repr__(self) -> str:
        if not self.problems:
            return "<Diagnosis: no problems>"
        return "<Diagnosis: " + "; ".join(f"{p.kind} ({p.subject})" for p in self.problems) + ">"

    def _repr_html_(self) -> str:
        if not self.problems:
            return "<p>No problems found.</p>"
        return "<ul>" + "".join(f"<li><b>{escape(p.kind)}</b>: {escape(p.message)}</li>"
                                for p in self.problems) + "</ul>"
