"""The scenario format as pydantic models.

Every object of the model (docs/model.md) has a class here.  Field-level
checks (types, ranges, unknown keys) are pydantic's; cross-references (an
actor or issue named somewhere must exist, recognition probabilities sum to 1,
at least two parties) are checked in :meth:`Scenario._cross_references`.
Nothing here knows any actor or issue by name.
"""

from __future__ import annotations

import json
import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    model_validator,
)

from ..errors import FieldError
from .decision import Decision
from .distributions import Number, Param, is_distribution, param_support, reject_non_number
from .references import suggest

Role = Literal["party", "mediator", "stakeholder"]
Strategy = str  # checked against the engine's registry names below
STRATEGIES = ("strategic", "compromise", "nash")
AGENDAS = ("truce", "settlement")
NAME_RE = r"^[A-Za-z][A-Za-z0-9_\-]*$"
SCENARIO_NAME_RE = r"^[A-Za-z0-9][A-Za-z0-9_\-\.+]*$"


def _ranged(lo: float, hi: float):
    """A scenario number whose every possible value lies in [lo, hi]."""

    def check(value: Any) -> Any:
        slo, shi = param_support(value)
        if is_distribution(value):
            if slo < lo or shi > hi:
                raise ValueError(
                    f"distribution support [{slo:g}, {shi:g}] goes outside the allowed range "
                    f"[{lo:g}, {hi:g}]; use a bounded distribution (beta, truncnorm, uniform, "
                    f"triangular) inside the range"
                )
        else:
            if not math.isfinite(slo):
                raise ValueError(f"must be a finite number, got {slo}")
            if slo < lo or slo > hi:
                raise ValueError(f"must be {_range_words(lo, hi)}, got {slo:g}")
        return value

    check.allowed_range = (lo, hi)  # read by negotiate.scenario.jsonschema
    return Annotated[Param, BeforeValidator(reject_non_number), AfterValidator(check)]


def _range_words(lo: float, hi: float) -> str:
    if math.isinf(hi):
        return f">= {lo:g}"
    if math.isinf(lo):
        return f"<= {hi:g}"
    return f"between {lo:g} and {hi:g}"


#: The largest seed (``monte_carlo.seed``, and the seed every entry point and ``--seed``
#: take: ``negotiate.run.arguments.check_seed``): a signed 64-bit integer, which every file
#: and table that records a seed can hold.
MAX_SEED = 2**63 - 1

#: a whole number as a scenario writes it: never a YAML boolean (yes, no, on, off, ...), never a quoted number
Whole = Annotated[int, BeforeValidator(reject_non_number)]

Unit = _ranged(0.0, 1.0)
NonNeg = _ranged(0.0, math.inf)
Signed = _ranged(-math.inf, math.inf)
Drift = _ranged(-1.0, 1.0)
Probability = Unit
Capability = _ranged(0.0, 1e6)
Utility = _ranged(-1e3, 1e3)
StallRounds = _ranged(0.0, 1e6)


def _flag_or_probability(value: Any) -> Any:
    # text is neither: said here, for the whole field (each branch alone would say half of it)
    if isinstance(value, str):
        hint = " (write it without quotes)" if value.strip().lower() in ("true", "false") else ""
        try:
            reject_non_number(value)
        except ValueError:
            hint = " (write it without quotes)"
        raise ValueError(f"expected true, false or a probability, got the string "  # noqa: TRY004
                         f"{json.dumps(value, ensure_ascii=False)}{hint}")
    return value


#: true, false or a probability (a number or a distribution in [0, 1])
FlagOrProbability = Annotated[StrictBool | Probability, BeforeValidator(_flag_or_probability)]


def _below_one(value: Any) -> Any:
    high = param_support(value)[1]
    if high >= 1.0:
        got = f"a distribution that reaches {high:g}" if is_distribution(value) else f"{float(value):g}"
        raise ValueError(f"must be below 1 (1 would fix each stance for the whole run), got {got}")
    return value


Persistence = Annotated[Unit, AfterValidator(_below_one)]


def _positive(value: Any) -> Any:
    # a distribution may start at 0 (its draws, quantiles strictly inside (0, 1), are then
    # positive); a number must be above 0: a red line that holds 0 rounds is no red line
    if not is_distribution(value) and float(value) <= 0:
        raise ValueError(f"must be above 0 (the mean number of rounds at war a red line holds), "
                         f"got {float(value):g}; remove the field for red lines that always hold")
    return value


_positive.numbers_above = 0.0  # read by negotiate.scenario.jsonschema


#: a mean number of rounds: a positive number, or a distribution on [0, 1e6]
MeanRounds = Annotated[_ranged(0.0, 1e6), AfterValidator(_positive)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Source(_Strict):
    id: str = Field(pattern=NAME_RE)
    title: str
    date: str | None = None
    path: str | None = None
    url: str | None = None


#: units whose length is known: (days a round lasts when not given, the lengths that fit it)
UNIT_DAYS = {"day": (1.0, 1.0, 1.0), "week": (7.0, 7.0, 7.0), "fortnight": (14.0, 14.0, 14.0),
             "month": (365.25 / 12, 28.0, 31.0), "quarter": (365.25 / 4, 89.0, 92.0),
             "year": (365.25, 365.0, 366.0)}
#: the label of rounds whose length (given alone) fits none of UNIT_DAYS
PLAIN_UNIT = "round"


def unit_of_length(days: float) -> str:
    """The unit of UNIT_DAYS a round of ``days`` fits (``PLAIN_UNIT`` if none)."""
    return next((u for u, (_, lo, hi) in UNIT_DAYS.items() if lo <= days <= hi), PLAIN_UNIT)


def unpair_round(rounds: dict, changed: str) -> str | None:
    """``rounds`` (plain data) whose ``changed`` field (``unit`` or ``length_days``) alone is
    being given anew: if the two were a matching pair (week, 7 days), the other is removed
    from ``rounds`` to follow the new value, and its name returned (else ``None``).  A
    dumped scenario or a base file gives both, and the old one would clash."""
    other = {"unit": "length_days", "length_days": "unit"}[changed]
    known = UNIT_DAYS.get(str(rounds.get("unit", "week")).strip().lower())
    if known is None or rounds.get("length_days", 7.0) != known[0] or other not in rounds:
        return None
    del rounds[other]
    return other


class Rounds(_Strict):
    unit: str = "week"
    length_days: Number = Field(7.0, gt=0, le=366)
    horizon: Whole = Field(52, ge=1, le=10_000)

    @model_validator(mode="after")
    def _length_follows_unit(self):
        """docs/scenario-format.md, "rounds": the length follows the unit when not given, the
        unit the length when not given, and the two must agree when both are."""
        given, known = self.model_fields_set, UNIT_DAYS.get(self.unit.strip().lower())
        if "length_days" not in given:
            if known is None and "unit" in given:
                hint = suggest(self.unit.strip().lower(), UNIT_DAYS)
                if "did you mean" in hint:   # `unit: days`: a known unit misspelt or plural
                    raise FieldError("unit", (
                        f"unknown unit '{self.unit}'{hint} (a unit of another name needs "
                        f"rounds.length_days: how many days a round lasts)"))
                raise FieldError("length_days", (
                    f"needed: how many days a round lasts is known for the units "
                    f"{', '.join(UNIT_DAYS)}, not for '{self.unit}'; write rounds.length_days"))
            if known is not None:
                self.length_days = known[0]
        elif "unit" not in given:
            self.unit = unit_of_length(self.length_days)
        elif known is not None and not known[1] <= self.length_days <= known[2]:
            fits = f"{known[1]:g} to {known[2]:g} days" if known[1] < known[2] else \
                f"{known[1]:g} day{'' if known[1] == 1 else 's'}"
            raise FieldError("length_days", (
                f"is {self.length_days:g} days, but rounds.unit is '{self.unit}' ({fits}): "
                f"change one of them, or leave out length_days (a {self.unit.strip().lower()} is "
                f"then {known[0]:g} days)"))
        return self


class Issue(_Strict):
    group: Literal["truce", "settlement"]
    kind: Literal["continuous", "binary"] = "continuous"
    low: str = Field(min_length=1, description="What 0 means on this issue")
    high: str = Field(min_length=1, description="What 1 means on this issue")
    status_quo: Unit
    controllers: list[str] = Field(default_factory=list, max_length=64)
    threshold: Annotated[float | None, BeforeValidator(reject_non_number)] = Field(
        None, gt=0, le=1,
        description="Truce issues: a term moved this far off status quo counts as a condition",
    )
    follows_front: Drift | None = Field(
        None, description="Settlement issues other than the battlefield issue: the end state of "
        "further fighting moves this issue by w times the front's expected movement, "
        "clip(status_quo + w·(m − b), 0, 1) (docs/model.md §4); negative for an issue oriented "
        "against the front; 0 or absent: the war leaves it at status quo",
    )
    description: str | None = None


class RedLine(_Strict):
    """A bound the actor will not sign past on one issue (docs/model.md §16)."""

    min: Unit | None = Field(
        None, description="The actor refuses any package that puts this issue below this value "
        "(on the agenda's issues), and no proposal goes below it while the actor must sign",
    )
    max: Unit | None = Field(
        None, description="The actor refuses any package that puts this issue above this value",
    )
    follows_front: Unit | None = Field(
        None, description="Battlefield issue only: the bounds move with the front, "
        "bound_t = bound + w·(b_t − b_0); 0 or absent: fixed bounds",
    )
    agendas: list[Literal["truce", "settlement"]] | None = Field(
        None, min_length=1, max_length=2,
        description="The agendas on which the red line holds (absent: both). [settlement]: a "
        "condition of signing a peace agreement, not a ceasefire (e.g. elections before a "
        "signatory counts as legitimate)",
    )

    @model_validator(mode="after")
    def _bounds(self):
        if self.agendas is not None and len(set(self.agendas)) != len(self.agendas):
            raise FieldError("agendas", "each agenda may be named once")
        if self.min is None and self.max is None:
            raise ValueError("a red line needs 'min:', 'max:' or both")
        if self.min is not None and self.max is not None:
            low, high = param_support(self.min)[1], param_support(self.max)[0]
            if low > high:
                fixed = not is_distribution(self.min) and not is_distribution(self.max)
                raise FieldError(
                    "min", f"min ({low:g}) is above max ({high:g})" if fixed else
                    f"min can reach {low:g}, above the lowest max ({high:g}); the box would be empty",
                )
        return self


class Position(_Strict):
    ideal: Unit
    salience: NonNeg
    red_line: RedLine | None = Field(
        None, description="Bounds on this issue the actor will not sign past (absent: none)",
    )
    source: str | None = Field(None, min_length=1)
    assumption: str | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _ideal_inside_red_line(self):
        rl = self.red_line
        if rl is None:
            return self
        low, high = param_support(self.ideal)
        if rl.min is not None and param_support(rl.min)[1] > low:
            raise FieldError("red_line.min", f"the ideal ({_support_words(self.ideal)}) must lie inside "
                             f"the actor's own red line, but min ({_support_words(rl.min)}) can be above it")
        if rl.max is not None and param_support(rl.max)[0] < high:
            raise FieldError("red_line.max", f"the ideal ({_support_words(self.ideal)}) must lie inside "
                             f"the actor's own red line, but max ({_support_words(rl.max)}) can be below it")
        return self

    @model_validator(mode="after")
    def _cited(self):
        if self.source is None and self.assumption is None:
            raise ValueError(
                "every position needs 'source:' (the sentence of the article it comes from) "
                "or 'assumption:' (a one-line rationale)"
            )
        return self


def _support_words(value) -> str:
    low, high = param_support(value)
    return f"{low:g}" if low == high else f"from {low:g} to {high:g}"


class Resolve(_Strict):
    """Private information about resolve (docs/model.md §18)."""

    private: StrictBool = Field(
        False,
        description="This actor's war cost (its 'war_cost', which must then be a continuous "
        "distribution) is its private type: the others know only the distribution, plan against "
        "a public belief about it and learn from its refusals",
    )
    learning: Number = Field(
        0.0, ge=0, le=1,
        description="Share by which each round of war shrinks the public belief about this "
        "actor's war cost toward the true one (fighting reveals resolve); 0: only refusals teach",
    )


class Actor(_Strict):
    role: Role
    capability: Capability = 1.0
    patience: Unit = 0.95
    strategy: str = "strategic"
    agendas: list[Literal["truce", "settlement"]] = Field(
        default_factory=lambda: list(AGENDAS), min_length=1, max_length=2
    )
    signs: list[Literal["truce", "settlement"]] = Field(
        default_factory=lambda: list(AGENDAS), min_length=1, max_length=2,
        description="Agendas this actor will sign at all: an actor that has ruled out a "
        "ceasefire before a final agreement signs only 'settlement' (docs/model.md §16)",
    )
    noise: NonNeg = 0.0
    optimism: Drift = 0.0
    war_cost: NonNeg = 0.0
    process_gain: NonNeg = Field(
        0.0,
        description="What talking while fighting is worth to this actor, in flow units per round of "
        "war with talks going on (restored ties, aid suspended, sanctions talks): it enters the war "
        "value like a negative war cost, so a truce or a settlement that ends the process costs it",
    )
    insincere: Probability = Field(
        0.0,
        description="Probability that, in a world, this actor only stalls: it takes part in talks but "
        "rejects every settlement offer and makes no settlement proposal (drawn once per world)",
    )
    insincere_rounds: StallRounds | None = Field(
        None,
        description="How many rounds an insincere actor stalls (a number or distribution of rounds, "
        "at least 0; default: the whole horizon)",
    )
    insincere_truces: FlagOrProbability = Field(
        False,
        description="Whether an insincere actor also rejects every truce and makes no proposal at "
        "all: true, false, or the probability (a number or distribution) that it does, drawn per world",
    )
    resolve: Resolve | None = Field(
        None,
        description="Private information about resolve: whether this actor's war cost is known "
        "only to itself (absent: known to all)",
    )
    positions: dict[str, Position] = Field(min_length=1, max_length=1000)
    description: str | None = None

    @model_validator(mode="after")
    def _strategy_known(self):
        if self.strategy not in STRATEGIES:
            raise FieldError(
                "strategy",
                f"unknown strategy '{self.strategy}'; choose one of {', '.join(STRATEGIES)}",
            )
        return self

    @model_validator(mode="after")
    def _private_cost_is_a_distribution(self):
        private = self.resolve is not None and self.resolve.private
        discrete = not is_distribution(self.war_cost) or getattr(self.war_cost, "dist", "") == "choice"
        if private and discrete:
            raise FieldError(
                "resolve",
                "a private resolve needs 'war_cost' to be a continuous distribution (the "
                "others' prior about it); got " + (f"the constant {self.war_cost:g}"
                                                   if not is_distribution(self.war_cost)
                                                   else "a 'choice' distribution"),
            )
        return self


class WarEvent(_Strict):
    name: str = "event"
    start: Whole = Field(ge=1)
    end: Annotated[int | None, BeforeValidator(reject_non_number)] = Field(None, ge=1)
    drift: Drift = 0.0
    volatility: NonNeg = 0.0
    jump: Drift = 0.0
    probability: Probability = 1.0

    @model_validator(mode="after")
    def _window(self):
        if self.end is not None and self.end < self.start:
            raise FieldError("end", f"end ({self.end}) is before start ({self.start})")
        return self


class Victory(_Strict):
    upper: Number = Field(0.97, gt=0, le=1)
    lower: Number = Field(0.03, ge=0, lt=1)
    probability: Number = Field(0.0, ge=0, le=1)

    @model_validator(mode="after")
    def _order(self):
        if not self.lower < self.upper:
            raise FieldError("lower", f"lower ({self.lower}) must be < upper ({self.upper})")
        return self


class War(_Strict):
    balance: Unit = 0.5
    battlefield_issue: str | None = None
    drift: Drift = 0.0
    volatility: NonNeg = 0.0
    lookahead: Whole = Field(26, ge=1, le=10_000)
    events: list[WarEvent] = Field(default_factory=list, max_length=1000)
    victory: Victory = Field(default_factory=Victory)

    @model_validator(mode="after")
    def _event_names(self):
        check_unique_names(self.events, "events")
        return self


class Hazard(_Strict):
    scale: NonNeg = 1e9
    shape: Number = Field(0.7, gt=0, le=10)


class Truce(_Strict):
    length: Whole = Field(12, ge=1, le=10_000)
    regeneration: NonNeg = 0.0
    regeneration_issue: str | None = None
    residual: Unit = 0.0
    cost_factor: Unit = 0.2
    hazard: Hazard = Field(default_factory=Hazard)
    hazard_effects: dict[str, Signed] = Field(default_factory=dict, max_length=1000)


class Settlement(_Strict):
    """How durable a comprehensive agreement is expected to be (Fearon 1996; Powell 2006).

    Each round a settlement may break down with probability ``hazard``; war then
    resumes from the agreed line, with the drift shifted by ``power_effects``
    (per unit of each agreed term: e.g. limits on one side's forces speed the
    other's advance).  Actors value a settlement accordingly.
    """

    hazard: Probability = 0.0
    power_effects: dict[str, Drift] = Field(default_factory=dict, max_length=1000)


class Drafting(_Strict):
    """Rounds to turn an agreement in principle into a signed text: ``base + per_issue × k``
    for a settlement that moves ``k`` issues off status quo (rounded to whole rounds)."""

    base: NonNeg = Field(0.0, description="Rounds of drafting any settlement needs (rounded per world)")
    per_issue: NonNeg = Field(
        0.0, description="Further rounds of drafting per issue the settlement moves off status quo"
    )


class TruceDrafting(_Strict):
    """Rounds to turn an accepted truce into one in force (docs/model.md §15, "Truce
    drafting"): ``base + per_condition × m`` for a truce with ``m`` conditions (truce terms
    moved beyond their condition threshold), rounded to whole rounds; 0 = in force at once."""

    base: NonNeg = Field(0.0, description="Rounds any accepted truce needs before it is in force "
                         "(rounded per world)")
    per_condition: NonNeg = Field(
        0.0, description="Further rounds per condition: truce term moved beyond its threshold"
    )
    standstill: Probability = Field(
        0.0, description="Chance, per world, that the parties stop fighting once a truce that "
        "needs drafting is accepted: a plain ceasefire holds while its conditions are "
        "drafted, which then take effect; 0: the war goes on while it is drafted "
        "(docs/model.md §15, \"Standstill while drafting\")"
    )


class Ratification(_Strict):
    actor: str = Field(description="An actor whose ratification a signed settlement needs")
    probability: Probability = Field(
        description="Chance this actor ratifies a drafted settlement (drawn anew at each attempt); "
        "if any named actor fails, the agreement falls and bargaining resumes"
    )


def _sha256_digits(value: Any) -> Any:
    """Text that is no SHA-256 digest is refused saying what one is; the pattern stays on the
    field for the JSON Schema, and text that is not text is left to the type's message."""
    if not isinstance(value, str) or re.fullmatch(r"[0-9a-f]{64}", value):
        return value
    if len(value) != 64:
        got = f"got {len(value)} character{'' if len(value) == 1 else 's'}"
    else:
        bad = "".join(sorted(set(re.sub(r"[0-9a-f]", "", value))))
        got = f"got characters other than 0-9 and a-f ({bad!r})"
    raise ValueError(f"must be the 64 hexadecimal digits of sha256sum posterior.csv, {got}")


class Calibration(_Strict):
    """Calibrated behaviour (docs/validation.md, "Calibration"): each world takes one draw
    of a posterior of the knobs shared by every scenario, and every field a knob names
    takes that draw's value, whatever is written there."""

    posterior: str = Field(
        "library", min_length=1, max_length=4096,
        description="'library' (the posterior the package ships, fitted to its case library) or "
        "a folder written by 'negotiate calibrate --out', relative to the scenario file",
    )
    sha256: Annotated[str | None, BeforeValidator(_sha256_digits)] = Field(
        None, pattern=r"^[0-9a-f]{64}$",
        description="Pins the posterior: the SHA-256 of its posterior.csv (refused if it differs)",
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value):
        return {"posterior": value} if isinstance(value, str) else value  # calibration: library


class Talks(_Strict):
    """Talks as a process (docs/model.md §15): settlement talks open after a set-up,
    sit on a calendar, and an agreement in principle is drafted and ratified before it
    is in force.  Truces are drafted only with ``truce_drafting``."""

    setup: NonNeg = Field(
        0.0, description="Rounds before settlement talks open (rounded per world): no settlement "
        "can be proposed in rounds 1..setup; truces can"
    )
    every: Whole = Field(
        1, ge=1, le=10_000,
        description="Settlement talks sit every k-th round from their opening: a settlement can "
        "be proposed only then",
    )
    drafting: Drafting = Field(default_factory=Drafting, description="Drafting time of a settlement")
    truce_drafting: TruceDrafting | None = Field(
        None, description="Drafting time of a truce, priced by proposers and responders; "
        "absent: an accepted truce is in force at once (docs/model.md §15)",
    )
    ratification: list[Ratification] = Field(
        default_factory=list, max_length=1000,
        description="Actors that must ratify a drafted settlement, each with its probability",
    )
    settlement_after_truce: Annotated[int | None, BeforeValidator(reject_non_number)] = Field(
        None, ge=0, le=10_000,
        description="If set, a settlement can be proposed only while a truce is in force that "
        "has held at least this many rounds",
    )


class Leverage(_Strict):
    name: str = "leverage"
    by: str
    target: str
    kind: Literal["war_drift", "acceptance_bonus", "refusal_cost", "side_payment"]
    amount: Signed
    issue: str | None = None
    start: Whole = Field(1, ge=1)
    end: Annotated[int | None, BeforeValidator(reject_non_number)] = Field(None, ge=1)
    source: str | None = None
    assumption: str | None = None

    @model_validator(mode="after")
    def _kind_fields(self):
        if self.kind == "side_payment" and self.issue is None:
            raise FieldError("issue", "a side_payment needs 'issue:' (an issue the payer controls)")
        if self.end is not None and self.end < self.start:
            raise FieldError("end", f"end ({self.end}) is before start ({self.start})")
        return self


class Ceasefire(_Strict):
    """A plain ceasefire put forward outside the bargaining (docs/model.md, "Ceasefire types"):
    a third party's humanitarian pause (bilateral: every party must accept) or a party's
    unilateral halt (it alone decides).  It sets no terms and lasts ``length`` rounds."""

    name: str = "ceasefire"
    by: str = Field(description="Who proposes it (any actor) or, if unilateral, the party that declares it")
    parties: Literal["bilateral", "unilateral"] = Field(
        "bilateral", description="bilateral: every party must accept; unilateral: the declaring party alone"
    )
    scope: Literal["general", "partial"] = Field(
        "general", description="general: the whole war stops; partial: a share of it (one sector)"
    )
    share: Probability | None = Field(
        None, description="partial only: the share of war costs and of the front's movement it "
        "stops (number or distribution)",
    )
    length: Whole = Field(1, ge=1, le=10_000, description="Rounds it is in force once accepted")
    start: Whole = Field(1, ge=1, description="First round it is on the table")
    end: Annotated[int | None, BeforeValidator(reject_non_number)] = Field(
        None, ge=1, description="Last round it is on the table (absent: the horizon)"
    )
    probability: Probability = Field(
        1.0, description="Chance, per round on the table, that it is put forward (number or distribution)"
    )
    pressure: dict[str, Signed] = Field(
        default_factory=dict, max_length=1000,
        description="Per party: what refusing costs it per round of pause refused (utility per round; "
        "the proposer's leverage)",
    )
    exhaustion: dict[str, NonNeg] = Field(
        default_factory=dict, max_length=1000,
        description="Per party: rounds of war fought (since round 1) after which it accepts this "
        "ceasefire whatever the war is worth to it (war weariness; number or distribution)",
    )
    source: str | None = None
    assumption: str | None = None

    @model_validator(mode="after")
    def _window(self):
        if self.end is not None and self.end < self.start:
            raise FieldError("end", f"end ({self.end}) is before start ({self.start})")
        if (self.scope == "partial") != (self.share is not None):
            raise FieldError("share", "give 'share:' for a partial ceasefire, and only for one "
                             "(the share of the war it stops)")
        if self.parties == "unilateral" and self.pressure:
            raise FieldError("pressure", "a unilateral ceasefire is asked of no one; give pressure "
                             "only for a bilateral one")
        return self


class Recognition(_Strict):
    mode: Literal["random", "alternating"] = "random"
    probabilities: dict[str, Number] | None = None
    order: list[str] | None = None
    mediator_share: Number = Field(0.5, ge=0, le=1)

    @model_validator(mode="after")
    def _mode_fields(self):
        if self.mode == "alternating" and not self.order:
            raise FieldError("order", "mode 'alternating' needs 'order:' (actor names in turn)")
        if self.probabilities is not None:
            for name, p in self.probabilities.items():
                if not (math.isfinite(p) and 0 <= p <= 1):
                    raise FieldError(f"probabilities.{name}", f"must be in [0, 1], got {p}")
            total = sum(self.probabilities.values())
            if not math.isclose(total, 1.0, abs_tol=1e-6):
                raise FieldError("probabilities", f"must sum to 1, they sum to {total:.6g}")
        return self


class Bargaining(_Strict):
    utility_exponent: Annotated[Literal[1, 2], BeforeValidator(reject_non_number)] = 2
    continuation: StrictBool = True
    iterations: Whole = Field(
        25, ge=1, le=10_000,
        description="Most fixed-point sweeps per round for the continuation values (warm-started "
        "from the last round); a world still off by more than 'tolerance' is counted as not converged",
    )
    first_round_iterations: Whole = Field(
        100, ge=1, le=100_000, description="Most sweeps in the first round (no warm start yet)"
    )
    tolerance: Number = Field(
        1e-10, gt=0, le=1e-2,
        description="The continuation values are solved until no proposer's value moves by more "
        "than this (flow units) in a sweep, or by more than noise_tolerance times the world's "
        "largest response noise, whichever is larger",
    )
    noise_tolerance: Number = Field(
        0.01, ge=0, le=1,
        description="Tolerance of the continuation values as a share of the world's largest "
        "response noise τ (values need be no finer than the noise that blurs every answer)",
    )
    margin: Number = Field(
        1.0, ge=0, le=20,
        description="Proposers offer each responder this many noise scales (τ) above its "
        "reservation value, so a noisy responder accepts with probability 1/(1+e^-margin)",
    )
    planning: Literal["fitted", "exact"] = Field(
        "fitted",
        description="How strategic proposers judge their offers: 'fitted' plans on quadratic fits of "
        "the responders' values (fast); 'exact' then values each planned offer exactly and replans "
        "against the shortfall (slower, closer to the responders' real answers)",
    )
    concessions: Literal["proportional", "contract_curve"] = Field(
        "proportional",
        description="How strategic proposers concede: 'proportional' moves every issue of the "
        "package in the same proportion toward the responders (a straight segment); "
        "'contract_curve' concedes issue by issue along the contract curve, first where it costs "
        "the proposer least per unit of the responder's value (docs/model.md §9)",
    )
    stance_persistence: Persistence = Field(
        0.0,
        description="How much each responder's quantal-response shock persists from one round to the "
        "next (ρ of a Gaussian AR(1) stance, in [0, 1)); its marginal stays standard logistic. "
        "0: a fresh shock every round",
    )
    resolve_cutoffs: Whole = Field(
        3, ge=1, le=1000,
        description="How finely proposers screen an actor with private resolve (docs/model.md §18): "
        "besides the offer every type in the public belief accepts, they weigh offers that only "
        "types with war costs above each of this many quantiles of the belief accept",
    )
    red_lines_hold: MeanRounds | None = Field(
        None,
        description="Mean number of rounds at war a red-line bound holds (docs/model.md §16, "
        "\"Red lines that give way\"): each bound of each actor gives way for good after an "
        "exponential number of rounds fought with this mean (drawn per world and bound); "
        "absent: red lines hold for ever",
    )


class Outcomes(_Strict):
    condition_threshold: Number = Field(0.25, gt=0, le=1)


class MonteCarlo(_Strict):
    runs: Whole = Field(10_000, ge=1, le=10**10)
    seed: Whole = Field(0, ge=0, le=MAX_SEED)


class Scenario(_Strict):
    """A validated scenario: the *what* of a simulation."""

    # "+" joins a base name and what a variant changed (``with_overrides``)
    name: str = Field(pattern=SCENARIO_NAME_RE, max_length=200)
    title: str | None = None
    description: str | None = None
    as_of: str | None = Field(
        None, pattern=r"^\d{4}-\d{2}(-\d{2})?$",
        description="The date the scenario describes (YYYY-MM or YYYY-MM-DD): it uses only what "
        "was known then; round 1 is the round after it",
    )
    sources: list[Source] = Field(default_factory=list, max_length=1000)
    rounds: Rounds = Field(default_factory=Rounds)
    issues: dict[str, Issue] = Field(min_length=1, max_length=1000)
    actors: dict[str, Actor] = Field(min_length=2, max_length=1000)
    war: War = Field(default_factory=War)
    truce: Truce = Field(default_factory=Truce)
    settlement: Settlement = Field(default_factory=Settlement)
    talks: Talks | None = Field(
        None, description="Talks as a process: set-up, calendar, drafting and ratification of "
        "settlements (absent: a settlement may be proposed in any round and is in force at once)",
    )
    calibration: Calibration | None = Field(
        None, description="Use calibrated behaviour: each world draws the shared knobs "
        "(stances' persistence, stalling, drafting time) from a calibration's posterior, and the "
        "fields they set take those draws whatever the file writes there (run and validate name "
        "them)",
    )
    leverage: list[Leverage] = Field(default_factory=list, max_length=1000)
    ceasefires: list[Ceasefire] = Field(
        default_factory=list, max_length=1000,
        description="Plain ceasefires put forward outside the bargaining: humanitarian pauses "
        "and unilateral halts (docs/model.md, \"Ceasefire types\")",
    )
    recognition: Recognition = Field(default_factory=Recognition)
    bargaining: Bargaining = Field(default_factory=Bargaining)
    decision: Decision | None = Field(
        None, description="Decision rules per agenda: bodies voting by majority or qualified "
        "majority, and veto players (absent: unanimity of the parties and the controllers of "
        "moved issues, docs/scenario-format.md)",
    )
    outcomes: Outcomes = Field(default_factory=Outcomes)
    monte_carlo: MonteCarlo = Field(default_factory=MonteCarlo)

    @model_validator(mode="after")
    def _leverage_names(self):
        check_unique_names(self.leverage, "leverage")
        check_unique_names(self.ceasefires, "ceasefires")
        return self

    # --- cross-references -------------------------------------------------
    @model_validator(mode="after")
    def _cross_references(self):
        from .references import check_references

        check_references(self)
        return self

    @model_validator(mode="after")
    def _calibration_applies(self):
        if self.calibration is not None:
            from .calibration import check_calibration

            check_calibration(self)
        return self

    # --- convenience ------------------------------------------------------
    @property
    def issue_names(self) -> list[str]:
        return list(self.issues)

    @property
    def actor_names(self) -> list[str]:
        return list(self.actors)

    def with_overrides(self, overrides: dict[str, Any], *, name: str | None = None) -> Scenario:
        """A new validated scenario with dotted-path values replaced, under a new name.

        ``scenario.with_overrides({"actors.A.patience": 0.95})`` is named
        ``"<name>+patience"`` (the last key of each path, joined by ``+``), or
        ``name`` when given, or the ``"name"`` override itself; so plots and
        comparisons tell a variant from its base.  A key removed (given
        ``None``) is named ``no_KEY``: ``{"calibration": None}`` makes
        ``"<name>+no_calibration"``.  Paths may pick list items by name:
        ``war.events[us_aid_pause].probability``.

        A value for a field the scenario's ``calibration`` replaces in every
        world would change nothing, so it is refused (``ScenarioError``
        naming the field and the knob) unless the calibration is dropped
        too (``{"calibration": None, ...}``).
        """
        from .calibrated_fields import check_overrides, keep_written
        from .load import apply_overrides

        overrides = dict(overrides)
        _check_removals(self, overrides)
        if name is not None:
            overrides["name"] = name
        elif overrides and "name" not in overrides:
            removed = [path for path, value in overrides.items() if value is None]
            overrides["name"] = derived_name(self.name, list(overrides), removed=removed)
        changed = apply_overrides(self, overrides)
        check_overrides(overrides, changed)
        keep_written(self, changed, overrides)
        return changed

    def to_dict(self) -> dict[str, Any]:
        """Plain data (YAML/JSON-ready) that loads back to an equal scenario."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def _check_removals(scenario: Scenario, overrides: dict[str, Any]) -> None:
    """A key removed (``None``) that the scenario does not set would change nothing, and a
    variant named ``+no_KEY`` would claim it did: refused, like any change in vain."""
    from ..errors import Problem, ScenarioError
    from .paths import field_at

    problems = []
    for path, value in overrides.items():
        if value is not None or path == "name":
            continue
        try:
            unset = field_at(scenario, path) is None
        except ValueError:
            continue  # not a field at all: apply_overrides says so, with suggestions
        if unset:
            problems.append(Problem(path, f"is not set in scenario {scenario.name}: there is nothing to "
                                          "remove (a change that changes nothing)", file="<overrides>"))
    if problems:
        raise ScenarioError(problems)


def check_unique_names(items: list, where: str) -> None:
    """Names written in a list are unique: they pick items in field paths
    (``war.events[NAME].start``).  The default name (``event``, ``leverage``) may be
    shared: a scenario dumped and loaded again writes it out for every item."""
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.name == type(item).model_fields["name"].default:
            continue
        if item.name in first:
            raise FieldError(f"{where}[{i}].name", f"'{item.name}' is already the name of "
                             f"{where}[{first[item.name]}]; names pick items in field paths, so "
                             "they must differ")
        first[item.name] = i


def derived_name(base: str, paths: list[str], shown: int = 3, *, removed=()) -> str:
    """``base+patience+drift``: the base name and the last key of each changed path
    (``no_KEY`` for a path in ``removed``: a key deleted, not set)."""
    labels = []
    for path in paths:
        last = re.split(r"[.\[]", str(path).rstrip("]"))[-1]
        label = re.sub(r"[^A-Za-z0-9_\-.]", "_", last) or "changed"
        if path in removed:
            label = f"no_{label}"
        if label not in labels:
            labels.append(label)
    if len(labels) > shown:
        labels = labels[: shown - 1] + [f"{len(labels) - shown + 1}_more"]
    return "+".join([base, *labels])[:200]


def valid_name(name: str) -> bool:
    return re.match(NAME_RE, name) is not None
