import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere: no display in tests

import matplotlib.pyplot as plt
import numpy as np
import pytest

import negotiate
from negotiate.model import BlockResult
from negotiate.results import Results


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def make_scenario(unit: str = "week"):
    return negotiate.load_scenario({
        "name": "plotting",
        "rounds": {"horizon": 4, "unit": unit},
        "issues": {
            "share": {"group": "settlement", "low": "all to B", "high": "all to A", "status_quo": 0.5},
            "arms": {"group": "truce", "low": "arms flow", "high": "arms halted", "status_quo": 0},
        },
        "actors": {
            "A": {"role": "party", "positions": {"share": {"ideal": 1, "salience": 1, "assumption": "x"}}},
            "B": {"role": "party", "positions": {"share": {"ideal": 0, "salience": 1, "assumption": "x"}}},
        },
    })


def make_results(unit: str = "week") -> Results:
    """20 runs: outcomes 4 temporary, 2 conditional, 10 comprehensive, 4 none."""
    n = 20
    outcome = np.array([0] * 4 + [1] * 2 + [2] * 10 + [3] * 4, np.int8)
    rounds = np.array([1, 2, 2, 4] + [3, 4] + [1, 1, 2, 2, 2, 3, 3, 4, 4, 4] + [0] * 4, np.int16)
    terms = np.full((n, 2), np.nan)
    terms[6:16, 0] = np.linspace(0.1, 0.55, 10)   # comprehensive: share 0.10 … 0.55
    terms[0:6, 1] = [0.0, 0.0, 0.2, 0.4, 0.6, 0.8]  # truces: arms
    offers = np.zeros((n, 2, 2), np.int16)
    accepts = np.zeros((n, 2, 2), np.int16)
    offers[:, 0, 1] = 1
    accepts[:15, 0, 1] = 1     # A accepts 15 of 20 settlement offers
    offers[:, 1, 0] = 2
    accepts[:, 1, 0] = 1       # B accepts half of its truce offers
    block = BlockResult(
        outcome=outcome, agreement_round=rounds, truce_round=np.where(outcome < 2, rounds, 0).astype(np.int16),
        collapsed=np.zeros(n, bool), truces=(outcome < 2).astype(np.int16),
        proposer=np.where(outcome == 3, -1, np.arange(n) % 2).astype(np.int16), terms=terms,
        final_balance=np.full(n, 0.5), victory=np.zeros(n, np.int8), offers=offers, accepts=accepts,
        first_accept=np.zeros((n, 2), np.int16), inputs={},
    )
    return Results.from_block(make_scenario(unit), block, seed=1)


@pytest.fixture
def results():
    return make_results()


@pytest.fixture
def results_in():
    """``results_in(unit)``: the same 20 runs with rounds counted in ``unit``."""
    return make_results
