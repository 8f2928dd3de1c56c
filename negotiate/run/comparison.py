"""Scenarios run on the same random numbers, and their paired differences:
:class:`Comparison` (two) and :class:`ManyComparison` (a base and its variants)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..model.outcomes import OUTCOMES, block_reason_codes
from ..results.output import FigureFile, Saved, on_axes, scenario_digest
from ..stats import paired_difference_from_table

__all__ = ["Comparison", "IdenticalScenariosWarning", "ManyComparison", "ScenarioMismatchWarning",
           "check_comparable"]


class ScenarioMismatchWarning(UserWarning):
    """Two compared scenarios do not have the same actors and issues."""


class IdenticalScenariosWarning(UserWarning):
    """Two compared scenarios are the same: every paired difference is exactly 0."""


#: top-level fields that describe a scenario without changing any number of a run
_DESCRIPTIVE = ("name", "title", "description", "sources")


def _same_model(a, b) -> bool:
    """Whether two scenarios differ only in their names and descriptions."""
    def content(s):
        return {k: v for k, v in s.to_dict().items() if k not in _DESCRIPTIVE}
    return content(a) == content(b)


def check_comparable(a, b) -> None:
    """Refuse (ValueError) two scenarios with no actor and no issue in common; warn
    (:class:`ScenarioMismatchWarning`) when their actors or issues differ: a paired
    difference then compares two different conflicts, not a change to one; warn
    (:class:`IdenticalScenariosWarning`) when they are the same scenario (a file given
    twice, or two files that differ only in names and descriptions)."""
    if _same_model(a, b):
        warnings.warn(f"{b.name} and {a.name} are the same scenario (they differ at most in "
                      f"{', '.join(_DESCRIPTIVE)}): on common random numbers every paired "
                      "difference is exactly 0", IdenticalScenariosWarning, stacklevel=3)
        return
    differences = []
    for what, left, right in (("actors", a.actors, b.actors), ("issues", a.issues, b.issues)):
        for name, only in ((a.name, set(left) - set(right)), (b.name, set(right) - set(left))):
            if only:
                differences.append(f"{what} only in {name}: {', '.join(sorted(only))}")
    if not differences:
        return
    if not set(a.actors) & set(b.actors) and not set(a.issues) & set(b.issues):
        raise ValueError(f"scenarios {a.name} and {b.name} share no actor and no issue: "
                         "they describe different conflicts and cannot be compared run by run")
    warnings.warn(f"comparing {b.name} with {a.name}, which differ ({'; '.join(differences)}): "
                  "the paired differences compare different conflicts", ScenarioMismatchWarning,
                  stacklevel=3)


@dataclass(repr=False)
class Comparison(Saved):
    """Results ``a`` and ``b`` of two scenarios on one seed plan (common random
    numbers), and ``joint[i, j]``: the number of runs that ended in outcome
    ``i`` under ``a`` and ``j`` under ``b``."""

    a: object  # negotiate.results.Results
    b: object
    joint: np.ndarray

    KIND = "comparison"

    @property
    def labels(self) -> tuple[str, str]:
        name_a, name_b = self.a.scenario.name, self.b.scenario.name
        return (name_a, name_b) if name_a != name_b else ("a", "b")

    @property
    def runs(self) -> int:
        return int(self.joint.sum())

    def differences(self, level: float = 0.95, *, method: str = "newcombe") -> pd.DataFrame:
        """Per outcome: ``p_a``, ``p_b``, ``difference = p_b − p_a`` and its interval.

        The interval is for paired data (each run index is the same random
        draw under both scenarios): Newcombe's hybrid score interval by
        default, or ``method="wald"`` (see
        :func:`negotiate.stats.paired_difference_from_table`).
        """
        table = _paired_table(self.joint, level, method).rename(columns={"p_x": "p_a", "p_y": "p_b"})
        table.attrs.update(labels=self.labels)
        return table

    def why_differences(self, level: float = 0.95, *, method: str = "newcombe") -> pd.DataFrame:
        """Per reason of :meth:`Results.why_no_agreement` (index ``reason``): ``p_a``,
        ``p_b`` (shares of all runs), ``difference = p_b − p_a`` and its paired interval,
        by the method of :meth:`differences` (docs/model.md §12, "Why no agreement").

        The pairing needs each run's reason under both scenarios, so both sides must
        have kept their runs (``compare(..., keep_runs=True)``, the default); without them
        this raises ``ValueError`` saying so.  Results saved before ``stalled`` was
        recorded on either side give the five other reasons for both (``attrs``
        ``stalled_recorded`` False); results without any breakdown raise
        :meth:`Results.why_no_agreement`'s error."""
        for res in (self.a, self.b):
            res.why_no_agreement()   # no breakdown recorded: its clear error
        missing = [label for label, res in zip(self.labels, (self.a, self.b)) if res.run_data is None]
        if missing:
            raise ValueError(f"why_differences() pairs each run's reason under both scenarios and needs "
                             f"the per-run data, which was not kept for {' and '.join(missing)} "
                             "(compare(..., keep_runs=False)); rerun with keep_runs=True, or compare "
                             "the two sides' why_no_agreement() unpaired")
        recorded = self.a.run_data.stalled is not None and self.b.run_data.stalled is not None
        (code_a, reasons), (code_b, _) = (block_reason_codes(res.run_data, with_stalled=recorded)
                                          for res in (self.a, self.b))
        in_a = code_a[None, :] == np.arange(len(reasons))[:, None]   # (reasons, runs)
        in_b = code_b[None, :] == np.arange(len(reasons))[:, None]
        both = (in_a & in_b).sum(axis=1)
        a_only, b_only = (in_a & ~in_b).sum(axis=1), (~in_a & in_b).sum(axis=1)
        pd_ = paired_difference_from_table(both, a_only, b_only, code_a.size - both - a_only - b_only,
                                           level=level, method=method)
        table = pd.DataFrame({"p_a": pd_.p_x, "p_b": pd_.p_y, "difference": pd_.difference,
                              "ci_low": pd_.ci_low, "ci_high": pd_.ci_high},
                             index=pd.Index(reasons, name="reason"))
        table.attrs.update(n=int(code_a.size), level=level, method=method, labels=self.labels,
                           stalled_recorded=recorded)
        return table

    def plot(self, ax=None, **kwargs):
        """Forest plot of the paired differences (see :mod:`negotiate.plot.compare`)."""
        from ..plot.compare import plot_comparison  # matplotlib only when plotting

        return plot_comparison(self, ax=ax, **kwargs)

    # --- files (the common save: negotiate.results.output) ------------------------------
    def _write_tables(self, directory: Path) -> list[Path]:
        """comparison.csv (the paired differences), summary_a.csv and summary_b.csv."""
        paths = [directory / "comparison.csv"]
        self.differences().to_csv(paths[0], index_label="outcome")
        for side, res in (("a", self.a), ("b", self.b)):
            paths.append(directory / f"summary_{side}.csv")
            res.outcome_probabilities()[["p", "ci_low", "ci_high"]].to_csv(paths[-1], index_label="outcome")
        return paths

    def _figures(self) -> list[FigureFile]:
        return [FigureFile("comparison.png", on_axes(self.plot), (7, 3.5))]

    def _metadata_body(self) -> dict:
        a, b = self.a, self.b
        return {"labels": list(self.labels), "seed": a.seed, "runs": a.runs,
                "scenario_sha256": {"a": scenario_digest(a.scenario), "b": scenario_digest(b.scenario)},
                "wall_time_seconds": a.wall_time,
                "scenarios": {"a": a.scenario.to_dict(), "b": b.scenario.to_dict()}}

    @property
    def versions(self) -> dict:
        return self.a.versions

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


def _paired_table(joint, level: float, method: str) -> pd.DataFrame:
    """Per outcome, from the joint outcome counts of x (rows) and y (columns):
    ``p_x``, ``p_y``, ``difference = p_y − p_x`` and its paired interval."""
    joint = np.asarray(joint, dtype=np.int64)
    n = joint.sum()
    both = np.diag(joint)
    x_only = joint.sum(axis=1) - both
    y_only = joint.sum(axis=0) - both
    neither = n - both - x_only - y_only
    pd_ = paired_difference_from_table(both, x_only, y_only, neither, level=level, method=method)
    table = pd.DataFrame({"p_x": pd_.p_x, "p_y": pd_.p_y, "difference": pd_.difference,
                          "ci_low": pd_.ci_low, "ci_high": pd_.ci_high},
                         index=pd.Index(OUTCOMES, name="outcome"))
    table.attrs.update(n=int(n), level=level, method=method)
    return table


@dataclass(repr=False)
class ManyComparison(Saved):
    """A base scenario and its variants on one seed plan (common random numbers).

    ``base`` and ``variants[label]`` are :class:`~negotiate.Results`;
    ``joints[label][i, j]`` is the number of runs that ended in outcome ``i``
    under the base and ``j`` under that variant.  Made by
    :func:`negotiate.compare_many`.
    """

    base: object  # negotiate.results.Results
    variants: dict
    joints: dict

    KIND = "many-comparison"

    @property
    def labels(self) -> list[str]:
        """The variants' labels, in the order they were given."""
        return list(self.variants)

    @property
    def base_label(self) -> str:
        return self.base.scenario.name

    @property
    def runs(self) -> int:
        return int(self.base.runs)

    def comparison(self, label: str) -> Comparison:
        """The two-scenario :class:`Comparison` of the base with variant ``label``."""
        if label not in self.variants:
            raise KeyError(f"no variant {label!r}; the variants are {', '.join(self.labels)}")
        return Comparison(self.base, self.variants[label], self.joints[label])

    def to_frame(self, level: float = 0.95, *, method: str = "newcombe") -> pd.DataFrame:
        """One row per variant × outcome: ``p_base``, ``p_variant``, ``difference =
        p_variant − p_base`` and its paired interval (Newcombe's by default, or
        ``method="wald"``; see :func:`negotiate.stats.paired_difference_from_table`)."""
        frames = []
        for label in self.labels:
            table = _paired_table(self.joints[label], level, method).reset_index()
            table.insert(0, "variant", label)
            frames.append(table.rename(columns={"p_x": "p_base", "p_y": "p_variant"}))
        frame = pd.concat(frames, ignore_index=True)
        frame.attrs.update(n=self.runs, level=level, method=method, base=self.base_label)
        return frame

    def plot(self, ax=None, *, level: float = 0.95, method: str = "newcombe", outcomes=None):
        """Forest plot of every variant's paired differences (see
        :func:`negotiate.plot.plot_many_comparison`); returns the axes."""
        from ..plot.compare import plot_many_comparison  # matplotlib only when plotting

        return plot_many_comparison(self, ax=ax, level=level, method=method, outcomes=outcomes)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Each scenario's outcome probabilities with their intervals (``scenario`` is
        ``"<base name> (base)"`` or a variant's label)."""
        frames = []
        for label, results in [(f"{self.base_label} (base)", self.base), *self.variants.items()]:
            table = results.outcome_probabilities(level=level)[["p", "ci_low", "ci_high"]].reset_index()
            table.insert(0, "scenario", label)
            frames.append(table)
        return pd.concat(frames, ignore_index=True)

    # --- files (the common save: negotiate.results.output) ------------------------------
    def _write_tables(self, directory: Path) -> list[Path]:
        """comparisons.csv (the :meth:`to_frame` table) and summary.csv (every
        scenario's outcome probabilities)."""
        paths = [directory / "comparisons.csv", directory / "summary.csv"]
        self.to_frame().to_csv(paths[0], index=False)
        self.summary().to_csv(paths[1], index=False)
        return paths

    def _figures(self) -> list[FigureFile]:
        rows = len(OUTCOMES) * (len(self.variants) + 1)
        return [FigureFile("comparisons.png", on_axes(self.plot), (8, 1.2 + 0.28 * rows))]

    def _metadata_body(self) -> dict:
        return {
            "base": self.base_label, "variants": self.labels,
            "seed": self.base.seed, "runs": self.base.runs,
            "scenario_sha256": {"base": scenario_digest(self.base.scenario),
                                **{k: scenario_digest(v.scenario) for k, v in self.variants.items()}},
            "scenarios": {"base": self.base.scenario.to_dict(),
                          **{k: v.scenario.to_dict() for k, v in self.variants.items()}},
        }

    @property
    def versions(self) -> dict:
        return self.base.versions

    def __repr__(self) -> str:
        return (f"<ManyComparison {len(self.variants)} variants − {self.base_label}: "
                f"{self.runs:,} paired runs; variants {', '.join(self.labels)}>")

    def _repr_html_(self) -> str:
        head = (f"<p><b>{len(self.variants)} variants − {self.base_label}</b>: "
                f"{self.runs:,} paired runs</p>")
        return head + self.to_frame().to_html(index=False, float_format=lambda x: f"{x:.4f}")
