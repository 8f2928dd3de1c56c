"""What a Monte Carlo run produced: tables with honest intervals, and files.

:class:`Results` holds the scenario, the seed plan and either every run
(``keep_runs=True``: a :class:`~negotiate.model.BlockResult` over all runs)
or only additive summaries (:class:`~negotiate.results.aggregate.Aggregates`),
which it always has.  Probabilities, time to agreement, acceptance and
collapse rates come from the summaries, so they are the same in both modes.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ResultsFileError, ScenarioError, SimulationError
from ..model.ceasefire import TYPES as CEASEFIRE_TYPES
from ..model.outcomes import AGENDAS, OUTCOMES, BlockResult
from ..scenario import Scenario, load_scenario
from ..stats import (
    INTERVAL_METHODS,
    clustered_ratio_interval,
    dkw_halfwidth,
    incidence_from_counts,
    proportion_interval,
)
from .aggregate import BLOCK_SIZE, TERM_BINS, TERM_GROUPS, Aggregates, term_group_masks
from .check import LEGACY_FORMAT, RESULTS_FORMAT, check_files, check_metadata, check_self_digest
from .diagnostics import Diagnosis, Problem
from .output import FigureFile, Saved, library_versions, on_axes, scenario_digest
from .storage import PRODUCER, read_runs_table, write_runs_table
from .why import WhyNoAgreement

__all__ = ["Results", "library_versions", "load_results", "scenario_digest"]

ROW_GROUP = 65_536  # rows per Parquet row group: bounds the memory of save()
AGREEMENTS = OUTCOMES[:3]  # outcomes that have an agreement round
DEGENERATE = 0.99  # an outcome this common makes the others unreadable (Results.diagnose)
QUANTILES = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}


_TRUCE_ADVICE = ("check whether a settlement is possible (its agenda's signers and red lines) "
                 "and whether anything makes a truce end (docs/model.md §5)")
#: what to check when one outcome takes nearly every run: a different thing for each outcome
_DEGENERATE_ADVICE = {
    "comprehensive_agreement": "check whether the scenario leaves any reason for the war to go on "
                               "(docs/model.md)",
    "no_agreement": "check that any agreement is possible at all: the veto players' red lines "
                    "(docs/model.md §16), who `signs` each agenda and the talks set-up "
                    "(docs/model.md §15); Results.why_no_agreement() says how the runs ended",
    "temporary_truce": _TRUCE_ADVICE,
    "conditional_truce": _TRUCE_ADVICE,
}


@dataclass(repr=False)
class Results(Saved):
    """Outcome of ``simulate``: ask it for tables (``outcome_probabilities()``…),
    the per-run table (``to_frame()``), a plot (``plot()``) or files (``save()``)."""

    scenario: Scenario
    seed: int
    runs: int
    wall_time: float
    aggregates: Aggregates
    run_data: BlockResult | None = None
    versions: dict[str, str] = field(default_factory=library_versions)

    KIND = "results"
    FORMAT = RESULTS_FORMAT

    @classmethod
    def from_block(cls, scenario: Scenario, block: BlockResult, *, seed: int = 0,
                   wall_time: float = 0.0) -> Results:
        """Results holding ``block`` as its runs (summaries computed block by block)."""
        aggregates = Aggregates.from_runs(block, scenario.rounds.horizon, BLOCK_SIZE)
        return cls(scenario, seed, block.n, wall_time, aggregates, block)

    @property
    def keep_runs(self) -> bool:
        return self.run_data is not None

    # --- the per-run table ---------------------------------------------------
    def to_frame(self, *, by_agenda: bool = False) -> pd.DataFrame:
        """One row per run (index ``run``).

        Columns: ``outcome`` (categorical), ``agreement_round`` and
        ``truce_round`` (<NA> = never), ``collapsed``, ``truces``, ``proposer``
        (actor name, NaN if none), ``final_balance``, ``victory``,
        ``term:<issue>``, ``offers:<actor>`` / ``accepts:<actor>`` (answers and
        acceptances, summed over agendas; per agenda as
        ``offers:<actor>:<agenda>`` with ``by_agenda=True``),
        ``first_accept:<actor>``, the sampled inputs ``input:<path>``, and
        ``ceasefire_parties`` / ``ceasefire_scope`` (the ETH/PRIO type of the
        first ceasefire of any kind, <NA> = none; see :meth:`ceasefire_types`),
        ``unconverged`` (rounds whose continuation values missed the solver's
        tolerance), ``unconverged_gap`` (the largest residual those rounds were
        left with, flow units; 0 if none) and ``unconverged_gap_noise`` (the same
        over the run's largest response noise; docs/model.md §8), ``stood_still``
        (the first truce was accepted in a world standing still, with D > 0 rounds
        of drafting: it counted at once, the plain ceasefire in force meanwhile) and
        ``conditions_round`` (the round at whose end the first truce's terms took
        effect, <NA> = no truce or its conditions dropped; docs/model.md §15,
        "Standstill while drafting") and ``principle_round`` (the round in which
        anything, a truce or a settlement, was first agreed in principle, <NA> =
        never; docs/model.md §12, "Why no agreement") and ``stalled`` (in the horizon's
        round a party whose consent every agreement needs was still stalling on an agenda
        open in the scenario, drawn per world; §12).  Optional columns are absent from runs
        recorded before they existed (loaded from older files).
        """
        self._require_runs("to_frame()")
        return run_frame(self.scenario, self.run_data, 0, self.runs, by_agenda=by_agenda)

    def replay(self, run: int):
        """Run ``run`` played again alone, round by round: a
        :class:`~negotiate.run.replay.Replay` whose outcome, rounds and terms equal
        this batch's record of the run (:meth:`to_frame` row ``run``), whatever the
        block size or workers it was simulated with (docs/model.md, "Random numbers").
        Needs no kept runs."""
        from ..run.replay import replay  # the runner imports the results: import on use

        return replay(self.scenario, run, seed=self.seed, runs=self.runs)

    def _require_runs(self, what: str) -> None:
        if self.run_data is None:
            raise ValueError(f"{what} needs the per-run data, which was not kept "
                             "(simulate(..., keep_runs=False)); rerun with keep_runs=True")

    # --- tables ----------------------------------------------------------------
    def outcome_probabilities(self, level: float = 0.95, *, method: str = "wilson") -> pd.DataFrame:
        """Probability of each outcome (all four, in ``OUTCOMES`` order) with its interval."""
        counts = self.aggregates.outcome_counts
        lo, hi = proportion_interval(counts, self.runs, level, method)
        table = pd.DataFrame({"p": counts / self.runs, "ci_low": lo, "ci_high": hi, "count": counts},
                             index=pd.Index(OUTCOMES, name="outcome"))
        table.attrs.update(n=self.runs, method=method, level=level)
        return table

    def time_to_agreement(self, level: float | None = None, *, method: str = "wilson") -> pd.DataFrame:
        """Cumulative probability, by round, of each agreement outcome having been reached.

        Column ``o`` at round ``t`` is P(the run ends in outcome ``o`` and its
        defining agreement came by round ``t``); at the horizon it equals the
        outcome's probability.  Runs with no agreement are censored at the horizon.

        With a ``level``, the columns become ``(outcome, "p" | "ci_low" |
        "ci_high")``: each value is a share of the runs, so ``method="wilson"``
        (or ``"jeffreys"``) gives its binomial interval round by round
        (pointwise: each round's interval covers with probability ``level``),
        and ``method="dkw"`` a band that covers an outcome's whole curve at
        once with probability at least ``level`` (Dvoretzky–Kiefer–Wolfowitz,
        :func:`negotiate.stats.dkw_halfwidth`; wider, constant in width).
        """
        counts = self.aggregates.round_counts[:, : len(AGREEMENTS)]
        values = incidence_from_counts(counts, self.runs)
        index = pd.RangeIndex(values.shape[0], name="round")
        if level is None:
            return pd.DataFrame(values, index=index, columns=pd.Index(AGREEMENTS, name="outcome"))
        if method not in (*INTERVAL_METHODS, "dkw"):
            raise ValueError(f"unknown interval method {method!r} for time_to_agreement; choose one of "
                             f"{', '.join(INTERVAL_METHODS)} (pointwise) or dkw (a band over all rounds)")
        if method == "dkw":
            half = dkw_halfwidth(self.runs, level)
            lo, hi = np.clip(values - half, 0.0, 1.0), np.clip(values + half, 0.0, 1.0)
        else:
            lo, hi = proportion_interval(np.cumsum(counts, axis=0), self.runs, level, method)
        parts = {(o, stat): column[:, j] for j, o in enumerate(AGREEMENTS)
                 for stat, column in (("p", values), ("ci_low", lo), ("ci_high", hi))}
        table = pd.DataFrame(parts, index=index)
        table.columns.names = ["outcome", "stat"]
        table.attrs.update(n=self.runs, level=level, method=method)
        return table

    def settled_terms(self) -> pd.DataFrame:
        """Distribution of each issue's agreed value, for runs ending in a
        comprehensive agreement and for runs ending in a truce.

        Index ``(agreement, issue)``; columns ``count``, ``mean``, ``sd``, the
        quantiles ``q05 … q95`` and the issue's ``low``/``high`` labels.  With
        the runs kept the quantiles are exact (linear interpolation);
        otherwise they are read from a {bins}-bin histogram, within 1/{bins}
        of the inverted-CDF quantile of the values.
        """
        rows = []
        for g, group in enumerate(TERM_GROUPS):
            for d, name in enumerate(self.scenario.issue_names):
                issue = self.scenario.issues[name]
                stats = self._term_stats(g, d)
                rows.append({"agreement": group, "issue": name, **stats,
                             "low": issue.low, "high": issue.high})
        return pd.DataFrame(rows).set_index(["agreement", "issue"])

    settled_terms.__doc__ = settled_terms.__doc__.format(bins=TERM_BINS)

    def _term_stats(self, group: int, issue: int) -> dict[str, float]:
        agg = self.aggregates
        count = int(agg.term_hist[group, issue].sum())
        out = {"count": count, "mean": np.nan, "sd": np.nan, **{q: np.nan for q in QUANTILES}}
        if count == 0:
            return out
        if self.run_data is not None:
            mask = term_group_masks(self.run_data.outcome)[group]
            values = self.run_data.terms[mask, issue]
            values = values[~np.isnan(values)]
            out.update(zip(QUANTILES, np.quantile(values, list(QUANTILES.values()))))
        else:
            out.update(zip(QUANTILES, _hist_quantiles(agg.term_hist[group, issue], QUANTILES.values())))
        mean = agg.term_sum[group, issue] / count
        out["mean"] = mean
        if count > 1:
            var = (agg.term_sumsq[group, issue] - count * mean * mean) / (count - 1)
            out["sd"] = float(np.sqrt(max(var, 0.0)))
        return out

    def acceptance_rates(self, level: float = 0.95) -> pd.DataFrame:
        """Share of proposals each actor accepted, per agenda, with an interval
        that treats the answers within one run as correlated
        (:func:`negotiate.stats.clustered_ratio_interval`)."""
        agg = self.aggregates
        rate, lo, hi = clustered_ratio_interval(agg.accepts, agg.offers, agg.accepts_sq,
                                                agg.offers_sq, agg.offers_accepts, self.runs, level)
        index = pd.MultiIndex.from_product([self.scenario.actor_names, AGENDAS],
                                           names=["actor", "agenda"])
        return pd.DataFrame({"offers": agg.offers.ravel(), "accepts": agg.accepts.ravel(),
                             "rate": np.ravel(rate), "ci_low": np.ravel(lo), "ci_high": np.ravel(hi)},
                            index=index)

    def ceasefire_types(self, level: float = 0.95, *, method: str = "wilson") -> pd.DataFrame:
        """Share of runs whose first ceasefire of any kind was of each ETH/PRIO type (unilateral
        or bilateral, general or partial; docs/model.md, "Ceasefire types"), with intervals;
        ``n`` = all runs, so the shares sum to the share of runs with a ceasefire. A unilateral
        halt counts here but is no agreed truce, so it sets no outcome (cases/README.md)."""
        self._require_runs("ceasefire_types()")
        codes = self.run_data.ceasefire
        if codes is None:
            raise ValueError("these runs do not record ceasefire types (made before they existed)")
        counts = np.bincount(codes[codes >= 0].astype(np.int64), minlength=len(CEASEFIRE_TYPES))
        lo, hi = proportion_interval(counts, self.runs, level, method)
        index = pd.MultiIndex.from_tuples(CEASEFIRE_TYPES, names=["parties", "scope"])
        table = pd.DataFrame({"p": counts / self.runs, "ci_low": lo, "ci_high": hi, "count": counts},
                             index=index)
        table.attrs.update(n=self.runs, method=method, level=level)
        return table

    def plot_ceasefire_types(self, ax=None, **kwargs):
        """Ceasefire types with their intervals (see :mod:`negotiate.plot.ceasefires`)."""
        from ..plot.ceasefires import plot_ceasefire_types

        return plot_ceasefire_types(self, ax=ax, **kwargs)

    def collapse_rate(self, level: float = 0.95, *, method: str = "wilson") -> pd.Series:
        """Share of runs with a truce in which a truce collapsed (``n`` = runs with a truce)."""
        k, n = self.aggregates.collapsed_runs, self.aggregates.truce_runs
        lo, hi = proportion_interval(k, n, level, method)
        p = k / n if n else np.nan
        return pd.Series({"p": p, "ci_low": lo, "ci_high": hi, "count": k, "n": n}, name="collapse")

    def why_no_agreement(self, level: float = 0.95, *, method: str = "wilson") -> WhyNoAgreement:
        """Why runs ended without an agreement: the share of all runs ending in none, split
        into exclusive, exhaustive reasons (won outright before anything was agreed in
        principle, or before an agreed deal was in force; agreed but never in force; a
        needed party still stalling at the horizon; offers refused; nothing ever offered),
        each with its interval (docs/model.md §12, "Why no agreement").  Works without kept
        runs.  Results saved before ``stalled`` was recorded give the five other reasons
        (``stalled_recorded`` False: refused and never offered include stalled runs);
        results made before any reason was recorded raise ``ValueError`` saying so."""
        counts = self.aggregates.no_agreement_reasons
        if counts.size == 0:
            raise ValueError(f"results of {self.scenario.name!r} do not record why runs ended without an "
                             "agreement (per-run field principle_round missing: made or saved before "
                             "it existed); rerun the scenario to get the breakdown")
        return WhyNoAgreement.from_counts(counts, self.runs, level=level, method=method,
                                          scenario=self.scenario.name)

    # --- diagnostics --------------------------------------------------------------
    def diagnose(self) -> Diagnosis:
        """Problems an analyst should know before reading these results
        (a :class:`~negotiate.results.diagnostics.Diagnosis`; empty and falsy if none):

        * ``degenerate``: one outcome takes at least ``DEGENERATE`` (99 %) of
          the runs: the scenario is close to deterministic, and its other
          outcomes are unreadable; the note says what to check for that outcome
          (for comprehensive agreement: a reason for the war to go on; for no
          agreement: whether any agreement is possible); ``simulate`` also warns;
        * ``unconverged``: some runs had a round whose continuation values
          missed the solver's tolerance (docs/model.md, "Reservation values
          and continuation"): the best point found was used there; the note
          says by how much (each such run's largest residual, in flow units
          and against its largest response noise);
        * ``calibration``: the scenario draws the knobs of a calibration
          (docs/scenario-format.md, "calibration"): which knobs, and which
          fields the scenario writes that they replace in every world (those
          written values are not used).
        """
        from ..scenario.calibrated_fields import calibration_note

        problems = []
        calibrated = calibration_note(self.scenario)
        if calibrated is not None:
            problems.append(Problem("calibration", "scenario", calibrated))
        note = self.degenerate()
        if note is not None:
            top = OUTCOMES[int(np.argmax(self.aggregates.outcome_counts))]
            problems.append(Problem("degenerate", top, note))
        if self.aggregates.unconverged_runs:
            problems.append(Problem("unconverged", "runs", self._unconverged_note()))
        return Diagnosis(tuple(problems))

    def _unconverged_note(self) -> str:
        """How many runs missed the solver's tolerance in some round, and by how much: each
        such run's largest residual, in flow units and against its largest response noise
        (the noise that blurs every answer; the tolerance is 1 % of it by default)."""
        agg = self.aggregates
        unsolved = agg.unconverged_runs
        note = (f"{_share(unsolved / self.runs)} of runs had a round in which the continuation values "
                "missed the solver's tolerance; the best point found was used")
        recorded = int(agg.unconverged_gap_hist.sum())
        if recorded:
            below = agg.gap_below_noise() / recorded
            scaled, median = agg.unconverged_gap_noise_max, agg.gap_quantile(0.5, noise=True)
            # the medians are read from binned counts (so results kept without runs have them)
            note += (f". They missed it by at most {agg.unconverged_gap_max:.2g} (median about "
                     f"{agg.gap_quantile(0.5):.2g}) in flow units, at most {scaled:.2g}× (median about "
                     f"{median:.2g}×) the run's largest response noise: below that noise in "
                     f"{_share(below)} of them")
        else:
            note += " (by how much was not recorded: results written before it was)"
        return note + (" (docs/model.md, \"Reservation values and continuation\", measures what "
                       "solving those rounds does to the outcomes: a miss below the noise may "
                       "still change which offer is made)") + self._unconverged_remedy()

    def _unconverged_remedy(self) -> str:
        """How to check whether the misses matter: more sweeps (a user trial found 200 and 400
        cut a 92 % miss rate to 14 % with no outcome moving beyond noise)."""
        b = self.scenario.bargaining
        later, first = max(200, 2 * b.iterations), max(400, 2 * b.first_round_iterations)
        return (f"; to check, rerun with --set bargaining.iterations={later} --set "
                f"bargaining.first_round_iterations={first} (in Python: scenario.with_overrides(...)) "
                "and compare the outcomes: if none moves beyond noise, the misses did not matter")

    def degenerate(self) -> str | None:
        """The message of :meth:`diagnose` on an outcome taking 99 % of the runs, or None."""
        counts = self.aggregates.outcome_counts
        top = int(np.argmax(counts))
        share = counts[top] / self.runs
        if share < DEGENERATE or self.runs < 100:
            return None
        return (f"{OUTCOMES[top]} takes {share:.1%} of the {self.runs:,} runs: the other "
                f"outcomes are too rare to read; {_DEGENERATE_ADVICE[OUTCOMES[top]]}")

    # --- display ---------------------------------------------------------------
    def report(self, path, *, title: str | None = None, force: bool = False) -> Path:
        """Write one self-contained HTML report to ``path`` (see :mod:`negotiate.report`); an
        existing file there is replaced only if it is a report negotiate wrote, or with ``force``."""
        from ..report import write_report

        return write_report(self, path, title=title, force=force)

    def plot(self, ax=None, **kwargs):
        """Outcome probabilities with their intervals (see :mod:`negotiate.plot`)."""
        from ..plot.outcomes import plot_outcome_probabilities  # matplotlib only when plotting

        return plot_outcome_probabilities(self, ax=ax, **kwargs)

    def __repr__(self) -> str:
        table = self.outcome_probabilities()
        parts = [f"{o} {r.p:.1%} [{r.ci_low:.1%}, {r.ci_high:.1%}]" for o, r in table.iterrows()]
        return (f"<Results {self.scenario.name}: {self.runs:,} runs, seed {self.seed}; "
                + "; ".join(parts) + ">")

    def _repr_html_(self) -> str:
        head = f"<p><b>{self.scenario.name}</b>: {self.runs:,} runs, seed {self.seed}</p>"
        return head + self.outcome_probabilities().to_html(float_format=lambda x: f"{x:.4f}")

    # --- files -----------------------------------------------------------------
    def _metadata_body(self) -> dict:
        return {
            "scenario_name": self.scenario.name,
            "scenario_sha256": scenario_digest(self.scenario),
            "seed": self.seed,
            "runs": self.runs,
            "block_size": BLOCK_SIZE,
            "keep_runs": self.keep_runs,
            "wall_time_seconds": self.wall_time,
            "scenario": self.scenario.to_dict(),
        }

    def _write_tables(self, directory: Path) -> list[Path]:
        """summary.csv, aggregates.npz and, if the runs were kept, runs.parquet."""
        paths = [directory / "summary.csv"]
        summary = self.outcome_probabilities()[["p", "ci_low", "ci_high"]]
        summary.to_csv(paths[0], index_label="outcome")
        paths.append(directory / "aggregates.npz")
        np.savez(paths[-1], **self.aggregates.to_arrays())
        if self.run_data is not None:
            frames = (run_frame(self.scenario, self.run_data, start,
                                min(start + ROW_GROUP, self.runs), by_agenda=True)
                      for start in range(0, self.runs, ROW_GROUP))
            paths.append(write_runs_table(directory, frames))
        return paths

    def _figures(self) -> list[FigureFile]:
        """outcomes.png, time_to_agreement.png, acceptance.png and settled_terms.png."""
        from ..plot import plot_acceptance_rates, plot_settled_terms, plot_time_to_agreement

        counts = self.settled_terms()["count"]
        rows = [max(1, int((counts.loc[g] > 0).sum())) for g in TERM_GROUPS]

        def terms(fig) -> None:
            axes = fig.subplots(len(TERM_GROUPS), 1, height_ratios=rows)
            for ax, group in zip(axes, TERM_GROUPS):
                plot_settled_terms(self, group, ax=ax)

        return [FigureFile("outcomes.png", on_axes(self.plot)),
                FigureFile("time_to_agreement.png", on_axes(partial(plot_time_to_agreement, self))),
                FigureFile("acceptance.png", on_axes(partial(plot_acceptance_rates, self))),
                FigureFile("settled_terms.png", terms, (8, 1.5 + 0.9 * sum(rows)))]


def load_results(directory) -> Results:
    """Read back a directory written by :meth:`Results.save`, checking it first.

    Every file read must match its SHA-256 in metadata.json, the scenario its
    ``scenario_sha256`` and the run count the summaries and the per-run table
    (:mod:`negotiate.results.check`); otherwise
    :class:`~negotiate.errors.ResultsFileError` names the file at fault.
    Directories saved before the hashes existed load with an
    :class:`~negotiate.results.check.UncheckedResultsWarning`.
    """
    directory = Path(directory)
    meta_path = directory / "metadata.json"
    meta = _read_metadata(meta_path)
    checked = check_metadata(meta, meta_path)
    table = _runs_table_name(directory, meta, checked)
    if checked:
        check_files(directory, meta, ["summary.csv", "aggregates.npz"] + ([table] if table else []))
    scenario = _checked_scenario(meta, meta_path)
    aggregates = _read_aggregates(directory / "aggregates.npz")
    counted = int(aggregates.outcome_counts.sum())
    if counted != meta["runs"]:
        raise ResultsFileError(f"{meta_path}: runs is {meta['runs']:,} but aggregates.npz counts "
                               f"{counted:,} runs; one of them was edited or swapped")
    run_data = None
    if table is not None:
        run_data = block_from_frame(scenario, _read_table(directory / table))
        _check_table(run_data, aggregates, directory / table)
    if checked:
        check_self_digest(meta, meta_path)
    return Results(scenario, meta["seed"], meta["runs"], float(meta["wall_time_seconds"]),
                   aggregates, run_data, dict(meta.get("versions", {})))


def _read_metadata(meta_path: Path) -> dict:
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsFileError(f"{meta_path}: not found; is this a directory written by "
                               "Results.save?") from None
    except (OSError, ValueError) as exc:
        raise ResultsFileError(f"{meta_path}: not valid JSON: {exc}") from None
    if not isinstance(meta, dict) or meta.get("producer") != PRODUCER:
        raise ResultsFileError(f"{meta_path}: not a negotiate results file")
    if meta.get("kind") != "results":
        raise ResultsFileError(f"{meta_path}: holds a {meta.get('kind')!r} output, not Results")
    if meta.get("format") not in (LEGACY_FORMAT, RESULTS_FORMAT):
        raise ResultsFileError(f"{meta_path}: format {meta.get('format')!r} is not supported "
                               f"(this version reads formats {LEGACY_FORMAT} and {RESULTS_FORMAT})")
    return meta


def _runs_table_name(directory: Path, meta: dict, checked: bool) -> str | None:
    """The per-run table to read: the one metadata.json lists (or, unchecked, the one present)."""
    if not meta["keep_runs"]:
        return None
    names = [n for n in ("runs.parquet", "runs.csv")
             if (n in meta["files"] if checked else (directory / n).exists())]
    if not names:
        raise ResultsFileError(f"{directory}: keep_runs is true but no per-run table "
                               "(runs.parquet or runs.csv) is " + ("listed in metadata.json" if checked
                                                                   else "there"))
    return names[0]


def _checked_scenario(meta: dict, meta_path: Path) -> Scenario:
    try:
        scenario = load_scenario(meta["scenario"])
    except ScenarioError as exc:
        raise ResultsFileError(f"{meta_path}: its scenario is not valid: {exc}") from None
    if scenario_digest(scenario) != meta["scenario_sha256"]:
        raise ResultsFileError(f"{meta_path}: its scenario does not match scenario_sha256 (edited "
                               "after the run); not loaded")
    return scenario


def _read_aggregates(path: Path) -> Aggregates:
    try:
        with np.load(path, allow_pickle=False) as arrays:
            return Aggregates.from_arrays(dict(arrays))
    except FileNotFoundError:
        raise ResultsFileError(f"{path}: missing") from None
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
        raise ResultsFileError(f"{path}: damaged or truncated ({type(exc).__name__}: {exc})") from None


def _read_table(path: Path) -> pd.DataFrame:
    try:
        return read_runs_table(path.parent, path.name)
    except (OSError, ValueError, KeyError) as exc:
        raise ResultsFileError(f"{path}: damaged or unreadable ({type(exc).__name__}: {exc})") from None


def _check_table(run_data: BlockResult, aggregates: Aggregates, path: Path) -> None:
    """The per-run table must hold the runs the summaries count, outcome by outcome."""
    counts = np.bincount(run_data.outcome.astype(np.int64), minlength=len(OUTCOMES))
    if run_data.n != int(aggregates.outcome_counts.sum()) or \
            not np.array_equal(counts[:len(OUTCOMES)], aggregates.outcome_counts):
        raise ResultsFileError(f"{path}: its {run_data.n:,} runs do not match the outcome counts of "
                               "aggregates.npz (a table from another run?); not loaded")


def _share(x: float) -> str:
    """A share as a whole percentage, never rounded to 0 % or 100 % when it is not."""
    if 0 < x < 0.005:
        return "<1%"
    if 0.995 <= x < 1:
        return ">99%"
    return f"{x:.0%}"


# --- per-run table <-> BlockResult ------------------------------------------------

def _nullable_round(values: np.ndarray):
    values = np.asarray(values, dtype=np.int16)
    return pd.arrays.IntegerArray(values.copy(), mask=values == 0)


def run_frame(scenario: Scenario, block: BlockResult, start: int, stop: int, *,
              by_agenda: bool) -> pd.DataFrame:
    """Rows ``start:stop`` of the per-run table (see :meth:`Results.to_frame`)."""
    s = slice(start, stop)
    actors = scenario.actor_names
    cols: dict[str, object] = {
        "outcome": pd.Categorical.from_codes(block.outcome[s].astype(np.int8), categories=OUTCOMES),
        "agreement_round": _nullable_round(block.agreement_round[s]),
        "truce_round": _nullable_round(block.truce_round[s]),
        "collapsed": np.asarray(block.collapsed[s], dtype=bool),
        "truces": np.asarray(block.truces[s], dtype=np.int16),
        "proposer": pd.Categorical.from_codes(block.proposer[s].astype(np.int16), categories=actors),
        "final_balance": np.asarray(block.final_balance[s], dtype=float),
        "victory": np.asarray(block.victory[s], dtype=np.int8),
    }
    for d, issue in enumerate(scenario.issue_names):
        cols[f"term:{issue}"] = np.asarray(block.terms[s, d], dtype=float)
    for a, actor in enumerate(actors):
        if by_agenda:
            for g, agenda in enumerate(AGENDAS):
                cols[f"offers:{actor}:{agenda}"] = np.asarray(block.offers[s, a, g], dtype=np.int32)
                cols[f"accepts:{actor}:{agenda}"] = np.asarray(block.accepts[s, a, g], dtype=np.int32)
        else:
            cols[f"offers:{actor}"] = block.offers[s, a, :].sum(axis=-1, dtype=np.int32)
            cols[f"accepts:{actor}"] = block.accepts[s, a, :].sum(axis=-1, dtype=np.int32)
    for a, actor in enumerate(actors):
        cols[f"first_accept:{actor}"] = _nullable_round(block.first_accept[s, a])
    for key, values in block.inputs.items():
        cols[f"input:{key}"] = np.asarray(values[s])
    if block.unconverged is not None:
        cols["unconverged"] = np.asarray(block.unconverged[s], dtype=np.int16)
    for name in ("unconverged_gap", "unconverged_gap_noise"):
        if getattr(block, name) is not None:   # largest residual left, docs/model.md §8
            cols[name] = np.asarray(getattr(block, name)[s], dtype=float)
    if block.ceasefire is not None:   # ETH/PRIO types of the first truce (<NA>: none)
        code = np.asarray(block.ceasefire[s], dtype=np.int64)
        for k, (col, names) in enumerate((("ceasefire_parties", CEASEFIRE_PARTIES),
                                          ("ceasefire_scope", CEASEFIRE_SCOPES))):
            which = np.array([names.index(t[k]) for t in CEASEFIRE_TYPES])
            cols[col] = pd.Categorical.from_codes(np.where(code >= 0, which[np.maximum(code, 0)], -1),
                                                  categories=names)
    if block.stood_still is not None:   # the first truce's standstill (docs/model.md §15)
        cols["stood_still"] = np.asarray(block.stood_still[s], dtype=bool)
    if block.conditions_round is not None:
        cols["conditions_round"] = _nullable_round(block.conditions_round[s])
    if block.principle_round is not None:   # first agreed in principle (docs/model.md §12)
        cols["principle_round"] = _nullable_round(block.principle_round[s])
    if block.stalled is not None:   # a needed party stalling at the horizon (§12)
        cols["stalled"] = np.asarray(block.stalled[s], dtype=bool)
    return pd.DataFrame(cols, index=pd.RangeIndex(start, stop, name="run"))


def block_from_frame(scenario: Scenario, frame: pd.DataFrame) -> BlockResult:
    """The runs of a per-run table written with ``by_agenda=True``."""
    actors, issues = scenario.actor_names, scenario.issue_names

    def rounds(col: str) -> np.ndarray:
        return frame[col].fillna(0).to_numpy(dtype=np.int16)

    def ints(col: str, dtype) -> np.ndarray:
        return frame[col].to_numpy(dtype=dtype)

    try:
        offers = np.stack([np.stack([ints(f"offers:{a}:{g}", np.int16) for g in AGENDAS], -1)
                           for a in actors], 1)
        accepts = np.stack([np.stack([ints(f"accepts:{a}:{g}", np.int16) for g in AGENDAS], -1)
                            for a in actors], 1)
        return BlockResult(
            outcome=pd.Categorical(frame["outcome"], categories=OUTCOMES).codes.astype(np.int8),
            agreement_round=rounds("agreement_round"),
            truce_round=rounds("truce_round"),
            collapsed=ints("collapsed", bool),
            truces=ints("truces", np.int16),
            proposer=pd.Categorical(frame["proposer"], categories=actors).codes.astype(np.int16),
            terms=np.stack([ints(f"term:{i}", float) for i in issues], 1),
            final_balance=ints("final_balance", float),
            victory=ints("victory", np.int8),
            offers=offers,
            accepts=accepts,
            first_accept=np.stack([rounds(f"first_accept:{a}") for a in actors], 1),
            inputs={c.removeprefix("input:"): frame[c].to_numpy() for c in frame.columns
                    if c.startswith("input:")},
            unconverged=ints("unconverged", np.int16) if "unconverged" in frame.columns else None,
            **{name: ints(name, float) if name in frame.columns else None
               for name in ("unconverged_gap", "unconverged_gap_noise")},
            ceasefire=_ceasefire_codes(frame),
            # tables written before these were recorded lack them (None: not recorded)
            stood_still=ints("stood_still", bool) if "stood_still" in frame.columns else None,
            conditions_round=rounds("conditions_round") if "conditions_round" in frame.columns else None,
            principle_round=rounds("principle_round") if "principle_round" in frame.columns else None,
            stalled=ints("stalled", bool) if "stalled" in frame.columns else None,
        )
    except KeyError as exc:
        raise SimulationError(f"per-run table lacks column {exc}") from None


def _ceasefire_codes(frame: pd.DataFrame) -> np.ndarray | None:
    """Ceasefire type codes back from the two categorical columns (None if absent)."""
    if "ceasefire_parties" not in frame.columns:
        return None
    pairs = zip(frame["ceasefire_parties"].astype(object), frame["ceasefire_scope"].astype(object))
    lookup = {t: k for k, t in enumerate(CEASEFIRE_TYPES)}
    return np.array([lookup.get(pair, -1) for pair in pairs], dtype=np.int8)


CEASEFIRE_PARTIES = ("bilateral", "unilateral")
CEASEFIRE_SCOPES = ("general", "partial")


def _hist_quantiles(hist: np.ndarray, probs) -> list[float]:
    """Quantiles of values binned on [0, 1]: the bin holding the ⌈q·n⌉-th
    smallest value, interpolated linearly within it (so within one bin width
    of the inverted-CDF quantile of the unbinned values)."""
    total = hist.sum()
    if total == 0:
        return [np.nan for _ in probs]
    width = 1.0 / hist.size
    right = np.cumsum(hist)
    out = []
    for p in probs:
        target = p * total
        j = min(int(np.searchsorted(right, target, side="left")), hist.size - 1)
        before = right[j] - hist[j]
        inside = (target - before) / hist[j] if hist[j] else 0.0
        out.append(float((j + min(max(inside, 0.0), 1.0)) * width))
    return out
