"""The NegotiationModel as a whole: its Mesa view, scenarios of any size,
determinism, compaction of finished worlds, a truce in force."""

import dataclasses

import mesa
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from negotiate.model import OUTCOMES, NegotiationModel, run_block
from negotiate.model.actors import Mediator, Party, Stakeholder
from tests.profiles import scaled
from tests.scenario.strategies import scenarios

from .conftest import load

NOISY = {"actors.A.war_cost": {"dist": "uniform", "low": 0.0, "high": 0.05},
         "actors.A.noise": 0.05, "actors.B.noise": 0.05, "war.volatility": 0.05}


def noisy_two_party():
    return load("two_party").with_overrides(NOISY)


def assert_same_results(a, b):
    for field in dataclasses.fields(a):
        if field.name == "inputs":
            assert a.inputs.keys() == b.inputs.keys()
            for k in a.inputs:
                np.testing.assert_array_equal(a.inputs[k], b.inputs[k])
        else:
            np.testing.assert_array_equal(getattr(a, field.name), getattr(b, field.name),
                                          err_msg=field.name)


# --- the one-world Mesa view ----------------------------------------------------------------

def test_one_world_records_a_trajectory():
    model = NegotiationModel(load("two_party", rounds__horizon=4), 1, seed=3)
    assert model.record
    for _ in range(4):
        model.step()
    df = model.trajectory()
    expected = ["round", "balance", "truce", "ceasefire", "proposer", "agenda", "agreed",
                "offer:share", "offer:arms",
                "accept:A", "value:A", "reservation:A",
                "accept:B", "value:B", "reservation:B",
                "accept:M", "value:M", "reservation:M"]
    assert sorted(df.columns) == sorted(expected)
    assert len(df) == 4 and df["round"].tolist() == [1, 2, 3, 4]
    assert df["balance"].between(0, 1).all()
    assert not model.running


def test_agents_report_their_values_every_round():
    """Mesa's DataCollector keeps one row per agent per round (agent reporters), with the
    values the model's own record shows for that actor (another code path)."""
    model = NegotiationModel(load("truce_cycle"), 1, seed=0)   # rounds with and without offers
    model.run()
    story = model.trajectory()
    agents = model.datacollector.get_agent_vars_dataframe()
    names = [a.name for a in model.actors]
    assert agents.index.names == ["Step", "AgentID"]
    assert len(agents) == len(story) * len(names) and story["agenda"].isna().any()
    for (step, _), row in agents.iterrows():
        said = story.iloc[step - 1]
        name = row["actor"]
        assert row["offered"] == pd.notna(said["agenda"])
        assert row["proposed"] == (said["proposer"] == name)
        assert row["asked"] == (not np.isnan(said[f"accept:{name}"]))
        for column in ("value", "reservation", "accept"):
            ours = row["accepted" if column == "accept" else column]
            np.testing.assert_equal(float(ours), float(said[f"{column}:{name}"]), err_msg=(step, name, column))
        assert np.isnan(row["stance"])   # stances do not persist in this scenario
    assert sorted(agents.groupby("Step")["actor"].apply(sorted).iloc[0]) == sorted(names)


def test_agents_report_their_stance():
    model = NegotiationModel(load("stances").with_overrides({"bargaining.stance_persistence": 0.7}), 1, seed=0)
    model.run()
    agents = model.datacollector.get_agent_vars_dataframe()
    last = agents.xs(model.round, level="Step").set_index("actor")["stance"]
    for agent in model.actors:
        assert last[agent.name] == agent.stance[0]


def test_agents_hold_views_of_their_type_belief_and_red_lines():
    model = NegotiationModel(load("private"), 6, seed=1, record=False)
    p = model.params
    a, b = model.actors
    assert not a.private and a.belief is None
    assert b.private and np.shares_memory(b.war_cost, p.war_cost)
    model.step()
    lo, hi = b.belief                                   # the public belief about B's type
    np.testing.assert_array_equal(lo, model.beliefs.lo[1])
    np.testing.assert_array_equal(hi, model.beliefs.hi[1])
    assert np.shares_memory(a.red_low, p.red_low) and np.shares_memory(b.red_high, p.red_high)


def test_many_worlds_do_not_record_unless_asked():
    model = NegotiationModel(load("two_party"), 3, seed=0)
    with pytest.raises(RuntimeError, match="record=True"):
        model.trajectory()


def test_agents_are_mesa_agents_of_their_role():
    model = NegotiationModel(load("mechanics"), 5, seed=0)
    agents = list(model.agents)
    assert [type(a) for a in agents] == [Party, Party, Mediator, Stakeholder]
    assert [a.name for a in agents] == ["H", "L", "M", "S"]
    assert all(isinstance(a, mesa.Agent) and a.model is model for a in agents)
    assert [a.role for a in agents] == ["party", "party", "mediator", "stakeholder"]
    # an agent's parameters are its actor's, in every world
    np.testing.assert_array_equal(agents[1].patience, np.full(5, 0.8))
    assert agents[0].ideal.shape == (5, 4)


@pytest.mark.parametrize("worlds", [0, -3, 2.5])
def test_bad_number_of_worlds(worlds):
    with pytest.raises(ValueError, match="worlds must be a positive integer"):
        NegotiationModel(load("two_party"), worlds)


# --- any scenario runs ------------------------------------------------------------------------

def check_result(result, scenario, n):
    A, D = len(scenario.actor_names), len(scenario.issue_names)
    assert result.n == n
    assert result.terms.shape == (n, D) and result.offers.shape == (n, A, 2)
    assert set(np.unique(result.outcome)) <= set(range(len(OUTCOMES)))
    assert ((result.agreement_round >= 0) & (result.agreement_round <= scenario.rounds.horizon)).all()
    finite = np.isfinite(result.terms)
    assert ((result.terms[finite] >= 0) & (result.terms[finite] <= 1)).all()
    assert ((result.final_balance >= 0) & (result.final_balance <= 1)).all()
    none = result.outcome == OUTCOMES.index("no_agreement")
    assert (result.agreement_round[none] == 0).all() and not finite[none].any()
    settled = result.outcome == OUTCOMES.index("comprehensive_agreement")
    assert finite[settled].all()
    assert ((result.accepts >= 0) & (result.accepts <= result.offers)).all()


# derandomized: the same examples on every run, so a failure is reproducible (and the
# known Nash failure, tested in test_strategy_contract.py, cannot make this test flaky)
GENERATED = settings(max_examples=scaled(8), deadline=None, database=None, derandomize=True,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # extreme generated numbers
@pytest.mark.parametrize("actors", [2, 3, 4, 7])
def test_generated_scenarios_run(actors):
    @GENERATED
    @given(scenarios(min_actors=actors, max_actors=actors, max_issues=20))
    def run(scenario):
        n = 3
        model = NegotiationModel(scenario, n, seed=1, record=False)
        # at most 20 rounds keeps the test fast: sizes, not lengths, are what vary here
        while model.round < min(scenario.rounds.horizon, 20) and model.open_worlds.any():
            model.step()
        result = model.result()
        check_result(result, scenario, n)

    run()


# --- determinism and compaction ----------------------------------------------------------------

def test_run_block_is_deterministic_in_its_seed_sequence():
    scenario = noisy_two_party()
    seed = np.random.SeedSequence(11, spawn_key=(3,))
    first = run_block(scenario, 120, seed)
    assert_same_results(first, run_block(scenario, 120, seed))
    other = run_block(scenario, 120, np.random.SeedSequence(11, spawn_key=(4,)))
    assert not np.array_equal(first.inputs["actors.A.war_cost"], other.inputs["actors.A.war_cost"])
    assert not np.array_equal(first.agreement_round, other.agreement_round)


def test_compaction_of_finished_worlds_does_not_change_results(monkeypatch):
    scenario = noisy_two_party()
    compacted = NegotiationModel(scenario, 400, seed=2, record=False)
    default = compacted.run()
    assert compacted.ids.size < 400          # finished worlds were dropped along the way
    monkeypatch.setattr(NegotiationModel, "COMPACT_MIN", 10**12)
    whole = NegotiationModel(scenario, 400, seed=2, record=False)
    assert_same_results(default, whole.run())
    assert whole.ids.size == 400


# --- a truce in force -----------------------------------------------------------------------------

@pytest.mark.parametrize("length, rho, residual, arms, kind", [
    (5, 0.02, 0.25, 0.5, "conditional_truce"),
    (3, 0.01, 0.5, 0.0, "temporary_truce"),
    (4, 0.03, 0.0, 1.0, "conditional_truce"),
])
def test_truce_freezes_the_front_regenerates_and_expires(length, rho, residual, arms, kind):
    """Round 1: the war moves the front 0.7 → 0.71, then a truce is agreed on the
    mediator's ideal arms term (its bonus makes both parties accept anything).  While it
    holds the drift stops and the front regenerates toward 0.5 by ρ(1 − (1 − r)·arms) a
    round; after `length` rounds it expires and the front moves by the drift 0.01 again
    (H refuses new truces)."""
    scenario = load("truce_cycle", truce__length=length, truce__regeneration=rho,
                    truce__residual=residual, actors__M__positions__arms__ideal=arms)
    model = NegotiationModel(scenario, 1, seed=0)
    result = model.run()
    df = model.trajectory()
    rate = rho * (1 - (1 - residual) * arms)
    expected, b = [], 0.71
    for t in range(1, 10):
        if t > 1:
            b += -rate if t <= length + 1 else 0.01
        expected.append(b)
    np.testing.assert_allclose(df["balance"], expected, atol=1e-12)
    assert df["truce"].tolist() == [t <= length for t in range(1, 10)]
    assert result.terms[0, 1] == arms
    assert result.outcome[0] == OUTCOMES.index(kind)
    assert (result.truce_round[0], result.truces[0], result.collapsed[0]) == (1, 1, False)


def test_truce_balance_path_worked_example():
    model = NegotiationModel(load("truce_cycle"), 1, seed=0)
    model.run()
    np.testing.assert_allclose(
        model.trajectory()["balance"],
        [0.71, 0.6975, 0.685, 0.6725, 0.66, 0.6475, 0.6575, 0.6675, 0.6775], atol=1e-12)


def test_a_collapsing_truce_ends_at_once_and_war_resumes():
    """A hazard scale of 1e-6 makes collapse in the truce's first round certain."""
    scenario = load("truce_cycle", truce__hazard={"scale": 1e-6, "shape": 0.7})
    model = NegotiationModel(scenario, 1, seed=0)
    result = model.run()
    df = model.trajectory()
    np.testing.assert_allclose(df["balance"][:3], [0.71, 0.6975, 0.7075], atol=1e-12)
    assert df["truce"].tolist()[:3] == [True, False, False]
    assert result.collapsed[0] and result.truces[0] == 1


def test_a_block_run_does_not_keep_its_model_alive():
    """Mesa 3.3 keeps every model in mesa.Agent._ids (mesa/mesa#3179); run_block drops it,
    so memory stays flat over many blocks."""
    import gc
    import weakref

    from negotiate.model import block

    built = []
    original = block.NegotiationModel

    def spy(*args, **kwargs):
        model = original(*args, **kwargs)
        built.append(weakref.ref(model))
        return model

    scenario = load("two_party")
    block.NegotiationModel = spy
    try:
        for k in range(3):
            block.run_block(scenario, 16, np.random.SeedSequence(k))
    finally:
        block.NegotiationModel = original
    gc.collect()
    assert len(built) == 3 and all(ref() is None for ref in built)


@pytest.mark.parametrize("name", ["contract4", "contract3_durable"])
def test_package_values_agree_with_the_response_step_and_value_only_the_pairs_asked_for(name):
    """``package_values`` (what exact planning uses) gives each actor the value the
    response step gives the same package (``evaluate``, another code path); with
    ``pairs`` it values only those (proposer, agenda) pairs, the others are 0."""
    model = NegotiationModel(load(name), 6, seed=2, record=False)
    model.evaluate({})                                    # round 1's status and reservations
    p, rng = model.params, np.random.default_rng(3)
    who = list(range(p.n_actors))
    y = np.broadcast_to(p.status_quo, (len(who), 2, p.n, p.n_issues)).copy()
    for g, moved in enumerate((p.truce_issue, np.ones(p.n_issues, bool))):
        y[:, g][..., moved] = rng.random(y[:, g][..., moved].shape)
    full = model.package_values(y, who)
    for a, proposer in enumerate(p.actor_names):
        for g, agenda in enumerate(("truce", "settlement")):
            package = {issue: y[a, g, :, d] for d, issue in enumerate(p.issue_names)}
            said = model.evaluate(package, agenda=agenda, proposer=proposer)
            for j, actor in enumerate(p.actor_names):
                np.testing.assert_allclose(full[j, a, g], said[actor]["value"], atol=1e-12, rtol=0)
    pairs = np.zeros((len(who), 2), bool)
    pairs[0, 1] = pairs[1, 0] = True
    some = model.package_values(y, who, pairs)
    np.testing.assert_array_equal(some[:, 0, 1], full[:, 0, 1])
    np.testing.assert_array_equal(some[:, 1, 0], full[:, 1, 0])          # all worlds are at war in round 1
    assert (some[:, ~pairs] == 0).all()
