"""The inputs of a sensitivity analysis: a scenario's distribution-valued fields.

An input is a :class:`Factor`: a name and an inverse CDF (``ppf``) that maps a
design coordinate in (0, 1) to a value.  Designs are built on the unit cube
and mapped through each field's own ``ppf``, so a design point follows the
scenario's distributions: a uniform design coordinate becomes a draw of the
field.  A ``choice`` field is discrete: its ``ppf`` is the discrete quantile
function (the smallest value whose cumulative probability reaches ``u``), so
the field keeps its own values and their probabilities, and a step of the
design that stays inside one value's probability mass changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..scenario.distributions import Choice, is_distribution
from ..scenario.paths import field_at, index_path

__all__ = ["Factor", "calibrated_inputs", "distribution_paths", "field_at", "scenario_factors"]

#: Design coordinates are kept this far inside (0, 1): the ppf of an unbounded
#: distribution is infinite at 0 and 1.
EDGE = 1e-9

@dataclass(frozen=True)
class Factor:
    """One input: ``ppf`` maps coordinates in (0, 1) to values of the input."""

    name: str
    ppf: Callable[[np.ndarray], np.ndarray]
    discrete: bool = False

    def values(self, unit: np.ndarray) -> np.ndarray:
        return np.asarray(self.ppf(np.clip(np.asarray(unit, float), EDGE, 1 - EDGE)), dtype=float)


def distribution_paths(scenario) -> list[str]:
    """Dotted paths of every distribution-valued field, in the engine's order.

    Fields a ``calibration`` section sets are left out: each world draws them
    from the posterior, all knobs together (their correlations kept), which a
    design over independent inputs cannot do; they are part of every design
    point's noise.  To study them, drop the section and give the fields
    distributions.  A field a ``scale`` knob multiplies stays an input (its own
    distribution is still the scenario's uncertainty; the multiplier is noise)."""
    from ..model import run_block  # the engine names them: one tiny block

    paths = list(run_block(scenario, 1, np.random.SeedSequence(0)).inputs)
    if scenario.calibration is None:
        return paths
    from ..scenario.calibration import load_posterior

    posterior = load_posterior(scenario.calibration.posterior)
    calibrated = {p for ps in posterior.fields(scenario, kind="replace").values() for p in ps}
    return [p for p in paths if p not in calibrated]


def scenario_factors(scenario, inputs: Sequence[str] | None = None) -> list[Factor]:
    """Factors for ``inputs`` (dotted paths; default: every distribution-valued field)."""
    available = distribution_paths(scenario)
    if inputs is None:
        paths = available
    else:
        if isinstance(inputs, str):
            raise TypeError(f"inputs must be a list of dotted paths, got the string {inputs!r}")
        # items named as the engine names them (by index), the order given, repeats dropped
        paths = list(dict.fromkeys(index_path(scenario, p) for p in inputs))
        unknown = [p for p in paths if p not in available]
        calibrated = calibrated_inputs(scenario, unknown)
        if calibrated:
            raise ValueError(calibrated)
        if unknown:
            raise ValueError(f"inputs {unknown} are not distribution-valued fields of scenario "
                             f"{scenario.name}; its distribution-valued fields are: {', '.join(available)}")
    if not paths:
        raise ValueError(f"scenario {scenario.name} has no distribution-valued fields to analyse: "
                         "write some numbers as distributions, e.g. {dist: uniform, low: 0, high: 1}")
    return [_factor(path, field_at(scenario, path)) for path in paths]


def calibrated_inputs(scenario, inputs: Sequence[str] | None) -> str | None:
    """Why some of ``inputs`` cannot be analysed because the scenario's calibration replaces
    them in every world (rather than "not distribution-valued"), or None."""
    from ..scenario.calibrated_fields import WHERE, calibration_label, replaced_fields

    replaced = replaced_fields(scenario)
    if not replaced or not inputs or isinstance(inputs, str):
        return None
    calibrated = [p for p in dict.fromkeys(inputs) if p in replaced]
    if not calibrated:
        return None
    knobs = ", ".join(f"{p} (knob {replaced[p]})" for p in calibrated)
    return (f"inputs {calibrated} of scenario {scenario.name} are replaced in every world by its "
            f"calibration's knobs ({calibration_label(scenario)}): {knobs}; a design cannot vary them "
            f"under the calibration. To analyse them, drop the calibration (--set calibration=null, or "
            f"with_overrides({{'calibration': None}})) and write them as distributions ({WHERE})")


def _factor(path: str, dist) -> Factor:
    if not is_distribution(dist):  # the engine listed it, so this is a bug, not a user error
        raise ValueError(f"field {path!r} is not a distribution")
    if isinstance(dist, Choice):
        return Factor(path, _discrete_ppf(dist.values, dist.p), discrete=True)
    return Factor(path, dist.frozen().ppf)


def _discrete_ppf(values: Sequence[float], p: Sequence[float] | None) -> Callable[[np.ndarray], np.ndarray]:
    order = np.argsort(values, kind="stable")
    sorted_values = np.asarray(values, dtype=float)[order]
    weights = np.full(len(values), 1 / len(values)) if p is None else np.asarray(p, float)[order]
    cumulative = np.cumsum(weights)
    cumulative[-1] = 1.0  # p sums to 1 within rounding; make the last step catch u near 1

    def ppf(u: np.ndarray) -> np.ndarray:
        index = np.searchsorted(cumulative, u, side="left")
        return sorted_values[np.minimum(index, len(sorted_values) - 1)]

    return ppf
