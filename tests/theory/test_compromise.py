"""Achen's compromise model: y* = Σ c_i s_id x_id / Σ c_i s_id (saliences normalised per actor)."""

import numpy as np
import pytest

from negotiate.model import OUTCOMES, NegotiationModel

CASES = [
    # capabilities (A, B, M), ideals on x, ideals on z, raw saliences (x, z) per actor
    ((3, 1, 2), (0.1, 0.8, 0.5), (0.9, 0.2, 0.4), ((2, 1), (1, 3), (1, 1))),
    ((1, 1, 1), (0.0, 1.0, 0.3), (0.0, 1.0, 0.7), ((1, 1), (1, 1), (1, 1))),
    ((5, 0.5, 0.1), (0.2, 0.9, 1.0), (0.6, 0.1, 0.0), ((1, 4), (3, 1), (2, 2))),
]


def closed_form(caps, ideals, saliences):
    c = np.array(caps, float)
    s = np.array(saliences, float)
    s = s / s.sum(axis=1, keepdims=True)
    x = np.array(ideals, float)  # actors x issues
    w = c[:, None] * s
    return (w * x).sum(axis=0) / w.sum(axis=0)


@pytest.mark.parametrize("caps, xs, zs, sal", CASES)
def test_compromise_is_the_weighted_mean(theory, caps, xs, zs, sal):
    over = {}
    for k, name in enumerate("ABM"):
        over[f"actors.{name}.capability"] = caps[k]
        over[f"actors.{name}.positions.x.ideal"] = xs[k]
        over[f"actors.{name}.positions.z.ideal"] = zs[k]
        over[f"actors.{name}.positions.x.salience"] = sal[k][0]
        over[f"actors.{name}.positions.z.salience"] = sal[k][1]
    scenario = theory("compromise").with_overrides(over)
    result = NegotiationModel(scenario, 3, seed=1).run()
    assert (result.outcome == OUTCOMES.index("comprehensive_agreement")).all()
    expected = closed_form(caps, list(zip(xs, zs)), sal)
    np.testing.assert_allclose(result.terms, np.broadcast_to(expected, result.terms.shape), atol=1e-9)
