"""Reading scenarios: YAML (safe loading only) or a mapping → validated ``Scenario``.

Every failure becomes a :class:`ScenarioError` naming the file, the field path
and, when the YAML file has it, the line.  Nothing else escapes: the YAML
parser's, pydantic's and our own cross-reference errors are all translated,
pydantic's into plain words at the path the user wrote (``_problems_from``).
"""

from __future__ import annotations

import copy
import difflib
import functools
import os
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import FieldError, Problem, ScenarioError
from . import distributions as _dists
from .references import suggest
from .schema import Scenario

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NODES = 200_000  # nodes after alias expansion: stops "billion laughs" files
MAX_DEPTH = 64

__all__ = ["apply_overrides", "dump_yaml", "load_scenario", "scenario_from_yaml"]


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
    if isinstance(source, str) and "\n" in source:
        raise ScenarioError([Problem("", "this looks like YAML text, not a file name; "
                                     "use scenario_from_yaml(text)", file="<string>")])
    return scenario_from_yaml(_read(Path(source)), file=str(source))


def scenario_from_yaml(text: str | bytes, *, file: str | None = None) -> Scenario:
    """Validate a scenario written as YAML text; ``file`` names it in error messages."""
    data, lines = _parse_yaml(text, file)
    if not isinstance(data, dict):
        kind = "an empty file" if data is None else f"a {type(data).__name__}"
        raise ScenarioError([Problem("", f"a scenario must be a mapping of fields, got {kind}",
                                     file=file, line=1)])
    return _validate(data, file=file, lines=lines)


def _read(path: Path) -> bytes:
    def fail(message: str) -> ScenarioError:
        return ScenarioError([Problem("", message, file=str(path))])

    try:
        is_dir = path.is_dir()
    except (OSError, ValueError):
        is_dir = False
    if is_dir:
        raise fail("is a directory, not a scenario file")
    try:
        with path.open("rb") as fh:
            # read one byte past the limit, so a huge file is refused unread
            return fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise fail("file not found") from None
    except OSError as exc:
        raise fail(f"cannot read file: {exc.strerror or exc}") from None
    except ValueError as exc:  # e.g. a NUL byte in the name
        raise fail(f"not a usable file name: {exc}") from None


# --- YAML ---------------------------------------------------------------------

class _Loader(yaml.SafeLoader):
    """Safe loading, plus numbers like ``1e-6`` and ``2.5e4``: YAML 1.1 reads them as
    text (it wants ``1.0e-6``), YAML 1.2 and the editors that check files read numbers."""


class _Dumper(yaml.SafeDumper):
    """Dumps text that ``_Loader`` would read as a number (``"1e5"``) in quotes."""


for _cls in (_Loader, _Dumper):
    _cls.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$"),
        list("-+0123456789."),
    )


def _parse_yaml(text: str | bytes, file: str | None) -> tuple[Any, dict[str, int]]:
    """The YAML document as plain data, and the line of each field path."""

    def fail(msg: str, line: int | None = None, path: str = "") -> ScenarioError:
        return ScenarioError([Problem(path, msg, file=file, line=line)])

    text = _decode(text, fail)
    loader = None
    try:
        loader = _Loader(text)  # may already refuse a control character
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[str, int] = {}
        _index_lines(node, "", lines, [0], 0, fail)
        return loader.construct_document(node), lines
    except ScenarioError:
        raise
    except yaml.MarkedYAMLError as exc:
        raise fail(*_syntax_problem(exc)) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise fail(f"character {exc.character!r} is not allowed in YAML", line) from None
    except yaml.YAMLError as exc:
        raise fail(f"invalid YAML: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise fail(f"nesting deeper than {MAX_DEPTH} levels") from None
    except (ValueError, TypeError, ArithmeticError) as exc:
        # e.g. an integer longer than Python will convert
        raise fail(f"a value cannot be read: {str(exc).split(';')[0]}") from None
    finally:
        if loader is not None:
            loader.dispose()


def _decode(text: str | bytes, fail) -> str:
    if not isinstance(text, (str, bytes, bytearray)):
        raise fail(f"expected YAML text, got {type(text).__name__}")
    if len(text) > MAX_FILE_BYTES:
        raise fail(f"file is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB")
    if isinstance(text, str):
        return text
    try:
        return bytes(text).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = text[: exc.start].count(b"\n") + 1
        raise fail(f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8", line) from None


def _syntax_problem(exc: yaml.MarkedYAMLError) -> tuple[str, int | None]:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    problem = exc.problem or exc.context or "syntax error"
    if problem.startswith("but ") and exc.context:  # "expected X" + "but found Y"
        problem = f"{exc.context} {problem}"
    if "'\\t'" in problem:
        return "invalid YAML: a tab character; indent with spaces", line
    tag = re.search(r"constructor for the tag '([^']*)'", problem)
    if tag:  # e.g. !!python/object/apply: safe loading refuses to run code
        name = tag.group(1).replace("tag:yaml.org,2002:", "!!")
        return f"YAML tag '{name}' is not allowed: a scenario holds plain data only", line
    column = f" (column {mark.column + 1})" if mark is not None else ""
    return f"invalid YAML: {problem}{column}", line


def _index_lines(node, path: str, lines: dict[str, int], count: list[int], depth: int,
                 fail) -> None:
    """Map each field path to its line; refuse duplicate keys, alias bombs and deep nesting."""
    count[0] += 1
    if count[0] > MAX_NODES:
        raise fail(f"file expands to more than {MAX_NODES} values (too many aliases?)")
    if depth > MAX_DEPTH:
        raise fail(f"nesting deeper than {MAX_DEPTH} levels", node.start_mark.line + 1)
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        first_line: dict[str, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            sub = f"{path}.{name}" if path else str(name)
            line = key.start_mark.line + 1
            if name in first_line and name not in ("?", "<<"):
                # plain YAML loaders keep the last one silently; that hides typos
                raise fail(f"duplicate key '{name}' (first on line {first_line[name]})",
                           line, sub)
            first_line[name] = line
            lines.setdefault(sub, line)
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
        raise ScenarioError(_problems_from(exc)).located(file, lines) from None
    except RecursionError:
        raise ScenarioError([Problem("", "structure nested too deeply", file=file)]) from None
    except ArithmeticError as exc:  # a parameter so extreme that its support overflows
        raise ScenarioError([Problem("", f"a value is out of range ({exc})", file=file)]) from None


# --- pydantic's errors in plain words ---------------------------------------------
#
# Pydantic reports an error at a "loc" such as
#   ('actors', 'A', 'capability', 'tagged-union[...]', 'beta', 'bb')
# which mixes field names, mapping keys, list indices and union branch labels.
# ``_locate`` walks the models along it, so it knows which parts the user wrote
# (the path), which model the last field belongs to (to suggest its fields),
# and which branch of a number-or-distribution field the error came from.

MAX_FIELDS_LISTED = 16
_EXAMPLE_DIST = "{dist: beta, a: 6, b: 3}"
_SCALAR_LABELS = {"float": float, "int": int, "str": str, "bool": bool}


@dataclass
class _Where:
    path: str = ""
    annotation: Any = None  # the type expected at the location (None: unknown)
    parent: type[BaseModel] | None = None  # model whose field the last part names
    branch: str | None = None  # "number" or "distribution" inside a Param field
    key: bool = False  # the error is about a mapping's key, not its value


def _problems_from(exc: ValidationError) -> list[Problem]:
    """One problem per field path, in pydantic's order."""
    located = [(err, _locate(err["loc"])) for err in exc.errors(include_url=False)]
    located = [(err, where) for err, where in located if not _from_other_branch(err, where)]
    # a misspelt required field is one mistake: say "did you mean 'b'?", not also "b is missing"
    meant = set()
    for err, where in located:
        close = err["type"] == "extra_forbidden" and _close_field(str(err["loc"][-1]), where.parent)
        if close:
            meant.add(_join(where.path.rpartition(".")[0], close))
    problems: dict[str, Problem] = {}
    for err, where in located:
        if err["type"] == "missing" and where.path in meant:
            continue
        for problem in _explain(err, where):
            problems.setdefault(problem.path, problem)
    return list(problems.values())


def _locate(loc: tuple) -> _Where:
    where = _Where(annotation=Scenario)
    for part in loc:
        ann = _unwrap(where.annotation)
        if part == "[key]":
            where.key = True
        elif _is_model(ann):
            where.parent = ann
            where.path = _join(where.path, part)
            field = _field(ann, part)
            where.annotation = field.annotation if field is not None else None
        elif get_origin(ann) is dict:
            where.path = _join(where.path, part)
            where.annotation = get_args(ann)[1]
        elif get_origin(ann) is list and isinstance(part, int):
            where.path += f"[{part}]"
            where.annotation = get_args(ann)[0]
        elif _is_union(ann) and isinstance(part, str):
            where.annotation = _union_branch(ann, part, where)
        else:  # a shape the walk does not know: still show what the user wrote
            where.path = where.path + f"[{part}]" if isinstance(part, int) else _join(where.path, part)
            where.annotation = None
    return where


def _union_branch(ann: Any, label: str, where: _Where) -> Any:
    """The member of a union that a branch label (or a discriminator tag) selects."""
    members = [_unwrap(m) for m in get_args(ann)]
    if label in _SCALAR_LABELS:
        where.branch = "number"
        return _SCALAR_LABELS[label]
    if label.startswith("tagged-union["):
        where.branch = "distribution"
        return next((m for m in members if _is_union(m)), None)
    for member in members:
        if _is_model(member) and _has_tag(member, label):
            return member
    return ann if label.startswith("function-") else None


def _from_other_branch(err: dict, where: _Where) -> bool:
    """An error from the branch of a number-or-distribution the user clearly did not mean."""
    meant_distribution = isinstance(err.get("input"), dict)
    if where.branch == "number":
        return meant_distribution
    if where.branch == "distribution":
        shape_errors = ("model_attributes_type", "model_type", "dict_type")
        return err["type"] in shape_errors and not meant_distribution
    return False


def _explain(err: dict, where: _Where) -> list[Problem]:
    if err["type"] == "value_error":
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, ScenarioError):  # cross-references: each keeps its own path
            return [Problem(_join(where.path, p.path), p.message) for p in cause.problems]
        if isinstance(cause, FieldError):
            return [Problem(_join(where.path, cause.field), cause.message)]
        return [Problem(where.path, err["msg"].removeprefix("Value error, "))]
    return [Problem(where.path, _message(err, where))]


def _message(err: dict, where: _Where) -> str:
    kind, got, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    shown = _show(got)
    if kind == "extra_forbidden":
        return _unknown_field(str(err["loc"][-1]), where.parent)
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_invalid":
        tag = str(ctx.get("tag", ""))
        return f"unknown distribution '{tag}'{suggest(tag, _dists.DIST_NAMES)}"
    if kind == "union_tag_not_found":
        return f"a distribution needs 'dist:' naming its family ({', '.join(_dists.DIST_NAMES)})"
    if where.key:
        return f"names must be text, got {shown} (put it in quotes)"
    if kind in ("float_type", "float_parsing"):
        if where.branch == "number":
            return f"expected a number or a distribution such as {_EXAMPLE_DIST}, got {shown}"
        return f"expected a number, got {shown}"
    if kind.startswith("int_"):
        return f"expected a whole number, got {shown}"
    if kind.startswith("bool_"):
        return f"expected true or false, got {shown}"
    if kind == "string_type":
        return f"expected text, got {shown}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping (name: value lines), got {shown}"
    if kind == "list_type":
        return f"expected a list, got {shown}"
    if kind == "literal_error":
        return _not_one_of(got, where.annotation, ctx.get("expected", ""))
    if kind in ("too_short", "too_long"):
        limit = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        one, many = ("entry", "entries") if ctx.get("field_type") == "Dictionary" else \
            ("item", "items")
        noun = one if limit == 1 else many
        bound = "at least" if kind == "too_short" else "at most"
        return f"needs {bound} {limit} {noun}, has {ctx.get('actual_length')}"
    if kind == "string_pattern_mismatch":
        return f"{shown} has characters not allowed here (pattern {ctx.get('pattern')})"
    msg = err["msg"]
    if msg.startswith("Input should be"):
        return msg.replace("Input should be", "must be", 1) + f", got {shown}"
    return msg


def _not_one_of(got: Any, annotation: Any, expected: str) -> str:
    options = [str(o) for o in get_args(_unwrap(annotation))] if _is_literal(annotation) else []
    if not options:
        return f"must be {expected}, got {_show(got)}"
    hint = suggest(str(got), options)
    if "did you mean" not in hint:
        hint = ""
    return f"must be one of {', '.join(options)}, got {_show(got)}{hint}"


def _unknown_field(key: str, model: type[BaseModel] | None) -> str:
    """Suggest from the fields valid where the key was written, never the whole vocabulary."""
    if model is None:
        return f"unknown field '{key}'"
    close = _close_field(key, model)
    if close:
        return f"unknown field '{key}'; did you mean '{close}'?"
    valid = _field_names(model)
    homes = _homes().get(key, [])
    if homes:
        places = " or ".join("at the top level" if h == "" else f"under '{h}'" for h in homes[:3])
        return f"unknown field '{key}' here; it belongs {places}"
    if len(valid) <= MAX_FIELDS_LISTED:
        return f"unknown field '{key}'; valid here: {', '.join(valid)}"
    return f"unknown field '{key}'"


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _close_field(key: str, model: type[BaseModel] | None) -> str:
    """The field of ``model`` that ``key`` is probably a misspelling of ('' if none)."""
    if model is None:
        return ""
    close = difflib.get_close_matches(key, _field_names(model), n=1, cutoff=0.6)
    return close[0] if close else ""


@functools.cache
def _homes() -> dict[str, list[str]]:
    """Field name → where it is valid (``'rounds'``, ``'actors.NAME'``, ``''`` for top level)."""
    homes: dict[str, list[str]] = {}

    def walk(model: type[BaseModel], where: str) -> None:
        for name, field in model.model_fields.items():
            homes.setdefault(field.alias or name, []).append(where)
            for sub, suffix in _submodels(field.annotation):
                walk(sub, _join(where, field.alias or name) + suffix)

    walk(Scenario, "")
    return homes


def _submodels(annotation: Any) -> list[tuple[type[BaseModel], str]]:
    """Models directly inside a field's type, with the path suffix that reaches them.
    Number-or-distribution unions are skipped: their fields are a distribution's."""
    ann = _unwrap(annotation)
    if _is_model(ann):
        return [(ann, "")]
    if get_origin(ann) is dict:
        return [(m, ".NAME" + s) for m, s in _submodels(get_args(ann)[1])]
    if get_origin(ann) is list:
        return [(m, "[i]" + s) for m, s in _submodels(get_args(ann)[0])]
    return []


def _show(value: Any) -> str:
    """A short description of what the user wrote."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple, set)):
        return "a list"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _unwrap(ann: Any) -> Any:
    """Strip ``Annotated[...]`` and ``X | None`` down to the type that matters."""
    while True:
        if get_origin(ann) is Annotated:
            ann = get_args(ann)[0]
        elif _is_union(ann):
            members = [m for m in get_args(ann) if m is not type(None)]
            if len(members) != 1:
                return ann
            ann = members[0]
        else:
            return ann


def _is_union(ann: Any) -> bool:
    return get_origin(ann) in (Union, types.UnionType)


def _is_literal(ann: Any) -> bool:
    return get_origin(_unwrap(ann)) is Literal


def _is_model(ann: Any) -> bool:
    return isinstance(ann, type) and issubclass(ann, BaseModel)


def _field(model: type[BaseModel], name: Any):
    for fname, field in model.model_fields.items():
        if name in (field.alias, fname):
            return field
    return None


def _has_tag(model: type[BaseModel], tag: str) -> bool:
    return any(_is_literal(f.annotation) and tag in get_args(_unwrap(f.annotation))
               for f in model.model_fields.values())


def _join(path: str, part: Any) -> str:
    part = str(part)
    if not path or part.startswith("["):
        return path + part
    return f"{path}.{part}" if part else path


# --- overrides and dumping ---------------------------------------------------

_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_WELL_FORMED = re.compile(r"^[^.\[\]]+(\[\d+\])*(\.[^.\[\]]+(\[\d+\])*)*$")


def apply_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """Replace values at dotted paths (``actors.X.patience``, ``war.events[0].start``)."""
    data = copy.deepcopy(scenario.to_dict())
    for dotted, value in overrides.items():
        _set_path(data, str(dotted), copy.deepcopy(value))
    return _validate(data, file="<overrides>", lines={})


def _set_path(data: Any, dotted: str, value: Any) -> None:
    def fail(message: str) -> ScenarioError:
        return ScenarioError([Problem(dotted, message, file="<overrides>")])

    if not _WELL_FORMED.match(dotted):
        raise fail("not a field path like 'actors.NAME.patience' or 'war.events[0].start'")
    parts = [(m.group(1), m.group(2)) for m in _SEGMENT.finditer(dotted)]
    target = data
    walked = ""
    for i, (key, index) in enumerate(parts):
        last = i == len(parts) - 1
        if index is not None:
            idx = int(index)
            if not isinstance(target, list):
                raise fail(f"'{walked}' is not a list")
            if idx >= len(target):
                raise fail(f"'{walked}' has {len(target)} items, no [{idx}]")
            if last:
                target[idx] = value
            else:
                target = target[idx]
            walked += f"[{idx}]"
            continue
        if not isinstance(target, dict):
            raise fail(f"'{walked}' is not a mapping")
        if last:
            target[key] = value  # a new key is fine here: validation names it if unknown
            return
        if key not in target:
            raise fail(f"no field '{key}' under '{walked or '(top level)'}'"
                       f"{suggest(key, list(target))}")
        target = target[key]
        walked = f"{walked}.{key}" if walked else key


def dump_yaml(scenario: Scenario) -> str:
    """YAML text that :func:`scenario_from_yaml` loads back to an equal scenario."""
    return yaml.dump(scenario.to_dict(), Dumper=_Dumper, sort_keys=False, allow_unicode=True)
