from pathlib import Path

import pytest

import negotiate

DATA = Path(__file__).parent / "data"


@pytest.fixture
def theory():
    """Load a theory scenario by name, with dotted-path overrides."""

    def load(name: str, **overrides):
        scenario = negotiate.load_scenario(DATA / f"{name}.yaml")
        if overrides:
            scenario = scenario.with_overrides({k.replace("__", "."): v for k, v in overrides.items()})
        return scenario

    return load


def per_round_cost(c: float, delta: float, lookahead: int = 26) -> float:
    """Per-round war cost k that makes the war's total cost (in flow units) equal c.

    The engine values a war of H rounds as (1 − δ^H)(u_now − k) + δ^H E[u_end],
    so with the front standing still its cost is c = (1 − δ^H) k.
    """
    return c / (1.0 - delta**lookahead)
