"""Helpers for the mechanism tests: small scenario files, parameters drawn from them."""

from pathlib import Path

import numpy as np
import pytest

import negotiate
from negotiate.model.params import draw_params

DATA = Path(__file__).parent / "data"


def load(name: str, **overrides):
    """Scenario ``name`` from tests/model/data; ``a__b__c=v`` overrides ``a.b.c``."""
    scenario = negotiate.load_scenario(DATA / f"{name}.yaml")
    if overrides:
        scenario = scenario.with_overrides({k.replace("__", "."): v for k, v in overrides.items()})
    return scenario


def params(name: str, n: int = 1, seed: int = 0, **overrides):
    """Drawn parameters (``WorldParams``) of scenario ``name`` for ``n`` worlds."""
    return draw_params(load(name, **overrides), n, np.random.SeedSequence(seed))


@pytest.fixture
def rng():
    return np.random.default_rng(20250311)
