"""Properties over many generated scenarios: they load, round-trip through YAML,
take overrides, and no input of any shape makes the loader raise anything but
a ScenarioError."""

from __future__ import annotations

import math

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from negotiate import Scenario, ScenarioError, dump_yaml, load_scenario
from negotiate.scenario.load import _Dumper as YamlDumper
from negotiate.scenario.load import scenario_from_yaml
from tests.profiles import scaled
from tests.scenario.strategies import scenario_data, scenarios

MODEST = settings(max_examples=scaled(100), deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@MODEST
@given(scenario_data())
def test_generated_scenarios_load_and_round_trip_through_yaml(data):
    # the library's dumper quotes text its loader would read as a number ('0E0'); a
    # plain safe_dump would not, and the text would come back as 0.0
    text = yaml.dump(data, Dumper=YamlDumper, sort_keys=False, allow_unicode=True)
    scenario = scenario_from_yaml(text, file="generated.yaml")
    assert scenario == load_scenario(data)
    dumped = dump_yaml(scenario)
    again = scenario_from_yaml(dumped)
    assert again == scenario
    assert dump_yaml(again) == dumped


@settings(MODEST, max_examples=scaled(60))
@given(scenarios(max_actors=4, max_issues=4), st.data())
def test_with_overrides_gives_a_new_validated_scenario(scenario, data):
    actor = data.draw(st.sampled_from(scenario.actor_names))
    issue = data.draw(st.sampled_from(list(scenario.actors[actor].positions)))
    patience = data.draw(st.floats(0, 1))
    ideal = {"dist": "beta", "a": 2.0, "b": 3.0}
    before = scenario.to_dict()

    changed = scenario.with_overrides({
        f"actors.{actor}.patience": patience,
        f"actors.{actor}.positions.{issue}.ideal": ideal,
    })

    assert isinstance(changed, Scenario)
    assert changed.actors[actor].patience == patience
    assert changed.actors[actor].positions[issue].ideal.a == 2.0
    assert scenario.to_dict() == before  # the original is untouched
    expected = scenario.to_dict()
    expected["actors"][actor]["patience"] = patience
    expected["actors"][actor]["positions"][issue]["ideal"] = {**ideal, "low": 0.0, "high": 1.0}
    expected["name"] = f"{scenario.name}+patience+ideal"  # a derived scenario is named after its changes
    assert changed.to_dict() == expected


@settings(MODEST, max_examples=scaled(60))
@given(scenarios(max_actors=4, max_issues=4), st.data())
def test_bad_override_is_rejected_naming_its_path(scenario, data):
    actor = data.draw(st.sampled_from(scenario.actor_names))
    bad = data.draw(st.sampled_from([1.5, -0.1, math.nan, "soon", {"dist": "normal", "mean": 0,
                                                                     "sd": 1}]))
    path = f"actors.{actor}.patience"
    try:
        scenario.with_overrides({path: bad})
    except ScenarioError as exc:
        assert [p.path for p in exc.problems] == [path]
        assert str(exc).startswith(f"<overrides>: {path}: ")
    else:
        raise AssertionError(f"override {path}={bad!r} was accepted")


# --- nothing but ScenarioError ----------------------------------------------------

_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6) | st.integers(),
                                                                 inner, max_size=3),
    max_leaves=8,
)


def _replace_somewhere(data, value, choices):
    """``data`` with one node, chosen by ``choices``, replaced by ``value``."""
    if not isinstance(data, (dict, list)) or not choices or choices[0] == 0:
        return value
    keys = list(data) if isinstance(data, dict) else list(range(len(data)))
    if not keys:
        return value
    key = keys[choices[0] % len(keys)]
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[key] = _replace_somewhere(data[key], value, choices[1:])
    return copy


def _check_error(exc: ScenarioError) -> None:
    assert exc.problems
    for problem in exc.problems:
        assert "\n" not in str(problem)
        assert problem.message


@settings(MODEST, max_examples=scaled(150))
@given(scenario_data(max_actors=3, max_issues=3), _JSONISH,
       st.lists(st.integers(0, 7), min_size=1, max_size=6))
def test_any_value_anywhere_gives_a_scenario_or_a_scenario_error(data, value, choices):
    mutated = _replace_somewhere(data, value, choices)
    assume(mutated != data)
    try:
        load_scenario(mutated)
    except ScenarioError as exc:
        _check_error(exc)
    text = yaml.safe_dump(mutated, sort_keys=False, allow_unicode=True)
    try:
        scenario_from_yaml(text, file="mutated.yaml")
    except ScenarioError as exc:
        _check_error(exc)
        assert all(p.file == "mutated.yaml" for p in exc.problems)


@settings(MODEST, max_examples=scaled(200))
@given(st.text(max_size=200) | st.binary(max_size=200))
def test_any_text_gives_a_scenario_error(text):
    try:
        scenario_from_yaml(text, file="noise.yaml")
    except ScenarioError as exc:
        _check_error(exc)


_YAMLISH = st.lists(
    st.sampled_from(["name: x", "issues:", "actors:", "  a:", "    role: party", "- 1", "[", "]",
                     "{", "}", ": ", "&a", "*a", "!!str", "!!python/name:os.system", "---",
                     "\t", "  ", "? ", "|", ">", "'", '"', "#", "%YAML 1.1", "\\", "\n",
                     "<<: *a", "1e400", ".nan", "~"]),
    max_size=30,
).map("".join)


@settings(MODEST, max_examples=scaled(200))
@given(_YAMLISH)
def test_yaml_shaped_noise_gives_a_scenario_error(text):
    try:
        scenario_from_yaml(text, file="noise.yaml")
    except ScenarioError as exc:
        _check_error(exc)
