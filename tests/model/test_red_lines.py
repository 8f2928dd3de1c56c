"""Red lines (docs/model.md §16): bounds an actor will not sign past.

Closed forms on Rubinstein's alternating offers (a cap on the proposer's share
moves its offer to the cap, exactly), clashing red lines (no settlement ever,
a truce still), red lines that never bind (bit-identical results), the hard
refusal, bounds that follow the front, validation; then the effect on a noisy
scenario with a paired (Newcombe) interval, and the mutation check: with the
mechanism switched off the effect is gone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import negotiate
from negotiate.errors import ScenarioError
from negotiate.model import OUTCOMES, NegotiationModel, red_lines, run_block
from negotiate.stats import paired_difference, wilson_interval

from ..theory.conftest import per_round_cost

ROOT = Path(__file__).resolve().parents[2]
RUBINSTEIN = ROOT / "tests" / "theory" / "data" / "rubinstein.yaml"
TWO_PARTY = ROOT / "tests" / "model" / "data" / "two_party.yaml"
COMPREHENSIVE, NONE = OUTCOMES.index("comprehensive_agreement"), OUTCOMES.index("no_agreement")
TRUCES = [OUTCOMES.index("temporary_truce"), OUTCOMES.index("conditional_truce")]
DA, DB = 0.9, 0.8


def load(path: Path) -> dict:
    with path.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def rubinstein(cap: float | None, cost_a: float = 0.5) -> negotiate.Scenario:
    """A's share y, B's red line ``y ≤ cap``; A's status value is 0.5 − cost_a, B's 0."""
    data = load(RUBINSTEIN)
    data["actors"]["A"]["war_cost"] = per_round_cost(cost_a, DA)
    data["actors"]["B"]["war_cost"] = per_round_cost(0.5, DB)
    if cap is not None:
        data["actors"]["B"]["positions"]["y"]["red_line"] = {"max": cap}
    return negotiate.load_scenario(data)


def two_party(a_min=None, b_max=None, **more) -> negotiate.Scenario:
    data = load(TWO_PARTY)
    if a_min is not None:
        data["actors"]["A"]["positions"]["share"]["red_line"] = {"min": a_min, **more}
    if b_max is not None:
        data["actors"]["B"]["positions"]["share"]["red_line"] = {"max": b_max, **more}
    return negotiate.load_scenario(data)


# --- closed forms and exact checks ------------------------------------------------------------

@pytest.mark.parametrize("cap", [0.5, 0.6, 0.65, 0.7])
def test_offer_beyond_the_red_line_is_moved_to_it_exactly(cap):
    """Unconstrained, A keeps (1 − δB)/(1 − δA δB) = 0.714.  With B's cap c below it, A
    offers c exactly (the segment starts at the cap and B accepts there); B, proposing,
    gives A its reservation δA·c, so B's proposer value is 1 − δA·c; B accepts c since
    1 − c ≥ δB (1 − δA c)."""
    assert cap < (1 - DB) / (1 - DA * DB)
    model = NegotiationModel(rubinstein(cap), 1, seed=5)
    model.step()
    assert model.out["unconverged"][0] == 0
    np.testing.assert_allclose(model.proposer_value[:, 0], [cap, 1 - DA * cap], atol=1e-9)
    assert model.last["agreed"][0] and model.last["proposer"][0] == 0
    assert model.last["y"][0, 0] == cap                       # on the red line, to the bit
    result = NegotiationModel(rubinstein(cap), 3, seed=5).run()
    assert (result.outcome == COMPREHENSIVE).all() and (result.agreement_round == 1).all()
    assert (result.terms[:, 0] == cap).all()


def test_without_the_red_line_rubinstein_is_unchanged():
    result = NegotiationModel(rubinstein(None), 2, seed=5).run()
    np.testing.assert_allclose(result.terms[:, 0], (1 - DB) / (1 - DA * DB), atol=1e-6)


def test_offer_at_the_red_line_is_made_only_if_the_proposer_prefers_it_to_war():
    """A's status value is 0.5 − 0.1 = 0.4.  A cap of 0.5 still beats it: agreed at 0.5.
    A cap of 0.3 does not: A proposes nothing, B can offer at most 0.3, which A refuses:
    no settlement, ever."""
    model = NegotiationModel(rubinstein(0.5, cost_a=0.1), 2, seed=5)
    result = model.run()
    assert (result.outcome == COMPREHENSIVE).all() and (result.terms[:, 0] == 0.5).all()

    model = NegotiationModel(rubinstein(0.3, cost_a=0.1), 2, seed=5)
    np.testing.assert_allclose(model.evaluate({"y": 0.3})["A"]["reservation"], 0.4, atol=1e-9)
    model.step()
    assert (model.last["agenda"] == -1).all()                 # round 1: A would sign nothing
    result = model.run()
    assert (result.outcome == NONE).all()
    assert (result.accepts[:, 0] == 0).all()                  # A never said yes


def test_clashing_red_lines_rule_out_a_settlement_but_not_a_truce():
    """A will not sign a share below 0.7, B none above 0.4: the box is empty on the share,
    so nobody proposes a settlement (P = 0 exactly); the truce issue does not clash."""
    scenario = two_party(a_min=0.7, b_max=0.4)
    result = run_block(scenario, 1000, np.random.SeedSequence(3))
    assert (result.outcome != COMPREHENSIVE).all()
    assert (result.offers[:, :, 1] == 0).all()               # no settlement ever put to a vote
    assert np.isin(result.outcome, TRUCES).mean() > 0.5
    model = NegotiationModel(scenario, 4, seed=1)
    assert model.red_box.blocked[:, 1].all() and not model.red_box.blocked[:, 0].any()


def test_red_lines_that_never_bind_change_nothing():
    """Bounds at 0 and 1 leave every package possible: the same results to the bit."""
    plain = run_block(two_party(), 512, np.random.SeedSequence(9))
    loose = run_block(two_party(a_min=0.0, b_max=1.0), 512, np.random.SeedSequence(9))
    for field in ("outcome", "agreement_round", "truce_round", "truces", "proposer", "offers",
                  "accepts", "first_accept", "unconverged"):
        np.testing.assert_array_equal(getattr(plain, field), getattr(loose, field), err_msg=field)
    for field in ("terms", "final_balance"):
        np.testing.assert_array_equal(getattr(plain, field), getattr(loose, field), err_msg=field)


def test_a_responder_refuses_past_its_red_line_whatever_the_value():
    """B's value of y = 0.55 (0.45) is above its reservation, yet it refuses: 0.55 > 0.5."""
    model = NegotiationModel(rubinstein(0.5), 1, seed=5)
    answer = model.evaluate({"y": 0.55}, proposer="A")["B"]
    assert answer["value"][0] > answer["reservation"][0]
    assert not answer["accept"][0]
    assert model.evaluate({"y": 0.5}, proposer="A")["B"]["accept"][0]


def test_refusals_count_only_the_issues_the_agenda_moves():
    """A truce leaves the settlement issues alone: a red line there does not bind it."""
    scenario = two_party(b_max=0.4)           # status quo share 0.5 is past B's red line
    model = NegotiationModel(scenario, 1, seed=1)
    y = model.params.status_quo.copy()        # (1, D): share 0.5, arms 0
    truce, settlement = np.array([0]), np.array([1])
    b = model.params.actor_names.index("B")
    assert not red_lines.refusals(model.red_box, y, truce)[b, 0]
    assert red_lines.refusals(model.red_box, y, settlement)[b, 0]


def test_bounds_follow_the_front():
    """bound_t = bound + w·(b_t − b_0), for the bound that follows and only for it."""
    scenario = two_party(a_min=0.3, b_max=0.9, follows_front=0.5)
    model = NegotiationModel(scenario, 64, seed=2, record=False)
    model.COMPACT_MIN = 64
    for _ in range(3):
        model.step()
    p, box = model.params, model.red_box
    d = p.issue_names.index("share")
    shift = model.balance - p.balance0
    assert np.abs(shift).max() > 0
    np.testing.assert_array_equal(box.low[0, :, d], 0.3 + 0.5 * shift)
    np.testing.assert_array_equal(box.high[1, :, d], 0.9 + 0.5 * shift)
    assert np.isneginf(box.low[1, :, d]).all() and np.isposinf(box.high[0, :, d]).all()


def test_offers_stay_inside_the_red_lines():
    """Every proposal of every strategy, in every round, respects the proposer's box."""
    data = load(TWO_PARTY)
    data["actors"]["A"]["positions"]["share"]["red_line"] = {"min": 0.45, "follows_front": 0.5}
    data["actors"]["B"]["positions"]["share"]["red_line"] = {"max": 0.8}
    data["actors"]["M"]["strategy"] = "compromise"
    model = NegotiationModel(negotiate.load_scenario(data), 256, seed=4, record=False)
    model.COMPACT_MIN = 256
    for _ in range(6):
        model.step()
        proposing = model.last["agenda"] >= 0
        agenda = np.maximum(model.last["agenda"], 0)
        crossed = red_lines.refusals(model.red_box, model.last["y"], agenda)
        assert not (crossed[:2] & proposing).any()


# --- validation ---------------------------------------------------------------------------------

@pytest.mark.parametrize("red_line, field, words", [
    ({"min": 0.6, "max": 0.4}, "red_line.min", "above max"),
    ({"max": 0.5}, "red_line.max", "must lie inside"),
    ({"min": {"dist": "uniform", "low": 0.5, "high": 1.0}}, "red_line.min", "can be above it"),
    ({}, "red_line", "needs 'min:', 'max:' or both"),
    ({"min": 1.2}, "red_line.min", "between 0 and 1"),
])
def test_invalid_red_lines_are_reported(red_line, field, words):
    data = load(TWO_PARTY)
    data["actors"]["A"]["positions"]["share"]["red_line"] = red_line     # A's ideal is 1
    data["actors"]["A"]["positions"]["share"]["ideal"] = 0.8
    with pytest.raises(ScenarioError) as err:
        negotiate.load_scenario(data)
    message = str(err.value)
    assert f"actors.A.positions.share.{field}" in message and words in message, message


def test_only_the_battlefield_issue_may_follow_the_front():
    data = load(TWO_PARTY)
    data["actors"]["A"]["positions"]["arms"]["red_line"] = {"min": 0.5, "follows_front": 1}
    with pytest.raises(ScenarioError, match="arms.red_line.follows_front: only a red line on the "
                                            "battlefield issue"):
        negotiate.load_scenario(data)


def test_red_lines_are_drawn_per_world_on_their_own_streams():
    """A distribution-valued bound is drawn per world from its own dotted path; the
    other fields' draws do not move."""
    plain = NegotiationModel(two_party(), 256, seed=8)
    ranged = NegotiationModel(two_party(b_max={"dist": "uniform", "low": 0.2, "high": 0.6}), 256, seed=8)
    d = ranged.params.issue_names.index("share")
    drawn = ranged.params.red_high[1, :, d]
    assert drawn.min() >= 0.2 and drawn.max() <= 0.6 and np.unique(drawn).size == 256
    assert "actors.B.positions.share.red_line.max" in ranged.inputs
    np.testing.assert_array_equal(plain.params.ideal, ranged.params.ideal)
    np.testing.assert_array_equal(plain.params.balance0, ranged.params.balance0)


# --- the effect, with Monte Carlo intervals, and the mutation check -----------------------------

WORLDS = 2000


def uncertain_red_lines():
    """A will not go below U(0.4, 0.7) of the share, B not above U(0.3, 0.6): they clash
    where min > max, with probability 1 − 0.2²/(2 · 0.3²) = 7/9 (the two-party scenario
    has response noise and a moving front)."""
    return two_party(a_min={"dist": "uniform", "low": 0.4, "high": 0.7},
                     b_max={"dist": "uniform", "low": 0.3, "high": 0.6})


def effect():
    """Paired differences (same seeds: common random numbers) of P(comprehensive) and
    P(truce or nothing) between the scenario with red lines and without."""
    seed = np.random.SeedSequence(2024)
    plain = run_block(two_party(), WORLDS, seed)
    lined = run_block(uncertain_red_lines(), WORLDS, seed)
    settled = paired_difference(plain.outcome == COMPREHENSIVE, lined.outcome == COMPREHENSIVE)
    unsettled = paired_difference(plain.outcome != COMPREHENSIVE, lined.outcome != COMPREHENSIVE)
    return settled, unsettled


def test_red_lines_make_settlements_rarer():
    """Without red lines every world settles; with them the clashing worlds cannot: the
    share of truce-only or no agreement rises, its 95% Newcombe interval excludes 0.
    Here every world without a clash still settles: P(comprehensive) is 2/9."""
    settled, unsettled = effect()
    assert settled.p_x > 0.95
    low, high = wilson_interval(round(settled.p_y * WORLDS), WORLDS)
    assert low <= 2 / 9 <= high, (low, high)
    assert unsettled.ci_low > 0.2, unsettled
    assert settled.ci_high < -0.2, settled


def _no_red_lines(p, balance, veto, moved):
    """The mechanism switched off: every bound at ±inf."""
    A, N, D = p.red_low.shape
    inf = np.full((A, N, D), np.inf)
    wide = np.full((A, 2, N, D), np.inf)
    return red_lines.RedBox(-inf, inf, -wide, wide, np.zeros((A, 2, N), bool), moved, p.red_on)


def test_mutation_without_the_mechanism_the_effect_is_gone(monkeypatch):
    """Mutation check: with the red lines' box replaced by an unbounded one (the
    mechanism disabled), the effect test's statistic no longer excludes 0."""
    monkeypatch.setattr(red_lines, "box", _no_red_lines)
    _, unsettled = effect()
    assert unsettled.ci_low <= 0.0 <= unsettled.ci_high
    assert not unsettled.ci_low > 0.2


def test_mutation_planners_alone_or_responses_alone_are_caught(monkeypatch):
    """Switch off only the hard refusal: with the planners inside the box nothing changes
    on this scenario (offers are already inside); switch off only the planners: the
    refusals still block settlements, but offers past the red lines are now made and
    refused, so offers refused rise.  Each half is visible on its own."""
    seed = np.random.SeedSequence(7)
    scenario = uncertain_red_lines()
    full = run_block(scenario, 500, seed)
    monkeypatch.setattr(red_lines, "clip_segments", lambda start, delta, red: (start, delta))
    monkeypatch.setattr(red_lines, "box", lambda p, b, veto, moved: _only_actor_bounds(p, b, veto, moved))
    respond_only = run_block(scenario, 500, seed)
    refused = lambda r: (r.offers - r.accepts)[:, :, 1].sum()
    assert refused(respond_only) > refused(full)
    assert (respond_only.outcome == COMPREHENSIVE).mean() < 0.9


_REAL_BOX = red_lines.box


def _only_actor_bounds(p, balance, veto, moved):
    """Each actor's own bounds kept (responses), the planners' box unbounded."""
    real = _REAL_BOX(p, balance, veto, moved)
    wide = np.full(real.lo.shape, np.inf)
    return red_lines.RedBox(real.low, real.high, -wide, wide, np.zeros(real.blocked.shape, bool), moved,
                            real.on)



# --- red lines that hold on one agenda only (red_line.agendas) ----------------------------------

def _arms_line(agendas, truces_only=False):
    """two_party with B's red line ``arms ≤ 0.1`` (arms is a truce term; a settlement
    settles every issue, arms included) on ``agendas`` (None: both); ``truces_only``:
    eight rounds in which no settlement is on the table (B, a veto player, signs truces
    only), so only truces are agreed."""
    data = load(TWO_PARTY)
    if truces_only:
        data["rounds"], data["actors"]["B"]["signs"] = {"horizon": 8}, ["truce"]
    line = {"max": 0.1} if agendas is None else {"max": 0.1, "agendas": agendas}
    data["actors"]["B"]["positions"]["arms"]["red_line"] = line
    data["actors"]["A"]["agendas"] = ["truce", "settlement"]
    return negotiate.load_scenario(data)


def test_a_settlement_only_red_line_bounds_settlements_and_spares_truces():
    """The box of each agenda (closed form): with ``agendas: [settlement]`` the truce
    agenda's box is unbounded on arms and B refuses nothing there; the settlement
    agenda's box is [−inf, 0.1] and B refuses arms = 0.5 in a settlement."""
    model = NegotiationModel(_arms_line(["settlement"]), 4, seed=1)
    box, arms = model.red_box, model.params.issue_names.index("arms")
    assert np.isinf(box.hi[:, 0, :, arms]).all()                 # truce agenda: no bound
    assert (box.hi[:, 1, :, arms] == 0.1).all()                   # settlement agenda: B's bound
    y = np.full((4, model.params.n_issues), 0.5)
    b = model.params.actor_names.index("B")
    assert not red_lines.refusals(box, y, np.zeros(4, int))[b].any()
    assert red_lines.refusals(box, y, np.ones(4, int))[b].all()
    both = NegotiationModel(_arms_line(None), 4, seed=1).red_box
    assert (both.hi[:, :, :, arms] == 0.1).all()


def test_in_the_engine_truces_may_cross_a_settlement_only_red_line():
    """Every comprehensive agreement keeps arms ≤ 0.1 either way; truces with arms above
    0.1 are agreed only when the line holds on settlements alone (mutation: a red line
    that ignores ``agendas`` clips every truce too, and this test fails)."""
    arms = 1  # issue order of two_party.yaml: share, arms
    for agendas in (["settlement"], None):
        block = run_block(_arms_line(agendas), 2000, np.random.SeedSequence(4))
        settled = block.outcome == COMPREHENSIVE
        assert settled.any() and (block.terms[settled, arms] <= 0.1 + 1e-9).all()
    only = run_block(_arms_line(["settlement"], truces_only=True), 3000, np.random.SeedSequence(4))
    both = run_block(_arms_line(None, truces_only=True), 3000, np.random.SeedSequence(4))
    truces = [OUTCOMES.index("temporary_truce"), OUTCOMES.index("conditional_truce")]
    assert np.isin(both.outcome, truces).any()
    assert (both.terms[np.isin(both.outcome, truces), arms] <= 0.1 + 1e-9).all()
    crossing = np.isin(only.outcome, truces) & (only.terms[:, arms] > 0.1 + 1e-9)
    assert crossing.sum() >= 30, crossing.sum()


def test_agendas_of_a_red_line_are_checked():
    data = load(TWO_PARTY)
    data["actors"]["B"]["positions"]["arms"]["red_line"] = {"max": 0.1, "agendas": ["truce", "truce"]}
    with pytest.raises(ScenarioError, match="agendas.*once"):
        negotiate.load_scenario(data)
    data["actors"]["B"]["positions"]["arms"]["red_line"] = {"max": 0.1, "agendas": ["peace"]}
    with pytest.raises(ScenarioError, match="agendas"):
        negotiate.load_scenario(data)
