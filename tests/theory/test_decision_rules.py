"""Decision rules against closed forms (docs/model.md, "Decision rules").

The game is Baron & Ferejohn's divide-the-dollar on the simplex, as in
``test_baron_ferejohn_n.py`` (issue d is player d's share, the status value is
the utility of a zero share, equal recognition 1/n), now decided by a body.

* Majority rule, n odd (Baron & Ferejohn 1989, closed rule, stationary
  equilibrium): the proposer keeps 1 − δ(n − 1)/(2n), (n − 1)/2 others get δ/n
  each, the rest nothing, agreement in round 1.  Each player's continuation
  value is 1/n: a responder's reservation is δ/n, and with q = ½ its chance to
  be in another proposer's coalition, 1/n = (1/n)(1 − δ(n−1)/(2n)) + ((n−1)/n)·½·δ/n.
* A body that votes by unanimity is the unanimity game: the proposer keeps
  1 − δ(n − 1)/n, every other player gets δ/n.
* A dictator D (its weight alone passes, the others' together do not): D's
  continuation is C = (1/n) / (1 − δ(n − 1)/n) (it keeps the whole pie when it
  proposes, and gets δC from everyone else); any other proposer gives D exactly
  δC, keeps 1 − δC and gives the third players nothing.  As δ → 1, C → 1.
* A veto player in a majority body: every package agreed gives it at least its
  reservation value.
"""

import numpy as np
import pytest

import negotiate
from negotiate.model import OUTCOMES, NegotiationModel, rules
from tests.theory.test_baron_ferejohn_n import divide_the_dollar

AGREED = OUTCOMES.index("comprehensive_agreement")


def decided(n: int, delta: float, body: dict, vetoes=()) -> negotiate.Scenario:
    doc = divide_the_dollar(n, delta).to_dict()
    names = list(doc["actors"])
    body = {"members": names, **body} if body["rule"] != "qualified" else body
    doc["decision"] = {"settlement": {"bodies": [body], "vetoes": list(vetoes)}}
    return negotiate.Scenario.model_validate(doc)


def played(scenario, worlds=40, seed=7):
    result = NegotiationModel(scenario, worlds, seed=seed).run()
    assert (result.outcome == AGREED).all()
    assert (result.agreement_round == 1).all()
    assert (result.unconverged == 0).all()
    return result


def shares_of(result):
    """(kept by the proposer (N,), the others' shares (N, n − 1))."""
    rows = np.arange(result.n)
    kept = result.terms[rows, result.proposer]
    others = np.ones(result.terms.shape, bool)
    others[rows, result.proposer] = False
    return kept, result.terms[others].reshape(result.n, -1)


CASES = [(n, delta) for n in (3, 5, 7) for delta in (0.8, 0.9, 0.97)]


@pytest.mark.parametrize("n, delta", CASES)
def test_majority_rule_proposer_buys_a_bare_majority(n, delta):
    kept, others = shares_of(played(decided(n, delta, {"rule": "majority"})))
    np.testing.assert_allclose(kept, 1 - delta * (n - 1) / (2 * n), atol=1e-9)
    bought = np.isclose(others, delta / n, atol=1e-9)
    nothing = np.isclose(others, 0.0, atol=1e-9)
    assert (bought | nothing).all()
    assert (bought.sum(axis=1) == (n - 1) // 2).all()


@pytest.mark.parametrize("n, delta", [(3, 0.85), (5, 0.9), (7, 0.95)])
def test_majority_rule_continuation_value_is_one_over_n(n, delta):
    """Every responder's reservation is δ·(1/n) in share units: its continuation is 1/n."""
    model = NegotiationModel(decided(n, delta, {"rule": "majority"}), 20, seed=5)
    model.step()
    # u = 1 − (2/n)(1 − s) on the simplex
    share = 1 - n * (1 - model.state.reservation) / 2                           # (A_j, A_p, N)
    off_diagonal = ~np.eye(n, dtype=bool)
    np.testing.assert_allclose(share[off_diagonal], delta / n, atol=1e-9)


@pytest.mark.parametrize("n, delta", [(3, 0.8), (5, 0.9), (7, 0.97)])
def test_a_body_voting_by_unanimity_is_the_unanimity_game(n, delta):
    kept, others = shares_of(played(decided(n, delta, {"rule": "unanimity"})))
    np.testing.assert_allclose(kept, 1 - delta * (n - 1) / n, atol=1e-9)
    np.testing.assert_allclose(others, delta / n, atol=1e-9)


def test_writing_unanimity_changes_no_number():
    base = divide_the_dollar(5, 0.9)
    doc = base.to_dict()
    doc["decision"] = {"truce": "unanimity", "settlement": "unanimity"}
    written = negotiate.Scenario.model_validate(doc)
    a = NegotiationModel(base, 30, seed=2).run()
    b = NegotiationModel(written, 30, seed=2).run()
    np.testing.assert_array_equal(a.terms, b.terms)
    np.testing.assert_array_equal(a.proposer, b.proposer)


def dictator(n, delta):
    weights = {f"P{i}": (float(n) if i == 0 else 1.0) for i in range(n)}
    return decided(n, delta, {"rule": "qualified", "weights": weights, "threshold": float(n)})


@pytest.mark.parametrize("n, delta", [(3, 0.8), (3, 0.95), (5, 0.9), (5, 0.99)])
def test_a_dictator_gets_its_ideal_or_its_continuation(n, delta):
    result = played(dictator(n, delta), worlds=60)
    c = (1 / n) / (1 - delta * (n - 1) / n)
    own = result.terms[:, 0]
    by_dictator = result.proposer == 0
    assert by_dictator.any() and (~by_dictator).any()
    np.testing.assert_allclose(own[by_dictator], 1.0, atol=1e-9)            # its ideal: everything
    np.testing.assert_allclose(own[~by_dictator], delta * c, atol=1e-9)
    kept = result.terms[np.arange(result.n), result.proposer]
    np.testing.assert_allclose(kept[~by_dictator], 1 - delta * c, atol=1e-9)
    third = np.ones(result.terms.shape, bool)
    third[:, 0] = False
    third[np.arange(result.n), result.proposer] = False
    np.testing.assert_allclose(result.terms[third], 0.0, atol=1e-9)


VETO_CASES = [(3, 0.9), (5, 0.8), (5, 0.95), (7, 0.9)]


@pytest.mark.parametrize("n, delta", VETO_CASES)
def test_a_veto_player_in_a_majority_body(n, delta):
    """Majority of n (odd) with a veto player V = P0; a proposer buys m = (n − 1)/2 others.
    Stationary values (a regular player r is in a coalition of V with chance m/(n − 1) = ½,
    of another regular with chance (m − 1)/(n − 2)):
    C_r = (1/n)(1 − δC_V + δC_r/2) and C_V + (n − 1)C_r = 1, so
    C_r = (1 − δ)/(n − δ(n − ½)).  V keeps 1 − mδC_r; a regular proposer gives V δC_V,
    m − 1 regulars δC_r, keeps 1 − δC_V − (m − 1)δC_r; the rest get nothing."""
    m = (n - 1) // 2
    c_r = (1 - delta) / (n - delta * (n - 0.5))
    c_v = 1 - (n - 1) * c_r
    result = played(decided(n, delta, {"rule": "majority"}, vetoes=["P0"]), worlds=60, seed=11)
    kept, _ = shares_of(result)
    by_veto = result.proposer == 0
    assert by_veto.any() and (~by_veto).any()
    np.testing.assert_allclose(kept[by_veto], 1 - m * delta * c_r, atol=1e-9)
    np.testing.assert_allclose(kept[~by_veto], 1 - delta * c_v - (m - 1) * delta * c_r, atol=1e-9)
    np.testing.assert_allclose(result.terms[~by_veto, 0], delta * c_v, atol=1e-9)


@pytest.mark.parametrize("n, delta", VETO_CASES)
def test_a_veto_players_reservation_is_always_met(n, delta):
    model = NegotiationModel(decided(n, delta, {"rule": "majority"}, vetoes=["P0"]), 60, seed=11)
    model.step()
    last = model.last
    assert last["agreed"].all()
    worlds = np.flatnonzero(last["proposer"] != 0)
    assert worlds.size
    value = last["values"][0, worlds]
    reservation = model.state.reservation[0, last["proposer"][worlds], worlds]
    assert (value >= reservation - 1e-9).all()
    assert last["yes"][0, worlds].all()


def _without_coalitions(monkeypatch):
    """Coalition building disabled: every voter's need binds, as under unanimity."""
    monkeypatch.setattr(rules.Rules, "coalition",
                        lambda self, g, cost, who, outside: np.ones(cost.shape, bool))


@pytest.mark.parametrize("n, delta", [(3, 0.8), (5, 0.9), (7, 0.97)])
def test_mutation_without_coalitions_majority_fails(monkeypatch, n, delta):
    _without_coalitions(monkeypatch)
    with pytest.raises(AssertionError):
        test_majority_rule_proposer_buys_a_bare_majority(n, delta)


def test_mutation_without_coalitions_dictator_and_veto_fail(monkeypatch):
    _without_coalitions(monkeypatch)
    with pytest.raises(AssertionError):
        test_a_dictator_gets_its_ideal_or_its_continuation(3, 0.9)
    with pytest.raises(AssertionError):
        test_a_veto_player_in_a_majority_body(5, 0.9)


def test_mutation_without_rule_acceptance_majority_fails(monkeypatch):
    """Acceptance by unanimity of the voters (rule ignored when the votes are counted):
    the bare majority the proposer bought no longer passes."""
    monkeypatch.setattr(NegotiationModel, "_decided",
                        lambda self, agreed, proposing, yes, asked, agenda, proposer: agreed)
    with pytest.raises(AssertionError):
        test_majority_rule_proposer_buys_a_bare_majority(5, 0.9)
