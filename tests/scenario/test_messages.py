"""What an error message says: suggestions from the right place, short lists."""

from __future__ import annotations

import pytest

from negotiate import ScenarioError
from negotiate.errors import Problem
from negotiate.scenario.load import scenario_from_yaml

BASE = """\
name: msg
issues:
  land: {group: truce, low: none, high: all, status_quo: 0.2}
actors:
  A:
    role: party
    positions: {land: {ideal: 0, salience: 1, assumption: x}}
  B:
    role: party
    positions: {land: {ideal: 1, salience: 1, assumption: y}}
"""


def message_for(text: str) -> str:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_yaml(text, file="s.yaml")
    assert len(caught.value.problems) == 1, str(caught.value)
    return str(caught.value)


def test_unknown_actor_field_lists_only_actor_fields():
    message = message_for(BASE.replace("  A:\n    role: party\n", "  A:\n    role: party\n    zzz: 1\n"))
    assert message.startswith("s.yaml:7: actors.A.zzz: unknown field 'zzz'; valid here: role, ")
    assert "patience" in message and "positions" in message
    for elsewhere in ("horizon", "battlefield_issue", "status_quo", "monte_carlo"):
        assert elsewhere not in message


def test_typo_is_matched_against_the_fields_of_its_own_model():
    # 'lenght' is close to truce.length but also to nothing at the top level
    message = message_for(BASE + "truce: {lenght: 4}\n")
    assert "truce.lenght: unknown field 'lenght'; did you mean 'length'?" in message
    message = message_for(BASE + "war: {battlefeld_issue: land}\n")
    assert "did you mean 'battlefield_issue'?" in message


def test_a_field_written_in_the_wrong_section_says_where_it_belongs():
    message = message_for(BASE + "war: {seed: 3}\n")
    assert "war.seed: unknown field 'seed' here; it belongs under 'monte_carlo'" in message
    message = message_for(BASE.replace("    role: party\n    positions: {land: {ideal: 0",
                                       "    role: party\n    ideal: 0.2\n    positions: {land: {ideal: 0"))
    assert "actors.A.ideal: unknown field 'ideal' here; it belongs under 'actors.NAME.positions.NAME'" in message


def test_unknown_top_level_field_without_a_close_match_lists_the_top_level_fields():
    message = message_for(BASE + "qqqq: 1\n")
    assert "valid here: name, title, description, as_of, sources, rounds, issues, actors" in message
    assert "patience" not in message


def test_unknown_names_are_not_listed_when_there_are_many():
    actors = "".join(
        f"  actor{i:02d}:\n    role: party\n    positions: {{land: {{ideal: 0, salience: 1, assumption: x}}}}\n"
        for i in range(30)
    )
    text = BASE.split("actors:\n")[0] + "actors:\n" + actors + "war: {}\n"
    text = text.replace("status_quo: 0.2}", "status_quo: 0.2, controllers: [zzzz]}")
    message = message_for(text)
    assert "issues.land.controllers[0]: unknown actor 'zzzz'" in message
    assert "actor17" not in message
    assert "none of the 30 known names is close" in message


def test_few_unknown_names_are_listed():
    message = message_for(BASE.replace("status_quo: 0.2}", "status_quo: 0.2, controllers: [Q]}"))
    assert message.endswith("unknown actor 'Q' (known: A, B)")


def test_choice_of_words_lists_the_choices():
    message = message_for(BASE.replace("    role: party\n    positions: {land: {ideal: 0",
                                       "    role: king\n    positions: {land: {ideal: 0"))
    assert "actors.A.role: must be one of party, mediator, stakeholder, got 'king'" in message


def test_null_where_a_section_goes():
    message = message_for(BASE + "war:\n")
    assert "war: expected a mapping (name: value lines), got nothing (null)" in message


def test_long_values_are_shortened():
    message = message_for(BASE.replace("status_quo: 0.2", "status_quo: " + "x" * 200))
    assert "x" * 60 not in message and "..." in message


def test_a_line_break_in_a_key_stays_on_one_line():
    message = message_for(BASE + '"bad\\nkey": 1\n')
    assert "\n" not in message
    assert "bad\\nkey" in message


def test_problem_formatting():
    assert str(Problem("a.b", "wrong", file="f.yaml", line=3)) == "f.yaml:3: a.b: wrong"
    assert str(Problem("", "wrong")) == "<scenario>: (top level): wrong"
    assert str(Problem("a", "two\nlines")) == "<scenario>: a: two\\nlines"


def test_line_of_a_missing_field_is_its_parents():
    error = None
    try:
        scenario_from_yaml(BASE.replace("    positions: {land: {ideal: 1, salience: 1, assumption: y}}\n", ""),
                           file="s.yaml")
    except ScenarioError as exc:
        error = exc
    assert error is not None
    assert [str(p) for p in error.problems] == [
        "s.yaml:8: actors.B.positions: required field is missing"
    ]
