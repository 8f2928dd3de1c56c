"""Plain ceasefires outside the bargaining and ceasefire types (docs/model.md, "Ceasefire types").

Closed form (``data/pause.yaml``: linear utility, the battlefield the only issue with
salience 1, no volatility, no outright wins, no regeneration, no noise). A party i with
ideal x_i, patience δ, war cost k, lookahead H, truce cost factor c and front b after
round 1's move, believing the drift μ, values the war (§4) at

    W = 1 − (1 − δ^H)(|b − x| + k) − δ^H |m − x|,    m = clip(b + μH, 0, 1)

and a plain pause of L rounds (§5, front frozen) at (1 − δ^L)(1 − |b − x| − c k) + δ^L W,
so the pause beats the war by

    (1 − δ^L) · { [(1 − δ^H) − c] k − δ^H (|b − x| − |m − x|) }

— the war cost it saves against the ground the front would gain over the war's window.
A bilateral pause is agreed iff that margin plus the pressure on each party is ≥ 0 for
both; a unilateral halt iff the declaring party's is.
"""

from __future__ import annotations

import numpy as np
import pytest

from negotiate import ScenarioError
from negotiate.model import NegotiationModel
from negotiate.model.ceasefire import BILATERAL_GENERAL, BILATERAL_PARTIAL, UNILATERAL_GENERAL
from negotiate.model.outcomes import NONE, TEMPORARY

from ..intervals import paired_interval
from .conftest import load

A, B, M = 0, 1, 2
H, COST_FACTOR = 12, 0.2
IDEAL = {A: 1.0, B: 0.0}
PAUSE = {"name": "pause", "by": "M", "length": 2, "start": 1, "end": 1}


def margin(p, who: int, b: np.ndarray, length: int) -> np.ndarray:
    """The closed form above, per world, from the drawn parameters."""
    d, k, mu = p.patience[who], p.war_cost[who], p.drift
    x = IDEAL[who]
    m = np.clip(b + mu * H, 0.0, 1.0)
    gained = np.abs(b - x) - np.abs(m - x)
    return (1 - d**length) * (((1 - d**H) - COST_FACTOR) * k - d**H * gained)


def first_round(ceasefire: dict, worlds: int = 600, seed: int = 1):
    model = NegotiationModel(load("pause").with_overrides({"ceasefires": [ceasefire]}), worlds=worlds, seed=seed)
    model.step()
    b = np.clip(0.5 + model.params.drift, 0.0, 1.0)   # round 1's move, no volatility
    return model, b


def clear(*margins, tol=1e-12):
    """Worlds not within rounding of a decision boundary."""
    return np.all([np.abs(m) > tol for m in margins], axis=0)


@pytest.mark.parametrize("length", [1, 2, 6])
def test_bilateral_pause_agreed_iff_both_margins_clear(length):
    model, b = first_round(PAUSE | {"length": length})
    p = model.params
    ma, mb = margin(p, A, b, length), margin(p, B, b, length)
    predicted = (ma >= 0) & (mb >= 0)
    paused = model.out["ceasefire"] == BILATERAL_GENERAL
    ok = clear(ma, mb)
    assert ok.mean() > 0.99
    assert 20 < predicted[ok].sum() < ok.sum() - 20          # both sides of the threshold
    np.testing.assert_array_equal(paused[ok], predicted[ok])
    # the pause's first truce is a temporary truce proposed by the mediator
    assert np.all(model.out["outcome"][paused] == TEMPORARY)
    assert np.all(model.out["proposer"][paused] == M)
    assert np.all(model.truce_len[paused] == length)


@pytest.mark.parametrize("amount", [0.0005, 0.002])
def test_pressure_on_a_party_is_added_to_its_margin(amount):
    model, b = first_round(PAUSE | {"pressure": {"B": amount}})
    p = model.params
    ma, mb = margin(p, A, b, 2), margin(p, B, b, 2) + amount
    ok = clear(ma, mb)
    predicted = (ma >= 0) & (mb >= 0)
    assert 20 < predicted[ok].sum() < ok.sum() - 20
    np.testing.assert_array_equal((model.out["ceasefire"] == BILATERAL_GENERAL)[ok], predicted[ok])


@pytest.mark.parametrize("who,name", [(A, "A"), (B, "B")])
def test_unilateral_halt_declared_iff_cost_saved_exceeds_expected_gain(who, name):
    """Unilateral: only the declaring party decides; with no clipping its margin is ≥ 0 iff
    [(1 − δ^H) − c]·k ≥ δ^H·(ground gained over H rounds), i.e. the war cost a round of
    halt saves exceeds what a round of fighting is expected to gain, as the war value counts it."""
    model, b = first_round(PAUSE | {"by": name, "parties": "unilateral"})
    p = model.params
    mine = margin(p, who, b, 2)
    ok = clear(mine)
    declared = model.out["ceasefire"] == UNILATERAL_GENERAL
    assert 20 < (mine[ok] >= 0).sum() < ok.sum() - 20
    np.testing.assert_array_equal(declared[ok], mine[ok] >= 0)
    # a unilateral halt holds the front but is no agreed truce (cases/README.md's rule)
    assert np.all(model.phase[declared] == 1)
    assert np.all(model.out["outcome"][declared] == NONE)
    assert np.all(model.out["truces"][declared] == 0)
    # the same inequality written without the common factor (1 − δ^L), by hand
    d, k = p.patience[who], p.war_cost[who]
    toward = p.drift * (1 if who == A else -1)
    inside = np.abs(0.5 + p.drift * (1 + H) - 0.5) < 0.5   # no clipping of m
    by_hand = ((1 - d**H) - COST_FACTOR) * k >= d**H * toward * H
    sel = ok & inside
    np.testing.assert_array_equal(declared[sel], by_hand[sel])


def test_pause_ends_after_its_length_and_the_war_resumes():
    model = NegotiationModel(load("pause").with_overrides({"ceasefires": [PAUSE | {"length": 2}],
                                                           "truce.hazard.scale": 1e9}),
                             worlds=300, seed=2)
    model.step()
    paused = model.phase == 1
    assert paused.sum() > 20
    b1 = model.balance.copy()
    model.step()                      # round 2: age 1, still in force, front frozen
    assert np.all(model.phase[paused] == 1)
    np.testing.assert_array_equal(model.balance[paused], b1[paused])
    model.step()                      # round 3: age 2 = length, expired
    assert np.all(model.phase[paused] == 0)


def test_unilateral_halt_then_agreed_truce_classes_by_the_agreed_one():
    """A bilateral pause after a unilateral halt has ended is the first agreed truce: the
    outcome is temporary, while the first ceasefire of any kind stays unilateral."""
    model = NegotiationModel(load("pause").with_overrides({
        "ceasefires": [PAUSE | {"name": "halt", "by": "A", "parties": "unilateral", "length": 1},
                       PAUSE | {"start": 3, "end": 3, "pressure": {"A": 1.0, "B": 1.0}}],
        "truce.hazard.scale": 1e9}), worlds=300, seed=4)
    result = model.run()
    halted = result.ceasefire == UNILATERAL_GENERAL
    assert halted.sum() > 20
    np.testing.assert_array_equal(result.outcome[halted], TEMPORARY)
    np.testing.assert_array_equal(result.truce_round[halted], 3)
    np.testing.assert_array_equal(result.truces[halted], 1)


def test_without_ceasefires_no_pause_and_every_truce_bilateral_general():
    model = NegotiationModel(load("pause").with_overrides({"ceasefires": []}), worlds=200, seed=1)
    result = model.run()
    assert np.all(result.outcome == NONE)
    assert np.all(result.ceasefire == -1)
    two = NegotiationModel(load("mechanics"), worlds=200, seed=1).run()
    np.testing.assert_array_equal(two.ceasefire >= 0, two.truces > 0)
    assert np.all(two.ceasefire[two.truces > 0] == BILATERAL_GENERAL)


def test_effect_of_a_pressed_pause_on_temporary_truces():
    """Monte Carlo: a pause put forward with chance 0.5 a round under pressure, with response
    noise, raises P(temporary truce) on the same draws (99 % paired interval above 0.1)."""
    base = load("pause").with_overrides({"actors.A.noise": 0.002, "actors.B.noise": 0.002,
                                         "rounds.horizon": 6, "ceasefires": []})
    pressed = base.with_overrides({"ceasefires": [PAUSE | {"end": 6, "probability": 0.5,
                                                           "pressure": {"A": 0.003, "B": 0.003}}]})
    n = 800
    off = NegotiationModel(base, worlds=n, seed=5).run()
    on = NegotiationModel(pressed, worlds=n, seed=5).run()
    lo, _ = paired_interval(on.outcome == TEMPORARY, off.outcome == TEMPORARY)
    assert lo > 0.1
    # the same seeds give the same worlds (draws of the pauses come from their own stream)
    np.testing.assert_array_equal(on.inputs["war.drift"], off.inputs["war.drift"])


@pytest.mark.filterwarnings("ignore::negotiate.run.simulate.DegenerateResultWarning")
def test_results_report_ceasefire_types():
    import negotiate

    s = load("pause").with_overrides({"ceasefires": [PAUSE | {"by": "A", "parties": "unilateral"}]})
    results = negotiate.simulate(s, runs=300, seed=3)
    table = results.ceasefire_types()
    frame = results.to_frame()
    uni = int((frame["ceasefire_parties"] == "unilateral").sum())
    assert uni > 0
    assert table.loc[("unilateral", "general"), "count"] == uni
    assert table["count"].sum() == int(frame["ceasefire_parties"].notna().sum())
    assert set(frame["ceasefire_scope"].dropna()) <= {"general"}   # no partial entry here
    import matplotlib

    matplotlib.use("Agg")
    ax = results.plot_ceasefire_types()
    heights = {b.get_gid(): b.get_height() for b in ax.patches}
    assert heights["bar:unilateral:general"] == pytest.approx(uni / 300)
    matplotlib.pyplot.close(ax.figure)


@pytest.mark.parametrize("change,field,words", [
    ({"by": "Nobody"}, "ceasefires[0].by", "unknown actor"),
    ({"by": "M", "parties": "unilateral"}, "ceasefires[0].by", "only a party"),
    ({"pressure": {"M": 0.1}}, "ceasefires[0].pressure.M", "only parties"),
    ({"start": 3, "end": 2}, "end", "before start"),
    ({"parties": "unilateral", "by": "A", "pressure": {"B": 0.1}}, "pressure", "asked of no one"),
    ({"scope": "partial"}, "share", "give 'share:'"),
    ({"share": 0.5}, "share", "only for one"),
    ({"scope": "partial", "share": 1.5}, "share", ""),
    ({"exhaustion": {"M": 3}}, "ceasefires[0].exhaustion.M", "only parties"),
    ({"exhaustion": {"A": -1}}, "exhaustion", ""),
])
def test_bad_ceasefires_are_refused_naming_the_field(change, field, words):
    with pytest.raises(ScenarioError) as caught:
        load("pause").with_overrides({"ceasefires": [PAUSE | change]})
    assert field in str(caught.value) and words in str(caught.value)


@pytest.mark.parametrize("share", [0.3, 0.8])
def test_partial_pause_agreed_iff_share_times_margin_clear(share):
    """A partial pause stopping a share σ of the war: each party's margin is σ·(T − S)."""
    model, b = first_round(PAUSE | {"scope": "partial", "share": share, "pressure": {"A": 0.0002}})
    p = model.params
    ma, mb = share * margin(p, A, b, 2) + 0.0002, share * margin(p, B, b, 2)
    ok = clear(ma, mb)
    predicted = (ma >= 0) & (mb >= 0)
    assert 20 < predicted[ok].sum() < ok.sum() - 20
    np.testing.assert_array_equal((model.out["ceasefire"] == BILATERAL_PARTIAL)[ok], predicted[ok])
    # no agreed truce: the world stays at war, nothing classified
    assert np.all(model.phase == 0)
    assert np.all(model.out["outcome"] == NONE)


def test_partial_pause_slows_the_front_by_its_share_for_its_length():
    """With no volatility the front moves by (1 − σ)·μ a round while a partial pause holds
    (rounds 2 and 3 for one agreed in round 1 with length 2), then by μ again."""
    share = 0.75
    s = load("pause").with_overrides({"ceasefires": [PAUSE | {"scope": "partial", "share": share,
                                                               "pressure": {"A": 1.0, "B": 1.0}}],
                                      "rounds.horizon": 5})
    model = NegotiationModel(s, worlds=200, seed=6)
    path = []
    for _ in range(5):
        model.step()
        path.append(model.balance.copy())
    mu = model.params.drift
    inside = (np.abs(mu) * 5 < 0.49)
    held = model.out["ceasefire"] == BILATERAL_PARTIAL
    assert held.all()
    steps = np.diff(np.array(path), axis=0)          # rounds 2..5
    np.testing.assert_allclose(steps[0][inside], (1 - share) * mu[inside], atol=1e-12)
    np.testing.assert_allclose(steps[1][inside], (1 - share) * mu[inside], atol=1e-12)
    np.testing.assert_allclose(steps[2][inside], mu[inside], atol=1e-12)
    np.testing.assert_allclose(steps[3][inside], mu[inside], atol=1e-12)


def test_dropping_finished_worlds_changes_no_world(monkeypatch):
    """Compaction (docs/model.md §13) drops won worlds mid-run; the pauses' draws are indexed
    by world, so every world's result is the one it has without compaction."""
    s = load("pause").with_overrides({
        "ceasefires": [PAUSE | {"end": 10, "probability": 0.5, "pressure": {"A": 0.001}},
                       PAUSE | {"name": "halt", "by": "B", "parties": "unilateral", "end": 10,
                                "probability": 0.3},
                       PAUSE | {"name": "slow", "scope": "partial", "share": 0.5, "end": 10,
                                "probability": 0.3}],
        "actors.A.noise": 0.002, "actors.B.noise": 0.002, "rounds.horizon": 10,
        # volatile enough that many worlds are won early (so compaction happens) on the
        # per-world draws of docs/model.md "Random numbers"
        "war.volatility": 0.02, "war.victory": {"upper": 0.53, "lower": 0.47, "probability": 0.3}})
    model = NegotiationModel(s, worlds=400, seed=8)
    compacted = model.run()
    assert model.ids.size < 400                                  # compaction did happen
    monkeypatch.setattr(NegotiationModel, "COMPACT_MIN", 10**9)
    whole = NegotiationModel(s, worlds=400, seed=8).run()
    assert len(set(whole.ceasefire.tolist())) >= 4               # every kind of ceasefire
    for field in ("outcome", "truce_round", "truces", "collapsed", "ceasefire", "victory"):
        np.testing.assert_array_equal(getattr(compacted, field), getattr(whole, field), err_msg=field)
    np.testing.assert_array_equal(compacted.final_balance, whole.final_balance)


def test_exhausted_party_accepts_the_pause_once_it_has_fought_its_rounds():
    """A, whose front advances and whose war costs nothing, never gains from a pause
    (margin < 0); B, losing ground, always does. With ``exhaustion`` E_A drawn per world,
    the pause offered every round is first agreed in round ⌈E_A⌉ (A has then fought
    ⌈E_A⌉ ≥ E_A rounds), never before; without it, never."""
    base = load("pause").with_overrides({"war.drift": 0.004, "actors.A.war_cost": 0.0,
                                         "rounds.horizon": 10})
    pause = PAUSE | {"end": 10, "length": 1}
    tired = NegotiationModel(base.with_overrides({"ceasefires": [
        pause | {"exhaustion": {"A": {"dist": "uniform", "low": 0.5, "high": 12}}}]}),
        worlds=300, seed=9)
    result = tired.run()
    e = tired.params.ceasefires[0].exhaustion[0]
    expected = np.where(np.ceil(e) <= 10, np.maximum(np.ceil(e), 1), 0).astype(int)
    np.testing.assert_array_equal(result.truce_round, expected)
    assert 50 < (expected > 0).sum() < 290
    fresh = NegotiationModel(base.with_overrides({"ceasefires": [pause]}), worlds=300, seed=9).run()
    assert np.all(fresh.truce_round == 0)


def test_a_worlds_story_names_the_ceasefire_in_force():
    """The one-world record (what ``replay`` returns) says which ceasefire holds each round:
    a partial pause agreed in round 1 for 2 rounds holds through round 3; a unilateral halt
    is named as such and is not an agreed truce."""
    partial = load("pause").with_overrides({
        "ceasefires": [PAUSE | {"scope": "partial", "share": 0.5, "pressure": {"A": 1.0, "B": 1.0}}],
        "rounds.horizon": 5})
    model = NegotiationModel(partial, 1, seed=6, record=True)
    model.run()
    story = model.trajectory()
    assert story["ceasefire"].fillna("none").tolist() == ["partial ceasefire"] * 3 + ["none"] * 2
    assert not story["truce"].any()
    halting = load("pause").with_overrides({
        "ceasefires": [PAUSE | {"name": "halt", "by": "A", "parties": "unilateral", "length": 1}],
        "rounds.horizon": 4})
    batch = NegotiationModel(halting, worlds=300, seed=4).run()
    world = int(np.flatnonzero(batch.ceasefire == UNILATERAL_GENERAL)[0])
    one = NegotiationModel(halting, 1, seed=4, record=True, first=world)
    one.run()
    story = one.trajectory()
    assert "unilateral halt" in story["ceasefire"].tolist()
    assert not story.loc[story["ceasefire"] == "unilateral halt", "truce"].any()
