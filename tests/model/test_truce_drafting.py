"""Truce drafting (docs/model.md §15, "Truce drafting: plain or conditional ceasefires").

The exact checks use ``data/truce_drafting.yaml``: two parties, one truce term
(monitors), only truces on the agenda, alternating offers with A first, no noise,
no continuation values, a front that does not move.  Without drafting A proposes a
conditional truce (monitors moved past the threshold) that B accepts at once.

(a) With ``per_condition = D`` (base 0) the conditional truce is in force D rounds
after acceptance and the plain one at once, so A's gains over the war's value S_A
are δ^D·g_c and g_p (g_c, g_p: the gains of the two truces in force at once, read
from the model without drafting); B's need is its war value, which a delay leaves
where it is, so A's plan does not move: A proposes the plain truce iff δ^D·g_c < g_p.
(b) A truce with m conditions accepted in round t is in force at the end of round
t + rint(base + per_condition·m), world by world, never past the horizon.
"""

from __future__ import annotations

import numpy as np
import pytest

from negotiate.model import NegotiationModel, run_block, talks, truce
from negotiate.model.model import NegotiationModel as Model
from negotiate.model.outcomes import CONDITIONAL, NONE, TEMPORARY

from ..intervals import paired_interval
from .conftest import load

A, B, MONITORS = 0, 1, 1


def scenario(patience: float, drafting: dict | None = None, **more):
    extra = {"actors.A.patience": patience, "actors.B.patience": patience, **more}
    if drafting is not None:
        extra["talks"] = {"truce_drafting": drafting}
    return load("truce_drafting").with_overrides(extra)


def gains(patience: float) -> tuple[float, float]:
    """(g_c, g_p): A's gain over the war of its conditional truce (the one it proposes
    without drafting) and of the plain truce, both in force at once."""
    model = NegotiationModel(scenario(patience), 1, seed=1, record=False)
    model.step()
    assert model.last["agreed"][0] and truce.is_conditional(model.params, model.last["y"])[0]
    g_c = model.last["values"][A, 0] - model.state.status[A, 0]
    fresh = NegotiationModel(scenario(patience), 1, seed=1, record=False)
    plain = fresh.evaluate({"monitors": 0.0}, "truce", "A")
    assert plain["B"]["accept"][0]
    return g_c, plain["A"]["value"][0] - fresh.state.status[A, 0]


def proposes_plain(patience: float, rounds: int) -> bool:
    model = NegotiationModel(scenario(patience, {"base": 0, "per_condition": rounds}), 1,
                             seed=1, record=False)
    model.step()
    assert model.last["agenda"][0] == 0          # a truce, put forward by A
    return bool(abs(model.last["y"][0, MONITORS]) < 1e-12)


@pytest.mark.parametrize("patience", [0.8, 0.9, 0.95])
def test_plain_iff_the_delay_eats_the_conditions_gain(patience):
    g_c, g_p = gains(patience)
    assert 0 < g_p < g_c
    seen = set()
    for rounds in range(21):
        if abs(patience ** rounds * g_c - g_p) < 1e-6:
            continue   # on the threshold: either is right
        expected = patience ** rounds * g_c < g_p
        assert proposes_plain(patience, rounds) == expected, (patience, rounds)
        seen.add(expected)
    assert seen == {True, False}   # both sides of the threshold were checked


def test_responders_price_the_delay():
    """B's value of a conditional truce drafted D rounds: (1 − δ^D)·S_B + δ^D·V_B."""
    for patience, rounds in [(0.8, 2), (0.9, 5), (0.95, 11)]:
        now = NegotiationModel(scenario(patience), 1, seed=1, record=False)
        later = NegotiationModel(scenario(patience, {"base": 0, "per_condition": rounds}), 1,
                                 seed=1, record=False)
        v, w = (m.evaluate({"monitors": 0.8}, "truce", "A")["B"]["value"][0] for m in (now, later))
        s = now.state.status[B, 0]
        assert w == pytest.approx((1 - patience ** rounds) * s + patience ** rounds * v, abs=1e-12)


# --- (b) the delay -------------------------------------------------------------------------

def drafted_run(worlds: int, horizon: int, seed: int):
    """A keen on monitors (the conditional truce is worth the wait); drafting drawn per world."""
    sc = scenario(0.95, {"base": {"dist": "uniform", "low": 0, "high": 3},
                         "per_condition": {"dist": "uniform", "low": 1, "high": 8}},
                  **{"actors.A.positions.monitors.salience": 0.6, "rounds.horizon": horizon})
    model = NegotiationModel(sc, worlds, seed=np.random.SeedSequence(seed), record=False)
    return model, model.run()


def test_truce_in_force_exactly_its_drafting_time_after_acceptance():
    horizon = 8
    model, block = drafted_run(40, horizon, seed=3)
    base = block.inputs["talks.truce_drafting.base"]
    per = block.inputs["talks.truce_drafting.per_condition"]
    accepted = block.first_accept[:, B]                      # B is asked every round until it accepts
    assert (accepted == 1).all()                             # the first offer is accepted
    conditional = block.outcome == CONDITIONAL
    rounds = np.rint(base + per * 1)                         # one condition: monitors
    due = accepted + rounds
    in_time = due <= horizon
    assert in_time.any() and (~in_time).any()                # both cases are checked
    np.testing.assert_array_equal(conditional, in_time)
    np.testing.assert_array_equal(block.truce_round[in_time], due[in_time])
    # past the horizon: never in force, no truce at all
    assert (block.outcome[~in_time] == NONE).all() and (block.truces[~in_time] == 0).all()
    assert model.params.truce_drafting


def test_a_truce_needing_no_drafting_is_in_force_at_once():
    sc = scenario(0.9, {"base": 0, "per_condition": 0})
    block = NegotiationModel(sc, 4, seed=1, record=False).run()
    plain = NegotiationModel(scenario(0.9), 4, seed=1, record=False).run()
    np.testing.assert_array_equal(block.truce_round, plain.truce_round)
    np.testing.assert_array_equal(block.outcome, plain.outcome)
    assert (plain.truce_round == 1).all()


def test_drafting_rounds_formula():
    sc = scenario(0.9, {"base": 1.5, "per_condition": 2.25})
    model = NegotiationModel(sc, 2, seed=1, record=False)
    got = talks.truce_drafting_rounds(model.params, np.array([[0, 1], [2, 3]]))
    # rint half to even: 1.5 → 2, 3.75 → 4, 6 → 6, 8.25 → 8
    np.testing.assert_array_equal(got, [[2, 4], [6, 8]])


# --- (c) the effect, with Monte Carlo intervals (paired worlds) ------------------------------

NOISY = {"actors.A.noise": 0.02, "actors.B.noise": 0.02, "war.volatility": 0.02,
         "recognition": {"mode": "random"}}
DRAFTING = {"base": 0, "per_condition": {"dist": "uniform", "low": 2, "high": 10}}
WORLDS = 1000


def test_drafting_raises_the_share_of_plain_truces():
    """With truce drafting more first truces are plain (temporary): A gives up its monitors
    where the wait for them costs more than they are worth (99% paired interval above 0)."""
    base = scenario(0.9, **NOISY)
    without = run_block(base, WORLDS, np.random.SeedSequence(11))
    with_ = run_block(base.with_overrides({"talks": {"truce_drafting": DRAFTING}}), WORLDS,
                      np.random.SeedSequence(11))
    low, high = paired_interval(with_.outcome == TEMPORARY, without.outcome == TEMPORARY)
    assert low > 0.05, (low, high)


# --- (d) mutation checks -----------------------------------------------------------------------

def test_without_pricing_the_threshold_test_fails(monkeypatch):
    """The delay not priced (a truce worth its value in force): A never turns plain."""
    monkeypatch.setattr(talks, "delayed", lambda value, status, patience, rounds: value)
    monkeypatch.setattr(talks, "undelayed_need", lambda need, status, patience, rounds: need)
    with pytest.raises(AssertionError):
        test_plain_iff_the_delay_eats_the_conditions_gain(0.9)


def test_without_the_delay_the_timing_test_fails(monkeypatch):
    """Accepted truces in force at once: the timing check fails."""
    monkeypatch.setattr(Model, "_draft_truces", lambda self, t, accepted, proposer, y: accepted)
    with pytest.raises(AssertionError):
        test_truce_in_force_exactly_its_drafting_time_after_acceptance()


# --- compaction keeps the pending truce --------------------------------------------------------

def compaction_changes_nothing(sc, monkeypatch, fields=("outcome", "truce_round", "truces", "terms", "victory")):
    """Runs ``sc`` (300 worlds) with and without compaction, checks that no world's ``fields``
    differ and that compaction happened (a third of the worlds won outright); returns the
    run without compaction."""
    compacted = run_block(sc, 300, np.random.SeedSequence(5))
    monkeypatch.setattr(Model, "COMPACT_MIN", 10**9)
    whole = run_block(sc, 300, np.random.SeedSequence(5))
    assert (whole.victory != 0).mean() > 0.3      # compaction happened
    for field in fields:
        np.testing.assert_array_equal(getattr(compacted, field), getattr(whole, field), err_msg=field)
    return whole


def test_compaction_keeps_pending_truces(monkeypatch):
    """Dropping finished worlds (outright wins) changes no world's result."""
    sc = scenario(0.95, {"base": 1, "per_condition": {"dist": "uniform", "low": 2, "high": 9}},
                  **{**NOISY, "war.volatility": 0.08, "war.victory": {"upper": 0.7, "lower": 0.3, "probability": 0.5}})
    compaction_changes_nothing(sc, monkeypatch)


def test_continuation_values_use_the_priced_truce():
    """With continuation values on, A's value P (the fixed point, §8) is its exact value of
    its offer priced for its delay, (1 − δ^D)·S_A + δ^D·V_A(y), D = rounds × conditions."""
    seen = set()
    keen = {"bargaining.continuation": True, "actors.A.positions.monitors.salience": 0.6,
            "recognition.order": ["A"]}    # B never proposes: its need is its war value
    for patience, rounds in [(0.8, 1), (0.8, 8), (0.9, 3), (0.95, 8)]:
        sc = scenario(patience, {"base": 0, "per_condition": rounds}, **keen)
        model = NegotiationModel(sc, 1, seed=1, record=False)
        model.step()
        y = model.last["y"]
        assert model.last["agenda"][0] == 0 and not model.out["unconverged"][0]
        carried = int(truce.conditions(model.params, y)[0])
        seen.add(carried)
        # A's value of y in force at once, with the option of talks at A's own P (§5)
        model.params.truce_drafting = False
        v = model._offer_values(y, np.zeros(1, int), np.zeros(1, int))[A, 0]
        model.params.truce_drafting = True
        fade = patience ** (rounds * carried)
        assert model.proposer_value[A, 0] == pytest.approx((1 - fade) * model.state.status[A, 0] + fade * v,
                                                           abs=1e-6)
    assert seen == {0, 1}   # plain and conditional truces (whose delay is priced) were seen
