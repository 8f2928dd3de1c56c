"""Dotted field paths of a scenario: ``actors.A.patience``, ``war.events[0].drift``."""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["field_at"]

_PART = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)")


def field_at(scenario, path: str):
    """The value of the field at dotted ``path`` (``actors.A.patience``, ``war.events[0].drift``)."""
    obj = scenario
    for part in path.split("."):
        match = _PART.fullmatch(part)
        if match is None:
            raise ValueError(f"{path!r} is not a dotted field path")
        name, indices = match.groups()
        try:
            obj = obj[name] if isinstance(obj, Mapping) else getattr(obj, name)
            for index in re.findall(r"\d+", indices):
                obj = obj[int(index)]
        except (KeyError, IndexError, AttributeError, TypeError):
            raise ValueError(f"scenario {scenario.name} has no field {path!r}") from None
    return obj
