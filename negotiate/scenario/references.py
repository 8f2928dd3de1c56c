"""Cross-reference checks: every name used somewhere must be defined.

Raises :class:`negotiate.errors.ScenarioError` (not a ``ValueError`` subclass
that pydantic would re-wrap) so each problem keeps its own field path.
"""

from __future__ import annotations

import difflib
import math
from typing import TYPE_CHECKING

from ..errors import Problem, ScenarioError
from .decision import check_decision
from .distributions import is_distribution, param_support

if TYPE_CHECKING:  # pragma: no cover
    from .schema import Scenario


MAX_LISTED = 12  # a message lists the valid names only when they are this few


def suggest(name: str, known) -> str:
    """``"; did you mean 'x'?"``, else a short list of what is valid (empty if nothing is)."""
    known = [str(k) for k in known]
    close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    if not known:
        return ""
    if len(known) <= MAX_LISTED:
        return f" (known: {', '.join(known)})"
    return f" (none of the {len(known)} known names is close)"


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path=path, message=message))

    def actor(self, path: str, name: str, actors) -> None:
        if name not in actors:
            self.add(path, f"unknown actor '{name}'{suggest(name, actors)}")

    def issue(self, path: str, name: str, issues) -> None:
        if name not in issues:
            self.add(path, f"unknown issue '{name}'{suggest(name, issues)}")


def check_references(s: Scenario) -> None:
    c = _Collector()
    actors, issues = s.actors, s.issues
    _check_names(c, "issues", issues)
    _check_names(c, "actors", actors)
    _check_issues(c, s)
    _check_actors(c, s)
    if sum(1 for a in actors.values() if a.role == "party") < 2:
        c.add("actors", "a negotiation needs at least two actors with role 'party'")
    _check_war_and_truce(c, s)
    _check_leverage(c, s)
    _check_ceasefires(c, s)
    _check_recognition(c, s)
    _check_red_lines(c, s)
    _check_talks(c, s)
    check_decision(c, s)
    if c.problems:
        raise ScenarioError(c.problems)


def _check_names(c: _Collector, where: str, names) -> None:
    # overrides and error messages address fields as "actors.NAME.patience"
    for name in names:
        if not name.strip() or any(ch in name for ch in ".[]"):
            c.add(f"{where}.{name}", f"name {name!r} must be non-blank without '.', '[' or ']'")


def _check_issues(c: _Collector, s: Scenario) -> None:
    for name, issue in s.issues.items():
        for j, ctl in enumerate(issue.controllers):
            c.actor(f"issues.{name}.controllers[{j}]", ctl, s.actors)
        if issue.kind == "binary" and not _is_binary(issue.status_quo):
            c.add(f"issues.{name}.status_quo", "a binary issue's status quo must be 0 or 1")
        if issue.follows_front is not None:
            _check_follows_front(c, s, name, issue)


def _check_follows_front(c: _Collector, s: Scenario, name: str, issue) -> None:
    """Only a settlement issue other than the front can follow the front (docs/model.md §4)."""
    front = s.war.battlefield_issue
    path = f"issues.{name}.follows_front"
    if front is None:
        c.add(path, "there is no war.battlefield_issue, so there is no front to follow")
    elif name == front:
        c.add(path, f"'{name}' is the battlefield issue itself: it is the front (set follows_front "
                    f"on the political issues that move with it)")
    elif issue.group != "settlement":
        c.add(path, f"'{name}' is a truce issue; only settlement issues follow the front (a war's "
                    f"end state leaves truce terms at status quo)")


def _is_binary(value) -> bool:
    return isinstance(value, (int, float)) and value in (0, 1)


def _check_actors(c: _Collector, s: Scenario) -> None:
    from .distributions import param_support

    for name, actor in s.actors.items():
        for issue in actor.positions:
            c.issue(f"actors.{name}.positions.{issue}", issue, s.issues)
        top = sum(param_support(p.salience)[1] for p in actor.positions.values())
        if top <= 0:
            c.add(
                f"actors.{name}.positions",
                "salience is zero on every issue; give at least one issue a positive weight",
            )


def _check_war_and_truce(c: _Collector, s: Scenario) -> None:
    if s.war.battlefield_issue is not None:
        c.issue("war.battlefield_issue", s.war.battlefield_issue, s.issues)
    horizon = s.rounds.horizon
    for i, ev in enumerate(s.war.events):
        if ev.start > horizon:
            c.add(f"war.events[{i}].start", f"round {ev.start} is after the horizon ({horizon})")
    t = s.truce
    if t.regeneration_issue is not None:
        c.issue("truce.regeneration_issue", t.regeneration_issue, s.issues)
        if t.regeneration_issue in s.issues and s.issues[t.regeneration_issue].group != "truce":
            c.add("truce.regeneration_issue", f"'{t.regeneration_issue}' is not a truce issue")
    for issue in t.hazard_effects:
        c.issue(f"truce.hazard_effects.{issue}", issue, s.issues)
    for issue in s.settlement.power_effects:
        c.issue(f"settlement.power_effects.{issue}", issue, s.issues)


def _check_leverage(c: _Collector, s: Scenario) -> None:
    for i, lev in enumerate(s.leverage):
        c.actor(f"leverage[{i}].by", lev.by, s.actors)
        c.actor(f"leverage[{i}].target", lev.target, s.actors)
        if lev.issue is None:
            continue
        c.issue(f"leverage[{i}].issue", lev.issue, s.issues)
        issue = s.issues.get(lev.issue)
        if lev.kind == "side_payment" and issue is not None and lev.by not in issue.controllers:
            c.add(
                f"leverage[{i}].by",
                f"'{lev.by}' offers a side payment on '{lev.issue}' but is not one of "
                f"its controllers {issue.controllers}",
            )


def _check_ceasefires(c: _Collector, s: Scenario) -> None:
    horizon = s.rounds.horizon
    for i, cf in enumerate(s.ceasefires):
        c.actor(f"ceasefires[{i}].by", cf.by, s.actors)
        if cf.parties == "unilateral" and cf.by in s.actors and s.actors[cf.by].role != "party":
            c.add(f"ceasefires[{i}].by", f"'{cf.by}' is a {s.actors[cf.by].role}: only a party can "
                  "declare a unilateral ceasefire")
        if cf.start > horizon:
            c.add(f"ceasefires[{i}].start", f"round {cf.start} is after the horizon ({horizon})")
        for name in cf.exhaustion:
            c.actor(f"ceasefires[{i}].exhaustion.{name}", name, s.actors)
            if name in s.actors and s.actors[name].role != "party":
                c.add(f"ceasefires[{i}].exhaustion.{name}", f"'{name}' is a {s.actors[name].role}: "
                      "only parties fight and tire")
        for name in cf.pressure:
            c.actor(f"ceasefires[{i}].pressure.{name}", name, s.actors)
            if name in s.actors and s.actors[name].role != "party":
                c.add(f"ceasefires[{i}].pressure.{name}", f"'{name}' is a {s.actors[name].role}: "
                      "only parties are asked to accept a pause")


def _check_talks(c: _Collector, s: Scenario) -> None:
    if s.talks is None:
        return
    _check_setup(c, s)
    _check_truce_drafting(c, s)
    seen = set()
    for i, r in enumerate(s.talks.ratification):
        c.actor(f"talks.ratification[{i}].actor", r.actor, s.actors)
        if r.actor in seen:
            c.add(f"talks.ratification[{i}].actor", f"'{r.actor}' is listed twice; give each actor one entry")
        seen.add(r.actor)


def _check_setup(c: _Collector, s: Scenario) -> None:
    """Settlement talks open in round 1 + setup, rounded per world (docs/model.md, "Talks as
    a process", "Calendar"): a setup whose lowest value leaves no round of the horizon means
    they never open."""
    _refuse_past_horizon(
        c, "talks.setup", s.talks.setup, s.rounds.horizon,
        lambda first, drawn: f"settlement talks would open in round {first}{' at the earliest' if drawn else ''}",
        "no settlement could ever be proposed")
    if s.talks.settlement_after_truce is not None:
        # a truce in force since round t (agreed in round t, or a pause accepted before its
        # bargaining) has held k rounds in round t + k: with k >= 1 the earliest is 1 + k
        _refuse_past_horizon(
            c, "talks.settlement_after_truce", s.talks.settlement_after_truce, s.rounds.horizon,
            lambda first, drawn: (f"a settlement could be proposed in round {first} at the earliest "
                                  f"(under a truce in force since round 1)"),
            "no settlement could ever be proposed")


def _check_truce_drafting(c: _Collector, s: Scenario) -> None:
    """A truce accepted in round t is in force at the end of round t + rint(base + per_condition
    × m) (docs/model.md, "Truce drafting: plain or conditional ceasefires"): with t >= 1 and
    m >= 0, a base whose lowest value rounds to the horizon or beyond means no truce is ever
    in force."""
    if s.talks.truce_drafting is None:
        return
    _refuse_past_horizon(
        c, "talks.truce_drafting.base", s.talks.truce_drafting.base, s.rounds.horizon,
        lambda first, drawn: f"a truce accepted in round 1 would come into force at the end of round {first} "
                             "at the earliest",
        "no truce could ever be in force")
    td = s.talks.truce_drafting
    if _can_be_positive(td.standstill) and not any(_can_be_positive(v) for v in (td.base, td.per_condition)) \
            and not _drafting_calibrated(s):
        c.add("talks.truce_drafting.standstill",
              "has no effect: talks.truce_drafting.base and per_condition are 0, so no truce is ever "
              "drafted and every accepted truce is in force at once (docs/model.md, \"Standstill while "
              "drafting\"); set a drafting time, or remove standstill")


def _drafting_calibrated(s: Scenario) -> bool:
    """Whether the calibration sets a truce's drafting time (then the written 0s are not used)."""
    from .calibrated_fields import replaced_fields

    fields = replaced_fields(s)
    return any(f"talks.truce_drafting.{key}" in fields for key in ("base", "per_condition"))


def _can_be_positive(value) -> bool:
    """Whether a number or distribution field can take a value above 0."""
    return param_support(value)[1] > 0


def _refuse_past_horizon(c: _Collector, path: str, value, horizon: int, then, never: str) -> None:
    """Refuse a number of rounds ``value`` whose lowest value, rounded as the engine rounds it
    (np.rint: half to even), reaches ``horizon``; ``then(first round, drawn)`` says what would
    happen, ``never`` what that rules out."""
    low = param_support(value)[0]
    if round(low) >= horizon:
        drawn = is_distribution(value)
        c.add(path, (f"{'is at least' if drawn else 'is'} {low:g} rounds, so {then(round(low) + 1, drawn)}, "
                     f"after the horizon (rounds.horizon: {horizon}): {never}; lower {path} or raise "
                     "rounds.horizon"))


def _check_red_lines(c: _Collector, s: Scenario) -> None:
    """A red line may follow the front only on the battlefield issue; red lines that give
    way need red lines."""
    if s.bargaining.red_lines_hold is not None and not any(
            pos.red_line is not None for actor in s.actors.values() for pos in actor.positions.values()):
        c.add("bargaining.red_lines_hold",
              "has no effect: no actor has a red line (actors.*.positions.*.red_line; docs/model.md "
              "§16, \"Red lines that give way\"); add a red line, or remove red_lines_hold")
    front = s.war.battlefield_issue
    for name, actor in s.actors.items():
        for issue, pos in actor.positions.items():
            if pos.red_line is None or pos.red_line.follows_front is None or issue == front:
                continue
            where = f"war.battlefield_issue is '{front}'" if front else "there is no war.battlefield_issue"
            c.add(f"actors.{name}.positions.{issue}.red_line.follows_front",
                  f"only a red line on the battlefield issue can follow the front; {where}")


def _check_recognition(c: _Collector, s: Scenario) -> None:
    r = s.recognition
    if r.probabilities is not None:
        for name in r.probabilities:
            c.actor(f"recognition.probabilities.{name}", name, s.actors)
    if r.order is not None:
        for j, name in enumerate(r.order):
            c.actor(f"recognition.order[{j}]", name, s.actors)
    if r.probabilities is None and r.mode == "random":
        has_mediator = any(a.role == "mediator" for a in s.actors.values())
        if not has_mediator and not math.isclose(r.mediator_share, 0.5):
            c.add("recognition.mediator_share", "set, but the scenario has no mediator")
