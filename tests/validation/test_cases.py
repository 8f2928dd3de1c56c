"""Loading cases: the record format, its consistency checks, and errors that name
the file, the line and the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from negotiate import ScenarioError
from negotiate.model.outcomes import OUTCOMES
from negotiate.validation import Case, Record, load_case, load_cases, load_record
from tests.validation.library import AS_OF, HORIZON, record_data, scenario_text, write_case


def problems(exc: pytest.ExceptionInfo) -> list[str]:
    return [str(p) for p in exc.value.problems]


def only_problem(exc: pytest.ExceptionInfo) -> str:
    [line] = problems(exc)
    return line


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_a_consistent_case_loads(tmp_path, outcome):
    folder = write_case(tmp_path, "alpha_1990", outcome)
    case = load_case(folder)
    assert isinstance(case, Case) and case.id == "alpha_1990"
    assert case.scenario.name == "alpha_1990" and case.scenario.as_of == AS_OF
    assert case.scenario_path == folder / "scenario.yaml" and case.folder == folder
    assert isinstance(case.record, Record) and case.record.outcome == outcome


def test_the_readme_example_record_is_valid(tmp_path):
    text = (Path(__file__).resolve().parents[2] / "cases" / "README.md").read_text(encoding="utf-8")
    block = text.split("## `record.yaml`", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "record.yaml").write_text(block, encoding="utf-8")
    record = load_record(tmp_path / "record.yaml")
    assert (record.case, record.outcome, record.first_agreement_round) == (
        "bosnia_1995", "comprehensive_agreement", 9)


def test_first_agreement_round_is_the_earlier_of_truce_and_agreement():
    assert Record.model_validate(record_data("a", "comprehensive_agreement")).first_agreement_round == 4
    assert Record.model_validate(record_data("a", "conditional_truce")).first_agreement_round == 2
    assert Record.model_validate(record_data("a", "no_agreement")).first_agreement_round is None
    late = record_data("a", "comprehensive_agreement", first_truce_round=None, agreement_round=12)
    assert Record.model_validate(late).first_agreement_round == 12


def test_unquoted_dates_are_read_as_text(tmp_path):
    folder = write_case(tmp_path, "alpha_1990")
    path = folder / "record.yaml"
    path.write_text(path.read_text().replace("'1990-01-01'", "1990-01-01"))
    assert "as_of: 1990-01-01\n" in path.read_text()
    assert load_record(path).as_of == "1990-01-01"


# --- errors name the file, the line and the field ------------------------------------------

def test_unknown_key_is_refused_with_a_suggestion(tmp_path):
    folder = write_case(tmp_path, "alpha_1990")
    path = folder / "record.yaml"
    path.write_text(path.read_text().replace("victory:", "victroy:"))
    with pytest.raises(ScenarioError) as exc:
        load_case(folder)
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if t.startswith("victroy"))
    assert only_problem(exc) == f"{path}:{line}: victroy: unknown field 'victroy'; did you mean 'victory'?"


def test_unknown_nested_key(tmp_path):
    record = record_data("alpha_1990", "conditional_truce")
    record["ceasefire"]["scop"] = record["ceasefire"].pop("scope")
    folder = write_case(tmp_path, "alpha_1990", record=record)
    with pytest.raises(ScenarioError) as exc:
        load_case(folder)
    assert re.fullmatch(rf"{re.escape(str(folder / 'record.yaml'))}:\d+: ceasefire\.scop: unknown "
                        r"field 'scop'; did you mean 'scope'\?", only_problem(exc))


@pytest.mark.parametrize("outcome, changes, field, words", [
    ("comprehensive_agreement", {"agreement_round": None}, "agreement_round",
     "is null, but outcome is comprehensive_agreement"),
    ("conditional_truce", {"agreement_round": 9}, "agreement_round",
     "must be null when outcome is conditional_truce"),
    ("temporary_truce", {"first_truce_round": None}, "first_truce_round",
     "is null, but outcome is temporary_truce"),
    ("no_agreement", {"first_truce_round": 3}, "first_truce_round",
     "must be null when outcome is no_agreement"),
    ("comprehensive_agreement", {"first_truce_round": 12}, "first_truce_round",
     "12 is after agreement_round 9"),
    ("no_agreement", {"truce_collapsed": True}, "truce_collapsed", "first_truce_round is null"),
    ("conditional_truce", {"first_truce_round": HORIZON + 1}, "first_truce_round",
     f"must be between 1 and the horizon {HORIZON}, got {HORIZON + 1}"),
    ("conditional_truce", {"first_truce_round": 0}, "first_truce_round",
     "must be greater than or equal to 1, got 0"),
    ("conditional_truce", {"first_truce_round": 2.5}, "first_truce_round", "expected a whole number, got 2.5"),
    ("conditional_truce", {"first_truce_round": True}, "first_truce_round", "expected a whole number, got true"),
    ("conditional_truce", {"outcome": "truce"}, "outcome",
     "must be one of temporary_truce, conditional_truce, comprehensive_agreement, no_agreement, got 'truce'"),
    ("conditional_truce", {"victory": "no"}, "victory", "expected true or false, got 'no'"),
    ("conditional_truce", {"events": [{"date": "1990-01-10", "what": "x", "source": "papr"}]},
     "events[0].source", "'papr' is not in sources; did you mean 'paper'?"),
    ("conditional_truce", {"as_of": "January 1990"}, "as_of",
     "expected a date written YYYY-MM-DD (or YYYY-MM), got 'January 1990'"),
])
def test_inconsistent_records_name_the_field(tmp_path, outcome, changes, field, words):
    folder = write_case(tmp_path, "alpha_1990", record={**record_data("alpha_1990", outcome), **changes})
    with pytest.raises(ScenarioError) as exc:
        load_record(folder / "record.yaml")
    found = [p for p in exc.value.problems if p.path == field]
    assert found, problems(exc)
    assert found[0].file == str(folder / "record.yaml")
    assert found[0].line is not None and found[0].line > 1
    assert words in found[0].message


def test_a_missing_field_is_named(tmp_path):
    record = record_data("alpha_1990")
    del record["classification_note"]
    folder = write_case(tmp_path, "alpha_1990", record=record)
    with pytest.raises(ScenarioError) as exc:
        load_case(folder)
    assert only_problem(exc) == f"{folder / 'record.yaml'}:1: classification_note: missing: " \
                                "a record must give this field"


@pytest.mark.parametrize("field, value, expected", [
    ("case", "beta_1991", "'beta_1991' is not the case folder's name 'alpha_1990'"),
    ("as_of", "1990-02-01", "'1990-02-01' is not the scenario's as_of '1990-01-01'"),
    ("horizon", 104, f"104 is not the scenario's rounds.horizon {HORIZON}"),
])
def test_record_must_agree_with_its_scenario(tmp_path, field, value, expected):
    folder = write_case(tmp_path, "alpha_1990", **{field: value})
    with pytest.raises(ScenarioError) as exc:
        load_case(folder)
    line = next(i for i, t in enumerate((folder / "record.yaml").read_text().splitlines(), 1)
                if t.startswith(f"{field}:"))
    assert only_problem(exc) == f"{folder / 'record.yaml'}:{line}: {field}: {expected}"


def test_scenario_must_be_named_as_its_folder_and_dated(tmp_path):
    folder = tmp_path / "alpha_1990"
    folder.mkdir()
    (folder / "scenario.yaml").write_text(scenario_text("other", as_of=None))
    with pytest.raises(ScenarioError) as exc:
        load_case(folder, record=False)
    line = 1 + next(i for i, t in enumerate(scenario_text("other", as_of=None).splitlines())
                    if t.startswith("name:"))
    assert problems(exc) == [
        f"{folder / 'scenario.yaml'}:{line}: name: 'other' is not the case folder's name 'alpha_1990'",
        f"{folder / 'scenario.yaml'}: as_of: missing: a case's scenario gives the date the talks began",
    ]


def test_an_invalid_scenario_reports_its_own_problem(tmp_path):
    folder = write_case(tmp_path, "alpha_1990")
    path = folder / "scenario.yaml"
    path.write_text(path.read_text().replace("as_of: '1990-01-01'", "as_of: 1st of January"))
    with pytest.raises(ScenarioError) as exc:
        load_case(folder)
    assert only_problem(exc).startswith(f"{path}:")
    assert ": as_of: " in only_problem(exc)


@pytest.mark.parametrize("text, words", [
    ("case: [unclosed\n", "invalid YAML"),
    ("- a list\n", "a record must be a mapping of fields"),
    ("case: a\ncase: b\n", "duplicate key 'case'"),
])
def test_unreadable_records(tmp_path, text, words):
    folder = write_case(tmp_path, "alpha_1990", record=text)
    with pytest.raises(ScenarioError) as exc:
        load_case(folder)
    assert words in only_problem(exc)
    assert only_problem(exc).startswith(f"{folder / 'record.yaml'}:")


def test_missing_files_and_folders(tmp_path):
    with pytest.raises(ScenarioError) as exc:
        load_case(tmp_path / "nowhere")
    assert only_problem(exc) == f"{tmp_path / 'nowhere'}: (top level): folder not found"
    (tmp_path / "empty").mkdir()
    with pytest.raises(ScenarioError) as exc:
        load_case(tmp_path / "empty")
    assert only_problem(exc) == (f"{tmp_path / 'empty' / 'scenario.yaml'}: (top level): not found: "
                                 "a case folder needs a scenario.yaml")
    folder = write_case(tmp_path, "alpha_1990")
    (folder / "record.yaml").unlink()
    with pytest.raises(ScenarioError) as exc:
        load_case(folder)
    assert only_problem(exc) == f"{folder / 'record.yaml'}: (top level): file not found"


def test_without_record_the_record_file_is_never_opened(tmp_path):
    folder = write_case(tmp_path, "alpha_1990", record="this: is: not: yaml: [")
    case = load_case(folder, record=False)
    assert case.record is None and case.scenario.name == "alpha_1990"


# --- many cases --------------------------------------------------------------------------------

def test_load_cases_reads_a_library_sorted_and_single_folders_in_order(tmp_path):
    library = tmp_path / "cases"
    for case_id in ("gamma_1992", "alpha_1990", "beta_1991"):
        write_case(library, case_id)
    (library / "notes").mkdir()  # a folder without scenario.yaml is not a case
    (library / "README.md").write_text("# cases\n")
    assert [c.id for c in load_cases(library)] == ["alpha_1990", "beta_1991", "gamma_1992"]
    given = [library / "gamma_1992", library / "alpha_1990"]
    assert [c.id for c in load_cases(given)] == ["gamma_1992", "alpha_1990"]
    # the same folder twice counts once
    assert [c.id for c in load_cases([library, library / "beta_1991"])] == [
        "alpha_1990", "beta_1991", "gamma_1992"]


def test_load_cases_reports_every_problem(tmp_path):
    library = tmp_path / "cases"
    write_case(library, "alpha_1990")
    write_case(library, "beta_1991", victroy=False)
    write_case(library, "gamma_1992", horizon=52)
    with pytest.raises(ScenarioError) as exc:
        load_cases([library, tmp_path / "missing"])
    lines = problems(exc)
    assert len(lines) == 3
    assert lines[0] == f"{tmp_path / 'missing'}: (top level): folder not found"
    assert "beta_1991/record.yaml" in lines[1] and "victroy" in lines[1]
    assert "gamma_1992/record.yaml" in lines[2] and "horizon" in lines[2]


def test_a_folder_with_no_case_is_refused(tmp_path):
    (tmp_path / "nothing" / "here").mkdir(parents=True)
    with pytest.raises(ScenarioError) as exc:
        load_cases(tmp_path / "nothing")
    assert "no scenario.yaml here nor in any subfolder" in only_problem(exc)


def test_two_folders_with_one_id_are_refused(tmp_path):
    write_case(tmp_path / "a", "alpha_1990")
    write_case(tmp_path / "b", "alpha_1990")
    with pytest.raises(ScenarioError) as exc:
        load_cases([tmp_path / "a", tmp_path / "b"])
    assert "case 'alpha_1990' is also in" in only_problem(exc)


def test_record_yaml_written_by_the_helper_is_plain(tmp_path):
    # the helper's records are what a case author writes: nulls and plain lists
    folder = write_case(tmp_path, "alpha_1990", "no_agreement")
    data = yaml.safe_load((folder / "record.yaml").read_text())
    assert data["first_truce_round"] is None and data["ceasefire"] is None
