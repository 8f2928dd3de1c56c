"""Stances that persist, gains from the process, stalling (docs/model.md §17).

Each piece has hand-derived checks on tiny scenarios (``data/stances.yaml``), an
effect with a Monte Carlo interval, and a mutation check: the same statistic,
with the piece's code path replaced by a no-op, no longer shows the effect.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import special, stats

import negotiate
from negotiate.model import OUTCOMES, NegotiationModel, actors, run_block, values
from negotiate.model.params import draw_params
from negotiate.model.responses import next_stance, stance_shock
from negotiate.stats import paired_difference, wilson_interval

DATA = Path(__file__).parent / "data" / "stances.yaml"
COMPREHENSIVE = OUTCOMES.index("comprehensive_agreement")
NONE = OUTCOMES.index("no_agreement")
SEED = 17


def scenario(**overrides):
    return negotiate.load_scenario(DATA).with_overrides(overrides)


def block(worlds=3000, seed=SEED, **overrides):
    return run_block(scenario(**overrides), worlds, np.random.SeedSequence(seed))


# --- (a) stances: the shock keeps its logistic marginal, and persists ---------------------------

def test_stance_step_and_shock_closed_forms():
    eta = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(next_stance(None, eta, 0.5), eta)          # z_1 = η_1
    z = next_stance(eta, np.array([1.0, 1.0, 1.0]), np.array([0.0, 0.6, 0.8]))
    np.testing.assert_allclose(z, [1.0, 0.8, 1.6 + 0.6])                     # ρz + √(1−ρ²)η
    grid = np.linspace(-6, 6, 25)
    np.testing.assert_allclose(stance_shock(grid), special.logit(special.ndtr(grid)), atol=1e-9)
    np.testing.assert_array_equal(stance_shock(-grid), -stance_shock(grid))  # symmetric
    tails = stance_shock(np.array([-40.0, 40.0]))                            # finite where Φ rounds to 0, 1
    assert np.all(np.isfinite(tails)) and tails[0] < -700 and tails[1] > 700


def stances_over_rounds(rho: float, worlds: int = 20_000, rounds: int = 3):
    """Each round's stances z (rounds, A, N) of a model whose worlds are all kept."""
    model = NegotiationModel(scenario(**{"bargaining.stance_persistence": rho}), worlds,
                             seed=np.random.SeedSequence(SEED), record=False)
    model.COMPACT_MIN = worlds   # keep every world (finished ones still move their stances)
    out = []
    for _ in range(rounds):
        model.step()
        out.append(np.stack([agent.stance for agent in model.actors]))
    return np.array(out), model


@pytest.fixture(scope="module")
def persistent():
    return stances_over_rounds(0.7)


def test_the_shock_is_standard_logistic_every_round(persistent):
    z, _ = persistent
    for t in (0, 2):
        assert stats.kstest(stance_shock(z[t, 0]), "logistic").pvalue > 0.001


def fisher_interval(r: float, n: int, z: float = 3.29):
    """Fisher's z interval (99.9 %) for a correlation of n pairs."""
    centre, half = np.arctanh(r), z / np.sqrt(n - 3)
    return np.tanh(centre - half), np.tanh(centre + half)


def test_stances_are_correlated_from_round_to_round_by_rho(persistent):
    z, _ = persistent
    for a in range(z.shape[1]):
        lo, hi = fisher_interval(np.corrcoef(z[0, a], z[1, a])[0, 1], z.shape[2])
        assert lo < 0.7 < hi
        lo, hi = fisher_interval(np.corrcoef(z[0, a], z[2, a])[0, 1], z.shape[2])
        assert lo < 0.49 < hi   # ρ² two rounds apart


def acceptances(z, model, x_over_tau: float = 0.5):
    """Whether responder A accepts an offer worth R + x in each round: (rounds, N) bool."""
    agent = model.actors[0]
    tau = 0.02
    out = []
    for t in range(z.shape[0]):
        agent.stance = z[t, 0]
        n = z.shape[2]
        out.append(agent.answer(np.full(n, x_over_tau * tau), np.zeros(n), np.zeros(n),
                                 np.zeros(n), np.ones(n, bool)))
    return np.array(out)


def test_acceptance_keeps_its_probability_but_persists(persistent):
    z, model = persistent
    yes = acceptances(z, model)
    n = yes.shape[1]
    for t in range(yes.shape[0]):   # the quantal response 1 / (1 + e^(−x/τ)), every round
        lo, hi = wilson_interval(yes[t].sum(), n, 0.999)
        assert lo < special.expit(0.5) < hi
    again, after_no = persistence_of_acceptance(yes)
    assert again[0] > after_no[1], "acceptances should be positively correlated across rounds"


def persistence_of_acceptance(yes):
    """Wilson intervals (99.9 %) of P(accept in round 2 | accepted in round 1) and | refused."""
    first, second = yes[0], yes[1]
    return (wilson_interval(second[first].sum(), first.sum(), 0.999),
            wilson_interval(second[~first].sum(), (~first).sum(), 0.999))


def test_mutation_without_persistence_acceptances_are_independent(monkeypatch):
    """Mutation check: stances redrawn every round (the AR(1) step a no-op) leave no
    correlation, so the persistence test's statistic fails."""
    monkeypatch.setattr(actors, "next_stance", lambda stance, innovation, rho: np.array(innovation))
    z, model = stances_over_rounds(0.7, worlds=8000, rounds=2)
    again, after_no = persistence_of_acceptance(acceptances(z, model))
    assert not again[0] > after_no[1]


def test_persistent_stances_leave_more_wars_unsettled():
    """Effect: with persistent stances a responder that refuses tends to go on refusing,
    so more worlds reach the horizon without an agreement (paired on the worlds)."""
    fresh, sticky = block(), block(**{"bargaining.stance_persistence": 0.9})
    diff = paired_difference(fresh.outcome == NONE, sticky.outcome == NONE)
    assert diff.ci_low > 0.02, diff


def test_zero_persistence_is_the_old_path():
    """ρ = 0 draws no stance: the results are those of a scenario without the field."""
    a, b = block(500), block(500, **{"bargaining.stance_persistence": 0.0})
    np.testing.assert_array_equal(a.outcome, b.outcome)
    np.testing.assert_array_equal(a.agreement_round, b.agreement_round)


# --- (b) gains from the process ---------------------------------------------------------------

def reservations(gain: float, **more):
    """Round-1 reservations and a judge of packages, noise-free, without continuation."""
    s = scenario(**{"actors.A.noise": 0.0, "actors.B.noise": 0.0, "bargaining.continuation": False,
                    "actors.A.process_gain": gain, **more})
    model = NegotiationModel(s, 1, seed=0)
    return model, model.evaluate({"share": 0.5})


def test_the_reservation_rises_by_the_discounted_gain():
    """W = (1 − δ^H)(u(front) − k + g) + δ^H u(front after H): with no drift and no
    volatility the front stays at b, so the gain g adds exactly (1 − δ^H) g."""
    g, delta, H = 0.03, 0.9, 10
    _, before = reservations(0.0)
    _, after = reservations(g)
    # the closed form itself: u_A(b) = 1 − 0.8 |0.6 − 1| − 0.2 |0 − 1| (arms at status quo)
    u = 1 - 0.8 * 0.4 - 0.2
    w = (1 - delta ** H) * (u - 0.05 + g) + delta ** H * u
    np.testing.assert_allclose(after["A"]["reservation"], w, rtol=0, atol=1e-12)
    np.testing.assert_allclose(after["A"]["reservation"] - before["A"]["reservation"],
                               (1 - delta ** H) * g, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(after["B"]["reservation"], before["B"]["reservation"])


def test_the_acceptance_threshold_moves_with_the_gain():
    """A share between the old and the new threshold is accepted without the gain, refused with it."""
    g, delta, H = 0.03, 0.9, 10
    model0, before = reservations(0.0)
    # u_A(share) = 1 − 0.8 (1 − share) − 0.2 = 0.8 share: accept iff share ≥ R / 0.8
    between = (before["A"]["reservation"][0] + 0.5 * (1 - delta ** H) * g) / 0.8
    assert model0.evaluate({"share": between})["A"]["accept"][0]
    model1, _ = reservations(g)
    assert not model1.evaluate({"share": between})["A"]["accept"][0]


def test_a_truce_keeps_the_gain_after_it_ends():
    """A truce forgoes the gain only while it holds: the war after it carries (1 − δ^H) g."""
    model0, _ = reservations(0.0)
    model1, _ = reservations(0.03)
    t0 = model0.evaluate({"arms": 0.0}, agenda="truce")["A"]["value"]
    t1 = model1.evaluate({"arms": 0.0}, agenda="truce")["A"]["value"]
    L = 12
    np.testing.assert_allclose(t1 - t0, 0.9 ** L * (1 - 0.9 ** 10) * 0.03, rtol=0, atol=1e-12)


def gain_effect():
    base, gaining = block(), block(**{"actors.A.process_gain": 0.2, "actors.B.process_gain": 0.2})
    return paired_difference(base.outcome == COMPREHENSIVE, gaining.outcome == COMPREHENSIVE)


def test_gains_from_talking_delay_settlements():
    """Effect: when talking while fighting pays, fewer settlements within the horizon."""
    diff = gain_effect()
    assert diff.ci_high < -0.02, diff


def test_mutation_without_gains_there_is_no_effect(monkeypatch):
    monkeypatch.setattr(values.Valuation, "war_flow_cost", property(lambda self: self.params.war_cost))
    diff = gain_effect()
    assert diff.difference == 0


# --- (c) stalling -----------------------------------------------------------------------------

def test_an_actor_that_always_stalls_never_settles():
    b = block(**{"actors.A.insincere": 1.0})
    assert not (b.outcome == COMPREHENSIVE).any()
    assert (b.outcome != NONE).any()                 # truces are still agreed (A proposes them)
    everything = block(**{"actors.A.insincere": 1.0, "actors.A.insincere_truces": True})
    assert (everything.outcome == NONE).all() and (everything.accepts[:, 0] == 0).all()


@pytest.mark.parametrize("q", [0.25, 0.7])
def test_stalling_truces_with_a_probability_splits_the_worlds(q):
    """``insincere_truces: q``: in a share q of the worlds (Wilson 99.9%) the stalling actor
    refuses truces too and nothing is agreed; in the others it still lets truces through,
    world by world as with ``insincere_truces: false`` (the draw has a stream of its own)."""
    mixed = {"actors.A.insincere": 1.0, "actors.A.insincere_truces": q}
    p = draw_params(scenario(**mixed), 3000, np.random.SeedSequence(SEED))
    refuses = p.insincere_truces[0]
    lo, hi = wilson_interval(refuses.sum(), refuses.size, 0.999)
    assert lo < q < hi and not p.insincere_truces[1].any()   # B is sincere: never drawn
    b = block(**mixed)
    assert (b.outcome[refuses] == NONE).all()
    only_settlements = block(**{"actors.A.insincere": 1.0})
    for field in ("outcome", "agreement_round", "accepts"):
        np.testing.assert_array_equal(getattr(b, field)[~refuses], getattr(only_settlements, field)[~refuses])


def test_stalling_for_some_rounds_only_delays():
    b = block(**{"actors.A.insincere": 1.0, "actors.A.insincere_rounds": 3})
    settled = b.outcome == COMPREHENSIVE
    assert settled.any() and (b.agreement_round[settled] > 3).all()


def test_sincere_worlds_are_unchanged_and_stalling_ones_never_settle():
    """Common random numbers: the stalling type is drawn from a stream of its own and
    hidden from everyone's values, so in worlds where A is sincere every result is the
    one of the scenario without stalling; P(comprehensive) falls by the factor (1 − p)."""
    p = 0.4
    s = scenario(**{"actors.A.insincere": p})
    base, stalled = block(), run_block(s, 3000, np.random.SeedSequence(SEED))
    insincere = draw_params(s, 3000, np.random.SeedSequence(SEED)).insincere_until[0] > 0
    lo, hi = wilson_interval(insincere.sum(), insincere.size, 0.999)
    assert lo < p < hi
    for field in ("outcome", "agreement_round", "offers", "accepts"):
        np.testing.assert_array_equal(getattr(stalled, field)[~insincere], getattr(base, field)[~insincere])
    assert not (stalled.outcome[insincere] == COMPREHENSIVE).any()
    rate = (base.outcome == COMPREHENSIVE).mean()
    assert rate > 0.99
    lo, hi = wilson_interval((stalled.outcome == COMPREHENSIVE).sum(), stalled.n, 0.999)
    assert lo < (1 - p) * rate < hi


def test_mutation_without_stalling_the_actor_settles(monkeypatch):
    monkeypatch.setattr(actors.Negotiator, "stalls", lambda self, agenda, t: np.zeros(np.shape(agenda), bool))
    b = block(1000, **{"actors.A.insincere": 1.0})
    assert (b.outcome == COMPREHENSIVE).any()


def test_compaction_keeps_stances_and_stalling():
    """Dropping finished worlds slices each agent's stance and stalling rounds with them."""
    s = scenario(**{"bargaining.stance_persistence": 0.8, "actors.A.insincere": 0.3,
                    "actors.B.process_gain": 0.05})
    n = 2000
    kept = NegotiationModel(s, n, seed=np.random.SeedSequence(SEED), record=False)
    kept.COMPACT_MIN = n
    compacted = NegotiationModel(s, n, seed=np.random.SeedSequence(SEED), record=False)
    a, b = kept.run(), compacted.run()
    assert compacted.ids.size < n
    for field in ("outcome", "agreement_round", "truces", "offers", "accepts"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
