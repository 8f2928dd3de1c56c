"""Which uncertain inputs drive each outcome probability: Sobol and Morris indices.

:func:`sensitivity` builds a design over a scenario's distribution-valued
fields (all, or a chosen subset), plays ``replications`` worlds at each design
point (:mod:`negotiate.analysis.design`) and computes, for each outcome, the
indices of its probability with SALib (:mod:`negotiate.analysis.indices`).

How the worlds' own randomness enters.  The output at a design point is the
share of its ``replications`` worlds that reach the outcome: the true
probability ``p(x)`` plus binomial noise of variance ``p(1 - p) / r`` that is
fresh at every point.  That noise adds to the output's variance: first-order
indices are shrunk by the factor ``Var p / (Var p + E[p(1 - p)] / r)``, and
each total-order index (and Morris' ``mu_star`` and ``sigma``) is inflated by
the noise, because every point redraws it.  ``noise_share`` in the table
estimates the fraction of the output variance that is this noise (from the
spread between replications, so it needs ``replications >= 2``): read indices
against it, and raise ``replications`` when it is large;
``to_frame(noise_adjusted=True)`` also gives the indices with the estimated
noise taken out.  With
``replications=1`` the indices are those of the single world's outcome
indicator, where the battlefield shocks and the other unlisted draws act as
one more, unnamed, input.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..model.outcomes import OUTCOMES
from ..results.diagnostics import Diagnosis, Problem
from ..results.output import FigureFile, Saved, scenario_digest
from ..run.arguments import check_seed, flag, whole_number
from ..run.batch import check_executor
from ..run.executors import Executor
from ..scenario import load_scenario
from .design import ScenarioEvaluator
from .indices import analyse
from .inputs import Factor, scenario_factors

__all__ = ["SensitivityResults", "analyse_function", "sensitivity"]

DEFAULT_SAMPLES = {"sobol": 128, "morris": 20}
DEFAULT_OUTCOME = "comprehensive_agreement"
#: A noise share from which an outcome's indices are mostly noise (SensitivityResults.diagnose).
NOISE_LIMIT = 0.25
#: A first-order index this far below zero is sampling error whatever its interval.
NEGATIVE_S1 = 0.05
#: A Sobol index (S1 or ST) this far above one is sampling error whatever its interval.
ABOVE_ONE = 0.05


def sensitivity(scenario, method: str = "sobol", *, inputs: Sequence[str] | None = None,
                samples: int | None = None, replications: int = 8, seed: int | None = None,
                level: float = 0.95, num_levels: int = 4, workers: int | None = None,
                executor: str | Executor | None = None, address: str | None = None,
                progress: bool | None = None) -> SensitivityResults:
    """Sobol or Morris indices of each outcome probability of ``scenario``.

    ``inputs`` lists dotted paths of distribution-valued fields to vary
    (default: all of them); the other fields are drawn as usual in every
    world.  Design points follow the fields' own distributions (see
    :mod:`negotiate.analysis.inputs`).  ``samples``: base points for
    ``"sobol"`` (a power of two; ``samples * (inputs + 2)`` points, default
    128) or trajectories for ``"morris"`` (``samples * (inputs + 1)`` points,
    default 20).  Each point plays ``replications`` worlds, so the runs are
    points × replications.  ``seed`` defaults to the scenario's; ``workers``,
    ``executor`` and ``address`` are those of :func:`~negotiate.simulate` and
    do not change the result.  ``level`` is the confidence level of the
    intervals.  Read the module notes on how the worlds' noise enters.
    Indices not to read at face value (an outcome that never varied, a high
    noise share, negative first-order indices, indices above one, indices
    smaller than their intervals: :meth:`SensitivityResults.diagnose`) are each reported as a
    :class:`~negotiate.results.diagnostics.WeakResultWarning`.
    """
    base = load_scenario(scenario)
    flag("progress", progress, optional=True)
    check_executor(executor, address)
    replications = whole_number("replications", replications, 1)
    seed = base.monte_carlo.seed if seed is None else check_seed(seed)
    workers = 1 if workers is None else whole_number("workers", workers, 1)
    samples = DEFAULT_SAMPLES.get(method, 2) if samples is None else whole_number("samples", samples, 2)
    factors = scenario_factors(base, inputs)
    evaluate = ScenarioEvaluator(base, [f.name for f in factors], replications=replications, seed=seed,
                                 workers=workers, executor=executor, address=address, progress=progress)
    result = analyse_function(factors, evaluate, OUTCOMES, method, samples=samples, seed=seed, level=level,
                              num_levels=num_levels, replications=replications, scenario=base)
    result.diagnose().warn(stacklevel=2)  # weak indices say so (WeakResultWarning)
    return result


def analyse_function(factors: Sequence[Factor], evaluate, outputs: Sequence[str], method: str = "sobol", *,
                     samples: int, seed: int, level: float = 0.95, num_levels: int = 4,
                     replications: int | None = None, scenario=None) -> SensitivityResults:
    """The indices of any ``evaluate(values) -> (points, outputs)`` over ``factors``.

    What :func:`sensitivity` runs for a scenario; give it another function
    (a test function with known indices, a surrogate) to use the same
    design, estimators and intervals.  ``replications``: how many Bernoulli
    trials each output is the share of, for ``noise_share`` (None: none).
    """
    parts = analyse(factors, evaluate, outputs, method, samples=samples, seed=seed, level=level,
                    num_levels=num_levels)
    noise = None if replications is None else dict(zip(outputs, _noise_share(parts["Y"], replications)))
    return SensitivityResults(method=method, inputs=[f.name for f in factors], outcomes=list(outputs),
                              table=parts["table"], design=parts["values"], outputs=parts["Y"],
                              samples=samples, seed=seed, level=level, replications=replications,
                              noise_share=noise, scenario=scenario, wall_time=parts["wall_time"])


def _noise_share(Y: np.ndarray, replications: int) -> list[float]:
    """Share of each output's variance that is the replications' binomial noise.

    ``p̂(1 - p̂) / (r - 1)`` is unbiased for the noise variance ``p(1 - p) / r``
    of a share of ``r`` worlds; averaged over the points and divided by the
    output's variance.  NaN with one replication (no spread to measure).
    """
    if replications < 2:
        return [math.nan] * Y.shape[1]
    noise = (Y * (1 - Y) / (replications - 1)).mean(axis=0)
    total = Y.var(axis=0)
    return [float(min(1.0, n / t)) if t > 0 else math.nan for n, t in zip(noise, total)]


@dataclass(repr=False)
class SensitivityResults(Saved):
    """Outcome of :func:`sensitivity` (or of the core on any evaluator).

    ``table``: one row per input × outcome with ``S1``, ``S1_conf``, ``ST``,
    ``ST_conf`` (Sobol; ``*_conf`` is the half-width of the interval at
    ``level``) or ``mu_star``, ``mu_star_conf``, ``mu``, ``sigma`` (Morris).
    ``design[i]`` are the input values of point ``i`` and ``outputs[i, k]`` the
    probability of ``outcomes[k]`` measured there.
    """

    method: str
    inputs: list[str]
    outcomes: list[str]
    table: pd.DataFrame
    design: np.ndarray
    outputs: np.ndarray
    samples: int
    seed: int
    level: float
    replications: int | None = None
    noise_share: dict[str, float] | None = None
    scenario: object = None
    wall_time: float = 0.0

    KIND = "sensitivity"

    @property
    def name(self) -> str:
        return getattr(self.scenario, "name", "model")

    def to_frame(self, *, noise_adjusted: bool = False) -> pd.DataFrame:
        """The indices, one row per input × outcome, with ``noise_share`` per outcome.

        ``noise_adjusted=True`` (Sobol, ``replications >= 2``) adds ``S1_adj``,
        ``ST_adj`` and their ``*_conf``: the indices of the true probability
        with the estimated noise share ``s`` taken out, ``S1 / (1 - s)`` and
        ``(ST - s) / (1 - s)`` (the noise adds ``s`` to every total-order
        index and to the variance).  They inherit the uncertainty of ``s``.
        """
        frame = self.table.copy()
        if self.noise_share is not None:
            frame["noise_share"] = frame["outcome"].map(self.noise_share)
        if noise_adjusted:
            if self.method != "sobol" or self.noise_share is None:
                raise ValueError("noise_adjusted needs Sobol indices of shares of worlds (replications given)")
            keep = 1 - frame["noise_share"]
            frame["S1_adj"], frame["S1_adj_conf"] = frame["S1"] / keep, frame["S1_conf"] / keep
            frame["ST_adj"] = (frame["ST"] - frame["noise_share"]) / keep
            frame["ST_adj_conf"] = frame["ST_conf"] / keep
        frame.attrs.update(method=self.method, level=self.level, samples=self.samples, seed=self.seed,
                           replications=self.replications)
        return frame

    def design_frame(self) -> pd.DataFrame:
        """The design points and the outcome probabilities measured at each."""
        frame = pd.DataFrame(self.design, columns=self.inputs)
        for k, outcome in enumerate(self.outcomes):
            frame[outcome] = self.outputs[:, k]
        return frame

    def ranking(self, outcome: str | None = None) -> pd.DataFrame:
        """The rows of ``outcome`` sorted by importance (``ST`` or ``mu_star``)."""
        outcome = self._outcome(outcome)
        key = "ST" if self.method == "sobol" else "mu_star"
        rows = self.table[self.table["outcome"] == outcome]
        return rows.sort_values(key, ascending=False, na_position="last").reset_index(drop=True)

    def _outcome(self, outcome: str | None) -> str:
        if outcome is None:
            return DEFAULT_OUTCOME if DEFAULT_OUTCOME in self.outcomes else self.outcomes[0]
        if outcome not in self.outcomes:
            raise ValueError(f"unknown outcome {outcome!r}; choose from {self.outcomes}")
        return outcome

    def plot(self, ax=None, outcome: str | None = None, *, max_inputs: int = 15):
        """Tornado chart of the indices of ``outcome`` (default: comprehensive agreement)."""
        from ..plot.sensitivity import plot_sensitivity  # matplotlib only when plotting

        return plot_sensitivity(self, ax=ax, outcome=outcome, max_inputs=max_inputs)

    # --- files -------------------------------------------------------------------
    def _metadata_body(self) -> dict:
        meta = {"method": self.method, "inputs": self.inputs, "samples": self.samples,
                "points": len(self.design), "replications": self.replications, "seed": self.seed,
                "level": self.level, "noise_share": self.noise_share,
                "wall_time_seconds": self.wall_time}
        if self.scenario is not None:
            meta.update(scenario_name=self.name, scenario_sha256=scenario_digest(self.scenario),
                        scenario=self.scenario.to_dict())
        return meta

    def _write_tables(self, directory: Path) -> list[Path]:
        """sensitivity.csv (the :meth:`to_frame` table)."""
        self.to_frame().to_csv(directory / "sensitivity.csv", index=False)
        return [directory / "sensitivity.csv"]

    def _figures(self) -> list[FigureFile]:
        """sensitivity_<outcome>.png for every outcome whose probability varied."""
        size = (7, 0.8 + 0.35 * min(len(self.inputs), 15))
        return [FigureFile(f"sensitivity_{outcome}.png",
                           lambda fig, outcome=outcome: self.plot(ax=fig.add_subplot(), outcome=outcome), size)
                for k, outcome in enumerate(self.outcomes)
                if np.ptp(self.outputs[:, k]) > 0]  # an outcome that never varied: nothing to attribute

    # --- diagnostics --------------------------------------------------------------
    def diagnose(self) -> Diagnosis:
        """Indices not to read at face value (a :class:`~negotiate.results.diagnostics.Diagnosis`):

        * ``constant_outcome``: the outcome's probability never varied over the
          design, so its indices are zeros that say nothing;
        * ``high_noise``: at least ``NOISE_LIMIT`` of the outcome's variance is
          the binomial noise of ``replications`` worlds per point, not the inputs;
        * ``negative_index`` (Sobol): a first-order index below zero by more
          than its interval's half-width, or by more than 0.05: sampling error;
        * ``index_above_one`` (Sobol): a first- or total-order index above one
          (a share of the variance cannot be) by more than its interval's
          half-width, or by more than 0.05: sampling error;
        * ``index_within_interval``: even the outcome's largest index (ST, or
          Morris's mu_star) is smaller than its interval's half-width, so no
          input is shown to matter.
        """
        problems = []
        for k, outcome in enumerate(self.outcomes):
            rows = self.table[self.table["outcome"] == outcome]
            if not np.ptp(self.outputs[:, k]) > 0:
                problems.append(Problem("constant_outcome", outcome, (
                    f"{outcome} never varied over the {len(self.design):,} design points "
                    f"(probability {self.outputs[0, k]:.3g} at every one): its indices are all zero "
                    "and say nothing about the inputs")))
                continue
            problems += self._noise_problems(outcome) + self._index_problems(outcome, rows)
        return Diagnosis(tuple(problems))

    def _noise_problems(self, outcome: str) -> list[Problem]:
        share = (self.noise_share or {}).get(outcome, math.nan)
        if not share >= NOISE_LIMIT:
            return []
        return [Problem("high_noise", outcome, (
            f"{share:.0%} of the variance of {outcome} is the noise of {self.replications} worlds per "
            "design point, not the inputs: its indices are mostly noise; raise replications (or read "
            "to_frame(noise_adjusted=True))"))]

    def _index_problems(self, outcome: str, rows: pd.DataFrame) -> list[Problem]:
        problems = []
        if self.method == "sobol":
            below = rows[(rows["S1"] + rows["S1_conf"] < 0) | (rows["S1"] < -NEGATIVE_S1)]
            if len(below):
                names = ", ".join(f"{r.input} ({r.S1:.3f})" for r in below.itertuples())
                problems.append(Problem("negative_index", outcome, (
                    f"first-order indices of {outcome} below zero: {names}; an index cannot be "
                    "negative, so this is sampling error: raise samples")))
            problems += _above_one(outcome, rows)
        index = "ST" if self.method == "sobol" else "mu_star"
        top = rows.loc[rows[index].idxmax()]
        if top[index] < top[f"{index}_conf"]:
            problems.append(Problem("index_within_interval", outcome, (
                f"every {index} of {outcome} is smaller than its interval's half-width (the largest: "
                f"{top['input']} {top[index]:.3f} ± {top[f'{index}_conf']:.3f}): no input is shown to "
                "matter; raise samples")))
        return problems

    def __repr__(self) -> str:
        reps = f", {self.replications} replications each" if self.replications else ""
        return (f"<SensitivityResults {self.name}: {self.method}, {len(self.inputs)} inputs, "
                f"{len(self.design):,} points{reps}, seed {self.seed}>")

    def _repr_html_(self) -> str:
        head = f"<p><b>{self.name}</b>: {self.method} indices, {len(self.design):,} design points</p>"
        return head + self.to_frame().to_html(index=False, float_format=lambda x: f"{x:.3f}")


def _above_one(outcome: str, rows: pd.DataFrame) -> list[Problem]:
    """Sobol indices of ``outcome`` above one beyond their interval (or by more than
    ``ABOVE_ONE``): each is a share of the output's variance, so at most one."""
    found = [f"{r['input']} ({index} {r[index]:.3f})" for _, r in rows.iterrows() for index in ("S1", "ST")
             if r[index] - r[f"{index}_conf"] > 1 or r[index] > 1 + ABOVE_ONE]
    if not found:
        return []
    return [Problem("index_above_one", outcome, (
        f"indices of {outcome} above one: {', '.join(found)}; an index is a share of the variance and "
        "cannot exceed one, so this is sampling error: raise samples"))]
