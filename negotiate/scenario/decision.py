"""Decision rules per agenda in the scenario format (docs/scenario-format.md, "Decision rules").

``decision.truce`` and ``decision.settlement`` say who must approve a package
on that agenda.  Absent (or ``unanimity``), every party and every controller
of a moved issue must accept: the engine's behaviour without rules.  A rule
lists one or more ``bodies`` that must each approve (a council and a
parliament, each by its own rule) and ``vetoes``, actors whose consent is
always needed.  Members of a body vote in it instead of holding a veto of
their own; parties and controllers outside every body keep theirs.

Names are checked here, as soon as the actors are known
(:func:`check_decision`, called from the scenario's cross-reference check).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from ..errors import FieldError
from .distributions import Number, reject_non_number


class _Strict(BaseModel):   # as schema._Strict (which imports this module)
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Threshold(_Strict):
    """A second weighted threshold (e.g. population) a qualified body's ayes must also reach."""

    weights: dict[str, Number] = Field(min_length=1, max_length=1000,
                                       description="Each member's weight on this count")
    threshold: Number = Field(gt=0, description="Weight of the ayes needed (the proposer counts as aye)")


class Body(_Strict):
    """A body that votes by one rule: the ayes must form a winning set of its members."""

    name: str = Field("body", min_length=1, max_length=200)
    rule: Literal["unanimity", "majority", "qualified"]
    members: list[str] | None = Field(
        None, max_length=1000,
        description="The voting actors (for 'qualified', the keys of 'weights' when absent)")
    share: Number | None = Field(
        None, gt=0, le=1,
        description="'majority' only: the share of members whose ayes pass a package "
        "(at least ceil(share × members)); absent: more than half")
    weights: dict[str, Number] | None = Field(
        None, max_length=1000, description="'qualified' only: each member's vote weight")
    threshold: Number | None = Field(
        None, gt=0, description="'qualified' only: the weight of ayes that passes a package")
    second: Threshold | None = Field(
        None, description="'qualified' only: another threshold the ayes must also reach "
        "(such as a population share)")
    blocking_minority: Annotated[int | None, BeforeValidator(reject_non_number)] = Field(
        None, ge=1, le=1000,
        description="'qualified' only: a package that misses a threshold still passes unless at "
        "least this many members fail to vote aye (the EU Council's blocking minority of four)")

    @model_validator(mode="after")
    def _fields_of_rule(self):
        if self.rule != "qualified":
            for field in ("weights", "threshold", "second", "blocking_minority"):
                if getattr(self, field) is not None:
                    raise FieldError(field, f"only a 'qualified' body has '{field}'; this body's "
                                            f"rule is '{self.rule}'")
            if not self.members:
                raise FieldError("members", "a body needs at least one member")
        if self.rule != "majority" and self.share is not None:
            raise FieldError("share", f"only a 'majority' body has 'share'; this body's rule is '{self.rule}'")
        if self.rule == "qualified":
            if self.weights is None or self.threshold is None:
                raise FieldError("weights" if self.weights is None else "threshold",
                                 "a 'qualified' body needs 'weights:' (per member) and 'threshold:'")
            self._check_weights("weights", self.weights, self.threshold)
            if self.second is not None:
                self._check_weights("second.weights", self.second.weights, self.second.threshold)
            if self.blocking_minority is not None and self.blocking_minority > len(self.voters):
                raise FieldError("blocking_minority", f"{self.blocking_minority} is more than the "
                                 f"body's {len(self.voters)} members")
        twice = _listed_twice(self.voters)
        if twice:
            raise FieldError("members", f"{twice} is listed twice")
        return self

    def _check_weights(self, where: str, weights: dict, threshold: float) -> None:
        if not weights:
            raise FieldError(where, "a body needs at least one member")
        for name, w in weights.items():
            if not (math.isfinite(w) and w >= 0):
                raise FieldError(f"{where}.{name}", f"a weight must be a finite number >= 0, got {w}")
        missing = [m for m in self.voters if m not in weights]
        extra = [m for m in weights if m not in self.voters]
        if missing:
            raise FieldError(where, f"no weight for member(s) {', '.join(missing)}")
        if extra:
            raise FieldError(f"{where}.{extra[0]}", f"'{extra[0]}' is not a member of this body")
        total = sum(weights.values())
        if not math.isfinite(threshold):
            raise FieldError("threshold" if where == "weights" else "second.threshold",
                             f"must be a finite number, got {threshold}")
        if threshold > total + 1e-12:
            raise FieldError("threshold" if where == "weights" else "second.threshold",
                             f"{threshold:g} is above the members' total weight {total:g}: "
                             "no package could pass")

    @property
    def voters(self) -> list[str]:
        if self.members is not None:
            return list(self.members)
        return list(self.weights or {})


class Rule(_Strict):
    """How an agenda's packages are decided: every body approves, every veto player accepts."""

    bodies: list[Body] = Field(min_length=1, max_length=100)
    vetoes: list[str] = Field(
        default_factory=list, max_length=1000,
        description="Actors whose consent is always needed (e.g. permanent members), "
        "whatever the bodies vote")

    @model_validator(mode="after")
    def _body_names(self):
        # names pick bodies in field paths (decision.settlement.bodies[council].threshold)
        from .schema import check_unique_names

        check_unique_names(self.bodies, "bodies")
        return self


def _unanimity_is_none(value):
    """``unanimity`` (the default) is stored as None; any other word is an error."""
    if isinstance(value, str):
        if value == "unanimity":
            return None
        raise ValueError(f"must be 'unanimity' or a rule with 'bodies:' (and optionally 'vetoes:'), "
                         f"got {value!r}; '{value}' is the rule of a body, under 'bodies:'")
    return value


AgendaRule = Annotated[Rule | None, BeforeValidator(
    _unanimity_is_none, json_schema_input_type=Literal["unanimity"] | Rule)]


class Decision(_Strict):
    """Decision rules per agenda; an agenda left out (or ``unanimity``) is decided by unanimity."""

    truce: AgendaRule = None
    settlement: AgendaRule = None


def check_decision(c, s) -> None:
    """Every actor a rule names exists (``c`` collects the problems, as references.py does)."""
    if s.decision is None:
        return
    for agenda in ("truce", "settlement"):
        rule = getattr(s.decision, agenda)
        if rule is None:
            continue
        where = f"decision.{agenda}"
        for i, body in enumerate(rule.bodies):
            for j, name in enumerate(body.members or []):
                c.actor(f"{where}.bodies[{i}].members[{j}]", name, s.actors)
            for field, weights in (("weights", body.weights), ("second.weights",
                                   body.second.weights if body.second else None)):
                for name in weights or {}:
                    c.actor(f"{where}.bodies[{i}].{field}.{name}", name, s.actors)
        for j, name in enumerate(rule.vetoes):
            c.actor(f"{where}.vetoes[{j}]", name, s.actors)
        twice = _listed_twice(rule.vetoes)
        if twice:
            c.add(f"{where}.vetoes", f"{twice} is listed twice")


__all__ = ["AgendaRule", "Body", "Decision", "Rule", "Threshold", "check_decision"]


def _listed_twice(names) -> str | None:
    """The first name that occurs twice in ``names``, quoted (None if none does)."""
    seen = set()
    for name in names:
        if name in seen:
            return f"'{name}'"
        seen.add(name)
    return None
