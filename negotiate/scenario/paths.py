"""Dotted field paths of a scenario: ``actors.A.patience``, ``war.events[0].drift``,
``war.events[us_aid_pause].probability``.

A path is keys joined by dots; a list item is picked by its index (``[0]``)
or by the ``name`` (or ``id``) it carries (``[us_aid_pause]``).  A name must
pick exactly one item: war events and leverage entries that leave ``name``
out all share the default one, so such items are reached by index.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .references import suggest

__all__ = ["PathStep", "field_at", "find_item", "index_path", "parse_path"]

_WELL_FORMED = re.compile(r"^[^.\[\]]+(\[[^\[\]]+\])*(\.[^.\[\]]+(\[[^\[\]]+\])*)*$")
_STEP = re.compile(r"([^.\[\]]+)|\[([^\[\]]+)\]")
#: the fields that name a list item, in the order they are looked at
ITEM_KEYS = ("name", "id")


@dataclass(frozen=True)
class PathStep:
    """One step of a path: a mapping ``key``, a list ``index`` or a list item's ``name``."""

    key: str | None = None
    index: int | None = None
    name: str | None = None

    def __str__(self) -> str:
        if self.key is not None:
            return self.key
        return f"[{self.index}]" if self.index is not None else f"[{self.name}]"


def parse_path(path: str) -> list[PathStep] | None:
    """The steps of ``path``, or ``None`` if it is not a well-formed path."""
    if not isinstance(path, str) or not _WELL_FORMED.match(path):
        return None
    steps = []
    for key, bracket in _STEP.findall(path):
        if key:
            steps.append(PathStep(key=key))
        elif bracket.isdigit():
            steps.append(PathStep(index=int(bracket)))
        else:
            steps.append(PathStep(name=bracket))
    return steps


def join_steps(steps: list[PathStep]) -> str:
    return "".join(str(s) if s.key is None or i == 0 else f".{s}" for i, s in enumerate(steps))


def _item_name(item) -> str | None:
    for key in ITEM_KEYS:
        value = item.get(key) if isinstance(item, Mapping) else getattr(item, key, None)
        if isinstance(value, str):
            return value
    return None


def find_item(items: list, name: str, where: str) -> int:
    """The index of the one item of ``items`` named ``name``; ValueError says why not."""
    found = [i for i, item in enumerate(items) if _item_name(item) == name]
    if len(found) == 1:
        return found[0]
    if found:
        raise ValueError(f"'{where}' has {len(found)} items named '{name}' (items {found}); "
                         "give them distinct names or use an index")
    names = [n for n in map(_item_name, items) if n is not None]
    hint = suggest(name, names) if names else " (its items have no names: use an index)"
    raise ValueError(f"'{where}' has no item named '{name}'{hint}")


def field_at(scenario, path: str):
    """The value of the field at ``path`` (``actors.A.patience``, ``war.events[0].drift``,
    ``leverage[us_pressure_on_ukraine].amount``)."""
    steps = parse_path(path)
    if steps is None:
        raise ValueError(f"{path!r} is not a dotted field path")
    try:
        return _walk(scenario, steps)[0]
    except (KeyError, IndexError, AttributeError, TypeError):
        raise ValueError(f"scenario {scenario.name} has no field {path!r}") from None
    except ValueError as exc:
        raise ValueError(f"scenario {scenario.name}: {exc}") from None


def index_path(scenario, path: str) -> str:
    """``path`` with every list item named by its index (``war.events[aid].drift`` →
    ``war.events[1].drift``): the form the engine and result tables use.  A path
    that is not well formed, or names no single item, is returned unchanged (the
    caller's check of the path then reports it)."""
    steps = parse_path(path)
    if steps is None or all(s.name is None for s in steps):
        return path
    try:
        return join_steps(_walk(scenario, steps)[1])
    except (KeyError, IndexError, AttributeError, TypeError, ValueError):
        return path


def _walk(scenario, steps: list[PathStep]) -> tuple[object, list[PathStep]]:
    """Follow ``steps`` from ``scenario``: the value reached, and the steps with every
    item named by its index.  Raises what the lookups raise (the callers word it)."""
    obj, out = scenario, []
    for i, step in enumerate(steps):
        if step.key is not None:
            obj = obj[step.key] if isinstance(obj, Mapping) else getattr(obj, step.key)
        elif step.index is not None:
            obj = obj[step.index]
        else:
            index = find_item(list(obj), step.name, join_steps(steps[:i]))
            obj, step = obj[index], PathStep(index=index)
        out.append(step)
    return obj, out
