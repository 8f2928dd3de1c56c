"""Agendas a scenario closes in every world, said before anything runs.

``negotiate validate`` checks that a file is well formed; a well-formed
scenario can still leave no agreement possible on an agenda (docs/model.md
§16, "Red lines"):

* a veto player whose consent the agenda always needs does not sign it
  (``actors.*.signs``): the agenda is closed to every proposer;
* two veto players' red lines clash on an issue the agenda moves (one's
  ``min`` above the other's ``max``, both holding on that agenda): every
  proposer's box is empty there, so nobody proposes on the agenda.

:func:`closed_agenda_notes` says so, as notes (such a scenario is legitimate:
a party that signs no truce is a design).  A clash is reported only when it
is certain: constant bounds, or distributions that clash even at their
extreme values (the lowest ``min`` above the highest ``max``); a bound that
follows the front (``follows_front``) moves with it and is left out, and so
is every clash when red lines give way (``bargaining.red_lines_hold``).

The veto players are computed here as the engine does
(negotiate/model/proposals.py ``veto_players``/``needed_players``, checked
against it in tests) without loading the engine: ``validate`` stays quick.
"""

from __future__ import annotations

from .distributions import is_distribution, param_support

__all__ = ["closed_agenda_notes"]

AGENDAS = ("truce", "settlement")
WHERE = 'docs/model.md §16, "Red lines"'


def closed_agenda_notes(scenario) -> list[str]:
    """One line per agenda closed in every world: who does not sign it, or which red lines clash."""
    notes = []
    for agenda in AGENDAS:
        asked, needed = players(scenario, agenda)
        refusing = [a for a in needed if agenda not in scenario.actors[a].signs]
        if refusing:
            one = len(refusing) == 1
            fields = ", ".join(f"actors.{a}.signs" for a in refusing)
            notes.append(f"no {agenda} can be agreed in any world: {_names(refusing)} "
                         f"{'does' if one else 'do'} not sign a {agenda} ({fields}) and "
                         f"{'its' if one else 'their'} consent is needed on that agenda ({WHERE})")
            continue
        # red lines that give way (§16) open a clashing agenda sooner or later
        clashes = [] if scenario.bargaining.red_lines_hold is not None else _clashes(scenario, agenda, asked)
        if clashes:
            notes.append(f"no {agenda} can be proposed in any world: {clashes[0]}"
                         + (f" (and {len(clashes) - 1} more such clash{'es' if len(clashes) > 2 else ''})"
                            if len(clashes) > 1 else "")
                         + f"; the veto players' red lines leave no package on that agenda ({WHERE})")
    return notes


def players(scenario, agenda: str) -> tuple[list[str], list[str]]:
    """``(asked, needed)`` on ``agenda``, in actor order: the actors whose answer counts, and
    those whose consent every package needs (unanimity: the parties and the controllers of
    the agenda's issues; a decision rule adds its bodies' voters, who then need not all agree)."""
    moved = set(moved_issues(scenario, agenda))
    default = {a for a, actor in scenario.actors.items() if actor.role == "party"}
    default |= {c for i in moved for c in scenario.issues[i].controllers}
    rule = None if scenario.decision is None else getattr(scenario.decision, agenda)
    if rule is None:
        asked = needed = default
    else:
        members = {v for body in rule.bodies for v in body.voters}
        asked = default | members | set(rule.vetoes)
        needed = (default - members) | set(rule.vetoes)
    order = list(scenario.actors)
    return [a for a in order if a in asked], [a for a in order if a in needed]


def moved_issues(scenario, agenda: str) -> list[str]:
    """The issues ``agenda`` moves: a truce its truce issues, a settlement every issue."""
    return [i for i, issue in scenario.issues.items() if agenda == "settlement" or issue.group == "truce"]


def _clashes(scenario, agenda: str, asked: list[str]) -> list[str]:
    """Each certain clash on ``agenda``: an issue where one veto player's lowest possible
    ``min`` is above another's highest possible ``max``."""
    found = []
    for issue in moved_issues(scenario, agenda):
        bounds = [(a, rl) for a in asked if (rl := _red_line(scenario, a, issue, agenda)) is not None]
        for a, low in bounds:
            for b, high in bounds:
                if a != b and low.min is not None and high.max is not None \
                        and param_support(low.min)[0] > param_support(high.max)[1]:
                    found.append(f"on {issue}, {a}'s red line min {_bound(low.min, 'at least')} is above "
                                 f"{b}'s max {_bound(high.max, 'at most')}")
    return found


def _red_line(scenario, actor: str, issue: str, agenda: str):
    """The actor's red line on ``issue`` if it holds on ``agenda`` and does not follow the front."""
    position = scenario.actors[actor].positions.get(issue)
    rl = None if position is None else position.red_line
    if rl is None or (rl.agendas is not None and agenda not in rl.agendas):
        return None
    follows = rl.follows_front
    if follows is not None and param_support(follows) != (0.0, 0.0):
        return None   # the bounds move with the front: a clash now may not last
    return rl


def _bound(value, words: str) -> str:
    """A constant as written; a distribution by the extreme the clash holds at."""
    if is_distribution(value):
        low, high = param_support(value)
        return f"{words} {low if words == 'at least' else high:g} (a distribution)"
    return f"{float(value):g}"


def _names(actors: list[str]) -> str:
    return actors[0] if len(actors) == 1 else ", ".join(actors[:-1]) + " and " + actors[-1]
