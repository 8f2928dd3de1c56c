"""The article's stylised facts (MODEL.md §7) on the baseline, with Monte Carlo intervals.

Each fact is checked on worlds drawn from the baseline's distributions; a fact
holds when a 99% interval lies on its side.  docs/model.md ("Calibration")
says which assumptions carry each one.
"""

from pathlib import Path

import numpy as np
import pytest

import negotiate
from negotiate.model import NegotiationModel
from negotiate.stats import wilson_interval
from tests.intervals import paired_interval

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "ukraine_march_2025.yaml"
WORLDS = 3000


@pytest.fixture(scope="module")
def answers():
    """How each actor answers US-proposed truces in week 1, in the same worlds."""
    model = NegotiationModel(negotiate.load_scenario(BASELINE), WORLDS, seed=2025)
    truces = {
        "plain": {},
        "arms halt": {"arms_supply": 1.0},
        "elections": {"elections": 1.0},
        "no NATO monitors": {"monitors": 1.0},
    }
    return {name: model.evaluate(terms, agenda="truce", proposer="US") for name, terms in truces.items()}


def test_ukraine_accepts_the_us_truce_more_often_than_russia(answers):
    plain = answers["plain"]
    lo, _ = paired_interval(plain["Ukraine"]["accept"], plain["Russia"]["accept"])
    assert lo > 0


@pytest.mark.parametrize("condition", ["arms halt", "elections", "no NATO monitors"])
def test_russia_accepts_a_truce_with_conditions_more_often(answers, condition):
    lo, _ = paired_interval(answers[condition]["Russia"]["accept"], answers["plain"]["Russia"]["accept"])
    assert lo > 0


def test_an_outright_no_from_russia_is_unlikely():
    """Nothing agreed all year and Russia accepting nothing in the first eight weeks: rare."""
    results = negotiate.simulate(BASELINE, runs=4096, seed=7, workers=1, progress=False)
    frame = results.to_frame()
    first = frame["first_accept:Russia"]  # round Russia first accepted anything; NA = never
    late_or_never = (first.isna() | (first > 8).fillna(False)).to_numpy(dtype=bool)
    refused = (frame["outcome"] == "no_agreement").to_numpy() & late_or_never
    k, n = int(refused.sum()), refused.size
    high = wilson_interval(k, n, level=0.99)[1]
    assert high < 0.10, (k, n)


def test_russia_holds_the_battlefield_momentum():
    model = NegotiationModel(negotiate.load_scenario(BASELINE), WORLDS, seed=3)
    p = model.params
    assert (p.balance0 > 0.5).all()
    lo, _ = paired_interval(p.drift, np.zeros_like(p.drift))
    assert lo > 0
