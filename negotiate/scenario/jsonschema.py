"""The scenario format as a JSON Schema, for editors that check YAML as you type.

Generated from the pydantic models, with each field described by its row in
docs/scenario-format.md (see :mod:`.field_docs`), and two additions pydantic cannot see:
the allowed range of each number-or-distribution field (its validator knows
it, see ``schema._ranged``) and one shared ``Distribution`` definition instead
of the same seven-way union written out at every such field.  Cross-reference
rules (a named actor must exist, probabilities sum to 1, ...) cannot be said in
JSON Schema; ``negotiate validate`` checks everything.

The committed copy is ``scenarios/scenario.schema.json``; regenerate it with
``negotiate schema > scenarios/scenario.schema.json``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pydantic.json_schema import GenerateJsonSchema

from .schema import Scenario

__all__ = ["scenario_json_schema", "scenario_json_schema_text"]

DRAFT = "https://json-schema.org/draft/2020-12/schema"
TITLE = "negotiate scenario"
DESCRIPTION = (
    "A scenario for negotiate, the Monte Carlo simulator of ceasefire negotiations. "
    "Any number may be a constant or a distribution such as {dist: beta, a: 6, b: 3}. "
    "This schema checks fields, types and ranges; `negotiate validate FILE` also checks "
    "that every actor and issue named somewhere is defined."
)


class _WithRanges(GenerateJsonSchema):
    """Adds each ranged number's bounds, which live in an after-validator."""

    def function_after_schema(self, schema):
        out = super().function_after_schema(schema)
        bounds = getattr(schema["function"]["function"], "allowed_range", None)
        if bounds is not None:
            _describe_range(out, *bounds)
        above = getattr(schema["function"]["function"], "numbers_above", None)
        if above is not None:   # a number must exceed this (a distribution may start there)
            _exclusive_minimum(out, above)
        return out


def _exclusive_minimum(schema: dict[str, Any], lo: float) -> None:
    for branch in schema.get("anyOf", []):
        if branch.get("type") == "number":
            branch.pop("minimum", None)
            branch["exclusiveMinimum"] = lo
    if "description" in schema:
        schema["description"] = schema["description"].replace(f"in [{lo:g},", f"in ({lo:g},")


def _describe_range(schema: dict[str, Any], lo: float, hi: float) -> None:
    for branch in schema.get("anyOf", []):
        if branch.get("type") == "number":
            if math.isfinite(lo):
                branch["minimum"] = lo
            if math.isfinite(hi):
                branch["maximum"] = hi
    if math.isfinite(lo) and math.isfinite(hi):
        words = f"in [{lo:g}, {hi:g}]"
    elif math.isfinite(lo):
        words = f">= {lo:g}"
    elif math.isfinite(hi):
        words = f"<= {hi:g}"
    else:
        schema["description"] = "A number, or a distribution"
        return
    schema["description"] = f"A number {words}, or a distribution whose values all lie there"


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file."""
    schema = Scenario.model_json_schema(schema_generator=_WithRanges)
    _describe_fields(schema)
    _share_distribution(schema)
    # ``calibration: library`` is short for ``{posterior: library}`` (a before-validator)
    schema["properties"]["calibration"]["anyOf"].insert(
        0, {"type": "string", "description": "short for {posterior: <this>}"})
    return {"$schema": DRAFT, **_with_extends(schema), "title": TITLE, "description": DESCRIPTION}


EXTENDS = ("a base scenario file (relative to this one) that this file changes: mappings merge key "
           "by key, anything else replaces the base's value, null deletes a key; the result is "
           "validated as one scenario")


def _with_extends(schema: dict[str, Any]) -> dict[str, Any]:
    """A file with ``extends:`` holds only changes: nothing is required in it, any
    mapping may be partial and ``null`` deletes a key (see :mod:`.extends`).  So
    the root's properties are those of a partial scenario, and a file without
    ``extends`` must also be a whole scenario (``else``: ``$defs/Scenario``)."""
    defs = schema.pop("$defs")
    models = [name for name, d in defs.items() if "properties" in d and name not in _DISTRIBUTIONS]
    whole = {k: v for k, v in schema.items() if k not in ("title", "description")}
    whole["properties"] = {**whole["properties"], "extends": {"type": "string", "description": EXTENDS}}
    defs["Scenario"] = whole
    for name in models:
        defs[f"Partial{name}"] = _partial(defs[name], models)
    root = _partial(whole, models)
    return {**root, "$defs": defs, "if": {"required": ["extends"]},
            "else": {"$ref": "#/$defs/Scenario"}}


_DISTRIBUTIONS = {"Normal", "TruncNormal", "Beta", "Uniform", "Triangular", "LogNormal", "Choice",
                  "Distribution"}


def _partial(model: dict[str, Any], models: list[str]) -> dict[str, Any]:
    """``model`` with nothing required, null allowed for every field, and its mapping
    fields partial too (list items stay whole: a list in a variant replaces the base's)."""
    out = {k: v for k, v in model.items() if k != "required"}
    out["properties"] = {name: _nullable(_partial_refs(prop, models))
                         for name, prop in model["properties"].items()}
    return out


def _partial_refs(node: Any, models: list[str]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.removeprefix("#/$defs/") in models:
            return {**node, "$ref": "#/$defs/Partial" + ref.removeprefix("#/$defs/")}
        # a mapping of a variant may name a few entries only (actors: {A: ...})
        return {k: (v if k == "items" else _partial_refs(v, models)) for k, v in node.items()
                if k != "minProperties"}
    if isinstance(node, list):
        return [_partial_refs(v, models) for v in node]
    return node


def _nullable(prop: dict[str, Any]) -> dict[str, Any]:
    text = {k: prop[k] for k in ("description", "title", "default") if k in prop}
    body = {k: v for k, v in prop.items() if k not in text}
    return {"anyOf": [body, {"type": "null"}], **text}


def scenario_json_schema_text() -> str:
    """The schema as committed: pretty-printed, keys sorted, ending in a newline."""
    return json.dumps(scenario_json_schema(), indent=2, sort_keys=True) + "\n"


def _describe_fields(schema: dict[str, Any]) -> None:
    """Each field's text from docs/scenario-format.md (via field_texts.py), before what
    the schema already says of it (such as its range)."""
    from .field_texts import FIELD_TEXTS

    models = {"Scenario": schema, **schema.get("$defs", {})}
    for key, text in FIELD_TEXTS.items():
        model, field = key.split(".", 1)
        prop = models.get(model, {}).get("properties", {}).get(field)
        if prop is not None:
            known = prop.get("description")
            prop["description"] = text if not known or known in text else f"{text} ({known})"


def _share_distribution(schema: dict[str, Any]) -> None:
    """Replace every inline distribution union by a reference to one definition."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if _is_distribution_union(node):
                if not found:
                    found.append(node)
                if node == found[0]:
                    return {"$ref": "#/$defs/Distribution"}
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    rewritten = walk(schema)
    if found:
        rewritten["$defs"]["Distribution"] = {
            **found[0],
            "description": "A distribution over a number, named by 'dist' "
                           "(parameterised as in scipy.stats)",
        }
    schema.clear()
    schema.update(rewritten)


def _is_distribution_union(node: dict[str, Any]) -> bool:
    return node.get("discriminator", {}).get("propertyName") == "dist" and "oneOf" in node
