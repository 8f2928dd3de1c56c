"""Baron & Ferejohn (1989) with n players under unanimity and equal recognition.

The pie is the simplex: issue d is player d's share, every player's ideal is
its own vertex, saliences equal, linear loss.  On the simplex each player's
utility is an affine function of its own share, u_i = 1 − (2/n)(1 − s_i), and
every package the strategic planner considers (segments between vertices and
the others' mean) lies on it.  The status value is set to the utility of a
zero share (war cost 2/n², paid over the war's H rounds), so the game is the
textbook divide-the-dollar: the proposer keeps 1 − δ(n − 1)/n, every other
player gets δ/n, agreement in round 1, and each player's expected share is 1/n.

Plain iteration of the continuation values falls into a two-value cycle here
once δ > n/(2n − 2) (0.75 for n = 3, 0.625 for n = 5); the solver of
docs/model.md §8 must find the fixed point all the same.
"""

import numpy as np
import pytest

import negotiate
from negotiate.model import OUTCOMES, NegotiationModel

H = 26


def divide_the_dollar(n: int, delta: float) -> negotiate.Scenario:
    names = [f"P{i}" for i in range(n)]
    cost = (2.0 / n**2) / (1.0 - delta**H)   # status value = utility of a zero share
    doc = {
        "name": f"baron_ferejohn_{n}",
        "issues": {f"s{d}": {"group": "settlement", "low": "nothing", "high": "the whole pie",
                             "status_quo": 1.0 / n} for d in range(n)},
        "actors": {a: {"role": "party", "agendas": ["settlement"], "patience": delta,
                       "war_cost": cost,
                       "positions": {f"s{d}": {"ideal": float(d == i), "salience": 1,
                                               "assumption": "theory"} for d in range(n)}}
                   for i, a in enumerate(names)},
        "recognition": {"probabilities": {a: 1.0 / n for a in names}},
        "war": {"lookahead": H},
        "bargaining": {"utility_exponent": 1},
        "rounds": {"horizon": 20},
    }
    return negotiate.Scenario.model_validate(doc)


CASES = [(n, delta) for n in (3, 5, 7) for delta in (0.8, 0.85, 0.9, 0.95, 0.97)]


@pytest.mark.parametrize("n, delta", CASES)
def test_proposer_keeps_one_minus_delta_times_the_others_share(n, delta):
    result = NegotiationModel(divide_the_dollar(n, delta), 300, seed=7).run()
    assert (result.outcome == OUTCOMES.index("comprehensive_agreement")).all()
    assert (result.agreement_round == 1).all()
    assert (result.unconverged == 0).all()
    proposer = result.proposer
    kept = result.terms[np.arange(result.n), proposer]
    np.testing.assert_allclose(kept, 1 - delta * (n - 1) / n, atol=1e-9)
    others = np.ones(result.terms.shape, bool)
    others[np.arange(result.n), proposer] = False
    np.testing.assert_allclose(result.terms[others], delta / n, atol=1e-9)


@pytest.mark.parametrize("n", [3, 5])
def test_expected_share_is_the_recognition_probability(n):
    delta = 0.9
    result = NegotiationModel(divide_the_dollar(n, delta), 6_000, seed=3).run()
    share = result.terms.mean(axis=0)
    # each share is 1 − δ(n−1)/n with probability 1/n and δ/n otherwise
    hi, lo = 1 - delta * (n - 1) / n, delta / n
    sd = abs(hi - lo) * np.sqrt((1 / n) * (1 - 1 / n) / result.n)
    assert np.all(np.abs(share - 1 / n) <= 4 * sd)
