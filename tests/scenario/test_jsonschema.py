"""The JSON Schema: committed copy up to date, and it agrees with the loader."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from negotiate.scenario.jsonschema import scenario_json_schema, scenario_json_schema_text
from tests.profiles import scaled
from tests.scenario.strategies import scenario_data

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "scenarios" / "scenario.schema.json"
MINIMAL = Path(__file__).parent / "data" / "minimal.yaml"


def test_committed_schema_is_up_to_date():
    assert COMMITTED.read_text(encoding="utf-8") == scenario_json_schema_text(), (
        "scenarios/scenario.schema.json is out of date with the pydantic models; regenerate it "
        "with:  negotiate schema > scenarios/scenario.schema.json"
    )


def test_schema_text_is_sorted_pretty_json_with_a_final_newline():
    text = scenario_json_schema_text()
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"


def test_schema_header():
    schema = scenario_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "negotiate scenario"
    assert "negotiate validate" in schema["description"]
    assert schema["required"] == ["name", "issues", "actors"]
    assert schema["additionalProperties"] is False


def test_ranged_numbers_carry_their_bounds():
    defs = scenario_json_schema()["$defs"]
    patience = defs["Actor"]["properties"]["patience"]
    number, distribution = patience["anyOf"]
    assert number == {"type": "number", "minimum": 0.0, "maximum": 1.0}
    assert distribution == {"$ref": "#/$defs/Distribution"}
    salience = defs["Position"]["properties"]["salience"]["anyOf"][0]
    assert salience == {"type": "number", "minimum": 0.0}
    assert set(defs["Distribution"]["discriminator"]["mapping"]) == {
        "normal", "truncnorm", "beta", "uniform", "triangular", "lognormal", "choice"}


jsonschema = pytest.importorskip("jsonschema")


@functools.cache
def _validator():
    schema = scenario_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_accepts_the_minimal_scenario_and_rejects_unknown_fields():
    validator = _validator()
    data = yaml.safe_load(MINIMAL.read_text())
    assert list(validator.iter_errors(data)) == []
    data["actors"]["A"]["patiense"] = 0.5
    data["issues"]["share"]["status_quo"] = 1.5
    paths = sorted(".".join(map(str, e.absolute_path)) for e in validator.iter_errors(data))
    assert paths == ["actors.A", "issues.share.status_quo"]


@settings(max_examples=scaled(25), deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(scenario_data(max_actors=4, max_issues=4))
def test_schema_accepts_every_generated_scenario(data):
    assert list(_validator().iter_errors(data)) == []


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.name)
def test_schema_accepts_the_shipped_scenarios(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert [e.message for e in _validator().iter_errors(data)] == []
