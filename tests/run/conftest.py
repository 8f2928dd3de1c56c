from pathlib import Path

import numpy as np
import pytest

import negotiate
from negotiate.model import BlockResult

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def varied_path() -> Path:
    """A small scenario with sampled inputs in which all four outcomes occur."""
    return DATA / "varied.yaml"


@pytest.fixture(scope="session")
def varied(varied_path):
    return negotiate.load_scenario(varied_path)


@pytest.fixture(scope="session")
def hand_scenario():
    """Two issues, three actors, a 5-week horizon: the scenario of the hand-made block."""
    return negotiate.load_scenario({
        "name": "hand",
        "rounds": {"horizon": 5, "unit": "week"},
        "issues": {
            "share": {"group": "settlement", "low": "all to B", "high": "all to A", "status_quo": 0.5},
            "arms": {"group": "truce", "low": "arms flow", "high": "arms halted", "status_quo": 0},
        },
        "actors": {
            "A": {"role": "party", "positions": {"share": {"ideal": 1, "salience": 1, "assumption": "x"}}},
            "B": {"role": "party", "positions": {"share": {"ideal": 0, "salience": 1, "assumption": "x"}}},
            "M": {"role": "mediator", "positions": {"share": {"ideal": 0.5, "salience": 1, "assumption": "x"}}},
        },
    })


@pytest.fixture
def hand_block() -> BlockResult:
    """Ten runs whose every summary can be worked out by hand (see the tests)."""
    nan = np.nan
    offers = np.zeros((10, 3, 2), np.int16)
    accepts = np.zeros((10, 3, 2), np.int16)
    offers[:, 0, 0] = 1                       # A answers one truce offer per run...
    accepts[:5, 0, 0] = 1                     # ...and accepts in the first five
    offers[0, 1, 1] = offers[1, 1, 1] = 10    # B answers 10 settlement offers in runs 0 and 1
    accepts[0, 1, 1] = 10                     # accepting all in run 0, none in run 1
    return BlockResult(
        outcome=np.array([0, 0, 1, 2, 2, 2, 3, 3, 3, 3], np.int8),
        agreement_round=np.array([1, 3, 2, 2, 5, 5, 0, 0, 0, 0], np.int16),
        truce_round=np.array([1, 3, 2, 1, 0, 0, 0, 0, 0, 0], np.int16),
        collapsed=np.array([1, 0, 0, 0, 1, 0, 0, 0, 0, 0], bool),
        truces=np.array([1, 1, 1, 1, 2, 0, 0, 0, 0, 0], np.int16),
        proposer=np.array([0, 1, 2, 0, 0, 1, -1, -1, -1, -1], np.int16),
        terms=np.array([[nan, 0.1], [nan, 0.3], [nan, nan], [0.2, 0.0], [0.4, 0.0], [0.9, 0.0],
                        [nan, nan], [nan, nan], [nan, nan], [nan, nan]]),
        final_balance=np.linspace(0.1, 1.0, 10),
        victory=np.array([0, 0, 0, 0, 0, 0, 1, -1, 0, 0], np.int8),
        offers=offers,
        accepts=accepts,
        first_accept=np.array([[1, 0, 0]] * 5 + [[0, 0, 0]] * 5, np.int16),
        inputs={"war.drift": np.arange(10) / 100.0},
    )
