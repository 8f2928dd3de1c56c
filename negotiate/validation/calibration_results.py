""":class:`CalibrationResults`: the posterior of the shared knobs, the per-case
forecasts before and after calibration, the cross-validated skill, plots and files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..model.outcomes import OUTCOMES
from ..results.output import FigureFile, Saved, library_versions, on_axes, scenario_digest
from . import posterior as post
from . import scores as sc
from .cases import Case, observed_outcomes, observed_time_bins
from .knobs import Knob

__all__ = ["CalibrationResults"]

METHOD = ("Bayesian synthetic likelihood with a classifier emulator: per case, multinomial logistic "
          "regression of the joint event (outcome class, time bin of the first agreement) on quadratic "
          "features of the knobs, probabilities floored at 1/(2M); posterior by importance weighting "
          "of a prior sample")


@dataclass(repr=False)
class CalibrationResults(Saved):
    """What :func:`~negotiate.validation.calibrate` produced: ask it for the posterior
    (``summary()``, ``draws``), the per-case table (``to_frame()``), the cross-validated
    skill (``skill()``), a plot or files (``save()``)."""

    knobs: tuple[Knob, ...]
    cases: tuple[Case, ...]
    worlds: int
    seed: int
    case_seeds: tuple[int, ...]
    knob_paths: tuple[dict[str, list[str]], ...]  # per case: the fields each knob sets
    design: np.ndarray           # (M, J) the design's knob values, one world each per case
    outcomes: np.ndarray         # (C, M) outcome class of each case's design worlds
    time_bins: np.ndarray        # (C, M) time bin of their first agreement
    theta: np.ndarray            # (L, J) the prior sample the posterior reweights
    weights: np.ndarray          # (L,) posterior weights
    ess: float
    draws: pd.DataFrame          # posterior draws: a weighted resample of theta
    prior_predictive: np.ndarray      # (C, K)
    posterior_predictive: np.ndarray  # (C, K) from every case's likelihood (in sample)
    loo_predictive: np.ndarray        # (C, K) from the other cases' likelihoods only
    loo_ess: np.ndarray               # (C,)
    emulator_r2: np.ndarray           # (C,) McFadden's pseudo-R² of each emulator on its design
    loo_time_predictive: np.ndarray   # (C, B) time bins of the first agreement, left out of the fit
    prior_time_predictive: np.ndarray  # (C, B) the same with the knobs from their prior
    likelihood: str = "outcome"       # what each case's likelihood scores: see calibrate()
    wall_time: float = 0.0
    versions: dict[str, str] = field(default_factory=library_versions)

    KIND = "calibration"

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.cases]

    @property
    def names(self) -> list[str]:
        return [k.name for k in self.knobs]

    @property
    def observed(self) -> np.ndarray:
        """Index into ``OUTCOMES`` of each case's recorded outcome."""
        return observed_outcomes(self.cases)

    @property
    def observed_time_bins(self) -> np.ndarray:
        """Index into ``TIME_BINS`` of each case's recorded first agreement."""
        return observed_time_bins(self.cases)

    def cases_with(self, knob: str) -> list[str]:
        """Ids of the cases that have a field ``knob`` sets (the others say nothing of it)."""
        return [i for i, paths in zip(self.ids, self.knob_paths) if paths[knob]]

    # --- tables ------------------------------------------------------------------------
    def summary(self, level: float = 0.90) -> pd.DataFrame:
        """One row per knob: its prior, how many cases inform it, the posterior mean,
        median and central ``level`` interval (weighted quantiles of the prior sample)."""
        sc.check_level(level)
        q = [(1 - level) / 2, 0.5, (1 + level) / 2]
        rows = []
        for j, k in enumerate(self.knobs):
            low, mid, high = post.weighted_quantiles(self.theta[:, j], self.weights, q)
            rows.append({"knob": k.name, "prior": k.prior(), "cases": len(self.cases_with(k.name)),
                         "prior_mean": k.prior_mean(),
                         "mean": float(np.average(self.theta[:, j], weights=self.weights)),
                         "median": mid, "low": low, "high": high})
        table = pd.DataFrame(rows).set_index("knob")
        table.attrs.update(level=level, ess=self.ess, points=len(self.theta))
        return table

    def to_frame(self) -> pd.DataFrame:
        """One row per case: what happened, the probability given to it before calibration
        (``p_prior``), after (``p_posterior``, in sample), left out of the fit (``p_loo``) and
        by climatology (leave one out), their log scores and Brier scores, the leave-one-out
        posterior's ESS, the emulator's pseudo-R² and the knobs the case has; the ranked
        probability scores of the time bin of the first agreement (``rps_time_*``)."""
        obs, bins = self.observed, self.observed_time_bins
        times = {"prior": self.prior_time_predictive, "loo": self.loo_time_predictive,
                 "climatology": sc.climatology_forecasts(bins, len(sc.TIME_BINS))}
        climatology = sc.climatology_forecasts(obs, len(OUTCOMES))
        forecasts = {"prior": self.prior_predictive, "posterior": self.posterior_predictive,
                     "loo": self.loo_predictive, "climatology": climatology}
        frame = pd.DataFrame({
            "outcome": [OUTCOMES[i] for i in obs],
            **{f"p_{name}": _observed(p, obs) for name, p in forecasts.items()},
            "p_design": (self.outcomes == obs[:, None]).mean(axis=1),
            **{f"log_score_{name}": sc.log_score(forecasts[name], obs)
               for name in ("prior", "loo", "climatology")},
            **{f"brier_{name}": sc.brier_score(forecasts[name], obs)
               for name in ("prior", "loo", "climatology")},
            **{f"rps_time_{name}": sc.ranked_probability_score(p, bins) for name, p in times.items()},
            "loo_ess": self.loo_ess, "emulator_r2": self.emulator_r2,
            "knobs": [",".join(k for k, p in paths.items() if p) or "-" for paths in self.knob_paths],
            **{f"loo:{o}": self.loo_predictive[:, i] for i, o in enumerate(OUTCOMES)},
        }, index=pd.Index(self.ids, name="case"))
        frame.attrs.update(worlds=self.worlds, seed=self.seed, likelihood=self.likelihood)
        return frame

    def skill(self, level: float = 0.95, *, resamples: int = 2000, seed: int | None = None) -> pd.DataFrame:
        """Mean losses of the leave-one-out forecasts (``loo``) and the uncalibrated ones
        (``prior``) against leave-one-out climatology (log loss and Brier score of the outcome
        class, ranked probability score of the time bin of the first agreement): index
        ``(score, forecaster)``, columns
        ``model``, ``climatology``, ``skill = 1 − model / climatology`` and its percentile
        bootstrap interval over cases (``seed``: default the calibration's)."""
        frame = self.to_frame()
        seed = self.seed if seed is None else seed
        rows = []
        for score, column in (("log_loss", "log_score"), ("brier", "brier"), ("rps_time", "rps_time")):
            sign = -1.0 if score == "log_loss" else 1.0
            ref = sign * frame[f"{column}_climatology"].to_numpy()
            for name in ("loo", "prior"):
                model = sign * frame[f"{column}_{name}"].to_numpy()
                b = sc.bootstrap(sc.skill_score, model, ref, rng=seed, resamples=resamples, level=level)
                rows.append({"score": score, "forecaster": name, "model": model.mean(),
                             "climatology": ref.mean(), "skill": b.estimate, "skill_low": b.low,
                             "skill_high": b.high})
        table = pd.DataFrame(rows).set_index(["score", "forecaster"])
        table.attrs.update(cases=len(self.cases), level=level, resamples=resamples, seed=seed,
                           likelihood=self.likelihood)
        return table

    # --- plot and files ------------------------------------------------------------------
    def plot(self, ax=None):
        """The posterior marginal of every knob on its prior range (flat line: the prior)."""
        from ..plot.validation import plot_posterior

        return plot_posterior(self, ax=ax)

    def _metadata_body(self) -> dict:
        return {
            "method": METHOD, "likelihood": self.likelihood,
            "worlds": self.worlds, "seed": self.seed, "prior_points": len(self.theta),
            "draws": len(self.draws), "ess": self.ess,
            "floor": 1.0 / (2 * self.worlds),
            # the knobs count rounds: a scenario with rounds of another length is refused
            "round_length_days": _round_length(self.cases),
            "knobs": [{"name": k.name, "path": k.path, "kind": k.kind, "low": k.low, "high": k.high,
                       "cases": self.cases_with(k.name)} for k in self.knobs],
            "cases": [{"id": c.id, "seed": s, "outcome": c.record.outcome, "fields": paths,
                       "scenario_sha256": scenario_digest(c.scenario)}
                      for c, s, paths in zip(self.cases, self.case_seeds, self.knob_paths)],
            "wall_time_seconds": self.wall_time,
        }

    def _write_tables(self, directory: Path) -> list[Path]:
        """posterior.csv (the draws), cases.csv (:meth:`to_frame`), summary_posterior.csv
        (:meth:`summary`) and summary_skill.csv (:meth:`skill`)."""
        tables = [("posterior.csv", self.draws, False), ("cases.csv", self.to_frame(), True),
                  ("summary_posterior.csv", self.summary(), True), ("summary_skill.csv", self.skill(), True)]
        for name, table, index in tables:
            table.to_csv(directory / name, index=index)
        return [directory / name for name, _, _ in tables]

    def _figures(self) -> list[FigureFile]:
        return [FigureFile("calibration.png", on_axes(self.plot), (6.5, 4))]

    def _repr_html_(self) -> str:
        head = (f"<p><b>Calibration</b>: {len(self.cases)} cases, {self.worlds:,} design worlds each, "
                f"seed {self.seed}; ESS {self.ess:,.0f} of {len(self.theta):,} prior points</p>")
        skill = self.skill()
        return (head + self.summary().to_html(float_format=lambda x: f"{x:.4g}")
                + "<p>Leave-one-case-out skill against climatology</p>"
                + skill.to_html(float_format=lambda x: f"{x:.4f}"))

    def __repr__(self) -> str:
        means = ", ".join(f"{n} {m:.3g}" for n, m in self.summary()["mean"].items())
        return (f"<CalibrationResults {len(self.cases)} cases, {self.worlds:,} worlds each, "
                f"seed {self.seed}; posterior means {means}; ESS {self.ess:,.0f}>")


def _round_length(cases) -> float | None:
    """The round length (days) every case uses, or ``None`` if they differ."""
    lengths = {float(c.scenario.rounds.length_days) for c in cases}
    return lengths.pop() if len(lengths) == 1 else None


def _observed(values: np.ndarray, observed: np.ndarray) -> np.ndarray:
    return np.take_along_axis(values, observed[:, None], axis=1)[:, 0]
