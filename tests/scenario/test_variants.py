"""Scenario variants: ``extends:``, list items by name, and the names of derived scenarios."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from negotiate import ScenarioError, load_scenario

MINIMAL = Path(__file__).parent / "data" / "minimal.yaml"
EVENTS = {"war.events": [{"name": "offensive", "start": 2, "drift": 0.01},
                         {"name": "aid_pause", "start": 4, "probability": 0.5}]}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def base(tmp_path) -> Path:
    return write(tmp_path, "base.yaml", MINIMAL.read_text())


# --- extends ------------------------------------------------------------------

def test_a_child_changes_only_what_it_writes(base):
    child = write(base.parent, "child.yaml", "extends: base.yaml\nname: child\n"
                  "actors:\n  A:\n    patience: 0.8\n    capability: null\n")
    scenario, parent = load_scenario(child), load_scenario(base)
    assert scenario.name == "child"
    assert scenario.actors["A"].patience == 0.8
    assert scenario.actors["A"].capability == type(parent.actors["B"]).model_fields["capability"].default
    assert scenario.actors["A"].positions == parent.actors["A"].positions  # merged, not replaced
    assert scenario.actors["B"] == parent.actors["B"]


def test_a_list_in_the_child_replaces_the_base_list(base):
    write(base.parent, "events.yaml", MINIMAL.read_text().replace("name: minimal", "name: events")
          + "war:\n  events:\n    - {start: 2}\n    - {start: 5}\n")
    child = write(base.parent, "child.yaml", "extends: events.yaml\nname: child\nwar:\n  events:\n"
                  "    - {start: 3}\n")
    assert [e.start for e in load_scenario(child).war.events] == [3]


def test_a_chain_of_extends_is_refused(base):
    write(base.parent, "middle.yaml", "extends: base.yaml\nname: middle\n")
    last = write(base.parent, "last.yaml", "extends: middle.yaml\nname: last\n")
    with pytest.raises(ScenarioError, match="chains of extends are not supported") as caught:
        load_scenario(last)
    assert Path(caught.value.problems[0].file).name == "middle.yaml"


@pytest.mark.parametrize(("child_text", "blamed", "path"), [
    ("actors:\n  A:\n    patience: 2\n", "child", "actors.A.patience"),
    ("actors:\n  B:\n    positions:\n      share: {ideal: 0, salience: -1, assumption: x}\n", "child",
     "actors.B.positions.share.salience"),
])
def test_an_error_names_the_file_and_line_that_wrote_the_value(base, child_text, blamed, path):
    child = write(base.parent, "child.yaml", "extends: base.yaml\nname: child\n" + child_text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    [problem] = caught.value.problems
    assert problem.path == path and Path(problem.file).name == f"{blamed}.yaml"
    assert f"{path.split('.')[-1]}:" in child.read_text().splitlines()[problem.line - 1]


def test_an_error_in_the_base_points_at_the_base(base):
    base.write_text(MINIMAL.read_text().replace("ideal: 0, salience: 1", "ideal: 7, salience: 1"))
    child = write(base.parent, "child.yaml", "extends: base.yaml\nname: child\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    [problem] = caught.value.problems
    assert Path(problem.file) == base and problem.path == "actors.B.positions.share.ideal"
    assert "ideal: 7" in base.read_text().splitlines()[problem.line - 1]


@pytest.mark.parametrize(("text", "words"), [
    ("extends: missing.yaml\nname: x\n", "file not found"),
    ("extends: 3\nname: x\n", "must be the path of a base scenario file"),
    ("extends: child.yaml\nname: x\n", "cannot extend itself"),
    ("extends: loop.yaml\nname: x\n", "a cycle"),
])
def test_bad_extends_is_refused_with_its_line(base, text, words):
    write(base.parent, "loop.yaml", "extends: child.yaml\nname: loop\n")
    child = write(base.parent, "child.yaml", text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    [problem] = caught.value.problems
    assert words in problem.message and problem.path == "extends" and problem.line == 1


def test_a_yaml_tag_in_the_base_is_refused(base):
    base.write_text("!!python/object/apply:os.system ['true']\n")
    child = write(base.parent, "child.yaml", "extends: base.yaml\nname: x\n")
    with pytest.raises(ScenarioError, match="not allowed"):
        load_scenario(child)


def test_a_mapping_extends_relative_to_the_current_folder(base, monkeypatch):
    monkeypatch.chdir(base.parent)
    scenario = load_scenario({"extends": "base.yaml", "name": "from_mapping"})
    assert scenario.name == "from_mapping" and scenario.actors == load_scenario(base).actors


@settings(max_examples=25, deadline=None)
@given(patience=st.floats(0, 1), horizon=st.integers(1, 200))
def test_extends_equals_the_overrides_it_writes(tmp_path_factory, patience, horizon):
    folder = tmp_path_factory.mktemp("ext")
    write(folder, "base.yaml", MINIMAL.read_text())
    child = write(folder, "child.yaml", f"extends: base.yaml\nname: child\nrounds:\n  horizon: {horizon}\n"
                  f"actors:\n  A:\n    patience: {patience!r}\n")
    expected = load_scenario(MINIMAL).with_overrides(
        {"rounds.horizon": horizon, "actors.A.patience": patience}, name="child")
    assert load_scenario(child) == expected


# --- list items by name --------------------------------------------------------

@pytest.fixture()
def with_events():
    return load_scenario(MINIMAL).with_overrides(EVENTS)


def test_list_items_are_picked_by_name(with_events):
    changed = with_events.with_overrides({"war.events[aid_pause].probability": 0.9})
    assert [e.probability for e in changed.war.events] == [1.0, 0.9]
    by_index = with_events.with_overrides({"war.events[1].probability": 0.9})
    assert changed.war == by_index.war


@pytest.mark.parametrize(("path", "words"), [
    ("war.events[aid_paus].start", "did you mean 'aid_pause'?"),
    ("war.events[nothing_like_it].start", "no item named 'nothing_like_it'"),
])
def test_an_unknown_item_name_is_refused(with_events, path, words):
    with pytest.raises(ScenarioError) as caught:
        with_events.with_overrides({path: 3})
    [problem] = caught.value.problems
    assert problem.path == path and words in problem.message and problem.file == "<overrides>"


def test_a_name_shared_by_several_items_is_refused():
    scenario = load_scenario(MINIMAL).with_overrides({"war.events": [{"start": 2}, {"start": 3}]})
    with pytest.raises(ScenarioError, match="2 items named 'event'"):
        scenario.with_overrides({"war.events[event].start": 4})


def test_field_at_reads_items_by_name(with_events):
    from negotiate.scenario.paths import field_at

    assert field_at(with_events, "war.events[aid_pause].probability") == 0.5
    assert field_at(with_events, "war.events[offensive].drift") == 0.01


# --- names of derived scenarios ---------------------------------------------------

def test_a_derived_scenario_has_its_own_name():
    scenario = load_scenario(MINIMAL)
    assert scenario.with_overrides({"actors.A.patience": 0.9}).name == "minimal+patience"
    assert scenario.with_overrides({"actors.A.patience": 0.9}, name="patient").name == "patient"
    assert scenario.with_overrides({"actors.A.patience": 0.9, "name": "x"}).name == "x"
    many = {f"actors.A.{f}": 0.1 for f in ("patience", "noise", "war_cost", "optimism")}
    assert scenario.with_overrides(many).name == "minimal+patience+noise+2_more"
    assert scenario.with_overrides({}).name == "minimal"


@pytest.mark.parametrize(("overrides", "path"), [
    ({"war.events": [{"name": "a", "start": 1}, {"start": 2}, {"name": "a", "start": 3}]}, "war.events[2].name"),
    ({"leverage": [{"name": "x", "by": "A", "target": "B", "kind": "refusal_cost", "amount": 0.1}] * 2},
     "leverage[1].name"),
])
def test_names_written_in_a_list_must_differ(overrides, path):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(MINIMAL).with_overrides(overrides)
    [problem] = caught.value.problems
    assert problem.path == path and "is already the name of" in problem.message


def test_the_default_name_may_be_shared_and_survives_a_round_trip():
    unnamed = load_scenario(MINIMAL).with_overrides({"war.events": [{"start": 1}, {"start": 2}]})
    again = load_scenario(unnamed.to_dict()).with_overrides({"war.events[1].start": 3})
    assert [e.start for e in again.war.events] == [1, 3]


def test_sensitivity_inputs_may_name_list_items(with_events):
    from negotiate.analysis.inputs import scenario_factors

    varied = with_events.with_overrides({"war.events[aid_pause].drift": {"dist": "uniform", "low": 0, "high": 0.01}})
    [factor] = scenario_factors(varied, ["war.events[aid_pause].drift"])
    assert factor.name == "war.events[1].drift"
    assert factor.values(np.array([0.5]))[0] == pytest.approx(0.005)


KEYS = st.sampled_from(["a", "b", "c", "d"])
LEAVES = st.one_of(st.integers(), st.text(max_size=3), st.lists(st.integers(), max_size=2))
TREES = st.recursive(LEAVES, lambda inner: st.dictionaries(KEYS, inner, max_size=3), max_leaves=12)
CHANGES = st.recursive(st.one_of(LEAVES, st.none()), lambda inner: st.dictionaries(KEYS, inner, max_size=3),
                       max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(base=st.dictionaries(KEYS, TREES, max_size=4), child=st.dictionaries(KEYS, CHANGES, max_size=4))
def test_merge_follows_its_three_rules(base, child):
    from negotiate.scenario.extends import merge

    merged, _ = merge(base, {}, child, {})

    def check(b: dict, c: dict, m: dict) -> None:
        for key in set(b) | set(c):
            if key not in c:
                assert m[key] == b[key]                       # untouched
            elif c[key] is None:
                assert key not in m                           # null deletes
            elif isinstance(c[key], dict) and isinstance(b.get(key), dict):
                check(b[key], c[key], m[key])                 # mappings merge
            else:
                assert m[key] == c[key]                       # anything else replaces

    check(base, child, merged)
