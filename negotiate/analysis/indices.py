"""Sobol and Morris indices of any evaluator, computed with SALib.

The core of :func:`negotiate.sensitivity`, kept apart from scenarios so that a
test function with known indices (Ishigami) goes through exactly the same
code: a list of :class:`~negotiate.analysis.inputs.Factor` and an
``evaluate(values) -> (points, outputs)`` function.

* **Sobol** (Saltelli's design, ``SALib.sample.sobol`` with a scrambled Sobol'
  sequence; first- and total-order estimators of Saltelli 2010 / Jansen 1999
  in ``SALib.analyze.sobol``): ``samples`` base points cost
  ``samples * (inputs + 2)`` evaluations.  Intervals are SALib's bootstrap
  (normal approximation at ``level``).
* **Morris** (elementary effects, ``SALib.sample.morris`` trajectories on a
  grid of ``num_levels`` levels; ``SALib.analyze.morris``): ``samples``
  trajectories cost ``samples * (inputs + 1)`` evaluations.  Level ``i`` of
  ``L`` is mapped to the centre of the ``i``-th of ``L`` equal-probability
  strata of the input (quantile ``(i + 0.5) / L``), so unbounded inputs get
  finite values; effects are per unit of the [0, 1] level scale.

SALib is imported only here, when an analysis runs.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ..errors import SimulationError
from .design import BOOTSTRAP_KEY, DESIGN_KEY, child_seed
from .inputs import Factor

__all__ = ["METHODS", "analyse"]

METHODS = ("sobol", "morris")
RESAMPLES = 200  # bootstrap resamples of the intervals
SOBOL_COLUMNS = ["S1", "S1_conf", "ST", "ST_conf"]
MORRIS_COLUMNS = ["mu_star", "mu_star_conf", "mu", "sigma"]


def salib():
    """The SALib modules used here; a clear error naming the extra when missing."""
    try:
        from SALib.analyze import morris as morris_analyze
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import morris as morris_sample
        from SALib.sample import sobol as sobol_sample
    except ImportError as exc:
        raise SimulationError(f"sensitivity analysis needs SALib ({exc}); install the optional "
                              "dependencies: pip install 'negotiate[sensitivity]'") from exc
    return sobol_sample, sobol_analyze, morris_sample, morris_analyze


def analyse(factors: Sequence[Factor], evaluate: Callable[[np.ndarray], np.ndarray],
            outputs: Sequence[str], method: str, *, samples: int, seed: int,
            level: float = 0.95, num_levels: int = 4) -> dict:
    """Run ``method`` on ``evaluate`` over ``factors``; a dict of the pieces of
    :class:`~negotiate.analysis.sensitivity.SensitivityResults`."""
    check_method_args(method, samples, level, num_levels, len(factors))
    sobol_sample, sobol_analyze, morris_sample, morris_analyze = salib()
    problem = {"num_vars": len(factors), "names": [f.name for f in factors],
               "bounds": [[0.0, 1.0]] * len(factors)}
    design_rng = np.random.default_rng(child_seed(seed, DESIGN_KEY))
    if method == "sobol":
        unit = sobol_sample.sample(problem, samples, calc_second_order=False, seed=design_rng)
        coordinates = unit
    else:
        unit = morris_sample.sample(problem, samples, num_levels=num_levels, seed=design_rng)
        coordinates = (unit * (num_levels - 1) + 0.5) / num_levels
    values = np.column_stack([f.values(coordinates[:, j]) for j, f in enumerate(factors)])
    started = time.perf_counter()
    Y = np.asarray(evaluate(values), dtype=float)
    wall = time.perf_counter() - started
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.shape != (len(values), len(outputs)):
        raise SimulationError(f"evaluate returned shape {Y.shape}, expected {(len(values), len(outputs))}")
    boot_seed = int(child_seed(seed, BOOTSTRAP_KEY).generate_state(1)[0]) + 1  # SALib ignores seed 0
    rows = []
    for k, output in enumerate(outputs):
        y = Y[:, k]
        if method == "sobol":
            stats = _sobol(sobol_analyze, problem, y, level, boot_seed)
        else:
            stats = _morris(morris_analyze, problem, unit, y, level, num_levels, boot_seed)
        for j, factor in enumerate(factors):
            rows.append({"input": factor.name, "outcome": output, **{c: stats[c][j] for c in stats}})
    columns = ["input", "outcome", *(SOBOL_COLUMNS if method == "sobol" else MORRIS_COLUMNS)]
    return {"table": pd.DataFrame(rows, columns=columns), "unit": unit, "values": values, "Y": Y,
            "wall_time": wall}


def check_method_args(method: str, samples: int, level: float, num_levels: int, n_inputs: int) -> None:
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) or samples < 2:
        raise ValueError(f"samples must be a whole number >= 2, got {samples!r}")
    if method == "sobol" and samples & (samples - 1):
        # Sobol' sequences keep their balance only at powers of two
        raise ValueError(f"samples must be a power of two for method='sobol' (such as "
                         f"{1 << (int(samples) - 1).bit_length()}), got {samples}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
    if method == "morris" and (isinstance(num_levels, bool) or not isinstance(num_levels, int)
                               or num_levels < 2 or num_levels % 2):
        raise ValueError(f"num_levels must be an even whole number >= 2, got {num_levels!r}")
    if n_inputs < 1:
        raise ValueError("a sensitivity analysis needs at least one input")


def _sobol(sobol_analyze, problem: dict, y: np.ndarray, level: float, seed: int) -> dict:
    if not np.ptp(y) > 0:  # a constant output has no variance to share out
        nan = [np.nan] * problem["num_vars"]
        return dict.fromkeys(SOBOL_COLUMNS, nan)
    with warnings.catch_warnings():
        # shares of a few worlds repeat: some bootstrap resamples are constant, which SALib
        # warns about once per input; the indices and intervals are still computed
        warnings.filterwarnings("ignore", message="Constant values encountered")
        si = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=RESAMPLES,
                                   conf_level=level, seed=seed)
    return {c: np.asarray(si[c], float) for c in SOBOL_COLUMNS}


def _morris(morris_analyze, problem: dict, unit: np.ndarray, y: np.ndarray, level: float,
            num_levels: int, seed: int) -> dict:
    si = morris_analyze.analyze(problem, unit, y, num_resamples=RESAMPLES, conf_level=level,
                                num_levels=num_levels, seed=seed)
    return {c: np.asarray(si[c], float) for c in MORRIS_COLUMNS}
