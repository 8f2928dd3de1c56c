"""Calibrate the behavioural knobs shared by every case to the case library.

A Bayesian synthetic likelihood with a classifier emulator (docs/validation.md,
"Calibration"):

1. **Design.** ``M`` knob vectors ``θ_m`` fill the prior box (scrambled Sobol
   when ``M`` is a power of two, else a Latin hypercube; seeded).
2. **Simulation.** Every case plays one world per ``θ_m`` (``given=`` carries
   ``θ_m`` into the fields each knob sets, or multiplies them for a ``scale``
   knob; the case's other draws are its own),
   giving each world's outcome class and time bin.  One task per case.
3. **Emulator.** Per case, ``p̂_c(k, b | θ)`` of the joint event "outcome
   class ``k`` at the horizon, first agreement in time bin ``b``" (20
   events) by multinomial logistic regression on quadratic features
   (:mod:`.emulator`; a scale knob enters as its logarithm), floored at ``1/(2M)``.  Its marginals are the outcome
   and time forecasts.
4. **Posterior.** A fresh prior sample of :data:`PRIOR_POINTS` points
   weighted by ``exp Σ_c ln p̂_c(e_c | θ)`` (:mod:`.posterior`), where
   ``e_c`` is what happened: the outcome class alone
   (``likelihood="outcome"``, ``p̂_c(o_c | θ) = Σ_b p̂_c(o_c, b | θ)``) or
   the outcome class and the time bin of the first agreement
   (``likelihood="outcome+time"``); draws are a weighted resample.
5. **Cross-validation.** Each case forecast from the posterior of the others.

Seeds: case ``c``'s worlds come from :func:`case_seed` (as in the backtest),
world ``i`` drawing from the streams rooted at ``SeedSequence(case_seed)`` by
its own index (docs/model.md, "Random numbers"), simulated in blocks of
:data:`~negotiate.run.BLOCK_SIZE` worlds; the design, the prior sample,
the resample and the bootstrap each from ``SeedSequence(seed,
spawn_key=(CALIBRATION_KEY, i))``.  Tasks are independent of where they run,
so the workers never change a number.
"""

from __future__ import annotations

import time
import warnings
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc

from ..model import run_block
from ..model.outcomes import OUTCOMES
from ..run import BLOCK_SIZE, Executor, run_seed
from ..run.arguments import check_seed, flag, whole_number
from ..run.batch import check_executor
from ..scenario import Scenario
from . import posterior as post
from .backtest import case_seed, map_cases
from .calibration_results import CalibrationResults
from .cases import checked_cases, observed_outcomes, observed_time_bins
from .emulator import fit_emulator
from .knobs import DEFAULT_KNOBS, Knob, checked_knobs, given_values, prepare_case
from .scores import TIME_BINS, first_agreement_round, time_bin

__all__ = ["DEFAULT_KNOBS", "CalibrationResults", "Knob", "calibrate", "prior_design"]

DEFAULT_WORLDS = BLOCK_SIZE
#: Fresh prior points the posterior reweights, and posterior draws resampled from them.
PRIOR_POINTS, DRAWS = 20_000, 4_000
CALIBRATION_KEY = zlib.crc32(b"calibration")
DESIGN_KEY, PRIOR_KEY, RESAMPLE_KEY = 0, 1, 2
#: What the likelihood of a case scores: the outcome class, or the class and the time bin.
LIKELIHOODS = ("outcome", "outcome+time")


def _check_some_case_has_a_knob(knobs, prepared) -> None:
    """Refuse a fit that no case informs (before anything is simulated): the posterior
    would be the prior, and no scenario could use it."""
    if not any(paths for _, case_paths in prepared for paths in case_paths.values()):
        shown = ", ".join(f"{k.name} ({k.path})" for k in knobs)
        raise ValueError(f"no case has a field that the knobs set: {shown}; nothing would inform "
                         "them (a case without the field is skipped: docs/validation.md, 'The knobs')")


def calibrate(cases, *, knobs=None, worlds: int = DEFAULT_WORLDS, seed: int = 0, workers: int = 1,
              executor: str | Executor | None = None, address: str | None = None,
              progress: bool | None = None, likelihood: str = "outcome") -> CalibrationResults:
    """Fit the shared knobs (default :data:`DEFAULT_KNOBS`) to what happened in ``cases``.

    ``knobs``: :class:`Knob` objects, or named sets joined by ``+``
    (``"default+scale"``: the default knobs and :data:`~.knobs.SCALE_KNOBS`).

    ``cases``: :class:`~negotiate.validation.Case` objects with records, or
    folders.  ``worlds`` design points, one world each per case.  ``workers``,
    ``executor`` and ``address`` (a Dask scheduler) say where the cases are
    simulated and never change a number; ``progress`` shows a bar counting the
    worlds simulated as cases finish.  ``likelihood``: ``"outcome"`` (each case's
    outcome class at the horizon) or ``"outcome+time"`` (its class and the time bin
    of its first agreement).
    """
    if likelihood not in LIKELIHOODS:
        raise ValueError(f"likelihood must be one of {', '.join(map(repr, LIKELIHOODS))}, "
                         f"got {likelihood!r}")
    flag("progress", progress, optional=True)
    check_executor(executor, address)
    cases = checked_cases(cases, "calibration")
    knobs = checked_knobs(knobs)
    worlds, seed = whole_number("worlds", worlds, 2), check_seed(seed)
    workers = whole_number("workers", workers, 1)
    started = time.perf_counter()
    design = prior_design(knobs, worlds, seed)
    prepared = [prepare_case(c.scenario, knobs) for c in cases]
    _check_some_case_has_a_knob(knobs, prepared)
    seeds = [case_seed(seed, c.id) for c in cases]
    tasks = [_Task(s, worlds, given_values(design, knobs, paths), cs)
             for (s, paths), cs in zip(prepared, seeds)]
    sims = map_cases(_simulate, tasks, runs=worlds, workers=workers, executor=executor, address=address,
                     progress=progress, desc="calibrate")
    outcomes = np.stack([s[0] for s in sims])
    _warn_if_sparse(cases, outcomes)
    bins = np.stack([s[1] for s in sims])
    paths = tuple(p for _, p in prepared)
    fitted = _fit(cases, knobs, design, joint_events(outcomes, bins), paths, seed, likelihood)
    return CalibrationResults(
        knobs=knobs, cases=tuple(cases), worlds=worlds, seed=seed, case_seeds=tuple(seeds),
        knob_paths=paths, design=design, outcomes=outcomes, time_bins=bins, likelihood=likelihood,
        wall_time=time.perf_counter() - started, **fitted)


#: a case whose recorded outcome occurs in fewer design worlds than this is fitted on too
#: few events: its emulator may turn a handful of worlds into a sharp peak
SPARSE = 10


class SparseOutcomeWarning(UserWarning):
    """A case's recorded outcome is too rare in the design for its emulator to be trusted."""


def sparse_cases(cases, outcomes: np.ndarray) -> dict[str, int]:
    """Cases whose recorded outcome occurs in fewer than SPARSE design worlds, with the count,
    the rarest first: those where it never occurs (0: the case's likelihood is then flat at
    the floor, whatever the knobs) lead, then the rest by count (ties in the cases' order)."""
    counts = [(case.id, int((row == happened).sum()))
              for case, row, happened in zip(cases, outcomes, observed_outcomes(cases))]
    return dict(sorted(((c, n) for c, n in counts if n < SPARSE), key=lambda item: item[1]))


def _warn_if_sparse(cases, outcomes: np.ndarray) -> None:
    sparse = sparse_cases(cases, outcomes)
    if not sparse:
        return
    never = [case for case, n in sparse.items() if n == 0]
    rare = [case for case, n in sparse.items() if n > 0]
    why = []
    if never:  # the worst: the knobs cannot make it more likely, so the case tells them nothing
        why.append(f"in none for {', '.join(never)}, so {'its' if len(never) == 1 else 'their'} "
                   "likelihood is flat at the floor and says nothing about the knobs")
    if rare:
        why.append(f"the emulator{'' if len(rare) == 1 else 's'} of {', '.join(rare)} rest"
                   f"{'s' if len(rare) == 1 else ''} on a handful of worlds and may shape the "
                   "posterior alone")
    listed = ", ".join(f"{case} ({n})" for case, n in sparse.items())
    warnings.warn(f"what happened occurs in fewer than {SPARSE} design worlds for {listed}: "
                  f"{'; '.join(why)}; use more --worlds", SparseOutcomeWarning, stacklevel=3)


def prior_design(knobs, worlds: int, seed: int) -> np.ndarray:
    """``(worlds, knobs)`` points filling the prior box: scrambled Sobol if ``worlds`` is a
    power of two, else a Latin hypercube, from the calibration's design seed."""
    knobs = checked_knobs(knobs)
    worlds = whole_number("worlds", worlds, 1)
    rng = np.random.default_rng(_seed(seed, DESIGN_KEY))
    power_of_two = worlds & (worlds - 1) == 0
    sampler = (_qmc(qmc.Sobol, len(knobs), rng, scramble=True) if power_of_two
               else _qmc(qmc.LatinHypercube, len(knobs), rng))
    return _scaled(sampler.random(worlds), knobs)


def _qmc(kind, dimensions: int, rng: np.random.Generator, **options):
    try:
        return kind(dimensions, rng=rng, **options)
    except TypeError:  # SciPy < 1.15 calls it seed
        return kind(dimensions, seed=rng, **options)


def prior_sample(knobs, points: int, seed: int) -> np.ndarray:
    """``(points, knobs)`` independent draws from the prior (the calibration's prior seed)."""
    rng = np.random.default_rng(_seed(seed, PRIOR_KEY))
    return _scaled(rng.random((points, len(knobs))), knobs)


def _scaled(unit: np.ndarray, knobs) -> np.ndarray:
    """Unit-cube points as knob values: uniform, or log-uniform for a scale knob."""
    return np.column_stack([k.from_unit(unit[:, j]) for j, k in enumerate(knobs)])


def emulator_inputs(values: np.ndarray, knobs) -> np.ndarray:
    """``(points, knobs)`` knob values as the emulators see them (a scale knob's logarithm)."""
    return np.column_stack([k.feature(values[:, j]) for j, k in enumerate(knobs)])


def _seed(seed: int, key: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(CALIBRATION_KEY, key))


# --- one task per case ------------------------------------------------------------

@dataclass(frozen=True)
class _Task:
    scenario: Scenario
    worlds: int
    given: dict[str, np.ndarray]  # empty when no knob applies to the case
    seed: int


def _simulate(task: _Task) -> tuple[np.ndarray, np.ndarray]:
    """Outcome class and time bin of each design world of one case (runs in a worker)."""
    outcome, bins = [], []
    for start in range(0, task.worlds, BLOCK_SIZE):
        stop = min(start + BLOCK_SIZE, task.worlds)
        given = {path: values[start:stop] for path, values in task.given.items()}
        result = run_block(task.scenario, stop - start, run_seed(task.seed), given=given, first=start)
        outcome.append(np.asarray(result.outcome, dtype=np.int8))
        bins.append(time_bin(first_agreement_round(result.truce_round, result.agreement_round))
                    .astype(np.int8))
    return np.concatenate(outcome), np.concatenate(bins)


# --- emulators, posterior, cross-validation ---------------------------------------------

N_EVENTS = len(OUTCOMES) * len(TIME_BINS)


def joint_events(outcomes, bins) -> np.ndarray:
    """Index ``k · len(TIME_BINS) + b`` of the joint event (outcome class ``k``, time bin ``b``)."""
    return np.asarray(outcomes, dtype=np.int64) * len(TIME_BINS) + np.asarray(bins, dtype=np.int64)


def outcome_marginal(joint: np.ndarray) -> np.ndarray:
    """``(..., 20)`` joint probabilities summed over the time bins: ``(..., 4)``."""
    return joint.reshape(*joint.shape[:-1], len(OUTCOMES), len(TIME_BINS)).sum(axis=-1)


def time_marginal(joint: np.ndarray) -> np.ndarray:
    """``(..., 20)`` joint probabilities summed over the outcome classes: ``(..., 5)``."""
    return joint.reshape(*joint.shape[:-1], len(OUTCOMES), len(TIME_BINS)).sum(axis=-2)


def _fit(cases, knobs, design, events, paths, seed: int, likelihood: str) -> dict:
    columns = [[j for j, k in enumerate(knobs) if p[k.name]] for p in paths]
    theta = prior_sample(knobs, PRIOR_POINTS, seed)
    fitted = fit_posterior(emulator_inputs(design, knobs), events, columns, emulator_inputs(theta, knobs),
                           observed_outcomes(cases), observed_time_bins(cases), likelihood)
    rng = np.random.default_rng(_seed(seed, RESAMPLE_KEY))
    picked = rng.choice(len(theta), size=DRAWS, replace=True, p=fitted["weights"])
    return {"theta": theta, "draws": pd.DataFrame(theta[picked], columns=[k.name for k in knobs]),
            **fitted}


def fit_posterior(design, events, columns, theta, outcomes, bins, likelihood: str) -> dict:
    """The posterior weights of the prior sample ``theta`` (L, J) and the forecasts, from
    each case's joint events ``events`` (C, M) at the design points ``design`` (M, J):
    one emulator per case on its knobs ``columns[c]``; the likelihood of case ``c`` is the
    emulated probability of its recorded outcome class ``outcomes[c]`` (summed over time
    bins) or, with ``likelihood="outcome+time"``, of that class with time bin ``bins[c]``."""
    # the floor is half a world of the design for the event scored: a joint event, or an
    # outcome class (its five joint events share it)
    floor = 1.0 / (2 * len(design)) / (len(TIME_BINS) if likelihood == "outcome" else 1)
    emulators = [fit_emulator(design, ev, N_EVENTS, columns=cols, floor=floor)
                 for ev, cols in zip(events, columns)]
    joint = np.stack([e.predict(theta) for e in emulators])  # (C, L, 20)
    if likelihood == "outcome":
        probs, observed = outcome_marginal(joint), np.asarray(outcomes)
    else:
        probs, observed = joint, joint_events(outcomes, bins)
    loglik = post.log_likelihoods(probs, observed)
    weights = post.posterior_weights(loglik.sum(axis=0))
    loo_weights = post.leave_one_out_weights(loglik)
    loo_joint = np.stack([post.predictive(w, joint[c]) for c, w in enumerate(loo_weights)])
    return {
        "weights": weights, "ess": post.effective_sample_size(weights),
        "prior_predictive": outcome_marginal(joint.mean(axis=1)),
        "posterior_predictive": outcome_marginal(post.predictive(weights, joint)),
        "loo_predictive": outcome_marginal(loo_joint),
        "loo_time_predictive": time_marginal(loo_joint),
        "prior_time_predictive": time_marginal(joint.mean(axis=1)),
        "loo_ess": np.array([post.effective_sample_size(w) for w in loo_weights]),
        "emulator_r2": np.array([e.pseudo_r2(design, ev) for e, ev in zip(emulators, events)]),
    }
