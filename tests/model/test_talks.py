"""Talks as a process (docs/model.md §15): set-up, calendar, drafting, ratification.

The exact checks use ``data/talks.yaml``: two parties, one proposer (A), no
noise, a front that does not move, so without a ``talks`` section A's first
offer is accepted in round 1; each check derives by hand the round a
settlement is agreed in principle, signed, or fails.  The effect test runs a
noisy version on common random numbers with and without talks; the mutation
checks show that it fails when a piece of the mechanism is switched off.
"""

from __future__ import annotations

import numpy as np
import pytest

import negotiate
from negotiate import ScenarioError
from negotiate.model import NegotiationModel, run_block, talks
from negotiate.model.outcomes import COMPREHENSIVE, NONE
from negotiate.model.params import draw_params
from negotiate.stats import paired_difference

from .conftest import DATA, load

ONE_PROPOSER = {"recognition.order": ["A"]}


def played(extra: dict, worlds: int = 4, seed: int = 1, **keep):
    """The finished model and its results for ``talks.yaml`` with ``extra`` overrides."""
    model = NegotiationModel(load("talks").with_overrides({**ONE_PROPOSER, **extra}), worlds,
                             seed=np.random.SeedSequence(seed), record=False)
    for name, value in keep.items():
        setattr(model, name, value)
    return model, model.run()


# --- exact checks ------------------------------------------------------------------------------

def test_without_talks_the_first_offer_is_agreed_in_round_1():
    _, block = played({})
    assert (block.outcome == COMPREHENSIVE).all() and (block.agreement_round == 1).all()


def test_settlement_waits_for_the_talks_to_open():
    """setup = 3: rounds 1–3 are set-up, talks open (and A's offer is agreed) in round 4;
    the offer is the one A made in round 1 (the front has not moved)."""
    _, now = played({})
    _, later = played({"talks": {"setup": 3}})
    assert (later.agreement_round == 4).all()
    np.testing.assert_allclose(later.terms, now.terms, atol=1e-12)


def test_calendar_rounds():
    """open = 1 + rint(setup); talks sit in rounds open, open + every, …; not while drafting;
    with settlement_after_truce = k only while a truce in force has held k rounds."""
    scenario = load("talks").with_overrides({"talks": {"setup": 2.4, "every": 3}})
    p = draw_params(scenario, 3, np.random.SeedSequence(0))
    at_war, no, none_drafting = np.zeros(3, bool), np.zeros(3), np.zeros(3, bool)
    sits = [t for t in range(1, 15) if talks.settlement_sits(p, t, at_war, no, none_drafting)[0]]
    assert sits == [3, 6, 9, 12]
    drafting = np.array([True, False, False])
    assert talks.settlement_sits(p, 6, at_war, no, drafting).tolist() == [False, True, True]
    p.settle_after_truce = 2
    in_truce, age = np.array([False, True, True]), np.array([5, 1, 2])
    assert talks.settlement_sits(p, 6, in_truce, age, none_drafting).tolist() == [False, False, True]


def test_drafting_time_and_signing_round():
    """setup 3, drafting 2 + 1 per issue: A's offer moves both issues (share and arms),
    so it is agreed in principle in round 4, drafted 2 + 2 = 4 rounds, signed in round 8,
    with the terms agreed in principle."""
    _, principle = played({"talks": {"setup": 3}})
    _, block = played({"talks": {"setup": 3, "drafting": {"base": 2, "per_issue": 1}}})
    moved = (np.abs(principle.terms - 0.5 * np.array([1, 0])) > 1e-9).sum(axis=1)   # status quo (0.5, 0)
    assert (moved == 2).all()
    assert (block.outcome == COMPREHENSIVE).all() and (block.agreement_round == 8).all()
    np.testing.assert_allclose(block.terms, principle.terms, atol=1e-12)
    # drafting counts the issues moved: only the base when nothing is charged per issue
    _, base_only = played({"talks": {"setup": 3, "drafting": {"base": 2}}})
    assert (base_only.agreement_round == 6).all()


def test_per_world_drafting_from_distributions():
    """open = 1 + rint(setup), signing = open + rint(base + per_issue × 2), per world, from
    the drawn values (reported in ``inputs``); past the horizon (20) nothing is signed."""
    talks_ = {"setup": {"dist": "uniform", "low": 0, "high": 6},
              "drafting": {"base": {"dist": "uniform", "low": 0, "high": 10},
                           "per_issue": {"dist": "choice", "values": [0, 1, 2, 4]}}}
    _, block = played({"talks": talks_}, worlds=300, seed=3)
    x = block.inputs
    signing = 1 + np.rint(x["talks.setup"]) + np.rint(x["talks.drafting.base"] + 2 * x["talks.drafting.per_issue"])
    signed = signing <= 20
    assert 0 < signed.sum() < 300
    np.testing.assert_array_equal(block.agreement_round, np.where(signed, signing, 0))
    np.testing.assert_array_equal(block.outcome, np.where(signed, COMPREHENSIVE, NONE))


def test_not_signed_when_the_horizon_comes_first():
    """Agreed in principle in round 4, due for signing in round 8 > horizon 7: no agreement."""
    model, block = played({"talks": {"setup": 3, "drafting": {"base": 2, "per_issue": 1}},
                           "rounds.horizon": 7})
    assert (block.outcome == NONE).all() and (block.agreement_round == 0).all()
    assert (model.sign_round == 8).all()


def test_failed_ratification_resumes_talks_on_the_calendar():
    """setup 3, every 3, drafting 4, B never ratifies: talks sit in 4, 7, 10, 13, 16, 19;
    agreed in principle in 4 (fails at the end of 8), not in 7 (drafting), again in 10
    (fails in 14) and 16 (fails in 20): three failures, B accepts three settlements."""
    model, block = played({"talks": {"setup": 3, "every": 3, "drafting": {"base": 2, "per_issue": 1},
                                     "ratification": [{"actor": "B", "probability": 0}]}})
    assert (block.outcome == NONE).all()
    assert model.ratification_failures == 3 * 4
    assert (block.accepts[:, 1, 1] == 3).all() and (block.first_accept[:, 1] == 4).all()


def test_certain_ratification_changes_nothing():
    """probability 1 signs every draft (u < 1 always): the results of no ratification."""
    plain = {"setup": 3, "drafting": {"base": 2}}
    _, without = played({"talks": plain})
    _, with_ = played({"talks": {**plain, "ratification": [{"actor": "A", "probability": 1},
                                                           {"actor": "B", "probability": 1}]}})
    np.testing.assert_array_equal(with_.agreement_round, without.agreement_round)


def test_settlement_after_a_truce():
    """With truces possible and settlement_after_truce = 2, every settlement comes while a
    truce is in force that has held two rounds or more: at least two rounds after a truce."""
    noisy = {"actors.A.noise": 0.02, "actors.B.noise": 0.02, "war.volatility": 0.02,
             "recognition": {"mode": "random"}, "actors.A.agendas": ["truce", "settlement"],
             "actors.B.agendas": ["truce", "settlement"], "truce.length": 6,
             "talks": {"settlement_after_truce": 2}}
    block = run_block(load("talks").with_overrides(noisy), 500, np.random.SeedSequence(4))
    settled = block.outcome == COMPREHENSIVE
    assert settled.sum() > 50
    assert (block.truces[settled] > 0).all()
    assert (block.agreement_round[settled] >= block.truce_round[settled] + 2).all()


def test_settlements_after_a_truce_of_the_horizon_less_one_come_in_the_last_round():
    """settlement_after_truce = H − 1, the largest a scenario may give (a larger one is refused,
    tests/scenario/test_rounds.py): a truce in force since round 1 has held H − 1 rounds in
    round H, so settlements come there, and only there, under a truce agreed in round 1."""
    horizon = 6
    noisy = {"actors.A.noise": 0.02, "actors.B.noise": 0.02, "war.volatility": 0.02,
             "recognition": {"mode": "random"}, "actors.A.agendas": ["truce", "settlement"],
             "actors.B.agendas": ["truce", "settlement"], "truce.length": 8, "rounds.horizon": horizon,
             "talks": {"settlement_after_truce": horizon - 1}}
    block = run_block(load("talks").with_overrides(noisy), 200, np.random.SeedSequence(4))
    settled = block.outcome == COMPREHENSIVE
    assert settled.sum() > 20
    assert (block.agreement_round[settled] == horizon).all() and (block.truce_round[settled] == 1).all()


def test_compaction_changes_nothing():
    """The talks state (due round, pending terms and proposer) is compacted with the worlds."""
    extra = {"actors.A.noise": 0.02, "actors.B.noise": 0.02, "war.volatility": 0.02,
             "recognition": {"mode": "random"},
             "talks": {"setup": {"dist": "uniform", "low": 0, "high": 4}, "every": 2,
                       "drafting": {"base": {"dist": "uniform", "low": 0, "high": 5}, "per_issue": 1},
                       "ratification": [{"actor": "B", "probability": 0.6}]}}
    _, compacted = played(extra, worlds=400, seed=9)
    _, whole = played(extra, worlds=400, seed=9, COMPACT_MIN=10**6)
    for field in ("outcome", "agreement_round", "proposer", "accepts", "terms"):
        np.testing.assert_array_equal(getattr(compacted, field), getattr(whole, field), err_msg=field)


def test_ratification_does_not_shift_other_draws():
    """Ratification draws come from a stream of their own: with probability 1 the run is
    the one without ratification, world by world (common random numbers)."""
    extra = {"actors.A.noise": 0.02, "actors.B.noise": 0.02, "war.volatility": 0.02,
             "recognition": {"mode": "random"}, "talks": {"setup": 2, "drafting": {"base": 1}}}
    _, without = played(extra, worlds=300)
    extra["talks"] = {**extra["talks"], "ratification": [{"actor": "B", "probability": 1}]}
    _, with_ = played(extra, worlds=300)
    np.testing.assert_array_equal(with_.agreement_round, without.agreement_round)
    np.testing.assert_array_equal(with_.final_balance, without.final_balance)


# --- validation --------------------------------------------------------------------------------

@pytest.mark.parametrize("section, path, words", [
    ({"ratification": [{"actor": "C", "probability": 0.5}]}, "talks.ratification[0].actor", "unknown actor 'C'"),
    ({"ratification": [{"actor": "A", "probability": 0.5}, {"actor": "A", "probability": 0.9}]},
     "talks.ratification[1].actor", "listed twice"),
    ({"every": 0}, "talks.every", "greater than or equal to 1"),
    ({"setup": -1}, "talks.setup", ">= 0"),
    ({"settlement_after_truce": -1}, "talks.settlement_after_truce", "greater than or equal to 0"),
    ({"ratification": [{"actor": "A", "probability": 1.5}]}, "talks.ratification[0].probability", "between 0 and 1"),
    ({"drafting": {"base": 1, "per_isue": 1}}, "talks.drafting.per_isue", ""),
])
def test_bad_talks_sections_are_reported_by_field(tmp_path, section, path, words):
    import yaml

    data = yaml.safe_load((DATA / "talks.yaml").read_text(encoding="utf-8"))
    data["talks"] = section
    file = tmp_path / "bad.yaml"
    file.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        negotiate.load_scenario(file)
    message = str(caught.value)
    assert f"{path}: " in message and words in message, message


# --- the effect, with Monte Carlo intervals ------------------------------------------------------

NOISY = {"actors.A.noise": 0.02, "actors.B.noise": 0.02, "war.volatility": 0.02, "war.drift": 0.003,
         "recognition": {"mode": "random"}, "actors.A.agendas": ["truce", "settlement"],
         "actors.B.agendas": ["truce", "settlement"]}
SETUP, DRAFTING = 4, 3
TALKS = {"setup": SETUP, "drafting": {"base": DRAFTING},
         "ratification": [{"actor": "B", "probability": 0.7}]}
WORLDS = 2000


def effect() -> dict:
    """Both parties may propose truces and settlements, with noise; without talks they
    settle within a few rounds.  Same seed with and without talks (paired worlds)."""
    base = load("talks").with_overrides(NOISY)
    without = run_block(base, WORLDS, np.random.SeedSequence(7))
    with_ = run_block(base.with_overrides({"talks": TALKS}), WORLDS, np.random.SeedSequence(7))
    settled0, settled1 = without.outcome == COMPREHENSIVE, with_.outcome == COMPREHENSIVE
    both = settled0 & settled1
    delay = (with_.agreement_round - without.agreement_round.astype(float))[both]
    half = 1.96 * delay.std(ddof=1) / np.sqrt(delay.size)
    return {"comprehensive": paired_difference(settled0, settled1),
            "delay": (delay.mean() - half, delay.mean() + half)}


def holds(e) -> dict[str, bool]:
    """What the mechanism must do: the first comprehensive agreement comes at least
    set-up + drafting rounds later (95% interval of the paired mean delay), and fewer
    worlds reach one within the horizon (Newcombe's paired 95% interval below zero)."""
    return {"later": e["delay"][0] >= SETUP + DRAFTING, "fewer": e["comprehensive"].ci_high < 0}


def test_talks_delay_and_reduce_comprehensive_agreements():
    e = effect()
    assert holds(e) == {"later": True, "fewer": True}, e
    # without ratification failures nearly every world still settles within 20 rounds: the
    # fall is the ratification's (0.3 of first drafts fail, some worlds fail twice)
    assert -0.2 < e["comprehensive"].difference < -0.01


@pytest.mark.parametrize("disabled, fails", [
    ("settlement_sits", "later"),     # no set-up or calendar
    ("drafting_rounds", "later"),     # in force at once
    ("ratified", "fewer"),            # always ratified
])
def test_effect_test_fails_when_a_piece_is_switched_off(monkeypatch, disabled, fails):
    """Mutation check: each piece of the mechanism switched off, the effect test fails."""
    off = {"settlement_sits": lambda p, t, in_truce, age, drafting: ~drafting,
           "drafting_rounds": lambda p, moved: np.zeros(moved.shape[0], np.int64),
           "ratified": lambda p, u: np.ones(u.shape[1], bool)}
    monkeypatch.setattr(talks, disabled, off[disabled])
    assert not holds(effect())[fails]


@pytest.mark.parametrize("concessions", ["proportional", "contract_curve"])
def test_all_switched_off_is_the_run_without_talks(monkeypatch, concessions):
    """With every piece switched off the run is the one without a talks section, world by world.
    (With contract-curve concessions this caught the planner reading past a placeholder
    arms term sized for the straight segments: this scenario has no arms issue.)"""
    monkeypatch.setattr(talks, "settlement_sits", lambda p, t, in_truce, age, drafting: ~drafting)
    monkeypatch.setattr(talks, "drafting_rounds", lambda p, moved: np.zeros(moved.shape[0], np.int64))
    monkeypatch.setattr(talks, "ratified", lambda p, u: np.ones(u.shape[1], bool))
    base = load("talks").with_overrides({**NOISY, "bargaining.concessions": concessions})
    without = run_block(base, 500, np.random.SeedSequence(7))
    with_ = run_block(base.with_overrides({"talks": TALKS}), 500, np.random.SeedSequence(7))
    for field in ("outcome", "agreement_round", "truce_round", "terms", "final_balance"):
        np.testing.assert_array_equal(getattr(with_, field), getattr(without, field), err_msg=field)
