"""Standstill while drafting (docs/model.md §15, "Standstill while drafting").

The exact checks use ``data/truce_drafting.yaml`` (two parties, one truce term —
monitors — alternating offers with A first, no noise, no continuation values, a front
that does not move), as ``test_truce_drafting.py`` does.  Without standstill A's
conditional truce is in force D rounds after acceptance and the war goes on meanwhile,
so A turns to the plain truce once ``δ^D·g_c < g_p``.  With standstill the plain
ceasefire holds meanwhile, so A's priced value of its conditional truce is
``(1 − δ^D)·V_A(plain) + δ^D·V_A(c)``, above ``V_A(plain)`` for every D since
``V_A(c) > V_A(plain)``: A proposes the conditional truce whatever the delay.
"""

from __future__ import annotations

import numpy as np
import pytest

from negotiate.model import NegotiationModel, run_block, truce
from negotiate.model.model import NegotiationModel as Model
from negotiate.model.outcomes import CONDITIONAL

from ..intervals import paired_interval
from .test_truce_drafting import compaction_changes_nothing, scenario

A, B, MONITORS = 0, 1, 1


def first_offer(patience: float, rounds: int, standstill: float) -> np.ndarray:
    model = NegotiationModel(scenario(patience, {"per_condition": rounds, "standstill": standstill}), 1,
                             seed=1, record=False)
    model.step()
    assert model.last["agenda"][0] == 0          # a truce, put forward by A
    return model.last["y"][0]


# --- (a) pricing -------------------------------------------------------------------------------

@pytest.mark.parametrize("patience", [0.8, 0.9, 0.95])
def test_with_standstill_the_delay_never_turns_a_to_the_plain_truce(patience):
    """Without standstill A turns plain for long delays; with it, never (both regimes seen)."""
    turned = set()
    for rounds in range(1, 21, 2):   # (no drafting, D = 0: a standstill is refused, nothing to draft)
        without = first_offer(patience, rounds, 0.0)
        turned.add(bool(abs(without[MONITORS]) < 1e-12))
        with_ = first_offer(patience, rounds, 1.0)
        assert with_[MONITORS] > 0.5, (patience, rounds)   # the conditional truce, monitors moved
    assert turned == {True, False}


def test_responders_value_the_drafting_rounds_at_the_plain_ceasefire():
    """B's value of a conditional truce drafted D rounds under a standstill:
    (1 − δ^D)·V_B(plain) + δ^D·V_B(c), both read from the model without drafting."""
    for patience, rounds in [(0.8, 2), (0.9, 5), (0.95, 11)]:
        now = NegotiationModel(scenario(patience), 1, seed=1, record=False)
        later = NegotiationModel(scenario(patience, {"per_condition": rounds, "standstill": 1.0}), 1,
                                 seed=1, record=False)
        v_c = now.evaluate({"monitors": 0.8}, "truce", "A")["B"]["value"][0]
        v_p = now.evaluate({"monitors": 0.0}, "truce", "A")["B"]["value"][0]
        w = later.evaluate({"monitors": 0.8}, "truce", "A")["B"]["value"][0]
        fade = patience ** rounds
        assert v_p != pytest.approx(now.state.status[B, 0])    # the plain truce is not the war
        assert w == pytest.approx((1 - fade) * v_p + fade * v_c, abs=1e-12)


# --- (b) timing and terms ----------------------------------------------------------------------

def test_the_truce_counts_at_once_and_its_conditions_when_drafted():
    """Accepted in round 1 with D = rint(per_condition) rounds of drafting: a conditional truce
    from round 1 in every world (even where D reaches past the horizon); the monitors in force
    stay at status quo through round D and are A's offer from the end of round 1 + D."""
    horizon = 8
    sc = scenario(0.95, {"per_condition": {"dist": "uniform", "low": 1, "high": 12}, "standstill": 1.0},
                  **{"actors.A.positions.monitors.salience": 0.6, "rounds.horizon": horizon})
    model = NegotiationModel(sc, 40, seed=np.random.SeedSequence(3), record=False)
    rounds = np.rint(model.params.truce_draft_per_condition)
    monitors = []
    while model.running:
        model.step()
        monitors.append(model.truce_terms[:, MONITORS].copy())
    block = model.result()
    assert (block.outcome == CONDITIONAL).all() and (block.truce_round == 1).all()
    agreed = block.terms[:, MONITORS]
    due = 1 + rounds
    assert (due <= horizon).any() and (due > horizon).any()
    for t, seen in enumerate(monitors, start=1):
        expected = np.where(t >= due, agreed, 0.0)
        np.testing.assert_allclose(seen, expected, err_msg=f"round {t}")


def test_a_ceasefire_that_breaks_down_drops_its_conditions():
    """A standstill that collapses before its conditions are drafted leaves them undrafted:
    the war resumes and the monitors never come into force."""
    sc = scenario(0.95, {"per_condition": 6, "standstill": 1.0},
                  **{"actors.A.positions.monitors.salience": 0.6, "rounds.horizon": 12,
                     "truce.hazard": {"scale": 0.0, "shape": 1.0}})   # every truce collapses at once
    model = NegotiationModel(sc, 5, seed=1, record=False)
    model.step()
    assert (model.standing_still & (model.truce_due == 7)).all()
    model.step()                                   # the ceasefire collapses in its first round
    assert (model.truce_due == 0).all() and not model.standing_still.any()
    assert model.out["collapsed"].all()


def test_standstill_zero_is_no_standstill_and_a_chance_is_a_share_of_worlds():
    sc = scenario(0.9, {"per_condition": 4})
    plain = run_block(sc, 200, np.random.SeedSequence(2))
    zero = run_block(scenario(0.9, {"per_condition": 4, "standstill": 0.0}), 200, np.random.SeedSequence(2))
    for field in ("outcome", "truce_round", "terms"):
        np.testing.assert_array_equal(getattr(plain, field), getattr(zero, field), err_msg=field)
    half = NegotiationModel(scenario(0.9, {"per_condition": 4, "standstill": 0.3}), 2000,
                            seed=np.random.SeedSequence(2), record=False)
    share = half.params.truce_standstill.mean()
    assert abs(share - 0.3) < 4 * np.sqrt(0.3 * 0.7 / 2000)


# --- (c) the effect, with Monte Carlo intervals (paired worlds) ------------------------------

WAR = {"actors.A.noise": 0.02, "actors.B.noise": 0.02, "recognition": {"mode": "random"},
       "war.drift": 0.03, "war.volatility": 0.02,
       "war.victory": {"upper": 0.75, "lower": 0.05, "probability": 0.3},
       "actors.A.positions.monitors.salience": 0.6}
DRAFTING = {"per_condition": {"dist": "uniform", "low": 4, "high": 12}}


def test_standstill_keeps_conditional_truces_from_outright_wins():
    """A's front advances toward a win; without standstill many conditional truces are
    overtaken by the war while drafted, with it they hold: P(conditional) rises and
    P(outright win) falls (99% paired intervals clear of 0)."""
    seed = np.random.SeedSequence(11)
    without = run_block(scenario(0.9, DRAFTING, **WAR), 1000, seed)
    with_ = run_block(scenario(0.9, {**DRAFTING, "standstill": 1.0}, **WAR), 1000, seed)
    low, _ = paired_interval(with_.outcome == CONDITIONAL, without.outcome == CONDITIONAL)
    assert low > 0.05
    _, high = paired_interval(with_.victory != 0, without.victory != 0)
    assert high < -0.05


# --- (d) mutation checks -----------------------------------------------------------------------

def test_without_standstill_pricing_the_pricing_test_fails(monkeypatch):
    monkeypatch.setattr(Model, "_meanwhile", lambda self, state: state.status)
    with pytest.raises(AssertionError):
        test_with_standstill_the_delay_never_turns_a_to_the_plain_truce(0.9)


def test_without_the_standstill_the_timing_test_fails(monkeypatch):
    monkeypatch.setattr(Model, "_stand_still", lambda self, t, still, proposer, y: None)
    with pytest.raises(AssertionError):
        test_the_truce_counts_at_once_and_its_conditions_when_drafted()


def test_compaction_keeps_standstills(monkeypatch):
    """Dropping finished worlds changes no world's result (the standstill flags move with them)."""
    sc = scenario(0.95, {**DRAFTING, "standstill": 0.5},
                  **{**WAR, "war.volatility": 0.08, "war.drift": 0.06,
                     "war.victory": {"upper": 0.7, "lower": 0.05, "probability": 0.6}})
    whole = compaction_changes_nothing(sc, monkeypatch, ("outcome", "truce_round", "truces", "terms",
                                                          "victory", "collapsed"))
    assert (whole.outcome == CONDITIONAL).mean() > 0.1


def test_continuation_values_use_the_standstill_price():
    """With continuation values on, A's value P (the fixed point, §8) is its value of its offer
    priced with the plain ceasefire meanwhile, (1 − δ^D)·V_A(plain) + δ^D·V_A(y), with V_A(plain)
    the plain truce in force (before the option of talks) and V_A(y) its offer in force."""
    keen = {"bargaining.continuation": True, "actors.A.positions.monitors.salience": 0.6,
            "recognition.order": ["A"]}    # B never proposes: its need is its war value
    for patience, rounds in [(0.8, 1), (0.9, 3), (0.95, 8)]:
        sc = scenario(patience, {"per_condition": rounds, "standstill": 1.0}, **keen)
        model = NegotiationModel(sc, 1, seed=1, record=False)
        model.step()
        y = model.last["y"]
        assert model.last["agenda"][0] == 0 and not model.out["unconverged"][0]
        assert int(truce.conditions(model.params, y)[0]) == 1
        plain = model.state.truce_in_force(model.params.status_quo[None])[A, 0, 0]
        model.params.truce_drafting = False
        v = model._offer_values(y, np.zeros(1, int), np.zeros(1, int))[A, 0]
        model.params.truce_drafting = True
        fade = patience ** rounds
        assert model.proposer_value[A, 0] == pytest.approx((1 - fade) * plain + fade * v, abs=1e-6)



def test_a_standstill_with_nothing_to_draft_is_refused():
    from negotiate.errors import ScenarioError
    with pytest.raises(ScenarioError, match="talks.truce_drafting.standstill: has no effect"):
        scenario(0.9, {"standstill": 0.5})
    with pytest.raises(ScenarioError, match="standstill: has no effect"):
        scenario(0.9, {"base": 0, "per_condition": 0, "standstill": {"dist": "uniform", "low": 0, "high": 1}})
    scenario(0.9, {"per_condition": {"dist": "uniform", "low": 0, "high": 1}, "standstill": 0.5})   # may draft
    scenario(0.9, {"standstill": 0})   # no standstill: nothing to refuse


# --- the per-run record: stood_still, conditions_round -----------------------------------------
#
# ``stood_still``: the run's first truce was accepted in a world standing still with D > 0
# rounds of drafting; ``conditions_round``: the round at whose end the first truce's terms
# took effect (t + D after a standstill that held, the round it came into force otherwise;
# 0 when there was no truce or its conditions were dropped).  The expected values below
# follow from that definition and the drafting rule D = rint(base + per_condition · m).

FIXED = {"actors.A.positions.monitors.salience": 0.6}   # A's truce carries the monitors


@pytest.mark.parametrize("per_condition", [2, 3, 8])
def test_a_standstill_records_acceptance_and_the_round_its_conditions_took_effect(per_condition):
    """Horizon 30, truces of 10 rounds (they expire and are agreed again): A's conditional truce
    (m = 1, so D = per_condition) accepted in round 1.  Standstill: stood still, truce in round 1,
    conditions at the end of round 1 + D.  None: the truce and its terms in force at 1 + D."""
    still = run_block(scenario(0.95, {"base": 0, "per_condition": per_condition, "standstill": 1.0},
                               **FIXED), 3, np.random.SeedSequence(1))
    war = run_block(scenario(0.95, {"base": 0, "per_condition": per_condition, "standstill": 0.0},
                             **FIXED), 3, np.random.SeedSequence(1))
    for block in (still, war):
        assert (block.outcome == CONDITIONAL).all() and (block.truces > 1).all()   # later truces too
    due = 1 + per_condition
    assert still.stood_still.all() and (still.truce_round == 1).all()
    assert (still.conditions_round == due).all()        # the later truces' conditions do not count
    assert not war.stood_still.any() and (war.truce_round == due).all()
    assert (war.conditions_round == due).all()


def test_stood_still_and_conditions_round_world_by_world():
    """``per_condition`` ~ U(0, 12) per world, horizon 8, standstill 0.5: D = rint(per_condition)
    (one condition).  A standing world with D > 0 stood still and has its conditions at 1 + D if
    that is within the horizon (else none); with D = 0 the truce is in force at once, round 1;
    a world at war meanwhile has its truce, and its terms, at 1 + D within the horizon."""
    horizon = 8
    sc = scenario(0.95, {"per_condition": {"dist": "uniform", "low": 0, "high": 12}, "standstill": 0.5},
                  **{**FIXED, "rounds.horizon": horizon})
    model = NegotiationModel(sc, 60, seed=np.random.SeedSequence(4), record=False)
    D = np.rint(model.params.truce_draft_per_condition).astype(int)
    stands = model.params.truce_standstill.copy()
    block = model.run()
    assert (truce.conditions(model.params, np.nan_to_num(block.terms))[block.truces > 0] == 1).all()
    due = 1 + D
    in_time = due <= horizon
    expected_still = stands & (D > 0)
    expected_conditions = np.where(D == 0, 1, np.where(in_time, due, 0))
    expected_truce = np.where(stands | (D == 0), 1, np.where(in_time, due, 0))
    for name, cases in (("standing, D > 0", expected_still), ("D = 0", D == 0),
                        ("past the horizon", ~in_time), ("at war, in time", ~stands & in_time & (D > 0))):
        assert cases.any(), name
    np.testing.assert_array_equal(block.stood_still, expected_still)
    np.testing.assert_array_equal(block.truce_round, expected_truce)
    np.testing.assert_array_equal(block.conditions_round, expected_conditions)


def test_a_standstill_that_breaks_down_records_no_conditions():
    """Every truce collapses in its first round: the first stood still, its conditions (due at
    the end of round 7) were dropped; the truces agreed after it change nothing."""
    sc = scenario(0.95, {"per_condition": 6, "standstill": 1.0},
                  **{**FIXED, "rounds.horizon": 12, "truce.hazard": {"scale": 0.0, "shape": 1.0}})
    block = run_block(sc, 4, np.random.SeedSequence(1))
    assert (block.truces > 1).all() and block.collapsed.all()
    assert block.stood_still.all() and (block.truce_round == 1).all()
    assert (block.conditions_round == 0).all()


def test_only_the_first_truce_sets_conditions_round():
    """Truces that may collapse (hazard 1 − e^(−1/3) a round), D = 2: a world's first truce,
    accepted in round t₁, has its conditions at t₁ + 2 iff it was still in force at the end of
    rounds t₁ … t₁ + 2 with no other truce agreed (one truce counted), else none; seen round by
    round in the engine's state, and both fates and later truces' conditions occur."""
    horizon = 20
    sc = scenario(0.95, {"per_condition": 2, "standstill": 1.0},
                  **{**FIXED, "rounds.horizon": horizon, "truce.hazard": {"scale": 3.0, "shape": 1.0}})
    model = NegotiationModel(sc, 60, seed=np.random.SeedSequence(8), record=False)
    model.COMPACT_MIN = 10**9   # keep every world's row, to read its state each round
    in_truce, truces = [], []
    while model.running:
        model.step()
        in_truce.append(model.phase == 1)
        truces.append(model.out["truces"].copy())
    block = model.result()
    in_truce, truces = np.array(in_truce), np.array(truces)      # (rounds, worlds)
    expected = np.zeros(60, int)
    for w in range(60):
        t1 = int(np.argmax(truces[:, w] > 0)) + 1
        last = t1 + 2
        if truces[-1, w] and last <= horizon and in_truce[t1 - 1:last, w].all() and truces[last - 1, w] == 1:
            expected[w] = last
    assert (expected > 0).any() and ((expected == 0) & (block.truces > 0)).any()
    assert ((expected == 0) & (block.truces > 1)).any()   # a later truce may have held: not counted
    np.testing.assert_array_equal(block.conditions_round, expected)
    np.testing.assert_array_equal(block.stood_still, block.truces > 0)
