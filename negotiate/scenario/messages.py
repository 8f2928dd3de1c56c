"""Pydantic's validation errors in plain words, at the path the user wrote.

Pydantic reports an error at a "loc" such as
``('actors', 'A', 'capability', 'tagged-union[...]', 'beta', 'bb')``, which
mixes field names, mapping keys, list indices and union branch labels.
:func:`problems_from` walks the models along it, so it knows which parts the
user wrote (the path), which model the last field belongs to (to suggest its
fields), and which branch of a number-or-distribution field the error came from.
"""

from __future__ import annotations

import difflib
import functools
import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from ..errors import FieldError, Problem, ScenarioError
from . import distributions as _dists
from .references import suggest
from .schema import Scenario

__all__ = ["plain_message", "problems_from"]

#
# Pydantic reports an error at a "loc" such as
#   ('actors', 'A', 'capability', 'tagged-union[...]', 'beta', 'bb')
# which mixes field names, mapping keys, list indices and union branch labels.
# ``_locate`` walks the models along it, so it knows which parts the user wrote
# (the path), which model the last field belongs to (to suggest its fields),
# and which branch of a number-or-distribution field the error came from.

MAX_FIELDS_LISTED = 20   # the top level (17 sections with talks) is still listed
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


def _locate(loc: tuple, root: type[BaseModel] | None = None) -> _Where:
    where = _Where(annotation=Scenario if root is None else root)
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
    if err["type"] == "invalid_key":  # blame the mapping: the key's spelling is unknown here
        return [Problem(_locate(err["loc"][:-1]).path, _message(err, where))]
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
    if kind == "invalid_key":  # a key YAML read as a number, true/false or null
        return f"field names must be text, got {shown} (put it in quotes)"
    if kind in ("float_type", "float_parsing"):
        if where.branch == "number":
            return f"expected a number or a distribution such as {_EXAMPLE_DIST}, got {shown}"
        return f"expected a number, got {shown}"
    if kind.startswith("int_"):
        return f"expected a whole number, got {shown}"
    if kind.startswith("bool_"):
        return f"expected true or false, got {shown}"
    if kind == "string_type":
        if isinstance(got, (int, float)) and not isinstance(got, bool):  # sha256: 000...0, an id 1234
            return (f"expected text, got the number {shown}: YAML reads unquoted digits as a number; "
                    "put the value in quotes")
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


def problems_from(exc: ValidationError) -> list[Problem]:
    """One plain-words problem per mistake in a pydantic ValidationError."""
    return _problems_from(exc)


def plain_message(err: dict, root: type[BaseModel]) -> str:
    """The house wording of one pydantic error (an item of ``exc.errors()``) of a model
    ``root`` other than the scenario (such as a case's record), without its path."""
    return _message(err, _locate(tuple(err["loc"]), root))
