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
    whole = schema["$defs"]["Scenario"]   # a file without extends: must be a whole scenario
    assert schema["else"] == {"$ref": "#/$defs/Scenario"} and schema["if"] == {"required": ["extends"]}
    assert whole["required"] == ["name", "issues", "actors"]
    assert schema["additionalProperties"] is False and whole["additionalProperties"] is False
    assert "required" not in schema and "extends" in schema["properties"]


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
    paths = {".".join(map(str, e.absolute_path)) for e in validator.iter_errors(data)}
    assert {"actors.A", "issues.share.status_quo"} <= paths
    assert paths <= {"actors", "actors.A", "issues", "issues.share.status_quo"}


@settings(max_examples=scaled(25), deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(scenario_data(max_actors=4, max_issues=4))
def test_schema_accepts_every_generated_scenario(data):
    assert list(_validator().iter_errors(data)) == []


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.name)
def test_schema_accepts_the_shipped_scenarios(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert [e.message for e in _validator().iter_errors(data)] == []


def test_a_variant_with_extends_may_be_partial_and_delete_keys():
    validator = _validator()
    variant = {"extends": "base.yaml", "actors": {"Russia": {"patience": 0.95, "war_cost": None}},
               "war": {"events": [{"start": 2}]}}
    assert list(validator.iter_errors(variant)) == []
    assert list(validator.iter_errors({"actors": {"Russia": {"patience": 0.95}}}))  # no extends: whole
    for bad in ({"extends": "b.yaml", "actors": {"Russia": {"patiense": 0.95}}},   # unknown field
                {"extends": "b.yaml", "actors": {"Russia": {"patience": 1.5}}},     # out of range
                {"extends": "b.yaml", "war": {"events": [{"drift": 0.1}]}},         # a list item is whole
                {"extends": 3}):
        assert list(validator.iter_errors(bad)), bad


def test_field_descriptions_are_the_docs_text():
    from negotiate.scenario.field_docs import model_classes, read_field_docs
    from negotiate.scenario.field_texts import FIELD_TEXTS

    docs = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    assert read_field_docs(docs) == FIELD_TEXTS, (
        "negotiate/scenario/field_texts.py is not the text of docs/scenario-format.md; regenerate it "
        "with:  python -m negotiate.scenario.field_docs docs/scenario-format.md")
    schema = scenario_json_schema()
    war_cost = schema["$defs"]["Actor"]["properties"]["war_cost"]["description"]
    assert war_cost.startswith(FIELD_TEXTS["Actor.war_cost"]) and "sensible range" in war_cost
    assert schema["properties"]["actors"]["description"] == FIELD_TEXTS["Scenario.actors"]
    # every field of the format is described, but the distributions' parameters (their own
    # table in the docs) and these, which the docs describe in prose
    undocumented = {f"{name}.{field}" for name, model in model_classes().items()
                    for field in model.model_fields} - set(FIELD_TEXTS)
    prose = {"Scenario.settlement", "Talks.drafting", "Talks.truce_drafting", "Ratification.actor",
             "Ratification.probability", "Threshold.weights", "Threshold.threshold"}
    distributions = {"Normal", "TruncNormal", "Beta", "Uniform", "Triangular", "LogNormal", "Choice"}
    assert {f for f in undocumented if f.split(".")[0] not in distributions} == prose


def test_the_docs_show_the_editor_line():
    docs = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    assert "# yaml-language-server: $schema=" in docs
