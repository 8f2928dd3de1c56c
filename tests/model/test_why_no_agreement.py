"""Why a world ends without an agreement (docs/model.md §12, "Why no agreement"): the
engine's ``principle_round`` and ``stalled`` and the reasons read from them.

Each hand-built scenario is a variant of ``data/truce_drafting.yaml`` (two parties, no
noise, a front that does not move, A's conditional truce accepted in round 1 in every
world), so the reason is known by construction:

* (a) red lines that clash on both agendas: nobody proposes, so nothing is ever answered;
* (b) an outright win certain in round 1 (the front starts past the threshold, chance 1),
  before any bargaining;
* (c) the truce accepted in round 1 needs 6 rounds of drafting; a jump in round 3 (in
  about half of the worlds) takes the front past a certain win: those worlds are won
  after agreeing, the others have their truce in force at the end of round 7;
* (d) settlements only, ratification never given: agreed in principle every time,
  never in force;
* (e) B insincere in every world, stalling truces too, past the horizon: it refuses A's
  truce every round and proposes nothing, so every world is stalled; stalling that ends
  a round before the horizon, or no stalling, flags none; stalling settlements only
  flags the worlds only where settlements are on the agenda.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negotiate.model import NegotiationModel, run_block
from negotiate.model.outcomes import (
    AGREED_NEVER_IN_FORCE,
    CONDITIONAL,
    NEVER_OFFERED,
    NONE,
    REASONS,
    STALLED,
    WON_BEFORE_IN_FORCE,
    WON_OUTRIGHT,
    no_agreement_reasons,
)
from negotiate.results.aggregate import Aggregates
from tests.profiles import scaled
from tests.scenario.strategies import scenarios

from .conftest import load

N = 40
CLASH = {"actors.A.positions.share.red_line": {"min": 0.7}, "actors.B.positions.share.red_line": {"max": 0.3},
         "actors.A.positions.monitors.red_line": {"min": 0.6},
         "actors.B.positions.monitors.red_line": {"max": 0.4}}


def block_of(overrides: dict, seed: int = 5):
    return run_block(load("truce_drafting").with_overrides(overrides), N, np.random.SeedSequence(seed))


def reasons(block) -> np.ndarray:
    return no_agreement_reasons(block.outcome, block.victory, block.principle_round, block.offers,
                                block.stalled)


def counts(block) -> np.ndarray:
    """The reason counts, as the summaries keep them (the numbers every table reads)."""
    return Aggregates.from_block(block, 200).no_agreement_reasons


def only(reason: int, k: int = N) -> np.ndarray:
    out = np.zeros(len(REASONS), np.int64)
    out[reason] = k
    return out


# --- known by construction --------------------------------------------------------------------

def test_red_lines_clashing_on_both_agendas_leave_nothing_ever_offered():
    block = block_of({**CLASH, "actors.A.agendas": ["truce", "settlement"],
                      "actors.B.agendas": ["truce", "settlement"],
                      "actors.A.noise": 0.05, "actors.B.noise": 0.05, "recognition": {"mode": "random"}})
    assert (block.outcome == NONE).all() and (block.offers == 0).all()
    np.testing.assert_array_equal(counts(block), only(NEVER_OFFERED))


def test_a_war_won_in_round_one_is_won_outright():
    block = block_of({**CLASH, "war.balance": 0.8,
                      "war.victory": {"upper": 0.6, "lower": 0.1, "probability": 1.0}})
    assert (block.victory == 1).all() and (block.principle_round == 0).all()
    np.testing.assert_array_equal(counts(block), only(WON_OUTRIGHT))


def test_a_win_while_a_truce_is_drafted_is_won_before_in_force():
    overrides = {"rounds.horizon": 10, "talks": {"truce_drafting": {"base": 6}},
                 "war.victory": {"upper": 0.9, "lower": 0.02, "probability": 1.0},
                 "war.events": [{"start": 3, "jump": 0.45, "probability": 0.5}]}
    block = block_of(overrides)
    jumped = NegotiationModel(load("truce_drafting").with_overrides(overrides), N,
                              seed=np.random.SeedSequence(5), record=False).happens[0]
    assert 0 < jumped.sum() < N
    assert (block.principle_round == 1).all()                 # accepted in round 1 everywhere
    np.testing.assert_array_equal(block.victory, jumped.astype(np.int8))
    np.testing.assert_array_equal(block.outcome, np.where(jumped, NONE, CONDITIONAL))
    np.testing.assert_array_equal(block.truce_round, np.where(jumped, 0, 7))   # in force at the end of 1 + 6
    np.testing.assert_array_equal(reasons(block), np.where(jumped, WON_BEFORE_IN_FORCE, -1))
    np.testing.assert_array_equal(counts(block), only(WON_BEFORE_IN_FORCE, int(jumped.sum())))


def test_a_settlement_that_always_fails_ratification_was_agreed_but_never_in_force():
    block = block_of({"actors.A.agendas": ["settlement"], "actors.B.agendas": ["settlement"],
                      "talks": {"drafting": {"base": 2}, "ratification": [{"actor": "B", "probability": 0.0}]}})
    assert (block.principle_round == 1).all() and (block.victory == 0).all()
    np.testing.assert_array_equal(counts(block), only(AGREED_NEVER_IN_FORCE))


def stalling(rounds: int, chance: float = 1.0) -> dict:
    return {"actors.B.insincere": chance, "actors.B.insincere_rounds": rounds,
            "actors.B.insincere_truces": True}


@pytest.mark.parametrize("rounds", [30, 45])   # the horizon is 30: stalling through its round
def test_a_party_stalling_past_the_horizon_leaves_every_world_stalled(rounds):
    block = block_of(stalling(rounds))
    assert (block.outcome == NONE).all() and (block.victory == 0).all()
    assert (block.principle_round == 0).all() and (block.offers[:, 1, 0] > 0).all()   # B refused A's truces
    assert block.stalled.all()
    np.testing.assert_array_equal(counts(block), only(STALLED))


def test_stalling_that_ends_before_the_horizon_or_none_flags_no_world():
    # stalling to round 29 of 30: B's own truce, in round 30, is accepted; without
    # stalling A's is, in round 1; refused red lines (a truce-only clash) are not stalling
    ends = block_of(stalling(29))
    assert not ends.stalled.any() and (ends.principle_round == 30).all()
    for overrides in (stalling(45, 0.0), {}):
        assert not block_of(overrides).stalled.any()
    clash = block_of({**CLASH, "actors.B.noise": 0.0})
    assert not clash.stalled.any()


def test_stalling_settlements_counts_where_settlements_are_open():
    """B stalls settlements through the horizon, not truces.  Truces only on the agenda: its
    stalling blocks nothing open, no world is flagged and A's truce is accepted in round 1.
    Settlements open too: flagged, but a truce is still agreed in every world, so none
    counts as stalled (the flag is drawn; only runs without an agreement are counted).
    Settlements only: every world ends without an agreement, stalled."""
    settlements = {**stalling(45), "actors.B.insincere_truces": False}
    truces = block_of(settlements)
    assert not truces.stalled.any() and (truces.outcome == CONDITIONAL).all()
    both = block_of({**settlements, "actors.A.agendas": ["truce", "settlement"],
                     "actors.B.agendas": ["truce", "settlement"]})
    assert both.stalled.all() and (both.outcome != NONE).all()
    np.testing.assert_array_equal(counts(both), np.zeros(len(REASONS), np.int64))
    only_settlements = block_of({**settlements, "actors.A.agendas": ["settlement"],
                                 "actors.B.agendas": ["settlement"]})
    assert only_settlements.stalled.all() and (only_settlements.offers[:, 1, 1] > 0).all()
    np.testing.assert_array_equal(counts(only_settlements), only(STALLED))


@pytest.mark.parametrize("decision, flagged", [
    (None, True),                                                              # unanimity: B needed
    ({"bodies": [{"rule": "majority", "members": ["A", "B", "M"]}]}, False),     # B can be outvoted
    ({"bodies": [{"rule": "majority", "members": ["A", "M"]}], "vetoes": ["B"]}, True)])   # B's veto
def test_under_a_decision_rule_only_a_stalling_party_it_needs_flags_the_run(decision, flagged):
    """tests/model/data/two_party.yaml with settlements only and B stalling past the horizon in
    every world: the flag as drawn (no round played)."""
    overrides = {**stalling(10_000), **{f"actors.{a}.agendas": ["settlement"] for a in ("A", "B", "M")}}
    if decision is not None:
        overrides["decision"] = {"settlement": decision}
    model = NegotiationModel(load("two_party").with_overrides(overrides), 8, seed=1, record=False)
    assert (model.out["stalled"] == flagged).all()


# --- exclusive and exhaustive, on generated scenarios ----------------------------------------

def stalled_by_hand(p) -> np.ndarray:
    """``stalled`` world by world, actor by actor: on some agenda someone may propose, a party
    outside the rule's bodies (or a rule's veto) stalls that agenda in the horizon's round."""
    def needed(g, a):
        rule = None if p.rules is None else p.rules.agendas[g]
        if rule is None:
            return bool(p.is_party[a])
        return bool(rule.vetoes[a] or (p.is_party[a] and not rule.members[a]))

    def stalls(g, a, w):
        return p.horizon <= p.insincere_until[a, w] and (g == 1 or bool(p.insincere_truces[a, w]))

    open_ = [g for g in (0, 1) if p.agendas[:, g].any()]
    return np.array([any(needed(g, a) and stalls(g, a, w) for g in open_ for a in range(p.n_actors))
                     for w in range(p.n)])


GENERATED = settings(max_examples=scaled(8), deadline=None, database=None, derandomize=True,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # extreme generated numbers
@GENERATED
@given(scenarios(min_actors=2, max_actors=4, max_issues=6), st.sampled_from([1.0, 0.6, 0.0]),
       st.sampled_from([10_000, 3]), st.booleans())
def test_every_world_without_an_agreement_has_exactly_one_reason(scenario, chance, rounds, truces):
    # every actor may stall (a chance per world, for `rounds` rounds; the horizon is drawn too)
    scenario = scenario.with_overrides({f"actors.{a}.{k}": v for a in scenario.actor_names for k, v in
                                        (("insincere", chance), ("insincere_rounds", rounds),
                                         ("insincere_truces", truces))})
    model = NegotiationModel(scenario, 4, seed=1, record=False)
    np.testing.assert_array_equal(model.out["stalled"], stalled_by_hand(model.params))
    while model.round < min(scenario.rounds.horizon, 15) and model.open_worlds.any():
        model.step()
    block = model.result()
    none = block.outcome == NONE
    won, agreed = block.victory != 0, block.principle_round > 0
    answered = block.offers.sum(axis=(1, 2)) > 0
    stalled = block.stalled
    which = np.stack([won & ~agreed, won & agreed, ~won & agreed, ~won & ~agreed & stalled,
                      ~won & ~agreed & ~stalled & answered, ~won & ~agreed & ~stalled & ~answered])
    assert (which.sum(axis=0) == 1).all()                                  # exclusive, exhaustive
    code = reasons(block)
    np.testing.assert_array_equal(code, np.where(none, which.argmax(axis=0), -1))
    tally = counts(block)
    assert tally.sum() == none.sum()                                       # they add up to P(none)
    # what the record means: every agreement was agreed in principle first
    assert (agreed[~none]).all()
    assert (block.principle_round[~none] <= block.agreement_round[~none]).all()


def test_an_agreed_pause_is_agreed_in_principle_as_it_starts():
    """data/pause.yaml: the only way to a truce is the mediator's pause in round 1 (no
    bargaining agreement is possible), accepted in some worlds: those, and only those,
    record round 1; the others never agreed anything."""
    block = run_block(load("pause"), 200, np.random.SeedSequence(2))
    paused = block.truces > 0
    assert 0 < paused.sum() < block.n
    np.testing.assert_array_equal(block.principle_round, np.where(paused, 1, 0))
