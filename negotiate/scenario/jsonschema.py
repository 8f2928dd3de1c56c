"""The scenario format as a JSON Schema, for editors that check YAML as you type.

Generated from the pydantic models, with two additions pydantic cannot see:
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
        return out


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
    _share_distribution(schema)
    # ``calibration: library`` is short for ``{posterior: library}`` (a before-validator)
    schema["properties"]["calibration"]["anyOf"].insert(
        0, {"type": "string", "description": "short for {posterior: <this>}"})
    return {"$schema": DRAFT, **schema, "title": TITLE, "description": DESCRIPTION}


def scenario_json_schema_text() -> str:
    """The schema as committed: pretty-printed, keys sorted, ending in a newline."""
    return json.dumps(scenario_json_schema(), indent=2, sort_keys=True) + "\n"


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
