"""A settlement that may break down is worth α·u + (1 − α)·W' with α = (1 − δ)/(1 − δ + δh),
W' the war resuming from the agreed line with the drift shifted by the agreed power terms."""

import pytest

from negotiate.model import NegotiationModel


def war_value_linear(line, drift, ideal, cost, delta, lookahead):
    """Finite-war value with linear utility on the front only, no volatility."""
    end = min(max(line + drift * lookahead, 0.0), 1.0)
    fade = delta**lookahead
    u = lambda b: 1 - abs(b - ideal)
    return (1 - fade) * (u(line) - cost) + fade * u(end)


@pytest.mark.parametrize("line, z, h", [(0.6, 1.0, 0.02), (0.4, 0.0, 0.05), (0.55, 0.5, 0.0), (0.7, 1.0, 0.2)])
def test_settlement_value_closed_form(theory, line, z, h):
    scenario = theory("durability", settlement__hazard=h)
    answer = NegotiationModel(scenario, 1, seed=0).evaluate({"y": line, "z": z})
    for name, ideal, delta, cost in (("A", 1.0, 0.95, 0.02), ("B", 0.0, 0.9, 0.03)):
        alpha = (1 - delta) / (1 - delta + delta * h)
        u = 1 - abs(line - ideal)
        resumed = war_value_linear(line, 0.001 + 0.01 * z, ideal, cost, delta, 10)
        assert answer[name]["value"][0] == pytest.approx(alpha * u + (1 - alpha) * resumed, abs=1e-12)


def test_power_shifting_terms_cost_the_side_they_weaken(theory):
    """Limits on B (z = 1) make a settlement on the same line worth less to B, more to A."""
    model = NegotiationModel(theory("durability"), 1, seed=0)
    plain = model.evaluate({"y": 0.5, "z": 0.0})
    limits = model.evaluate({"y": 0.5, "z": 1.0})
    assert limits["B"]["value"][0] < plain["B"]["value"][0]
    assert limits["A"]["value"][0] > plain["A"]["value"][0]
