"""Calibrate the behavioural knobs shared by every case to the case library.

A Bayesian synthetic likelihood with a classifier emulator (docs/validation.md,
"Calibration"):

1. **Design.** ``M`` knob vectors ``θ_m`` fill the prior box (scrambled Sobol
   when ``M`` is a power of two, else a Latin hypercube; seeded).
2. **Simulation.** Every case plays one world per ``θ_m`` (``given=`` carries
   ``θ_m`` into the fields each knob sets; the case's other draws are its own),
   giving each world's outcome class and time bin.  One task per case.
3. **Emulator.** Per case, ``p̂_c(k | θ)`` by multinomial logistic regression
   on quadratic features (:mod:`.emulator`), floored at ``1/(2M)``.
4. **Posterior.** A fresh prior sample of :data:`PRIOR_POINTS` points
   weighted by ``exp Σ_c ln p̂_c(o_c | θ)`` (:mod:`.posterior`); draws are a
   weighted resample.
5. **Cross-validation.** Each case forecast from the posterior of the others.

Seeds: case ``c``'s worlds come from :func:`case_seed` (as in the backtest),
in blocks of :data:`~negotiate.run.BLOCK_SIZE` worlds (block ``k`` from
``SeedSequence(case_seed, spawn_key=(k,))``); the design, the prior sample,
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
from ..run import BLOCK_SIZE, Executor, block_seed
from ..run.arguments import flag, whole_number
from ..run.batch import check_executor
from ..scenario import Scenario
from . import posterior as post
from .backtest import case_seed, map_cases
from .calibration_results import CalibrationResults
from .cases import checked_cases, observed_outcomes
from .emulator import fit_emulator
from .knobs import DEFAULT_KNOBS, Knob, checked_knobs, given_values, prepare_case
from .scores import first_agreement_round, time_bin

__all__ = ["DEFAULT_KNOBS", "CalibrationResults", "Knob", "calibrate", "prior_design"]

DEFAULT_WORLDS = BLOCK_SIZE
#: Fresh prior points the posterior reweights, and posterior draws resampled from them.
PRIOR_POINTS, DRAWS = 20_000, 4_000
CALIBRATION_KEY = zlib.crc32(b"calibration")
DESIGN_KEY, PRIOR_KEY, RESAMPLE_KEY = 0, 1, 2


def calibrate(cases, *, knobs=None, worlds: int = DEFAULT_WORLDS, seed: int = 0, workers: int = 1,
              executor: str | Executor | None = None, address: str | None = None,
              progress: bool | None = None) -> CalibrationResults:
    """Fit the shared knobs (default :data:`DEFAULT_KNOBS`) to what happened in ``cases``.

    ``cases``: :class:`~negotiate.validation.Case` objects with records, or
    folders.  ``worlds`` design points, one world each per case.  ``workers``,
    ``executor`` and ``address`` (a Dask scheduler) say where the cases are
    simulated and never change a number; ``progress`` shows a bar counting the
    worlds simulated as cases finish.
    """
    flag("progress", progress, optional=True)
    check_executor(executor, address)
    cases = checked_cases(cases, "calibration")
    knobs = checked_knobs(knobs)
    worlds, seed = whole_number("worlds", worlds, 2), whole_number("seed", seed, 0)
    workers = whole_number("workers", workers, 1)
    started = time.perf_counter()
    design = prior_design(knobs, worlds, seed)
    prepared = [prepare_case(c.scenario, knobs) for c in cases]
    seeds = [case_seed(seed, c.id) for c in cases]
    tasks = [_Task(s, worlds, given_values(design, knobs, paths), cs)
             for (s, paths), cs in zip(prepared, seeds)]
    sims = map_cases(_simulate, tasks, runs=worlds, workers=workers, executor=executor, address=address,
                     progress=progress, desc="calibrate")
    outcomes = np.stack([s[0] for s in sims])
    _warn_if_sparse(cases, outcomes)
    paths = tuple(p for _, p in prepared)
    fitted = _fit(cases, knobs, design, outcomes, paths, seed)
    return CalibrationResults(
        knobs=knobs, cases=tuple(cases), worlds=worlds, seed=seed, case_seeds=tuple(seeds),
        knob_paths=paths, design=design, outcomes=outcomes, time_bins=np.stack([s[1] for s in sims]),
        wall_time=time.perf_counter() - started, **fitted)


#: a case whose recorded outcome occurs in fewer design worlds than this is fitted on too
#: few events: its emulator may turn a handful of worlds into a sharp peak
SPARSE = 10


class SparseOutcomeWarning(UserWarning):
    """A case's recorded outcome is too rare in the design for its emulator to be trusted."""


def sparse_cases(cases, outcomes: np.ndarray) -> dict[str, int]:
    """Cases whose recorded outcome occurs in 1..SPARSE−1 design worlds, with the count
    (0 worlds is the other problem: the case's likelihood is then flat at the floor)."""
    out = {}
    for case, row, happened in zip(cases, outcomes, observed_outcomes(cases)):
        seen = int((row == happened).sum())
        if 0 < seen < SPARSE:
            out[case.id] = seen
    return out


def _warn_if_sparse(cases, outcomes: np.ndarray) -> None:
    sparse = sparse_cases(cases, outcomes)
    if sparse:
        listed = ", ".join(f"{case} ({n})" for case, n in sparse.items())
        warnings.warn(f"what happened occurs in fewer than {SPARSE} design worlds for {listed}: "
                      "their emulators rest on a handful of worlds and may shape the posterior "
                      "alone; use more --worlds", SparseOutcomeWarning, stacklevel=3)


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
    low = np.array([k.low for k in knobs])
    high = np.array([k.high for k in knobs])
    return low + unit * (high - low)


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
    for k, start in enumerate(range(0, task.worlds, BLOCK_SIZE)):
        stop = min(start + BLOCK_SIZE, task.worlds)
        given = {path: values[start:stop] for path, values in task.given.items()}
        result = run_block(task.scenario, stop - start, block_seed(task.seed, k), given=given)
        outcome.append(np.asarray(result.outcome, dtype=np.int8))
        bins.append(time_bin(first_agreement_round(result.truce_round, result.agreement_round))
                    .astype(np.int8))
    return np.concatenate(outcome), np.concatenate(bins)


# --- emulators, posterior, cross-validation ---------------------------------------------

def _fit(cases, knobs, design, outcomes, paths, seed: int) -> dict:
    observed = observed_outcomes(cases)
    emulators = [fit_emulator(design, out, len(OUTCOMES),
                              columns=[j for j, k in enumerate(knobs) if p[k.name]])
                 for out, p in zip(outcomes, paths)]
    theta = prior_sample(knobs, PRIOR_POINTS, seed)
    probs = np.stack([e.predict(theta) for e in emulators])
    weights = post.posterior_weights(post.log_likelihoods(probs, observed).sum(axis=0))
    loo, loo_ess = post.leave_one_out(probs, observed)
    rng = np.random.default_rng(_seed(seed, RESAMPLE_KEY))
    picked = rng.choice(len(theta), size=DRAWS, replace=True, p=weights)
    return {
        "theta": theta, "weights": weights, "ess": post.effective_sample_size(weights),
        "draws": pd.DataFrame(theta[picked], columns=[k.name for k in knobs]),
        "prior_predictive": probs.mean(axis=1),
        "posterior_predictive": post.predictive(weights, probs),
        "loo_predictive": loo, "loo_ess": loo_ess,
        "emulator_r2": np.array([e.pseudo_r2(design, out) for e, out in zip(emulators, outcomes)]),
    }
