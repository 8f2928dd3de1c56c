"""The fields a scenario's ``calibration`` replaces, said aloud.

Under a ``calibration`` section every field a ``replace`` knob names takes the
posterior draw in every world, whatever the file (or a change made at run
time) wrote there (docs/scenario-format.md, "calibration").  Written values
there are silently unused, so this module names them:

* :func:`calibration_note` is the one note ``run`` and ``validate`` print (and
  ``Results.diagnose()`` returns, kind ``calibration``): which knobs the
  posterior sets, and which fields the file writes that they replace;
* :func:`check_overrides` refuses a change (``with_overrides``, ``--set``, a
  sweep point) to a field the calibration replaces: it could change nothing.

Values given per world (``given=``, an experimental design) are another
matter: the docs promise they win over the calibration's, and they do
(negotiate/model/calibrated.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .paths import field_at

__all__ = ["calibration_label", "calibration_note", "check_overrides", "keep_written", "knob_marks",
           "replaced_fields", "replaced_message", "written_fields"]

WHERE = 'docs/scenario-format.md, "calibration"'


def replaced_fields(scenario) -> dict[str, str]:
    """``{dotted field path: knob name}`` of the fields the scenario's calibration replaces in
    every world (empty without a calibration, or with one that cannot be read: the load
    check says why)."""
    from .calibration import load_posterior

    if getattr(scenario, "calibration", None) is None:
        return {}
    try:
        posterior = load_posterior(scenario.calibration.posterior)
    except (OSError, ValueError):
        return {}
    return {path: name for name, paths in posterior.fields(scenario, kind="replace").items() for path in paths}


#: how a rule or table names a field the calibration sets (a posterior draw, not an analyst's input)
KNOB_MARK, SCALED_MARK = "calibration knob", "times a calibration knob"


def knob_marks(scenario) -> dict[str, str]:
    """``{dotted field path: mark}`` for the fields the scenario's calibration sets: those a
    ``replace`` knob replaces are the knob's posterior draw (:data:`KNOB_MARK`), those a
    ``scale`` knob multiplies are the file's draw times it (:data:`SCALED_MARK`); empty
    without a calibration (or with one that cannot be read: the load check says why)."""
    from .calibration import load_posterior

    if getattr(scenario, "calibration", None) is None:
        return {}
    try:
        posterior = load_posterior(scenario.calibration.posterior)
    except (OSError, ValueError):
        return {}
    marks = {path: SCALED_MARK for paths in posterior.fields(scenario, kind="scale").values() for path in paths}
    return marks | {path: KNOB_MARK for path in replaced_fields(scenario)}


def calibration_label(scenario) -> str | None:
    """``calibration: library`` (or the posterior's folder), or None without a calibration."""
    if getattr(scenario, "calibration", None) is None:
        return None
    return f"calibration: {scenario.calibration.posterior}"


def written_fields(scenario) -> list[str]:
    """The fields the calibration replaces that the scenario writes itself (rather than
    leaving them at their defaults), in the knobs' order."""
    return [path for path in replaced_fields(scenario) if _written(scenario, path)]


def _written(scenario, path: str) -> bool:
    parent, _, key = path.rpartition(".")
    model = field_at(scenario, parent)
    return key in getattr(model, "model_fields_set", ())


def calibration_note(scenario) -> str | None:
    """One line: the knobs the calibration sets and the written fields they replace; None
    without a calibration."""
    from .calibration import load_posterior

    label = calibration_label(scenario)
    if label is None:
        return None
    try:
        posterior = load_posterior(scenario.calibration.posterior)
    except (OSError, ValueError):
        return None
    fields = posterior.fields(scenario)
    replaced = [n for n, k in zip(posterior.names, posterior.kinds) if k == "replace" and fields[n]]
    scaled = [n for n, k in zip(posterior.names, posterior.kinds) if k == "scale" and fields[n]]
    what = []
    if replaced:
        what.append(f"its knob {replaced[0]} replaces its field" if len(replaced) == 1 else
                    f"its knobs {', '.join(replaced)} replace their fields")
    if scaled:
        what.append(f"{', '.join(scaled)} multipl{'ies' if len(scaled) == 1 else 'y'} theirs")
    written = written_fields(scenario)
    unused = (f"the values the scenario writes for {', '.join(written)} are not used"
              if written else "the scenario writes none of the replaced fields")
    return (f"{label}: {' and '.join(what)} in every world (posterior draws); {unused} ({WHERE}; "
            "--set calibration=null runs the fields as written)")


def replaced_message(path: str, knob: str, scenario) -> str:
    """Why a value for the field at ``path`` (replaced by ``knob``) changes nothing."""
    return (f"is replaced in every world by the calibration's knob {knob} "
            f"({calibration_label(scenario)}), so a value given here would change nothing; to use "
            f"it, drop the calibration as well (--set calibration=null, or 'calibration': None among "
            f"the overrides) ({WHERE})")


def _touched(path: str, value: Any, field: str) -> bool:
    """Whether writing ``value`` at ``path`` writes ``field``: the field itself, inside it,
    or a section holding it whose value writes it."""
    if path == field or path.startswith((field + ".", field + "[")):
        return True
    if not field.startswith(path + "."):
        return False
    for key in field[len(path) + 1:].split("."):
        if not isinstance(value, Mapping) or key not in value:
            return False
        value = value[key]
    return True


def _plain(path: str) -> str:
    """``war.events[0]`` and ``war.events[x]`` alike: list items do not hold knob fields."""
    return re.sub(r"\[[^\]]*\]", "[]", path)


def check_overrides(overrides: Mapping[str, Any], changed) -> None:
    """Raise :class:`ScenarioError` (``<overrides>``, each field at fault) if ``overrides``
    write a field that ``changed`` (the scenario they make) replaces by its calibration."""
    from ..errors import Problem, ScenarioError

    replaced = replaced_fields(changed)
    problems = [Problem(field, replaced_message(field, knob, changed), file="<overrides>")
                for field, knob in replaced.items()
                if any(_touched(_plain(str(p)), v, field) for p, v in overrides.items() if p != "name")]
    if problems:
        raise ScenarioError(problems)


def keep_written(original, changed, overrides: Mapping[str, Any]) -> None:
    """Mark in ``changed`` (``original`` with ``overrides``, rebuilt from a full dump, so every
    field reads as written) which of the fields its calibration replaces were written: in the
    original, or by an override; so the note names the file's values, not every default."""
    for field in replaced_fields(changed):
        parent, _, key = field.rpartition(".")
        if any(parent == p or parent.startswith((p + ".", p + "[")) for p in map(str, overrides)):
            continue  # the section was written whole by an override: validation saw what it wrote
        try:
            before = field_at(original, parent)
        except ValueError:
            continue
        written = key in getattr(before, "model_fields_set", ()) or any(
            _touched(str(p), v, field) for p, v in overrides.items())
        fields_set = getattr(field_at(changed, parent), "__pydantic_fields_set__", None)
        if fields_set is not None and not written:
            fields_set.discard(key)
