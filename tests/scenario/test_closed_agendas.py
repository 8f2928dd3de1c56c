"""`negotiate validate` notes agendas a scenario closes in every world (docs/model.md §16):
a needed veto player that does not sign it, or two veto players' red lines that clash."""

from pathlib import Path

import numpy as np
import pytest

import negotiate
from negotiate.scenario.closed_agendas import closed_agenda_notes, players

ROOT = Path(__file__).resolve().parents[2]
TALKS = ROOT / "tests" / "model" / "data" / "talks.yaml"   # A, B parties; share (settlement), arms (truce)
WHERE = 'docs/model.md §16, "Red lines"'
TAIL = f"; the veto players' red lines leave no package on that agenda ({WHERE})"


def talks(changes=None):
    return negotiate.load_scenario(TALKS).with_overrides(changes or {})


def red(actor, issue, **line):
    return {f"actors.{actor}.positions.{issue}.red_line": line}


def test_constant_red_lines_that_clash_close_the_settlement():
    s = talks(red("A", "share", min=0.6) | red("B", "share", max=0.4))
    assert closed_agenda_notes(s) == [
        "no settlement can be proposed in any world: on share, A's red line min 0.6 is above B's max 0.4"
        + TAIL]
    assert closed_agenda_notes(talks(red("A", "share", min=0.4) | red("B", "share", max=0.6))) == []
    assert closed_agenda_notes(talks(red("A", "share", min=0.5) | red("B", "share", max=0.5))) == []  # 0.5 fits


@pytest.mark.parametrize("low, high, said", [
    ({"dist": "uniform", "low": 0.5, "high": 0.7}, 0.4, "min at least 0.5 (a distribution) is above B's max 0.4"),
    ({"dist": "uniform", "low": 0.3, "high": 0.7}, 0.4, None),              # clashes in some worlds only
    (0.6, {"dist": "uniform", "low": 0.2, "high": 0.45}, "min 0.6 is above B's max at most 0.45 (a distribution)"),
    (0.6, {"dist": "uniform", "low": 0.2, "high": 0.65}, None),
])
def test_distributions_are_noted_only_when_they_clash_at_their_extremes(low, high, said):
    notes = closed_agenda_notes(talks(red("A", "share", min=low) | red("B", "share", max=high)))
    assert notes == ([] if said is None else
                     [f"no settlement can be proposed in any world: on share, A's red line {said}" + TAIL])


def test_a_truce_issue_clash_closes_both_agendas_a_settlement_one_only_the_settlement():
    both = talks(red("A", "arms", min=0.8) | red("B", "arms", max=0.2))
    assert [n.split(":")[0] for n in closed_agenda_notes(both)] == [
        "no truce can be proposed in any world", "no settlement can be proposed in any world"]
    assert "on arms, A's red line min 0.8 is above B's max 0.2" in closed_agenda_notes(both)[0]
    # a red line that holds on the truce only, on an issue a truce does not move: nothing closed
    assert closed_agenda_notes(talks(red("A", "share", min=0.6, agendas=["truce"])
                                     | red("B", "share", max=0.4))) == []
    settlement_only = talks(red("A", "arms", min=0.8, agendas=["settlement"]) | red("B", "arms", max=0.2))
    assert [n.split(":")[0] for n in closed_agenda_notes(settlement_only)] == [
        "no settlement can be proposed in any world"]


def test_lines_that_follow_the_front_or_belong_to_no_veto_player_are_not_noted():
    # share is the battlefield issue: bounds that follow the front move apart or together
    assert closed_agenda_notes(talks(red("A", "share", min=0.6, follows_front=0.5)
                                     | red("B", "share", max=0.4))) == []
    mediator = {"actors.M": {"role": "mediator", "positions": {"share": {
        "ideal": 1, "salience": 1, "assumption": "x", "red_line": {"min": 0.9}}}}}
    assert closed_agenda_notes(talks(mediator | red("B", "share", max=0.4))) == []


def test_an_agenda_a_needed_party_does_not_sign_is_noted():
    s = talks({"actors.B.signs": ["settlement"]})
    assert closed_agenda_notes(s) == [
        ("no truce can be agreed in any world: B does not sign a truce (actors.B.signs) and its "
         f"consent is needed on that agenda ({WHERE})")]


def _decided(rule):
    extra = {"actors.M": {"role": "stakeholder", "positions": {"share": {
        "ideal": 0.5, "salience": 1, "assumption": "x"}}}, "issues.arms.controllers": ["M"]}
    return talks(extra | {"decision": {"settlement": rule}})


def test_a_majority_body_needs_no_single_member():
    majority = _decided({"bodies": [{"rule": "majority", "members": ["A", "B", "M"]}]})
    assert players(majority, "settlement") == (["A", "B", "M"], [])
    notes = closed_agenda_notes(majority.with_overrides({"actors.B.signs": ["truce"]}))
    assert notes == []                                    # A and M can outvote B


@pytest.mark.parametrize("rule", [
    None,
    {"bodies": [{"rule": "majority", "members": ["A", "B", "M"]}]},
    {"bodies": [{"rule": "majority", "members": ["B", "M"]}], "vetoes": ["M"]},
])
def test_the_veto_players_are_the_engines(rule):
    """Computed without loading the engine (validate stays quick), so checked against it."""
    from negotiate.model.params import draw_params
    from negotiate.model.proposals import needed_players, veto_players

    s = _decided(rule)
    p = draw_params(s, 1, np.random.SeedSequence(0))
    for g, agenda in enumerate(("truce", "settlement")):
        asked, needed = players(s, agenda)
        assert asked == [a for a, v in zip(p.actor_names, veto_players(p)[g]) if v]
        assert needed == [a for a, v in zip(p.actor_names, needed_players(p)[g]) if v]


def test_the_engine_agrees_no_settlement_is_made(tmp_path):
    """The note's claim, checked in the engine: without the clash these parties always settle."""
    clash = talks(red("A", "share", min=0.6) | red("B", "share", max=0.4))
    p = negotiate.simulate(clash, runs=50, seed=1, progress=False, workers=1).outcome_probabilities()["p"]
    assert p["comprehensive_agreement"] == 0
    plain = negotiate.simulate(talks(), runs=50, seed=1, progress=False, workers=1).outcome_probabilities()["p"]
    assert plain["comprehensive_agreement"] == 1


def test_validate_prints_the_note_and_still_says_ok(tmp_path, capsys):
    from negotiate.cli import main

    path = tmp_path / "clash.yaml"
    path.write_text(negotiate.dump_yaml(talks(red("A", "share", min=0.6) | red("B", "share", max=0.4))))
    assert main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == f"ok: {path} (2 actors, 2 issues)\n"
    assert err == (f"negotiate: note: {path}: no settlement can be proposed in any world: on share, A's red "
                   "line min 0.6 is above B's max 0.4" + TAIL + "\n")
