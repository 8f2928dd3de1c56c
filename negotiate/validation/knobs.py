"""Knobs: behavioural parameters shared by every case, each with a prior.

A :class:`Knob` names a field of a case's scenario by a dotted path, in which
``{party}`` stands for every actor whose role is ``party``: one knob value sets
every field it matches (the same value for every party).  A path a case does
not have (``talks.drafting.base`` in a case without a ``talks`` section) is
skipped for that case, so the case says nothing about that knob.

A knob's ``kind`` says how it sets a field:

* ``replace`` (the default; prior uniform on ``[low, high]``): the field takes
  the knob's value, whatever the case had there.  To hand per-world values to
  the engine through ``given=``, a field must be distribution-valued:
  :func:`prepare_case` first turns each matched field into the knob's prior
  ``uniform(low, high)``.
* ``scale`` (prior log-uniform on ``[low, high]``, ``low > 0``): the field
  keeps the case's own per-world value (its draw, or the number it wrote) and
  the engine multiplies it by the knob, through ``given["path*"]``: a shared
  multiplier of something each case encodes with its own distribution (each
  party's war cost).  The prior is uniform in ``log`` so a factor ``1/k`` is
  as likely as ``k``.

:func:`given_values` maps a design (one row of knob values per world) to the
``given`` arrays of a case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..model.params import SCALE_MARK
from ..scenario import Scenario
from ..scenario.calibration import KNOB_KINDS, PARTY, knob_fields, scaled_range_problem

__all__ = ["DEFAULT_KNOBS", "KNOB_SETS", "SCALE_KNOBS", "TRUCE_KNOBS", "Knob", "checked_knobs", "given_values",
           "knob_paths", "knob_set", "prepare_case"]


@dataclass(frozen=True)
class Knob:
    """A shared parameter: its name, the field(s) it sets, its prior's range ``[low, high]``
    and its ``kind``: ``"replace"`` (uniform prior; the field takes the value) or
    ``"scale"`` (log-uniform prior; the field's own value is multiplied by it)."""

    name: str
    path: str
    low: float
    high: float
    kind: str = "replace"

    def __post_init__(self):
        if not (isinstance(self.name, str) and self.name.isidentifier()):
            raise ValueError(f"a knob's name must be an identifier, got {self.name!r}")
        if not (isinstance(self.path, str) and self.path):
            raise ValueError(f"knob {self.name}: path must be a dotted field path, got {self.path!r}")
        if self.kind not in KNOB_KINDS:
            raise ValueError(f"knob {self.name}: kind must be one of {', '.join(map(repr, KNOB_KINDS))}, "
                             f"got {self.kind!r}")
        low, high = float(self.low), float(self.high)
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"knob {self.name}: need finite low < high, got [{self.low}, {self.high}]")
        if self.kind == "scale" and not low > 0:
            raise ValueError(f"knob {self.name}: a scale knob is a multiplier with a log-uniform "
                             f"prior: need 0 < low, got low = {self.low}")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    def prior(self) -> str:
        return f"{'log-uniform' if self.kind == 'scale' else 'uniform'}[{self.low:g}, {self.high:g}]"

    def prior_mean(self) -> float:
        """The prior's mean (log-uniform: ``(high − low) / ln(high / low)``)."""
        if self.kind == "scale":
            return (self.high - self.low) / math.log(self.high / self.low)
        return (self.low + self.high) / 2

    def from_unit(self, unit) -> np.ndarray:
        """Knob values at quantiles ``unit`` of the prior (a design's unit cube)."""
        unit = np.asarray(unit, dtype=float)
        if self.kind == "scale":
            return self.low * (self.high / self.low) ** unit
        return self.low + unit * (self.high - self.low)

    def to_unit(self, values) -> np.ndarray:
        """The prior's CDF at ``values``: where they lie in the prior, 0 to 1."""
        values = np.asarray(values, dtype=float)
        if self.kind == "scale":
            return np.log(values / self.low) / math.log(self.high / self.low)
        return (values - self.low) / (self.high - self.low)

    def feature(self, values) -> np.ndarray:
        """What an emulator sees of the knob: its value, or a multiplier's logarithm
        (its prior is uniform in it, and 1/k and k are equally far from 1)."""
        values = np.asarray(values, dtype=float)
        return np.log(values) if self.kind == "scale" else values


#: The truce-drafting knob (docs/validation.md, "Truce drafting in every case"): rounds
#: to write each condition of a ceasefire with terms.  It sets a field only in scenarios
#: with a ``talks.truce_drafting`` section, which every case and shipped scenario has (a
#: library convention: a plain ceasefire is in force at once).  Up to half a year per
#: condition, so an armistice's three or four conditions may take the library's
#: two-year horizon.
TRUCE_DRAFTING = Knob("truce_drafting", "talks.truce_drafting.per_condition", 0.0, 26.0)

#: The standstill knob (docs/validation.md, "Standstill while drafting"): the chance, per
#: world, that the fighting stops once a ceasefire with terms is agreed in principle, a
#: plain ceasefire holding while its conditions are drafted.  Every case and shipped
#: scenario has the field (a library convention, uniform on [0, 1]).
STANDSTILL = Knob("standstill", "talks.truce_drafting.standstill", 0.0, 1.0)

#: The default knobs: stances' persistence, how often and how long parties stall
#: (and whether truces too), the drafting time of a settlement and of each condition of a
#: truce, and the chance the fighting stops while a truce is drafted.  The priors reach as
#: far as the fields allow (persistence below 1, a chance) or as the library's two-year
#: horizon (stalling, drafting): a posterior piled against a bound says the library wants
#: more than the knob can give.  ``insincere`` stops at 0.6: widened to 1 it forecasts the
#: left-out case a little worse (docs/validation.md, "The knobs").
DEFAULT_KNOBS: tuple[Knob, ...] = (
    Knob("stance_persistence", "bargaining.stance_persistence", 0.0, 0.99),
    Knob("insincere", f"actors.{PARTY}.insincere", 0.0, 0.6),
    Knob("stalling", f"actors.{PARTY}.insincere_rounds", 0.0, 104.0),
    Knob("stalls_truces", f"actors.{PARTY}.insincere_truces", 0.0, 1.0),
    Knob("drafting", "talks.drafting.base", 0.0, 52.0),
    TRUCE_DRAFTING,
    STANDSTILL,
)


#: Candidate scale knobs (docs/validation.md, "Scale knobs"): a shared multiplier of each
#: party's own war cost and of its response noise, log-uniform over a factor of 4 each way.
#: Not in DEFAULT_KNOBS: ``negotiate calibrate --knobs default+scale`` adds them.
SCALE_KNOBS: tuple[Knob, ...] = (
    Knob("war_cost_scale", f"actors.{PARTY}.war_cost", 0.25, 4.0, kind="scale"),
    Knob("noise_scale", f"actors.{PARTY}.noise", 0.25, 4.0, kind="scale"),
)

#: The two truce-drafting knobs alone (they are in DEFAULT_KNOBS too).
TRUCE_KNOBS: tuple[Knob, ...] = (TRUCE_DRAFTING, STANDSTILL)

#: named sets of knobs, joined with ``+`` by :func:`knob_set` (``default+scale``)
KNOB_SETS: dict[str, tuple[Knob, ...]] = {"default": DEFAULT_KNOBS, "scale": SCALE_KNOBS,
                                          "truce": TRUCE_KNOBS}


def knob_set(spec: str) -> tuple[Knob, ...]:
    """The knobs of named sets joined by ``+`` (``"default"``, ``"scale"``, ``"default+scale"``)."""
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"knobs must name knob sets joined by '+' ({', '.join(KNOB_SETS)}), got {spec!r}")
    names = [part.strip() for part in spec.split("+")]
    unknown = [n for n in names if n not in KNOB_SETS]
    if unknown:
        raise ValueError(f"unknown knob set {unknown[0]!r} in {spec!r}: the sets are "
                         f"{', '.join(KNOB_SETS)} (join them with '+')")
    # a knob in two sets (truce_drafting: default and truce) is fitted once
    chosen = {k.name: k for n in names for k in KNOB_SETS[n]}
    return checked_knobs(list(chosen.values()))


def checked_knobs(knobs) -> tuple[Knob, ...]:
    """``knobs`` as a tuple (default: :data:`DEFAULT_KNOBS`; a string names knob sets,
    :func:`knob_set`), names unique."""
    if knobs is None:
        return DEFAULT_KNOBS
    if isinstance(knobs, str):
        return knob_set(knobs)
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
    """The scenario with every field of a ``replace`` knob made ``uniform(low, high)``, and
    the paths of each knob in it (``{knob name: paths}``, empty for a knob it lacks).
    A ``scale`` knob leaves its fields as they are, but they must stay in their allowed
    range at both ends of its prior (``ValueError`` naming the case, knob and field)."""
    paths = {k.name: knob_paths(scenario, k) for k in knobs}
    overrides = {p: {"dist": "uniform", "low": k.low, "high": k.high}
                 for k in knobs if k.kind == "replace" for p in paths[k.name]}
    for k in knobs:
        if k.kind == "scale":
            for p in paths[k.name]:
                _check_scaled_range(scenario, k, p)
    return (scenario.with_overrides(overrides) if overrides else scenario), paths


def _check_scaled_range(scenario: Scenario, knob: Knob, path: str) -> None:
    problem = scaled_range_problem(scenario, path, knob.low, knob.high)
    if problem:
        raise ValueError(f"case {scenario.name}: knob {knob.name} {problem}")


def given_values(design: np.ndarray, knobs: tuple[Knob, ...],
                 paths: dict[str, list[str]]) -> dict[str, np.ndarray]:
    """``given=`` arrays of a case: knob ``j``'s column of ``design`` for each of its paths
    (a ``scale`` knob's under ``path*``: a multiplier of the field's own value)."""
    design = np.asarray(design, dtype=float)
    if design.ndim != 2 or design.shape[1] != len(knobs):
        raise ValueError(f"design must have one column per knob ({len(knobs)}), got shape {design.shape}")
    return {p + (SCALE_MARK if k.kind == "scale" else ""): design[:, j].copy()
            for j, k in enumerate(knobs) for p in paths.get(k.name, [])}
