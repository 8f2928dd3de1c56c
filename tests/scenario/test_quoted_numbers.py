"""A number written in quotes (``war_cost: "0.004"``) is text: refused where a number goes,
as the shipped JSON Schema refuses it, with the file, line and field named."""

from __future__ import annotations

import pytest
import yaml

from negotiate import ScenarioError, load_scenario
from negotiate.scenario.jsonschema import scenario_json_schema
from tests.cli import ROOT, negotiate_cli

#: every scenario file the repository holds that stands alone (no ``extends:``)
FILES = sorted(p for pattern in ("scenarios/*.yaml", "cases/*/scenario.yaml", "holdout/*/scenario.yaml",
                                                "tests/*/data/*.yaml")
               for p in ROOT.glob(pattern) if "extends" not in yaml.safe_load(p.read_text(encoding="utf-8")))


def _quoted(node, path: str, found: list[str]):
    """``node`` with every number written as text; the dotted paths of those numbers in ``found``."""
    if isinstance(node, dict):
        return {k: _quoted(v, f"{path}.{k}" if path else str(k), found) for k, v in node.items()}
    if isinstance(node, list):
        return [_quoted(v, f"{path}[{i}]", found) for i, v in enumerate(node)]
    if isinstance(node, int | float) and not isinstance(node, bool):
        found.append(path)
        return str(node)
    return node


def test_the_files_cover_the_sections():
    assert len(FILES) > 40
    sections = set().union(*(yaml.safe_load(p.read_text(encoding="utf-8")) for p in FILES))
    assert {"rounds", "actors", "issues", "war", "truce", "talks", "ceasefires", "monte_carlo"} <= sections


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_number_of_every_file_is_refused_in_quotes(path):
    """Each number the file writes, quoted, is one problem at its own field (and nothing else)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    numbers: list[str] = []
    quoted = _quoted(data, "", numbers)
    load_scenario(data)  # the file itself loads
    with pytest.raises(ScenarioError) as caught:
        load_scenario(quoted)
    problems = caught.value.problems
    assert sorted(p.path for p in problems) == sorted(numbers)
    assert all(p.message.startswith('expected a number, got the string "') for p in problems)


def test_a_decision_rule_refuses_quoted_numbers():
    base = yaml.safe_load((ROOT / "tests/run/data/varied.yaml").read_text(encoding="utf-8"))
    body = {"name": "council", "rule": "qualified", "members": ["A", "B", "M"],
            "weights": {"A": "1", "B": 1, "M": 1}, "threshold": "2", "blocking_minority": "2",
            "second": {"weights": {"A": 1, "B": "2", "M": 1}, "threshold": 3}}
    majority = {"name": "table", "rule": "majority", "members": ["A", "B"], "share": "0.5"}
    with pytest.raises(ScenarioError) as caught:
        load_scenario({**base, "decision": {"settlement": {"bodies": [body]},
                                            "truce": {"bodies": [majority]}}})
    assert {p.path: p.message for p in caught.value.problems} == {
        f"decision.settlement.bodies[0].{field}": f'expected a number, got the string "{text}" '
                                                  "(write it without quotes)"
        for field, text in [("weights.A", "1"), ("threshold", "2"), ("blocking_minority", "2"),
                            ("second.weights.B", "2")]
    } | {"decision.truce.bodies[0].share": 'expected a number, got the string "0.5" (write it without quotes)'}


@pytest.mark.parametrize(("text", "message"), [
    ('"half"', "expected a number or a distribution such as"),  # text that is no number: as before
    ('"nan"', "must be a finite number, got nan"),                   # as the number would be
])
def test_text_that_is_no_finite_number_keeps_its_message(tmp_path, text, message):
    source = (ROOT / "tests/run/data/varied.yaml").read_text(encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text(source.replace("  drift: 0.003", f"  drift: {text}"), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    [problem] = caught.value.problems
    assert problem.path == "war.drift" and problem.message.startswith(message), problem
    assert "without quotes" not in problem.message


def test_the_json_schema_refuses_what_the_loader_refuses():
    """The shipped schema types these fields as numbers: text fails it (jsonschema's own check)."""
    jsonschema = pytest.importorskip("jsonschema")
    data = yaml.safe_load((ROOT / "tests/run/data/varied.yaml").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(scenario_json_schema())
    assert not list(validator.iter_errors(data))
    for section, field, text in (("rounds", "horizon", "6"), ("war", "drift", "0.003")):
        changed = {**data, section: {**data[section], field: text}}
        assert list(validator.iter_errors(changed)), (section, field)


def test_cli_validate_names_file_line_and_field(tmp_path):
    source = (ROOT / "tests/run/data/varied.yaml").read_text(encoding="utf-8")
    source = source.replace("rounds: {horizon: 6}", 'rounds: {horizon: "52"}')
    source = source.replace("    war_cost: {dist: uniform, low: 0.0, high: 0.1}\n    noise: 0.05\n    patience",
                            '    war_cost: "0.004"\n    noise: 0.05\n    patience', 1)
    (tmp_path / "quoted.yaml").write_text(source, encoding="utf-8")
    lines = source.splitlines()
    horizon = next(i for i, line in enumerate(lines, 1) if "horizon" in line)
    cost = next(i for i, line in enumerate(lines, 1) if '"0.004"' in line)
    done = negotiate_cli("validate", "quoted.yaml", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert sorted(done.stderr.splitlines()) == sorted([
        f'quoted.yaml:{horizon}: rounds.horizon: expected a number, got the string "52" (write it without quotes)',
        (f'quoted.yaml:{cost}: actors.A.war_cost: expected a number, got the string "0.004" '
         "(write it without quotes)"),
    ])


@pytest.mark.parametrize(("field", "value", "got"), [
    ("actors.A.resolve.private", "true", "'true'"), ("actors.A.resolve.private", 1, "1"),
    ("bargaining.continuation", "false", "'false'"), ("bargaining.continuation", 0, "0"),
])
def test_true_or_false_fields_take_only_true_or_false(field, value, got):
    """As the schema's "boolean": no quoted word, no 0 or 1 (insincere_truces also takes a
    probability, so its 0 and 1 are numbers)."""
    data = yaml.safe_load((ROOT / "tests/run/data/varied.yaml").read_text(encoding="utf-8"))
    parts = field.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    with pytest.raises(ScenarioError) as caught:
        load_scenario(data)
    assert [(p.path, p.message) for p in caught.value.problems] == [(field, f"expected true or false, got {got}")]
    node[parts[-1]] = value not in ("false", 0)  # the same field, written as true or false: loads
    load_scenario(data)


@pytest.mark.parametrize(("value", "hint"), [("0.5", True), ("true", True), ("yes", False)])
def test_text_where_true_false_or_a_probability_goes_is_refused_once(value, hint):
    data = yaml.safe_load((ROOT / "tests/run/data/varied.yaml").read_text(encoding="utf-8"))
    data["actors"]["A"]["insincere_truces"] = value
    with pytest.raises(ScenarioError) as caught:
        load_scenario(data)
    assert [(p.path, p.message) for p in caught.value.problems] == [(
        "actors.A.insincere_truces", f'expected true, false or a probability, got the string "{value}"'
        + (" (write it without quotes)" if hint else ""))]
    for written in (True, 0.5, 1):
        data["actors"]["A"]["insincere_truces"] = written
        load_scenario(data)
