"""Winning sets and cheapest coalitions of negotiate.model.rules against brute force."""

import itertools

import numpy as np
import pytest

import negotiate
from negotiate.model import OUTCOMES, NegotiationModel, rules
from tests.theory.test_baron_ferejohn_n import divide_the_dollar


def body(weights, thresholds, blocking=0, members=None):
    w = np.atleast_2d(np.asarray(weights, float))
    m = w[0] > 0 if members is None else np.asarray(members, bool)
    return rules.Body(m, w, np.asarray(thresholds, float), blocking)


def brute_force(b, proposer, cost, fixed):
    """Least summed cost over every subset of the other members that wins (per world)."""
    A, N = cost.shape
    others = [j for j in range(A) if b.members[j] and j != proposer]
    best = np.full(N, np.inf)
    for k in range(len(others) + 1):
        for subset in itertools.combinations(others, k):
            yes = np.zeros(A, bool)
            yes[list(subset)] = True
            yes |= fixed
            yes[proposer] = True
            if b.wins(yes[:, None])[0]:
                c = np.where(fixed[list(subset)][:, None], 0.0, cost[list(subset)]).sum(axis=0)
                best = np.minimum(best, c)
    return best


def test_wins_counts_weights_thresholds_and_a_blocking_minority():
    b = body([[1, 1, 1, 1, 1], [50, 20, 10, 10, 10]], [3, 65])
    yes = np.array([[1, 1, 1, 0, 0], [0, 0, 1, 1, 1], [1, 1, 0, 0, 0]], bool).T
    np.testing.assert_array_equal(b.wins(yes), [True, False, False])   # 3 of 5 and 80; 3 but 30; 2
    blocked = body([[1, 1, 1, 1, 1], [50, 20, 10, 10, 10]], [3, 65], blocking=3)
    # misses the population threshold, but only two fail to vote aye: passes
    np.testing.assert_array_equal(blocked.wins(yes), [True, True, False])


@pytest.mark.parametrize("seed", range(4))
def test_enumerated_coalition_is_the_cheapest_winning_set(seed):
    rng = np.random.default_rng(seed)
    A, N = 7, 25
    b = body([rng.integers(1, 6, A), rng.integers(1, 9, A)], [9, 14], blocking=int(rng.integers(0, 3)))
    r = rules.Rules([None, rules.AgendaRule([b], np.zeros(A, bool))], A)
    cost = rng.exponential(1.0, (A, 1, N)) * (rng.random((A, 1, N)) > 0.2)
    chosen = r.coalition(1, cost, [2], np.zeros(A, bool))
    yes = chosen[:, 0].copy()
    yes[2] = True
    assert b.wins(yes).all()
    np.testing.assert_allclose((cost[:, 0] * chosen[:, 0]).sum(axis=0),
                               brute_force(b, 2, cost[:, 0], np.zeros(A, bool)), atol=1e-12)


def test_greedy_is_exact_for_equal_weights(monkeypatch):
    monkeypatch.setattr(rules, "EXACT_UP_TO", 0)        # force the greedy path
    rng = np.random.default_rng(3)
    A, N = 9, 30
    b = body(np.ones(A), [5])
    r = rules.Rules([None, rules.AgendaRule([b], np.zeros(A, bool))], A)
    cost = rng.exponential(1.0, (A, 1, N))
    chosen = r.coalition(1, cost, [0], np.zeros(A, bool))
    assert (chosen[1:, 0].sum(axis=0) == 4).all()       # the proposer plus 4 others
    np.testing.assert_allclose((cost[:, 0] * chosen[:, 0]).sum(axis=0),
                               brute_force(b, 0, cost[:, 0], np.zeros(A, bool)), atol=1e-12)


def test_greedy_gives_a_winning_set_for_weighted_votes(monkeypatch):
    monkeypatch.setattr(rules, "EXACT_UP_TO", 0)
    rng = np.random.default_rng(4)
    A, N = 29, 50
    b = body([np.ones(A), rng.integers(1, 30, A)], [16, 0.65 * 0], blocking=4)
    b.thresholds[1] = 0.65 * b.weights[1].sum()
    r = rules.Rules([None, rules.AgendaRule([b], np.zeros(A, bool))], A)
    cost = rng.exponential(1.0, (A, 1, N))
    chosen = r.coalition(1, cost, [5], np.zeros(A, bool))
    yes = chosen[:, 0].copy()
    yes[5] = True
    assert b.wins(yes).all()


def test_vetoes_and_outside_veto_players_are_always_in():
    A = 5
    b = body(np.ones(A), [3], members=[1, 1, 1, 1, 0])
    vetoes = np.array([0, 0, 0, 1, 0], bool)
    r = rules.Rules([None, rules.AgendaRule([b], vetoes)], A)
    cost = np.full((A, 1, 2), 5.0)
    chosen = r.coalition(1, cost, [0], np.array([0, 0, 0, 0, 1], bool))
    assert chosen[3].all() and chosen[4].all() and not chosen[0].any()
    assert (chosen[1:3, 0].sum(axis=0) == 1).all()      # proposer + veto + one more = 3


# --- in the engine ------------------------------------------------------------------------------

def _dollar(n, delta, decision, **actor_changes):
    doc = divide_the_dollar(n, delta).to_dict()
    for name, changes in actor_changes.items():
        doc["actors"][name].update(changes)
    if decision is not None:
        doc["decision"] = decision
    return negotiate.Scenario.model_validate(doc)


def test_a_member_that_signs_nothing_no_longer_closes_the_agenda():
    """Under unanimity a party that signs no settlement closes the agenda (§16); in a
    majority body it is simply outvoted."""
    majority = {"settlement": {"bodies": [{"rule": "majority", "members": ["P0", "P1", "P2"]}]}}
    refuses = {"P2": {"signs": ["truce"]}}
    closed = NegotiationModel(_dollar(3, 0.9, None, **refuses), 20, seed=1).run()
    voted = NegotiationModel(_dollar(3, 0.9, majority, **refuses), 20, seed=1).run()
    assert (closed.outcome == OUTCOMES.index("no_agreement")).all()
    assert (voted.outcome == OUTCOMES.index("comprehensive_agreement")).all()
    assert np.allclose(voted.terms[:, 2], 0.0, atol=1e-9)      # never bought


def test_a_party_outside_every_body_keeps_its_veto_and_two_bodies_must_both_approve():
    """P0 outside the bodies must accept; {P1, P2} by unanimity and {P2, P3, P4} by
    majority must each approve: every agreement pays P0, P1 and P2 and one of P3, P4."""
    rule = {"settlement": {"bodies": [{"name": "council", "rule": "unanimity", "members": ["P1", "P2"]},
                                      {"name": "parliament", "rule": "majority",
                                       "members": ["P2", "P3", "P4"]}]}}
    model = NegotiationModel(_dollar(5, 0.9, rule), 40, seed=2)
    model.step()
    last = model.last
    assert last["agreed"].all()
    for i, p in enumerate(last["proposer"]):
        yes = set(np.flatnonzero(last["yes"][:, i])) | {p}
        assert {0, 1, 2} <= yes and yes & {3, 4}
        assert last["asked"][:, i].sum() == 4                    # everyone but the proposer
