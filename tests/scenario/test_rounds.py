"""A round's unit and length go together (docs/scenario-format.md, "rounds"), and settlement
talks must be able to open within the horizon (docs/model.md §15, "Calendar")."""

from __future__ import annotations

from pathlib import Path

import pytest

from negotiate import ScenarioError, load_scenario
from negotiate.scenario.load import dump_yaml, scenario_from_yaml
from tests.cli import negotiate_cli

MINIMAL = (Path(__file__).parent / "data" / "minimal.yaml").read_text()


def rounds(section: str):
    return scenario_from_yaml(MINIMAL + f"rounds: {section}\n").rounds


# the days a round lasts, by hand: a Julian year of 365.25 days over 12 months, 4 quarters
@pytest.mark.parametrize("unit, days", [("day", 1), ("week", 7), ("fortnight", 14),
                                        ("month", 365.25 / 12), ("Month", 30.4375),
                                        ("quarter", 365.25 / 4), ("year", 365.25)])
def test_the_length_follows_the_unit_when_not_given(unit, days):
    found = rounds(f"{{unit: {unit}}}")
    assert (found.unit, found.length_days) == (unit, pytest.approx(days, abs=1e-12))


@pytest.mark.parametrize("days, unit", [(1, "day"), (7, "week"), (14, "fortnight"), (28, "month"),
                                        (31, "month"), (91.3125, "quarter"), (365, "year"),
                                        (3.5, "round"), (10, "round"), (60, "round")])
def test_the_unit_follows_the_length_when_not_given(days, unit):
    assert (rounds(f"{{length_days: {days}}}").unit, rounds(f"{{length_days: {days}}}").length_days) \
        == (unit, days)


def test_neither_given_is_weekly():
    assert (rounds("{horizon: 10}").unit, rounds("{horizon: 10}").length_days) == ("week", 7)


@pytest.mark.parametrize("section", ["{unit: month, length_days: 28}", "{unit: month, length_days: 31}",
                                     "{unit: week, length_days: 7}", "{unit: session, length_days: 3}",
                                     "{unit: year, length_days: 366}"])
def test_a_length_that_fits_its_unit_is_kept(section):
    found = rounds(section)
    assert f"unit: {found.unit}" in section and f"length_days: {found.length_days:g}" in section


@pytest.mark.parametrize("section, words", [
    ("{unit: month, length_days: 7}", "is 7 days, but rounds.unit is 'month' (28 to 31 days)"),
    ("{unit: month, length_days: 27.9}", "is 27.9 days, but rounds.unit is 'month'"),
    ("{unit: week, length_days: 6.5}", "is 6.5 days, but rounds.unit is 'week' (7 days)"),
    ("{unit: day, length_days: 7}", "rounds.unit is 'day' (1 day)"),
    ("{unit: session}", "not for 'session'; write rounds.length_days"),
])
def test_a_length_that_contradicts_its_unit_is_refused(section, words):
    with pytest.raises(ScenarioError, match="rounds.length_days: ") as caught:
        rounds(section)
    assert words in str(caught.value)


@pytest.mark.parametrize("unit, known", [("days", "day"), ("weeks", "week"), ("Months", "month"),
                                         ("fortnights", "fortnight"), ("yaer", "year")])
def test_a_plural_or_misspelt_unit_gets_did_you_mean(unit, known):
    with pytest.raises(ScenarioError, match=f"rounds.unit: unknown unit '{unit}'; did you mean '{known}'\\?"):
        rounds(f"{{unit: {unit}}}")


@pytest.mark.parametrize("section", ["{unit: month}", "{length_days: 3.5}", "{unit: session, length_days: 2}"])
def test_a_derived_round_survives_a_dump_and_a_load(section):
    scenario = scenario_from_yaml(MINIMAL + f"rounds: {section}\n")
    assert scenario_from_yaml(dump_yaml(scenario)) == scenario


def test_an_override_of_one_lets_the_other_follow_a_matching_pair():
    weekly = scenario_from_yaml(MINIMAL + "rounds: {unit: week, length_days: 7}\n")
    monthly = weekly.with_overrides({"rounds.unit": "month"}).rounds
    assert (monthly.unit, monthly.length_days) == ("month", 30.4375)
    assert weekly.with_overrides({"rounds.length_days": 14}).rounds.unit == "fortnight"
    with pytest.raises(ScenarioError, match="rounds.length_days: is 7 days, but rounds.unit is 'month'"):
        weekly.with_overrides({"rounds.unit": "month", "rounds.length_days": 7})
    # a pair that is not the unit's own length stays: the other must still agree
    odd = scenario_from_yaml(MINIMAL + "rounds: {unit: month, length_days: 29}\n")
    with pytest.raises(ScenarioError, match="is 29 days, but rounds.unit is 'week'"):
        odd.with_overrides({"rounds.unit": "week"})


def test_a_file_that_extends_a_base_gets_the_other_from_its_own(tmp_path):
    (tmp_path / "base.yaml").write_text(MINIMAL + "rounds: {unit: week, length_days: 7, horizon: 30}\n")
    child = tmp_path / "child.yaml"
    child.write_text("extends: base.yaml\nname: child\nrounds: {unit: month}\n")
    found = load_scenario(child).rounds
    assert (found.unit, found.length_days, found.horizon) == ("month", 30.4375, 30)
    child.write_text("extends: base.yaml\nname: child\nrounds:\n  unit: month\n  length_days: 7\n")
    with pytest.raises(ScenarioError, match=r"child.yaml:5: rounds.length_days: is 7 days"):
        load_scenario(child)


# settlement talks open in round 1 + rint(setup), half to even (docs/model.md §15): with a
# horizon of 20 they can open only if rint(the setup's lowest value) <= 19
@pytest.mark.parametrize("setup, opens", [(0, True), (18.5, True), (19, True), (19.4, True), (19.5, False),
                                          (20, False), (20.5, False), (35, False),
                                          ("{dist: uniform, low: 19, high: 40}", True),
                                          ("{dist: uniform, low: 19.6, high: 40}", False)])
def test_settlement_talks_must_be_able_to_open_within_the_horizon(setup, opens):
    text = MINIMAL + f"rounds: {{horizon: 20}}\ntalks: {{setup: {setup}}}\n"
    if opens:
        assert scenario_from_yaml(text).talks is not None
        return
    with pytest.raises(ScenarioError, match=r"talks.setup: is (at least )?[\d.]+ rounds, so settlement "
                                            r"talks would open in round \d+(, | at the earliest, )after "
                                            r"the horizon \(rounds.horizon: 20\)"):
        scenario_from_yaml(text)


# with settlement_after_truce = k a settlement needs a truce in force that has held k rounds:
# one in force since round 1 has in round 1 + k, the earliest (docs/model.md §15); with a
# horizon of 20, k <= 19 (tests/model/test_talks.py: with k = H − 1 settlements come in round H)
@pytest.mark.parametrize("k, possible", [(0, True), (1, True), (19, True), (20, False), (10_000, False)])
def test_settlements_after_a_truce_must_be_possible_within_the_horizon(k, possible):
    text = MINIMAL + f"rounds: {{horizon: 20}}\ntalks: {{settlement_after_truce: {k}}}\n"
    if possible:
        assert scenario_from_yaml(text).talks.settlement_after_truce == k
        return
    with pytest.raises(ScenarioError, match=rf"talks.settlement_after_truce: is {k} rounds, so a settlement "
                                            rf"could be proposed in round {k + 1} at the earliest \(under a "
                                            r"truce in force since round 1\), after the horizon "
                                            r"\(rounds.horizon: 20\): no settlement could ever be proposed; "
                                            r"lower talks.settlement_after_truce or raise rounds.horizon"):
        scenario_from_yaml(text)


# a truce accepted in round t is in force at the end of round t + rint(base + per_condition × m)
# (docs/model.md, "Truce drafting: plain or conditional ceasefires"): with t >= 1, m >= 0 and a
# horizon of 20, some truce can be in force only if rint(the base's lowest value) <= 19
@pytest.mark.parametrize("base, in_force", [(0, True), (19, True), (19.5, False), (20, False), (26, False),
                                            ("{dist: uniform, low: 18.6, high: 40}", True),
                                            ("{dist: uniform, low: 20.5, high: 40}", False)])
def test_a_truce_must_be_able_to_come_into_force_within_the_horizon(base, in_force):
    text = MINIMAL + f"rounds: {{horizon: 20}}\ntalks: {{truce_drafting: {{base: {base}, per_condition: 3}}}}\n"
    if in_force:
        assert scenario_from_yaml(text).talks.truce_drafting is not None
        return
    with pytest.raises(ScenarioError, match=r"talks.truce_drafting.base: is (at least )?[\d.]+ rounds, so a "
                                            r"truce accepted in round 1 would come into force at the end of "
                                            r"round \d+ at the earliest, after the horizon "
                                            r"\(rounds.horizon: 20\)"):
        scenario_from_yaml(text)


def test_validate_names_the_file_and_fields(tmp_path):
    """The findings as a user met them: `negotiate validate` accepted all four."""
    (tmp_path / "monthly.yaml").write_text(MINIMAL + "rounds: {unit: month, horizon: 24}\n")
    (tmp_path / "clash.yaml").write_text(MINIMAL + "rounds:\n  unit: month\n  length_days: 7\n")
    (tmp_path / "late.yaml").write_text(MINIMAL + "rounds: {horizon: 24}\ntalks:\n  setup: 30\n")
    (tmp_path / "drafted.yaml").write_text(MINIMAL + "rounds: {horizon: 24}\ntalks:\n  truce_drafting:\n"
                                           "    base: {dist: uniform, low: 24, high: 30}\n")
    done = negotiate_cli("validate", "monthly.yaml", "clash.yaml", "late.yaml", "drafted.yaml", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stdout == "ok: monthly.yaml (2 actors, 1 issue)\n"
    assert done.stderr.splitlines() == [
        ("clash.yaml:20: rounds.length_days: is 7 days, but rounds.unit is 'month' (28 to 31 days): "
        "change one of them, or leave out length_days (a month is then 30.4375 days)"),
        ("late.yaml:20: talks.setup: is 30 rounds, so settlement talks would open in round 31, after "
        "the horizon (rounds.horizon: 24): no settlement could ever be proposed; lower talks.setup "
        "or raise rounds.horizon"),
        ("drafted.yaml:21: talks.truce_drafting.base: is at least 24 rounds, so a truce accepted in "
        "round 1 would come into force at the end of round 25 at the earliest, after the horizon "
        "(rounds.horizon: 24): no truce could ever be in force; lower talks.truce_drafting.base or "
        "raise rounds.horizon")]
