"""Knobs: behavioural parameters shared by every case, each with a uniform prior.

A :class:`Knob` names a field of a case's scenario by a dotted path, in which
``{party}`` stands for every actor whose role is ``party``: one knob value sets
every field it matches (the same value for every party).  A path a case does
not have (``talks.drafting.base`` in a case without a ``talks`` section) is
skipped for that case, so the case says nothing about that knob.

To hand per-world values to the engine through ``given=``, a field must be
distribution-valued: :func:`prepare_case` first turns each matched field into
the knob's prior ``uniform(low, high)`` (whatever the case had there), then
:func:`given_values` maps a design (one row of knob values per world) to the
``given`` arrays of that case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..scenario import Scenario
from ..scenario.calibration import PARTY, knob_fields

__all__ = ["DEFAULT_KNOBS", "Knob", "checked_knobs", "given_values", "knob_paths", "prepare_case"]


@dataclass(frozen=True)
class Knob:
    """A shared parameter: its name, the field(s) it sets and its uniform prior ``[low, high]``."""

    name: str
    path: str
    low: float
    high: float

    def __post_init__(self):
        if not (isinstance(self.name, str) and self.name.isidentifier()):
            raise ValueError(f"a knob's name must be an identifier, got {self.name!r}")
        if not (isinstance(self.path, str) and self.path):
            raise ValueError(f"knob {self.name}: path must be a dotted field path, got {self.path!r}")
        low, high = float(self.low), float(self.high)
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"knob {self.name}: need finite low < high, got [{self.low}, {self.high}]")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    def prior(self) -> str:
        return f"uniform[{self.low:g}, {self.high:g}]"


#: The default knobs: stances' persistence, how often and how long parties stall
#: (and whether truces too), drafting time.  The priors reach as far as the fields allow (persistence below 1)
#: or as the library's two-year horizon (stalling, drafting): a posterior piled
#: against a bound says the library wants more than the knob can give.
DEFAULT_KNOBS: tuple[Knob, ...] = (
    Knob("stance_persistence", "bargaining.stance_persistence", 0.0, 0.99),
    Knob("insincere", f"actors.{PARTY}.insincere", 0.0, 0.6),
    Knob("stalling", f"actors.{PARTY}.insincere_rounds", 0.0, 104.0),
    Knob("stalls_truces", f"actors.{PARTY}.insincere_truces", 0.0, 1.0),
    Knob("drafting", "talks.drafting.base", 0.0, 52.0),
)


def checked_knobs(knobs) -> tuple[Knob, ...]:
    """``knobs`` as a tuple (default: :data:`DEFAULT_KNOBS`), names unique."""
    if knobs is None:
        return DEFAULT_KNOBS
    if isinstance(knobs, Knob):
        knobs = [knobs]
    knobs = tuple(knobs)
    if not knobs or not all(isinstance(k, Knob) for k in knobs):
        raise TypeError("knobs must be a non-empty sequence of Knob objects")
    names = [k.name for k in knobs]
    if len(set(names)) != len(names):
        raise ValueError(f"knob names must be unique, got {names}")
    return knobs


def knob_paths(scenario: Scenario, knob: Knob) -> list[str]:
    """The dotted paths ``knob`` sets in ``scenario`` (empty: the case lacks the field)."""
    return knob_fields(scenario, knob.path)


def prepare_case(scenario: Scenario, knobs: tuple[Knob, ...]) -> tuple[Scenario, dict[str, list[str]]]:
    """The scenario with every field of a knob made ``uniform(low, high)``, and the
    paths of each knob in it (``{knob name: paths}``, empty for a knob it lacks)."""
    paths = {k.name: knob_paths(scenario, k) for k in knobs}
    overrides = {p: {"dist": "uniform", "low": k.low, "high": k.high}
                 for k in knobs for p in paths[k.name]}
    return (scenario.with_overrides(overrides) if overrides else scenario), paths


def given_values(design: np.ndarray, knobs: tuple[Knob, ...],
                 paths: dict[str, list[str]]) -> dict[str, np.ndarray]:
    """``given=`` arrays of a case: knob ``j``'s column of ``design`` for each of its paths."""
    design = np.asarray(design, dtype=float)
    if design.ndim != 2 or design.shape[1] != len(knobs):
        raise ValueError(f"design must have one column per knob ({len(knobs)}), got shape {design.shape}")
    return {p: design[:, j].copy() for j, k in enumerate(knobs) for p in paths.get(k.name, [])}
