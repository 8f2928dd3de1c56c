"""``extends:``: a scenario written as a base file plus changes.

The two documents are merged as mappings before validation, so the result is
validated as one scenario:

- a mapping in the child is merged key by key into the base's mapping;
- anything else (a number, a text, a list, a distribution written as a list)
  in the child replaces the base's value whole;
- ``null`` in the child deletes the key, so the field takes its default;
- a child that gives a round's ``unit`` or ``length_days`` alone gets the other from it, not
  from the base, if the base's two were a matching pair (week, 7 days).

Every field path of the merged document remembers the file and line that
wrote its value (:func:`merge`), so an error names the file to edit.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["merge", "origins_of"]

Origin = tuple[str | None, int | None]  # (file, line)


def origins_of(lines: dict[str, int], file: str | None) -> dict[str, Origin]:
    """``{path: (file, line)}`` from one file's line map (without its ``extends`` key)."""
    return {path: (file, line) for path, line in lines.items() if not _under(path, "extends")}


def merge(base: dict[str, Any], base_origins: dict[str, Origin], child: dict[str, Any],
          child_origins: dict[str, Origin]) -> tuple[dict[str, Any], dict[str, Origin]]:
    """``base`` with ``child``'s changes (the rules of this module), and who wrote what."""
    data = copy.deepcopy(base)
    origins = dict(base_origins)
    _unpair_round(data, child, origins)
    if "" in child_origins:  # the top level belongs to the file being loaded
        origins[""] = child_origins[""]
    _merge_into(data, child, "", origins, child_origins)
    return data, origins


def _unpair_round(data: dict, child: dict, origins: dict) -> None:
    """A child giving a round's unit or length alone: the base's other one follows it, if the
    base's two were a matching pair (docs/scenario-format.md, "rounds")."""
    from .schema import unpair_round

    rounds, changes = data.get("rounds"), child.get("rounds")
    if not isinstance(rounds, dict) or not isinstance(changes, dict):
        return
    changed = [k for k in ("unit", "length_days") if changes.get(k) is not None]
    if len(changed) == 1 and (gone := unpair_round(rounds, changed[0])) is not None:
        _forget(origins, f"rounds.{gone}")


def _merge_into(target: dict, changes: dict, prefix: str, origins: dict, child_origins: dict) -> None:
    for key, value in changes.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if value is None:
            target.pop(key, None)
            _forget(origins, path)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            if path in child_origins:
                origins[path] = child_origins[path]
            _merge_into(target[key], value, path, origins, child_origins)
        else:
            target[key] = copy.deepcopy(value)
            _forget(origins, path)
            origins.update({p: o for p, o in child_origins.items() if _under(p, path)})


def _under(path: str, ancestor: str) -> bool:
    return path == ancestor or path.startswith((f"{ancestor}.", f"{ancestor}["))


def _forget(origins: dict, path: str) -> None:
    for p in [p for p in origins if _under(p, path)]:
        del origins[p]
