"""Numeric edge cases: each either runs with the documented result (derived from the
model, docs/model.md) or is refused at validation with a clear message.
The behaviours are listed in docs/scenario-format.md, "Edge cases".

Every scenario here is a small two-party scenario (``BASE``) with one change.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import pytest

import negotiate
from negotiate import Scenario, ScenarioError, load_scenario
from negotiate.model import OUTCOMES, BlockResult, run_block
from negotiate.model.outcomes import COMPREHENSIVE, NONE
from negotiate.model.params import draw_params
from negotiate.model.responses import option_weight
from negotiate.model.truce import collapse_probability

BASE = {
    "name": "edge",
    "rounds": {"horizon": 8},
    "issues": {
        "share": {"group": "settlement", "low": "all to B", "high": "all to A", "status_quo": 0.5},
        "arms": {"group": "truce", "low": "arms flow", "high": "arms halted", "status_quo": 0},
    },
    "actors": {
        "A": {"role": "party", "war_cost": 0.02, "patience": 0.9, "positions": {
            "share": {"ideal": 1, "salience": 1, "assumption": "wants it all"},
            "arms": {"ideal": 1, "salience": 0.3, "assumption": "wants arms halted"}}},
        "B": {"role": "party", "war_cost": 0.03, "patience": 0.9, "positions": {
            "share": {"ideal": 0, "salience": 1, "assumption": "wants it all"},
            "arms": {"ideal": 0, "salience": 0.3, "assumption": "wants arms"}}},
    },
    "war": {"balance": 0.6, "battlefield_issue": "share", "drift": 0.01, "volatility": 0.03},
    "truce": {"regeneration": 0.01, "regeneration_issue": "arms"},
}
WORLDS = 64
FIELDS = ["outcome", "agreement_round", "truce_round", "truces", "proposer", "terms",
          "final_balance", "offers", "accepts", "first_accept"]


def scenario(change: Callable[[dict], None] | None = None) -> Scenario:
    data = copy.deepcopy(BASE)
    if change is not None:
        change(data)
    return load_scenario(data)


def play(s: Scenario, n: int = WORLDS, seed: int = 1) -> BlockResult:
    block = run_block(s, n, np.random.SeedSequence(seed))
    check_block(block, s)
    return block


def check_block(block: BlockResult, s: Scenario) -> None:
    """What every block must satisfy, whatever the scenario."""
    horizon, n_actors = s.rounds.horizon, len(s.actors)
    assert np.isin(block.outcome, range(len(OUTCOMES))).all()
    assert ((block.agreement_round >= 0) & (block.agreement_round <= horizon)).all()
    assert ((block.agreement_round > 0) == (block.outcome != NONE)).all()
    assert ((block.truce_round >= 0) & (block.truce_round <= horizon)).all()
    assert (block.truces >= (block.truce_round > 0)).all()
    assert ((block.proposer >= -1) & (block.proposer < n_actors)).all()
    agreed = block.terms[np.isfinite(block.terms)]
    assert ((agreed >= 0) & (agreed <= 1)).all()
    assert np.isfinite(block.terms[block.outcome == COMPREHENSIVE]).all()
    assert np.isnan(block.terms[(block.outcome == NONE) & (block.truces == 0)]).all()
    assert np.isfinite(block.final_balance).all()
    assert ((block.final_balance >= 0) & (block.final_balance <= 1)).all()
    assert ((block.accepts >= 0) & (block.accepts <= block.offers)).all()
    for values in block.inputs.values():
        assert np.isfinite(values).all()


def same(a: BlockResult, b: BlockResult) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f), equal_nan=True) for f in FIELDS)


def rejected(change: Callable[[dict], None]) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        scenario(change)
    return caught.value


def each_actor(**values) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        for actor in data["actors"].values():
            actor.update(copy.deepcopy(values))
    return change


# --- salience ----------------------------------------------------------------------

def test_zero_salience_on_every_issue_is_refused():
    def change(data):
        for position in data["actors"]["A"]["positions"].values():
            position["salience"] = 0
    [problem] = rejected(change).problems
    assert problem.path == "actors.A.positions"
    assert problem.message.startswith("salience is zero on every issue")


def test_salience_that_can_only_be_zero_is_refused():
    def change(data):
        for position in data["actors"]["B"]["positions"].values():
            position["salience"] = {"dist": "choice", "values": [0.0]}
    assert "salience is zero on every issue" in str(rejected(change))


def test_an_actor_drawing_zero_salience_everywhere_is_indifferent_and_agrees_at_once():
    # A world where A's saliences all draw 0: A's normalised salience is 0, so every
    # package is worth 1 to A, at least its reservation (which is at most 1).  B's
    # best package is its own ideal, and A (conceding issues it has no salience on)
    # proposes exactly that: with no response noise, a settlement on B's ideal in round 1.
    def change(data):
        for position in data["actors"]["A"]["positions"].values():
            position["salience"] = {"dist": "choice", "values": [0.0, 1.0]}
    s = scenario(change)
    zero = np.zeros(WORLDS)
    given = {"actors.A.positions.share.salience": zero, "actors.A.positions.arms.salience": zero}
    assert (draw_params(s, WORLDS, np.random.SeedSequence(1), given).salience[0] == 0).all()
    block = run_block(s, WORLDS, np.random.SeedSequence(1), given=given)
    check_block(block, s)
    assert (block.outcome == COMPREHENSIVE).all() and (block.agreement_round == 1).all()
    np.testing.assert_array_equal(block.terms, np.zeros((WORLDS, 2)))  # B's ideal


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_huge_saliences_normalise_like_any_others():
    def change(data):
        for position in data["actors"]["A"]["positions"].values():
            position["salience"] = 1e308
    params = draw_params(scenario(change), 4, np.random.SeedSequence(0))
    np.testing.assert_allclose(params.salience[0], 0.5)


# --- capability --------------------------------------------------------------------

def test_a_party_with_zero_capability_is_never_recognised():
    # random recognition gives parties shares proportional to capability
    s = scenario(lambda data: data["actors"]["A"].update(capability=0))
    assert (draw_params(s, WORLDS, np.random.SeedSequence(1)).recognition[:, 0] == 0).all()
    block = play(s)
    assert (block.outcome != NONE).any()
    assert (block.proposer != 0).all()


def test_zero_capability_everywhere_recognises_the_parties_equally():
    s = scenario(each_actor(capability=0))
    recognition = draw_params(s, WORLDS, np.random.SeedSequence(1)).recognition
    np.testing.assert_array_equal(recognition, np.full((WORLDS, 2), 0.5))
    block = play(s)
    assert {0, 1} <= set(block.proposer[block.outcome != NONE].tolist())


def test_compromise_with_zero_capability_everywhere_proposes_the_status_quo():
    # Achen's weights c·s are all zero: the weighted mean is undefined and the
    # engine proposes the status quo, so whatever is agreed leaves every term there
    block = play(scenario(each_actor(capability=0, strategy="compromise")))
    agreed = block.outcome != NONE
    assert agreed.any()
    terms = block.terms[agreed]
    np.testing.assert_array_equal(terms[np.isfinite(terms[:, 0]), 0], 0.5)
    np.testing.assert_array_equal(terms[np.isfinite(terms[:, 1]), 1], 0.0)


def test_nash_with_zero_capability_everywhere_runs():
    play(scenario(each_actor(capability=0, strategy="nash")))


# --- patience ----------------------------------------------------------------------

def test_patience_one_makes_war_costs_irrelevant():
    # δ = 1: the war value (1 − δ^H)(u − k) + δ^H E[u] and the truce value put weight
    # 1 − δ^H = 1 − δ^L = 0 on the flow that carries the war cost k, and an undurable
    # settlement's α = (1 − δ)/(1 − δ + δh) is 1 at h = 0 (0/0 guarded): k never counts
    cheap = play(scenario(each_actor(patience=1, war_cost=0.0)))
    costly = play(scenario(each_actor(patience=1, war_cost=0.5)))
    assert same(cheap, costly)
    assert not same(play(scenario(each_actor(war_cost=0.0))), play(scenario(each_actor(war_cost=0.5))))


def test_patience_one_with_a_settlement_hazard_runs():
    s = scenario(lambda data: (each_actor(patience=1)(data),
                               data.update(settlement={"hazard": 0.1})))
    play(s)


@pytest.mark.parametrize("strategy", ["strategic", "nash", "compromise"])
def test_patience_one_runs_with_every_strategy(strategy):
    play(scenario(each_actor(patience=1, strategy=strategy)))


def test_patience_zero_settles_in_the_first_round():
    # δ = 0: the war value is today's flow u(front) − k, the option of bargaining on is
    # worth nothing (f = 0), so the settlement "the front as it is" is worth u(front)
    # > u(front) − k to every party: a strictly acceptable package exists in round 1
    # and, without response noise, it is found and accepted
    s = scenario(each_actor(patience=0))
    params = draw_params(s, WORLDS, np.random.SeedSequence(1))
    assert (option_weight(params, 1) == 0).all()
    block = play(s)
    assert (block.outcome == COMPREHENSIVE).all() and (block.agreement_round == 1).all()


def test_patience_above_one_is_refused():
    error = rejected(lambda data: data["actors"]["A"].update(patience=1.01))
    assert str(error) == "<scenario>: actors.A.patience: must be between 0 and 1, got 1.01"


# --- the horizon ---------------------------------------------------------------------

def test_a_one_round_horizon_has_only_first_round_outcomes():
    s = scenario(lambda data: data["rounds"].update(horizon=1))
    params = draw_params(s, WORLDS, np.random.SeedSequence(1))
    assert (option_weight(params, 1) == 0).all()  # the last round: no bargaining on
    block = play(s)
    assert set(block.agreement_round.tolist()) <= {0, 1}
    assert set(block.truce_round.tolist()) <= {0, 1}
    assert (block.truces <= 1).all()


def test_an_event_after_a_one_round_horizon_is_refused():
    def change(data):
        data["rounds"]["horizon"] = 1
        data["war"]["events"] = [{"start": 2, "drift": 0.01}]
    [problem] = rejected(change).problems
    assert (problem.path, problem.message) == ("war.events[0].start",
                                               "round 2 is after the horizon (1)")


def test_a_zero_round_horizon_is_refused():
    error = rejected(lambda data: data["rounds"].update(horizon=0))
    assert "rounds.horizon: must be greater than or equal to 1, got 0" in str(error)


# --- a shared ideal point --------------------------------------------------------------

@pytest.mark.parametrize("strategy", ["strategic", "compromise", "nash"])
def test_a_shared_ideal_point_is_agreed_in_the_first_round(strategy):
    # Every actor's ideal is x: the package x is worth u = 1 to all, the most any
    # package is worth, and a reservation S + f·max(0, P − S) is at most 1 (S, P ≤ 1,
    # f ≤ 1).  Each strategy proposes x (the strategic proposer its own ideal, the
    # compromise a weighted mean of identical points, Nash the point maximising every
    # utility), a settlement beats any truce (which cannot move the settlement issue),
    # and without response noise everyone accepts: P(agreement on x in round 1) = 1.
    def change(data):
        for actor in data["actors"].values():
            actor["strategy"] = strategy
            actor["positions"]["share"]["ideal"] = 0.8
            actor["positions"]["arms"]["ideal"] = 0.7
    block = play(scenario(change), n=256)
    assert (block.outcome == COMPREHENSIVE).all()
    assert (block.agreement_round == 1).all()
    np.testing.assert_allclose(block.terms, np.tile([0.8, 0.7], (256, 1)))


# --- degenerate distributions ------------------------------------------------------------

@pytest.mark.parametrize(("dist", "words"), [
    ({"dist": "normal", "mean": 0.9, "sd": 0}, "sd must be > 0, got 0"),
    ({"dist": "truncnorm", "mean": 0.9, "sd": 0, "low": 0.8, "high": 1}, "sd must be > 0"),
    ({"dist": "truncnorm", "mean": 0.9, "sd": 0.1, "low": 0.9, "high": 0.9},
     "low (0.9) must be < high (0.9)"),
    ({"dist": "uniform", "low": 0.9, "high": 0.9}, "low (0.9) must be < high (0.9)"),
    ({"dist": "beta", "a": 2, "b": 2, "low": 0.9, "high": 0.9}, "low (0.9) must be < high (0.9)"),
    ({"dist": "beta", "a": 0, "b": 2}, "a and b must be > 0"),
    ({"dist": "triangular", "low": 0.9, "mode": 0.9, "high": 0.9}, "low < high"),
    ({"dist": "lognormal", "mu": -0.1, "sigma": 0}, "sigma must be > 0"),
    ({"dist": "choice", "values": []}, "needs at least 1 item"),
    ({"dist": "choice", "values": [0.9, 0.8], "p": [1.0, 0.0, 0.0]}, "p has 3 entries"),
])
def test_a_degenerate_distribution_is_refused_naming_its_field(dist, words):
    error = rejected(lambda data: data["actors"]["A"].update(patience=dist))
    [problem] = error.problems
    assert problem.path.startswith("actors.A.patience"), problem
    assert words in problem.message


@pytest.mark.parametrize("dist", [{"dist": "choice", "values": [0.9]},
                                  {"dist": "choice", "values": [0.9, 0.5], "p": [1.0, 0.0]}])
def test_a_choice_of_one_value_is_that_constant(dist):
    # each distribution draws from its own stream, so the rest of the run is unchanged
    constant = play(scenario(lambda data: data["actors"]["A"].update(patience=0.9)))
    chosen = play(scenario(lambda data: data["actors"]["A"].update(patience=dist)))
    assert same(constant, chosen)


# --- runs and the number of actors ---------------------------------------------------------

def test_one_run_gives_probabilities_of_zero_and_one_with_finite_intervals():
    results = negotiate.simulate(scenario(), runs=1, seed=3)
    table = results.outcome_probabilities()
    assert results.runs == 1
    assert sorted(table["p"].tolist()) == [0.0, 0.0, 0.0, 1.0]
    assert table["count"].sum() == 1
    bounds = table[["ci_low", "ci_high"]].to_numpy()
    assert np.isfinite(bounds).all() and (bounds >= 0).all() and (bounds <= 1).all()
    assert (table["ci_low"] <= table["p"]).all() and (table["p"] <= table["ci_high"]).all()


def test_a_two_actor_scenario_runs():
    block = play(scenario(), n=256)
    assert block.offers.shape == (256, 2, 2)


def twelve_actors(data: dict) -> None:
    """Two parties, a mediator and nine stakeholders, one of them controlling the arms."""
    data["actors"]["M"] = {"role": "mediator", "positions": {
        "share": {"ideal": 0.5, "salience": 1, "assumption": "a split"}}}
    for k in range(9):
        data["actors"][f"S{k}"] = {
            "role": "stakeholder", "patience": 0.8 + 0.02 * k, "noise": 0.001 * k,
            "strategy": ["strategic", "compromise", "nash"][k % 3],
            "positions": {"share": {"ideal": k / 8, "salience": 1 + k, "assumption": "x"},
                          "arms": {"ideal": 1 - k / 8, "salience": 0.5, "assumption": "x"}}}
    data["issues"]["arms"]["controllers"] = ["S0"]


def test_a_twelve_actor_scenario_runs():
    s = scenario(twelve_actors)
    assert len(s.actors) == 12
    block = play(s, n=256)
    assert block.offers.shape == (256, 12, 2)
    assert (block.outcome != NONE).any()


def test_one_party_is_refused():
    error = rejected(lambda data: data["actors"]["B"].update(role="stakeholder"))
    assert "a negotiation needs at least two actors with role 'party'" in str(error)


# --- a truce's collapse hazard ---------------------------------------------------------------

def test_a_zero_hazard_scale_collapses_a_truce_in_its_first_round():
    s = scenario(lambda data: data["truce"].update(hazard={"scale": 0}))
    params = draw_params(s, 4, np.random.SeedSequence(0))
    np.testing.assert_array_equal(collapse_probability(params, np.ones(4), np.zeros((4, 2))), 1.0)
