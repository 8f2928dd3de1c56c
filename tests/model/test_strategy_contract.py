"""The contract every proposal strategy keeps, checked for each entry of
``negotiate.model.proposals.STRATEGIES`` (a new strategy is tested automatically).

A strategy is built from the block's parameters, value functions and red lines,
``Strategy(params, valuation, red_box)``, and its ``propose(state, who)`` gets the
round's read-only ``RoundState`` (never the model); it returns, for each proposer
in ``who`` and both agendas, a package per world, whether it predicts every veto
player accepts it, and the package's value to the proposer (``own``).  The checks compare those
predictions with what the responders actually do (``NegotiationModel.evaluate``,
the value and reservation the response step uses).  The contract scenarios have
2, 3, 4 and 7 actors, no response noise (τ = 0) and quadratic utility, and vary
their parameters over 12 worlds; `contract3_durable` adds settlements that may
break down.  Breaches found so far are marked ``xfail(strict=True)`` with the
numbers that show them.
"""

import dataclasses
import functools

import numpy as np
import pytest

from negotiate.model import AGENDAS, STRATEGIES, NegotiationModel, run_block
from negotiate.model.actors import Negotiator
from negotiate.model.params import WorldParams
from negotiate.model.proposals import TRUCE, Compromise, Strategic
from negotiate.model.round_state import RoundState
from negotiate.model.values import Valuation

from .conftest import load

SCENARIOS = ["contract2", "contract3", "contract4", "contract7", "contract3_durable"]
WORLDS = 12
#: every strategy, and the strategic one again with ``bargaining.planning: exact`` and
#: with ``bargaining.concessions: contract_curve``
EXACT = "strategic/exact"
CURVE = "strategic/contract_curve"
VARIANTS = [*STRATEGIES, EXACT, CURVE]

# Known breaches, found by these tests (see each reason); strict, so a fix shows up.
OWN_APPROXIMATION = pytest.mark.xfail(strict=True, reason=(
    "Strategic plans a truce with two fits (kernels.strategic_plan): the war "
    "after the truce as a quadratic in the arms term (Valuation.war_after_truce, exact only "
    "while the expected front stays inside [0, 1], no outright wins and the variance cap does "
    "not bind) and the option of talking on, v + f·max(0, P − v), through λ = 0, ½, 1.  In "
    "contract7, A's truce offers: own off by up to 3.7e-3 (0.6092263 instead of 0.6054856)"))
DURABLE_FIT = pytest.mark.xfail(strict=True, reason=(
    "Strategic fits the war that resumes after a broken settlement by a quadratic through "
    "λ = 0, ½, 1 (Strategic._resumed_war, kernels.strategic_plan), but that value has kinks where the expected front is "
    "clipped to [0, 1] and the variance capped at m(1 − m), e.g. on every segment starting at "
    "A's ideal front 1.  In contract3_durable offers predicted feasible are rejected (A's "
    "settlement offer falls 3.6e-4 short of B's reservation in world 1) and own is off by up "
    "to 3.4e-4"))
CURVE_OWN_APPROXIMATION = pytest.mark.xfail(strict=True, reason=(
    "The same truce fits as OWN_APPROXIMATION along the contract curve's chords, which are "
    "short, so the error is smaller: in contract7, own off by up to 5.4e-6 (0.8902340 "
    "instead of 0.8902286) on the truce agenda"))
KNOWN = {
    ("strategic", "contract7", "own"): OWN_APPROXIMATION,
    (CURVE, "contract7", "own"): CURVE_OWN_APPROXIMATION,
    ("strategic", "contract3_durable", "own"): DURABLE_FIT,
    ("strategic", "contract3_durable", "feasible"): DURABLE_FIT,
}


def cases(check=""):
    """(strategy, scenario) pairs, with the known breaches of ``check`` marked."""
    return [pytest.param(s, c, marks=KNOWN[(s, c, check)]) if (s, c, check) in KNOWN
            else pytest.param(s, c) for s in VARIANTS for c in SCENARIOS]


CASES = cases()


def everyone_uses(name, strategy):
    scenario = load(name)
    changes = {f"actors.{a}.strategy": base(strategy) for a in scenario.actor_names}
    if strategy == EXACT:
        changes["bargaining.planning"] = "exact"
    if strategy == CURVE:
        changes["bargaining.concessions"] = "contract_curve"
    return scenario.with_overrides(changes)


def built(strategy, model):
    """A fresh ``strategy`` for ``model``'s worlds: built from the block's parameters, value
    functions and red lines, as the model builds the one its agents share."""
    return STRATEGIES[base(strategy)](model.params, model.valuation, model.red_box)


def base(strategy):
    """The registered strategy of a variant ("strategic/exact" → "strategic")."""
    return strategy.split("/")[0]


@functools.cache
def prepared(name, strategy, seed=4):
    """A model at the start of round 1 (status, reservations, continuation values set)
    and every actor's offers under ``strategy``."""
    model = NegotiationModel(everyone_uses(name, strategy), WORLDS, seed=seed, record=False)
    model.evaluate({})
    offers = built(strategy, model).propose(model.state, list(range(model.params.n_actors)))
    return model, offers


def answers(model, offers, a, g):
    """How every actor answers proposer a's offer on agenda g, world by world."""
    p = model.params
    package = {issue: offers.y[a, g, :, d] for d, issue in enumerate(p.issue_names)}
    return model.evaluate(package, agenda=AGENDAS[g], proposer=p.actor_names[a])


@pytest.mark.parametrize("strategy, name", CASES)
def test_offers_stay_in_the_unit_interval(strategy, name):
    model, offers = prepared(name, strategy)
    A, N, D = model.params.n_actors, WORLDS, model.params.n_issues
    assert offers.y.shape == (A, 2, N, D)
    assert offers.feasible.shape == offers.own.shape == (A, 2, N)
    assert np.isfinite(offers.y).all() and (offers.y >= 0).all() and (offers.y <= 1).all()


@pytest.mark.parametrize("strategy, name", CASES)
def test_a_truce_offer_moves_only_truce_issues(strategy, name):
    model, offers = prepared(name, strategy)
    p = model.params
    others = ~p.truce_issue
    truce_offers = offers.y[:, TRUCE]                                   # (A, N, D)
    np.testing.assert_array_equal(truce_offers[..., others],
                                  np.broadcast_to(p.status_quo[:, others], truce_offers[..., others].shape))


@pytest.mark.parametrize("strategy, name", cases("feasible"))
def test_an_offer_predicted_feasible_is_accepted_by_every_veto_player(strategy, name):
    model, offers = prepared(name, strategy)
    p = model.params
    assert offers.feasible.any()          # the check below is not vacuous
    assert not p.noise.any()              # τ = 0: exact best responses
    for a in range(p.n_actors):
        for g in range(2):
            if not offers.feasible[a, g].any():
                continue
            said = answers(model, offers, a, g)
            for j, name_j in enumerate(p.actor_names):
                if j == a or not model.veto[g, j]:
                    continue
                margin = said[name_j]["value"] + model.state.bonus[j, a] - said[name_j]["reservation"]
                rejected = offers.feasible[a, g] & (margin < -1e-9)
                assert not rejected.any(), (p.actor_names[a], AGENDAS[g], name_j, margin[rejected])


@pytest.mark.parametrize("strategy, name", cases("own"))
def test_own_is_the_proposers_exact_value(strategy, name):
    model, offers = prepared(name, strategy)
    p = model.params
    for a, proposer in enumerate(p.actor_names):
        for g in range(2):
            exact = answers(model, offers, a, g)[proposer]["value"]
            np.testing.assert_allclose(offers.own[a, g], exact, atol=1e-9, rtol=0,
                                       err_msg=f"{proposer}, {AGENDAS[g]}")


@pytest.mark.parametrize("strategy, name", CASES)
def test_deterministic(strategy, name):
    model, offers = prepared(name, strategy)
    again = built(strategy, model).propose(model.state, list(range(model.params.n_actors)))
    fresh = prepared.__wrapped__(name, strategy)[1]
    for other in (again, fresh):
        np.testing.assert_array_equal(other.y, offers.y)
        np.testing.assert_array_equal(other.feasible, offers.feasible)
        np.testing.assert_array_equal(other.own, offers.own)


@pytest.mark.parametrize("strategy, name", CASES)
def test_offers_of_one_proposer_do_not_depend_on_who_else_is_asked(strategy, name):
    model, offers = prepared(name, strategy)
    for a in range(model.params.n_actors):
        alone = built(strategy, model).propose(model.state, [a])
        np.testing.assert_allclose(alone.y[0], offers.y[a], atol=1e-12)
        np.testing.assert_array_equal(alone.feasible[0], offers.feasible[a])
        np.testing.assert_allclose(alone.own[0], offers.own[a], atol=1e-12)


@pytest.mark.parametrize("strategy, name", CASES)
def test_a_whole_run_with_the_strategy(strategy, name):
    scenario = everyone_uses(name, strategy)
    result = NegotiationModel(scenario, WORLDS, seed=5, record=False).run()
    assert result.n == WORLDS
    finite = np.isfinite(result.terms)
    assert ((result.terms[finite] >= 0) & (result.terms[finite] <= 1)).all()


# --- known breaches of the contract, each on a scenario small enough to solve by hand ---------

@pytest.mark.xfail(strict=True, reason=(
    "Strategic with linear utility (p = 1) fits each responder's loss along a segment by the "
    "quadratic through λ = 0, ½, 1, which is wrong when the segment crosses the responder's "
    "ideal: P offers y = 0.887 (predicted feasible), R1 loses 0.387 > 0.3 and rejects; the "
    "best acceptable package is y = 0.8"))
def test_strategic_with_linear_utility_offers_the_best_acceptable_package():
    model = NegotiationModel(load("crossing"), 1, seed=0)
    model.step()
    assert model.last["agreed"][0]
    assert model.last["y"][0, 0] == pytest.approx(0.8, abs=1e-9)


def test_exact_planning_corrects_the_crossing_offer_into_the_acceptable_set():
    """With ``planning: exact`` the offer the fit got wrong (y = 0.887, R1 loses
    0.387 > 0.3) is corrected into the acceptable set [0.2, 0.8] worked out in
    ``crossing.yaml``, and agreed.  Not P's best (0.8): the correction raises R1's
    need by the shortfall the fit made at its first step, and the fit's error
    is smaller nearer the kink, so the second plan overshoots."""
    model = NegotiationModel(load("crossing", bargaining__planning="exact"), 1, seed=0)
    model.step()
    assert model.last["agreed"][0]
    assert 0.2 - 1e-9 <= model.last["y"][0, 0] <= 0.8 + 1e-9


def test_offers_on_binary_issues_are_planned_as_they_will_be_rounded():
    model = NegotiationModel(load("binary"), 1, seed=0)
    model.step()
    assert model.last["agreed"][0]
    assert model.last["y"][0, 0] == 0.0


@pytest.mark.xfail(strict=True, reason=(
    "proposals.nash_solution gives up on a world when none of its starting guesses (the weighted "
    "and plain means of the ideals, each ideal) gives every player more than its disagreement "
    "value; here such packages exist (0.530958 < t < 0.535413 on the diagonal) but the guesses "
    "miss them, so the Nash offer stays at the mean t = 0.5, which A rejects"))
def test_nash_finds_a_thin_bargaining_set():
    from negotiate.model.proposals import SETTLEMENT, nash_solution
    # the model only supplies the disagreement values (status); nash_solution is called alone
    scenario = load("nash_thin", actors__A__strategy="strategic", actors__B__strategy="strategic")
    model = NegotiationModel(scenario, 1, seed=0)
    model.evaluate({})
    np.testing.assert_allclose(model.state.status[:, 0], [0.78, 1 - 0.86 / 3], atol=1e-12)
    y = nash_solution(model.params, model.veto[SETTLEMENT], model.state.status, np.ones(3, bool),
                      steps=40)[0]
    assert 0.530958 < y.min() <= y.max() < 0.535413


# --- the round state and the agents' API (docs/model.md, "Agents and the round state") -----

def test_the_round_state_is_read_only_and_does_not_move_with_the_model():
    model = NegotiationModel(everyone_uses("contract3", "strategic"), WORLDS, seed=4, record=False)
    model.step()
    state = model.state
    assert isinstance(state, RoundState) and state.round == 1
    arrays = {f.name: getattr(state, f.name) for f in dataclasses.fields(state)
              if isinstance(getattr(state, f.name), np.ndarray)}
    assert {"balance", "phase", "status", "bonus", "allowed", "option", "proposer_value",
            "reservation", "need", "belief"} <= arrays.keys()
    flow, fade, after = state.truce_terms
    for name, array in [*arrays.items(), ("flow", flow), ("fade", fade), ("war after", after[0])]:
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 0.0
        assert not array.flags.writeable, name
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.status = state.status.copy()
    sweep = state.for_sweep(state.proposer_value, np.zeros((3, 1, WORLDS)))
    with pytest.raises(ValueError, match="read-only"):
        sweep.need[...] = 0.0
    # the block constants too: params' and valuation's arrays, nested ones, their attributes
    p, v = state.params, state.valuation
    assert v.params is p and isinstance(p, WorldParams) and isinstance(v, Valuation)
    constants = {f"params.{k}": a for k, a in vars(p).items() if isinstance(a, np.ndarray)}
    constants |= {f"valuation.{k}": a for k, a in vars(v).items() if isinstance(a, np.ndarray)}
    constants |= {f"follow.{i}": a for i, a in enumerate(v.follow.arrays)}
    assert {"params.war_cost", "params.patience", "params.ideal", "valuation.base", "valuation.fade",
            "valuation.u_victory", "valuation.bf_ideal", "follow.0"} <= constants.keys()
    for name, array in constants.items():
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 0.5
    for holder, name in [(p, "patience"), (p, "war_cost"), (v, "base"), (v, "params"), (v.follow, "weight")]:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(holder, name, None)
    with pytest.raises(TypeError):
        p.leverage[:0] = []   # lists are shown as tuples
    # ... and the model's own params stay writable and were not changed
    assert model.params.war_cost.flags.writeable and model.params.war_cost[0, 0] == p.war_cost[0, 0]
    assert model.state.params is p and model.valuation.base is not v.base
    # τ = 0: every world settles in round 1, yet the state still shows the round's worlds at war
    assert (model.phase == 2).all()
    assert (state.phase == 0).all()


def test_the_round_state_red_lines_are_read_only():
    model = NegotiationModel(everyone_uses("contract3", "strategic").with_overrides(
        {"actors.A.positions.front.red_line": {"min": 0.3}}), 4, seed=1, record=False)
    model.evaluate({})
    box = model.state.red_box
    for array in (box.low, box.high, box.lo, box.hi, box.blocked):
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 0


def test_strategies_get_the_round_state_never_the_model(monkeypatch):
    """A strategy registered in STRATEGIES is built from the block's parameters and, every
    round, asked to propose with the round's state; the agents using it share it."""
    built_with, asked_with = [], []

    class Spy(Compromise):
        def __init__(self, params, valuation, red_box=None):
            built_with.append((params, valuation, red_box))
            super().__init__(params, valuation, red_box)

        def propose(self, state, who):
            asked_with.append((state, list(who)))
            return super().propose(state, who)

    scenario = everyone_uses("contract3", "compromise").with_overrides(
        {"actors.A.noise": 0.2, "actors.B.noise": 0.2, "actors.M.noise": 0.2})
    plain = run_block(scenario, WORLDS, np.random.SeedSequence(5))
    monkeypatch.setitem(STRATEGIES, "compromise", Spy)
    model = NegotiationModel(scenario, WORLDS, seed=np.random.SeedSequence(5), record=False)
    spied = model.run()
    assert len(built_with) == 1 and built_with[0][0] is not model
    assert all(agent.strategy is model.actors[0].strategy for agent in model.actors)
    assert isinstance(model.actors[0].strategy, Spy)
    assert asked_with and all(type(state) is RoundState for state, _ in asked_with)
    rounds = [state.round for state, _ in asked_with]
    assert rounds == sorted(rounds) and rounds[-1] == model.round
    np.testing.assert_array_equal(spied.outcome, plain.outcome)   # the spy changed nothing
    np.testing.assert_array_equal(spied.terms, plain.terms)


def test_agents_propose_through_their_own_strategy():
    """Agents sharing a strategy propose in one batched call, and each agent alone makes
    the offers it makes in the batch."""
    scenario = load("contract3").with_overrides({"actors.A.strategy": "strategic",
                                                 "actors.B.strategy": "compromise",
                                                 "actors.M.strategy": "compromise"})
    model = NegotiationModel(scenario, WORLDS, seed=4, record=False)
    model.evaluate({})
    a, b, c = model.actors
    assert isinstance(a.strategy, Strategic) and isinstance(b.strategy, Compromise)
    assert b.strategy is c.strategy
    together = Negotiator.propose_all(model.actors, model.state)
    for agent in model.actors:
        alone = agent.propose(model.state)
        np.testing.assert_allclose(alone.y[0], together.y[agent.index], atol=1e-12)
        np.testing.assert_array_equal(alone.feasible[0], together.feasible[agent.index])


def test_the_scenario_format_accepts_exactly_the_engines_strategies():
    # two registries (the scenario stage does not import the engine): they must name the same strategies
    from negotiate.scenario import schema
    assert set(schema.STRATEGIES) == set(STRATEGIES)
