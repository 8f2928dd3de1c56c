"""Winning sets and cheapest coalitions of negotiate.model.rules against brute force."""

import itertools

import numpy as np
import pytest

from negotiate.model import rules


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
