"""``Scenario.with_overrides``: dotted paths in, a new validated scenario out."""

from __future__ import annotations

from pathlib import Path

import pytest

from negotiate import ScenarioError, load_scenario

MINIMAL = Path(__file__).parent / "data" / "minimal.yaml"


@pytest.fixture()
def scenario():
    return load_scenario(MINIMAL).with_overrides(
        {"war.events": [{"start": 3, "end": 5}, {"start": 8}]}
    )


def test_list_items_and_distributions_can_be_overridden(scenario):
    changed = scenario.with_overrides({
        "war.events[1].start": 9,
        "actors.B.capability": {"dist": "uniform", "low": 1, "high": 2},
    })
    assert [e.start for e in changed.war.events] == [3, 9]
    assert changed.actors["B"].capability.support() == (1.0, 2.0)
    assert scenario.war.events[1].start == 8


@pytest.mark.parametrize(("overrides", "path", "words"), [
    ({"actors.A.patience": 2}, "actors.A.patience", "must be between 0 and 1, got 2"),
    ({"actors.C.patience": 0.5}, "actors.C.patience", "no field 'C' under 'actors'"),
    ({"actros.A.patience": 0.5}, "actros.A.patience", "did you mean 'actors'?"),
    ({"actors.A.patiense": 0.5}, "actors.A.patiense", "did you mean 'patience'?"),
    ({"war.events[5].start": 1}, "war.events[5].start", "has 2 items, no [5]"),
    ({"war[0]": 1}, "war[0]", "'war' is not a list"),
    ({"name.x": 1}, "name.x", "'name' is not a mapping"),
    ({"actors..A": 1}, "actors..A", "not a field path"),
    ({"": 1}, "", "not a field path"),
    ({"war.events[0].end": 1}, "war.events[0].end", "end (1) is before start (3)"),
])
def test_bad_override_names_its_path(scenario, overrides, path, words):
    with pytest.raises(ScenarioError) as caught:
        scenario.with_overrides(overrides)
    [problem] = caught.value.problems
    assert problem.path == path
    assert words in problem.message
    assert problem.file == "<overrides>"


def test_override_values_are_not_shared_with_the_caller(scenario):
    events = [{"start": 2}]
    changed = scenario.with_overrides({"war.events": events})
    events[0]["start"] = 40
    assert changed.war.events[0].start == 2


def test_a_field_of_a_section_the_file_lacks_says_to_set_the_section(scenario):
    """A section the format has but the file leaves out is not a misspelling: no 'did you mean'."""
    assert scenario.talks is None
    with pytest.raises(ScenarioError, match=r"no 'talks' section under '\(top level\)'.*--set 'talks=\{\.\.\.\}'"):
        scenario.with_overrides({"talks.setup": 2})
    with_talks = scenario.with_overrides({"talks": {"setup": 0}})
    with pytest.raises(ScenarioError, match=r"no 'truce_drafting' section under 'talks'") as err:
        with_talks.with_overrides({"talks.truce_drafting.standstill": 0.5})
    assert "did you mean" not in str(err.value)
    with pytest.raises(ScenarioError, match="did you mean 'war'"):   # a misspelling still gets its hint
        scenario.with_overrides({"wra.drift": 0.1})
