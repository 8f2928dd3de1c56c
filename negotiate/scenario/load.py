"""Reading scenarios: YAML (``safe_load`` only) or a mapping → validated ``Scenario``.

Every failure becomes a :class:`ScenarioError` naming the file, the field path
and, when the YAML file has it, the line.  Nothing else escapes: the YAML
parser's, pydantic's and our own cross-reference errors are all translated.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any, Mapping

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import Problem, ScenarioError
from . import distributions as _dists
from .references import suggest
from .schema import Scenario

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NODES = 200_000  # nodes after alias expansion: stops "billion laughs" files
MAX_DEPTH = 64

__all__ = ["load_scenario", "scenario_from_yaml", "apply_overrides", "dump_yaml"]


def load_scenario(source: str | os.PathLike | Mapping[str, Any] | Scenario) -> Scenario:
    """Load and validate a scenario from a YAML file path, a mapping or a ``Scenario``."""
    if isinstance(source, Scenario):
        return source
    if isinstance(source, Mapping):
        return _validate(dict(source), file=None, lines={})
    if not isinstance(source, (str, os.PathLike)):
        raise ScenarioError(
            f"expected a path, a mapping or a Scenario, got {type(source).__name__}"
        )
    path = Path(source)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError([Problem("", "file not found", file=str(path))]) from None
    except OSError as exc:
        raise ScenarioError([Problem("", f"cannot read file: {exc.strerror}", file=str(path))]) from None
    return scenario_from_yaml(raw, file=str(path))


def scenario_from_yaml(text: str | bytes, *, file: str | None = None) -> Scenario:
    data, lines = _parse_yaml(text, file)
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise ScenarioError([Problem("", f"a scenario must be a mapping of fields, got {kind}", file=file, line=1)])
    return _validate(data, file=file, lines=lines)


# --- YAML ---------------------------------------------------------------------

def _parse_yaml(text: str | bytes, file: str | None) -> tuple[Any, dict[str, int]]:
    def fail(msg: str, line: int | None = None) -> ScenarioError:
        return ScenarioError([Problem("", msg, file=file, line=line)])

    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise fail(f"file is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = text[: exc.start].count(b"\n") + 1
            raise fail(f"not valid UTF-8 (byte {exc.start})", line) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise fail(f"invalid YAML: {exc.problem}", line) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise fail(f"invalid YAML: {type(exc).__name__}") from None
    if node is None:
        return None, {}
    lines: dict[str, int] = {}
    _index_lines(node, "", lines, [0], 0, fail)
    try:
        data = yaml.safe_load(text)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise fail(f"unsupported YAML: {exc.problem}", mark.line + 1 if mark else None) from None
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as exc:
        raise fail(f"invalid YAML: {exc}") from None
    return data, lines


def _index_lines(node, path: str, lines: dict[str, int], count: list[int], depth: int, fail) -> None:
    """Map each field path to its line; refuse alias bombs and very deep nesting."""
    count[0] += 1
    if count[0] > MAX_NODES:
        raise fail(f"file expands to more than {MAX_NODES} values (anchors/aliases?)")
    if depth > MAX_DEPTH:
        raise fail(f"nesting deeper than {MAX_DEPTH} levels", node.start_mark.line + 1)
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            sub = f"{path}.{name}" if path else str(name)
            lines.setdefault(sub, key.start_mark.line + 1)
            _index_lines(value, sub, lines, count, depth + 1, fail)
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            _index_lines(value, f"{path}[{i}]", lines, count, depth + 1, fail)


# --- validation ---------------------------------------------------------------

def _validate(data: dict[str, Any], *, file: str | None, lines: dict[str, int]) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ScenarioError as exc:
        raise exc.located(file, lines) from None
    except ValidationError as exc:
        raise ScenarioError(_problems(exc)).located(file, lines) from None
    except RecursionError:
        raise ScenarioError([Problem("", "structure nested too deeply", file=file)]) from None


_BRANCH = re.compile(r"^(float|int|str|bool|list\[.*\]|dict\[.*\]|function-.*|tagged-union\[.*\]|"
                     + "|".join(_dists.DIST_NAMES) + r")$")


def _path(loc: tuple) -> tuple[str, bool]:
    """Dotted field path of a pydantic error location; drop union branch labels."""
    out = ""
    in_union = False
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _BRANCH.match(str(part)):
            in_union = True
        else:
            out = f"{out}.{part}" if out else str(part)
    return out, in_union


def _problems(exc: ValidationError) -> list[Problem]:
    by_path: dict[str, list[dict]] = {}
    for err in exc.errors(include_url=False):
        path, _ = _path(err["loc"])
        by_path.setdefault(path, []).append(err)
    problems = []
    for path, errs in by_path.items():
        problems.append(Problem(path=path, message=_message(path, errs)))
    return problems


def _message(path: str, errs: list[dict]) -> str:
    types = {e["type"] for e in errs}
    if "extra_forbidden" in types:
        key = path.rsplit(".", 1)[-1]
        return f"unknown field '{key}'{suggest(key, sorted(_field_names()))}"
    if "union_tag_invalid" in types:
        return (f"unknown distribution; choose one of {', '.join(_dists.DIST_NAMES)}")
    # a number-or-distribution field given something else entirely
    if {"float_type", "float_parsing"} & types and {"model_type", "dict_type", "model_attributes_type", "union_tag_not_found"} & types:
        return "expected a number or a distribution such as {dist: beta, a: 6, b: 3}"
    value_errors = [e for e in errs if e["type"] == "value_error"]
    chosen = value_errors[0] if value_errors else errs[0]
    msg = chosen["msg"]
    msg = msg.removeprefix("Value error, ")
    if chosen["type"] == "missing":
        msg = "required field is missing"
    return msg


def _field_names() -> set[str]:
    names: set[str] = set()
    seen: set[type] = set()

    def walk(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        for fname, field in model.model_fields.items():
            names.add(field.alias or fname)
            for sub in _models_in(field.annotation):
                walk(sub)

    walk(Scenario)
    for cls in (_dists.Normal, _dists.TruncNormal, _dists.Beta, _dists.Uniform,
                _dists.Triangular, _dists.LogNormal, _dists.Choice):
        walk(cls)
    return names


def _models_in(annotation) -> list[type[BaseModel]]:
    import typing

    found = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found


# --- overrides and dumping ---------------------------------------------------

_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def apply_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """Replace values at dotted paths (``actors.X.patience``, ``war.events[0].start``)."""
    data = copy.deepcopy(scenario.to_dict())
    for dotted, value in overrides.items():
        _set_path(data, str(dotted), value)
    return _validate(data, file="<overrides>", lines={})


def _set_path(data: Any, dotted: str, value: Any) -> None:
    parts = [(m.group(1), m.group(2)) for m in _SEGMENT.finditer(dotted)]
    if not parts:
        raise ScenarioError(f"empty override path '{dotted}'", path=dotted)
    target = data
    walked = ""
    for i, (key, index) in enumerate(parts):
        last = i == len(parts) - 1
        if index is not None:
            idx = int(index)
            if not isinstance(target, list) or idx >= len(target):
                raise ScenarioError(f"no list item [{idx}] at '{walked}'", path=dotted)
            if last:
                target[idx] = value
            else:
                target = target[idx]
            walked += f"[{idx}]"
            continue
        if not isinstance(target, dict):
            raise ScenarioError(f"'{walked}' is not a mapping", path=dotted)
        if last:
            target[key] = value
            return
        if key not in target:
            raise ScenarioError(
                f"no field '{key}' under '{walked or '(top level)'}'{suggest(key, list(target))}",
                path=dotted,
            )
        target = target[key]
        walked = f"{walked}.{key}" if walked else key


def dump_yaml(scenario: Scenario) -> str:
    """YAML text that :func:`scenario_from_yaml` loads back to an equal scenario."""
    return yaml.safe_dump(scenario.to_dict(), sort_keys=False, allow_unicode=True)
