""":class:`BacktestResults`: the forecasts of every case, their scores, plots and files.

It holds only counts (each case's outcome and time-bin counts over its runs)
and the cases; probabilities, scores and reference forecasts are computed on
request from them with :mod:`negotiate.validation.scores`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..model.outcomes import OUTCOMES
from ..results.output import FigureFile, Saved, library_versions, on_axes, scenario_digest
from . import scores as sc
from .cases import Case, observed_outcomes, observed_time_bins

__all__ = ["SCORES", "BacktestResults"]

#: The summary's scores, each a loss (lower is better): what it scores and how.
SCORES = {
    "log_loss": "outcome class: −ln p of what happened (nats; the negative log score)",
    "brier": "outcome class: Σ_k (p_k − o_k)²",
    "rps_time": "time to the first agreement of any kind: ranked probability score over 5 bins",
}
REFERENCES = ("climatology", "uniform")


@dataclass(repr=False)
class BacktestResults(Saved):
    """What :func:`~negotiate.validation.backtest` produced: ask it for the per-case
    table (``to_frame()``), the scores (``summary()``), plots or files (``save()``)."""

    cases: tuple[Case, ...]
    runs: int
    seed: int
    case_seeds: tuple[int, ...]
    outcome_counts: np.ndarray  # (cases, 4): runs ending in each outcome class
    time_counts: np.ndarray     # (cases, 5): runs whose first agreement falls in each time bin
    wall_time: float = 0.0
    versions: dict[str, str] = field(default_factory=library_versions)

    KIND = "backtest"

    # --- what happened and what was forecast --------------------------------------
    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.cases]

    @property
    def observed_outcomes(self) -> np.ndarray:
        """Index into ``OUTCOMES`` of each case's recorded outcome."""
        return observed_outcomes(self.cases)

    @property
    def observed_time_bins(self) -> np.ndarray:
        """Index into ``TIME_BINS`` of each case's recorded first agreement."""
        return observed_time_bins(self.cases)

    def _target(self, target: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
        """Counts, observed categories and category names of ``"outcome"`` or ``"time"``."""
        if target == "outcome":
            return self.outcome_counts, self.observed_outcomes, OUTCOMES
        if target == "time":
            return self.time_counts, self.observed_time_bins, sc.TIME_BINS
        raise ValueError(f"target must be 'outcome' or 'time', got {target!r}")

    def forecasts(self, target: str = "outcome") -> dict[str, np.ndarray]:
        """Forecast probabilities, one row per case, of ``"outcome"`` (4 classes)
        or ``"time"`` (5 bins): the model's (add-half smoothed), climatology's
        (leave-one-out) and the uniform one."""
        counts, observed, _ = self._target(target)
        k = counts.shape[1]
        return {"model": sc.smoothed_probabilities(counts),
                "climatology": sc.climatology_forecasts(observed, k),
                "uniform": sc.uniform_forecasts(len(self.cases), k)}

    def losses(self) -> dict[str, dict[str, np.ndarray]]:
        """Per-case losses ``{score: {forecaster: array}}`` for the :data:`SCORES`."""
        outcome, time = self.forecasts("outcome"), self.forecasts("time")
        obs, bins = self.observed_outcomes, self.observed_time_bins
        return {
            "log_loss": {k: -sc.log_score(p, obs) for k, p in outcome.items()},
            "brier": {k: sc.brier_score(p, obs) for k, p in outcome.items()},
            "rps_time": {k: sc.ranked_probability_score(p, bins) for k, p in time.items()},
        }

    # --- tables ------------------------------------------------------------------------
    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """One row per case (index ``case``): what happened, the probability each
        forecaster gave it, the Monte Carlo interval of the model's, the scores and
        the model's whole distribution (``model:<outcome>``, ``model:time:<bin>``)."""
        obs, bins = self.observed_outcomes, self.observed_time_bins
        outcome, time = self.forecasts("outcome"), self.forecasts("time")
        raw, se, low, high = (_observed(a, obs) for a in sc.monte_carlo_interval(self.outcome_counts, level))
        frame = pd.DataFrame({
            "as_of": [c.scenario.as_of for c in self.cases],
            "outcome": [OUTCOMES[i] for i in obs],
            "first_agreement_round": pd.array([c.record.first_agreement_round for c in self.cases],
                                              dtype="Int64"),
            "time_bin": [sc.TIME_BINS[i] for i in bins],
            "p_model": _observed(outcome["model"], obs),
            "p_model_raw": raw, "mc_se": se, "mc_low": low, "mc_high": high,
            "p_climatology": _observed(outcome["climatology"], obs),
            "p_uniform": _observed(outcome["uniform"], obs),
            **{f"log_score_{k}": sc.log_score(p, obs) for k, p in outcome.items()},
            "brier_model": sc.brier_score(outcome["model"], obs),
            **{f"rps_time_{k}": sc.ranked_probability_score(p, bins) for k, p in time.items()},
            **{f"model:{o}": outcome["model"][:, i] for i, o in enumerate(OUTCOMES)},
            **{f"model:time:{b}": time["model"][:, i] for i, b in enumerate(sc.TIME_BINS)},
        }, index=pd.Index(self.ids, name="case"))
        frame.attrs.update(runs=self.runs, seed=self.seed, level=level)
        return frame

    def forecast_table(self, target: str = "outcome", level: float = 0.95) -> pd.DataFrame:
        """Every probability the model gave, index ``(case, category)``: ``count`` of runs,
        ``p`` (add-half smoothed, the one scored), the raw share ``p_raw`` with its Monte
        Carlo standard error ``mc_se`` and Wilson interval ``mc_low``–``mc_high``, and
        ``happened`` (the recorded category).  ``target`` is ``"outcome"`` or ``"time"``."""
        counts, observed, names = self._target(target)
        probs = self.forecasts(target)["model"]
        raw, se, low, high = sc.monte_carlo_interval(counts, level)
        index = pd.MultiIndex.from_product([self.ids, names], names=["case", target])
        happened = observed[:, None] == np.arange(len(names))
        table = pd.DataFrame({"count": counts.ravel(), "p": probs.ravel(), "p_raw": raw.ravel(),
                              "mc_se": se.ravel(), "mc_low": low.ravel(), "mc_high": high.ravel(),
                              "happened": happened.ravel()}, index=index)
        table.attrs.update(runs=self.runs, level=level)
        return table

    def summary(self, level: float = 0.95, *, resamples: int = 2000,
                seed: int | None = None) -> pd.DataFrame:
        """Mean losses and skill against each reference, with bootstrap intervals.

        Index ``(score, reference)`` (scores: :data:`SCORES`; references:
        ``climatology`` and ``uniform``); columns ``model`` and ``reference_score``
        (mean losses), ``improvement = reference − model`` (positive: the model is
        better; for ``log_loss`` the mean log-score difference in nats),
        ``skill = 1 − model / reference``, each with a percentile bootstrap
        interval over cases (``resamples`` resamples, the same ones for every
        row, drawn from ``seed``; default: the backtest's seed).
        """
        seed = self.seed if seed is None else seed
        rows = []
        for score, by in self.losses().items():
            for ref in REFERENCES:
                m, r = by["model"], by[ref]
                gain = sc.bootstrap(_improvement, m, r, rng=seed, resamples=resamples, level=level)
                skill = sc.bootstrap(sc.skill_score, m, r, rng=seed, resamples=resamples, level=level)
                rows.append({"score": score, "reference": ref, "model": m.mean(), "reference_score": r.mean(),
                             "improvement": gain.estimate, "improvement_low": gain.low,
                             "improvement_high": gain.high, "skill": skill.estimate,
                             "skill_low": skill.low, "skill_high": skill.high})
        table = pd.DataFrame(rows).set_index(["score", "reference"])
        table.attrs.update(cases=len(self.cases), level=level, resamples=resamples, seed=seed)
        return table

    def reliability_table(self, bins: int = 5, level: float = 0.95) -> pd.DataFrame:
        """The model's outcome forecasts binned against observed frequency, over every
        case × outcome class (:func:`~negotiate.validation.scores.reliability_table`)."""
        return sc.reliability_table(self.forecasts("outcome")["model"], self.observed_outcomes,
                                    bins=bins, level=level)

    # --- plots ----------------------------------------------------------------------
    def plot(self, ax=None):
        """Per case: the model's and climatology's probability of what happened."""
        from ..plot.validation import plot_backtest

        return plot_backtest(self, ax=ax)

    def reliability(self, ax=None, bins: int = 5):
        """Reliability diagram of the model's outcome forecasts, with counts."""
        from ..plot.validation import plot_reliability

        return plot_reliability(self.reliability_table(bins), ax=ax)

    # --- files -----------------------------------------------------------------------
    def _metadata_body(self) -> dict:
        return {
            "runs": self.runs,
            "seed": self.seed,
            "smoothing": "add-half: (n_k + 0.5) / (n + 0.5 K)",
            "scores": SCORES,
            "cases": [{"id": c.id, "as_of": c.scenario.as_of, "seed": s,
                       "scenario_sha256": scenario_digest(c.scenario),
                       "record": c.record.model_dump(mode="json")}
                      for c, s in zip(self.cases, self.case_seeds)],
            "wall_time_seconds": self.wall_time,
        }

    def _write_tables(self, directory: Path) -> list[Path]:
        """summary_cases.csv (:meth:`to_frame`), summary.csv (:meth:`summary`),
        summary_reliability.csv, summary_forecasts.csv and summary_forecasts_time.csv
        (:meth:`forecast_table`)."""
        tables = [("summary_cases.csv", self.to_frame(), True), ("summary.csv", self.summary(), True),
                  ("summary_reliability.csv", self.reliability_table(), False),
                  ("summary_forecasts.csv", self.forecast_table("outcome"), True),
                  ("summary_forecasts_time.csv", self.forecast_table("time"), True)]
        for name, table, index in tables:
            table.to_csv(directory / name, index=index)
        return [directory / name for name, _, _ in tables]

    def _figures(self) -> list[FigureFile]:
        return [FigureFile("backtest.png", on_axes(self.plot), (7, 1.2 + 0.35 * len(self.cases))),
                FigureFile("reliability.png", on_axes(self.reliability), (5.5, 5))]

    # --- display ---------------------------------------------------------------------
    def __repr__(self) -> str:
        losses = self.losses()
        return (f"<BacktestResults {len(self.cases)} cases, {self.runs:,} runs each, seed {self.seed}; "
                f"mean log score {-losses['log_loss']['model'].mean():.3f} (climatology "
                f"{-losses['log_loss']['climatology'].mean():.3f}), mean RPS (time) "
                f"{losses['rps_time']['model'].mean():.3f}>")

    def _repr_html_(self) -> str:
        head = (f"<p><b>Backtest</b>: {len(self.cases)} cases, {self.runs:,} runs each, "
                f"seed {self.seed}</p>")
        return head + self.summary().to_html(float_format=lambda x: f"{x:.4f}")


def _observed(values: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Each row's entry at the category that happened."""
    return np.take_along_axis(values, observed[:, None], axis=1)[:, 0]


def _improvement(model, reference):
    return reference.mean(axis=-1) - model.mean(axis=-1)
