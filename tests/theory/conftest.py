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
