"""One case per kind of bad scenario: each must fail with a one-line message that
names the file, the YAML line, the field path and what is wrong.

Every case is a small edit of ``BASE`` (line numbers below count its lines),
written to a file in tmp_path and loaded with ``load_scenario``.
"""

from __future__ import annotations

import pytest

from negotiate import ScenarioError, load_scenario

BASE = """\
name: test
issues:
  land:
    group: truce
    low: "none returned"
    high: "all returned"
    status_quo: 0.2
    controllers: [A]
  money:
    group: settlement
    low: "none"
    high: "all"
    status_quo: 0.5
actors:
  A:
    role: party
    positions:
      land: {ideal: 0.1, salience: 1, assumption: "keeps it"}
  B:
    role: party
    positions:
      land: {ideal: 1, salience: 2, assumption: "wants it back"}
      money: {ideal: 0.8, salience: 1, source: "article, para 3"}
"""
END = BASE.count("\n")  # appended text starts on line END + 1 == 24


def edit(old: str, new: str) -> str:
    assert BASE.count(old) == 1, f"{old!r} must occur once in BASE"
    return BASE.replace(old, new)


def actor_a(line: str) -> str:
    """BASE with one more line in actor A, which lands on line 17."""
    return edit("  A:\n    role: party\n", f"  A:\n    role: party\n    {line}\n")


# (id, YAML text, field path, line, words the message must contain)
CASES = [
    ("unknown top-level key", BASE + "isues: {}\n", "isues", 24,
     "unknown field 'isues'; did you mean 'issues'?"),
    ("misspelt actor field", actor_a("patiense: 0.9"), "actors.A.patiense", 17,
     "did you mean 'patience'?"),
    ("field at the wrong level", BASE + "horizon: 30\n", "horizon", 24,
     "belongs under 'rounds'"),
    ("unknown field in a distribution", actor_a("patience: {dist: beta, a: 2, bb: 2}"),
     "actors.A.patience.bb", 17, "did you mean 'b'?"),
    ("missing required field", edit("    status_quo: 0.5\n", ""),
     "issues.money.status_quo", 9, "required field is missing"),
    ("status quo above 1", edit("status_quo: 0.2", "status_quo: 1.2"),
     "issues.land.status_quo", 7, "must be between 0 and 1, got 1.2"),
    ("NaN", edit("status_quo: 0.2", "status_quo: .nan"),
     "issues.land.status_quo", 7, "finite"),
    ("infinity", edit("salience: 1, assumption: \"keeps", "salience: .inf, assumption: \"keeps"),
     "actors.A.positions.land.salience", 18, "finite"),
    ("negative salience", edit("salience: 1, assumption: \"keeps", "salience: -1, assumption: \"keeps"),
     "actors.A.positions.land.salience", 18, "must be >= 0, got -1"),
    ("all-zero salience", edit("salience: 1, assumption: \"keeps", "salience: 0, assumption: \"keeps"),
     "actors.A.positions", 17, "salience is zero on every issue"),
    ("position without source or assumption", edit(', assumption: "keeps it"', ""),
     "actors.A.positions.land", 18, "needs 'source:'"),
    ("unknown issue in positions", edit("      money: {ideal", "      mony: {ideal"),
     "actors.B.positions.mony", 23, "unknown issue 'mony'; did you mean 'money'?"),
    ("unknown controller", edit("controllers: [A]", "controllers: [A, C]"),
     "issues.land.controllers[1]", 8, "unknown actor 'C'"),
    ("only one actor", BASE.split("  B:\n")[0], "actors", 14, "needs at least 2 entries, has 1"),
    ("fewer than two parties", edit("  B:\n    role: party", "  B:\n    role: mediator"),
     "actors", 14, "at least two actors with role 'party'"),
    ("recognition probabilities not summing to 1",
     BASE + "recognition:\n  probabilities: {A: 0.5, B: 0.4}\n",
     "recognition.probabilities", 25, "must sum to 1, they sum to 0.9"),
    ("recognition names an unknown actor",
     BASE + "recognition:\n  probabilities: {A: 0.5, C: 0.5}\n",
     "recognition.probabilities.C", 25, "unknown actor 'C'"),
    ("alternating mode without order", BASE + "recognition:\n  mode: alternating\n",
     "recognition.order", 24, "needs 'order:'"),
    ("unknown planning mode", BASE + "bargaining:\n  planning: exactly\n",
     "bargaining.planning", 25, "must be one of fitted, exact, got 'exactly'; did you mean 'exact'?"),
    ("unknown distribution name", actor_a("patience: {dist: betta, a: 2, b: 2}"),
     "actors.A.patience", 17, "unknown distribution 'betta'; did you mean 'beta'?"),
    ("distribution without dist", actor_a("patience: {a: 2, b: 2}"),
     "actors.A.patience", 17, "needs 'dist:'"),
    ("beta with a <= 0", actor_a("patience: {dist: beta, a: 0, b: 2}"),
     "actors.A.patience", 17, "a and b must be > 0"),
    ("uniform with low >= high", actor_a("patience: {dist: uniform, low: 0.9, high: 0.1}"),
     "actors.A.patience", 17, "low (0.9) must be < high (0.1)"),
    ("choice p not summing to 1",
     actor_a("patience: {dist: choice, values: [0.5, 0.9], p: [0.5, 0.6]}"),
     "actors.A.patience", 17, "p must sum to 1"),
    ("lognormal overflowing", actor_a("war_cost: {dist: lognormal, mu: 1000, sigma: 1}"),
     "actors.A.war_cost", 17, "mu must be between -700 and 700"),
    ("normal on a [0, 1] field",
     edit("status_quo: 0.2", "status_quo: {dist: normal, mean: 0.5, sd: 0.1}"),
     "issues.land.status_quo", 7, "outside the allowed range [0, 1]"),
    ("text where a number goes", edit("status_quo: 0.2", "status_quo: half"),
     "issues.land.status_quo", 7, "expected a number or a distribution"),
    ("text where a whole number goes", BASE + "rounds:\n  horizon: soon\n",
     "rounds.horizon", 25, "expected a whole number, got 'soon'"),
    ("a word where a list goes", edit("controllers: [A]", "controllers: A"),
     "issues.land.controllers", 8, "expected a list, got 'A'"),
    ("misspelt choice of words", edit("group: settlement", "group: setlement"),
     "issues.money.group", 10, "did you mean 'settlement'?"),
    ("event end before start", BASE + "war:\n  events:\n    - {start: 10, end: 4}\n",
     "war.events[0].end", 26, "end (4) is before start (10)"),
    ("event after the horizon",
     BASE + "rounds: {horizon: 20}\nwar:\n  events:\n    - {start: 30}\n",
     "war.events[0].start", 27, "round 30 is after the horizon (20)"),
    ("a round length that contradicts its unit", BASE + "rounds:\n  unit: month\n  length_days: 7\n",
     "rounds.length_days", 26, "is 7 days, but rounds.unit is 'month' (28 to 31 days)"),
    ("a unit of unknown length without one", BASE + "rounds:\n  unit: session\n",
     "rounds.length_days", 24, "known for the units day, week, fortnight, month, quarter, year, not for 'session'"),
    ("settlement talks that open after the horizon", BASE + "rounds: {horizon: 20}\ntalks:\n  setup: 20\n",
     "talks.setup", 26, "would open in round 21, after the horizon (rounds.horizon: 20)"),
    ("settlements only after a truce longer than the horizon",
     BASE + "rounds: {horizon: 20}\ntalks:\n  settlement_after_truce: 20\n", "talks.settlement_after_truce", 26,
     ("is 20 rounds, so a settlement could be proposed in round 21 at the earliest (under a truce in "
      "force since round 1), after the horizon (rounds.horizon: 20): no settlement could ever be proposed")),
    ("victory bounds reversed", BASE + "war:\n  victory: {lower: 0.9, upper: 0.5}\n",
     "war.victory.lower", 25, "must be < upper"),
    ("side payment by a non-controller",
     BASE + "leverage:\n  - {by: B, target: A, kind: side_payment, amount: 0.1, issue: land}\n",
     "leverage[0].by", 25, "is not one of its controllers"),
    ("side payment without an issue",
     BASE + "leverage:\n  - {by: A, target: B, kind: side_payment, amount: 0.1}\n",
     "leverage[0].issue", 25, "needs 'issue:'"),
    ("regeneration issue that is not a truce issue",
     BASE + "truce:\n  regeneration: 0.1\n  regeneration_issue: money\n",
     "truce.regeneration_issue", 26, "'money' is not a truce issue"),
    ("unknown strategy", actor_a("strategy: greedy"),
     "actors.A.strategy", 17, "unknown strategy 'greedy'"),
    ("binary issue with status quo 0.5",
     edit("group: settlement\n", "group: settlement\n    kind: binary\n"),
     "issues.money.status_quo", 14, "must be 0 or 1"),
    ("bad battlefield issue", BASE + "war:\n  battlefield_issue: lnd\n",
     "war.battlefield_issue", 25, "unknown issue 'lnd'; did you mean 'land'?"),
    ("a number as a name", edit("  B:\n", "  2:\n"),
     "actors.2", 19, "names must be text"),
    ("a dot in a name", edit("  B:\n", "  B.x:\n"),
     "actors.B.x", 19, "without '.'"),
    ("duplicate key", BASE + "name: again\n", "name", 24, "duplicate key 'name' (first on line 1)"),
    ("threshold above a body's total weight",
     BASE + "decision:\n  settlement:\n    bodies:\n      - rule: qualified\n        weights: {A: 1, B: 2}\n"
     "        threshold: 4\n", "decision.settlement.bodies[0].threshold", 29,
     "4 is above the members' total weight 3"),
    ("unknown actor in a body",
     BASE + "decision:\n  settlement:\n    bodies:\n      - rule: majority\n        members: [A, C]\n",
     "decision.settlement.bodies[0].members[1]", 28, "unknown actor 'C'"),
    ("empty body",
     BASE + "decision:\n  settlement:\n    bodies:\n      - rule: majority\n        members: []\n",
     "decision.settlement.bodies[0].members", 28, "a body needs at least one member"),
    ("unknown veto player",
     BASE + "decision:\n  truce:\n    bodies:\n      - {rule: majority, members: [A, B]}\n    vetoes: [Z]\n",
     "decision.truce.vetoes[0]", 28, "unknown actor 'Z'"),
    ("a body's rule given for the agenda", BASE + "decision:\n  settlement: majority\n",
     "decision.settlement", 25, "'majority' is the rule of a body, under 'bodies:'"),
    ("a member without a weight",
     BASE + "decision:\n  settlement:\n    bodies:\n      - rule: qualified\n        members: [A, B]\n"
     "        weights: {A: 1}\n        threshold: 1\n", "decision.settlement.bodies[0].weights", 29,
     "no weight for member(s) B"),
    ("a member listed twice",
     BASE + "decision:\n  settlement:\n    bodies:\n      - rule: majority\n        members: [A, B, A]\n",
     "decision.settlement.bodies[0].members", 28, "'A' is listed twice"),
    ("an infinite threshold",
     BASE + "decision:\n  settlement:\n    bodies:\n      - rule: qualified\n        weights: {A: 1, B: 2}\n"
     "        threshold: .inf\n", "decision.settlement.bodies[0].threshold", 29, "must be a finite number"),
]


@pytest.mark.parametrize(
    ("text", "path", "line", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_scenario_names_file_line_and_field(tmp_path, text, path, line, words):
    file = tmp_path / "bad.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    message = str(caught.value)
    assert f"{file}:{line}: {path}: " in message
    assert words in message
    # exactly the one thing that is wrong, on one line
    assert len(caught.value.problems) == 1
    assert "\n" not in message


def test_base_scenario_is_valid(tmp_path):
    """Guards the cases above: each fails because of its edit, not the base."""
    file = tmp_path / "base.yaml"
    file.write_text(BASE, encoding="utf-8")
    scenario = load_scenario(file)
    assert list(scenario.actors) == ["A", "B"]
    assert list(scenario.issues) == ["land", "money"]
    assert END == 23


def test_case_ids_are_unique():
    ids = [case[0] for case in CASES]
    assert len(ids) == len(set(ids)) >= 25


def test_every_problem_is_reported_with_its_own_line(tmp_path):
    text = edit("status_quo: 0.2", "status_quo: 2").replace("salience: 2", "salience: -2")
    file = tmp_path / "two.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    lines = str(caught.value).splitlines()
    assert lines == [
        f"{file}:7: issues.land.status_quo: must be between 0 and 1, got 2",
        f"{file}:22: actors.B.positions.land.salience: must be >= 0, got -2",
    ]
