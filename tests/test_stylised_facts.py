"""The article's stylised facts (docs/model.md, "Calibration of the baseline") on the baseline, with Monte Carlo intervals.

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
        "every condition": {"arms_supply": 1.0, "elections": 1.0, "monitors": 1.0},
    }
    return {name: model.evaluate(terms, agenda="truce", proposer="US") for name, terms in truces.items()}


def test_ukraine_accepts_the_us_truce_more_often_than_russia(answers):
    plain = answers["plain"]
    lo, _ = paired_interval(plain["Ukraine"]["accept"], plain["Russia"]["accept"])
    assert lo > 0


#: with the calibrated truce drafting (docs/model.md §15) a truce with conditions comes
#: into force only once they are written, about 11 weeks each: in week 1 that wait
#: outweighs elections and no NATO monitors for Russia, not an arms halt
WAIT_OUTWEIGHS = ("with the calibrated drafting time (about 11 weeks per condition) Russia accepts the US truce "
                  "with this condition less often than the plain one in week 1 (0.74 elections, 0.68 no NATO "
                  "monitors, against 0.78 plain; 3,000 worlds): the wait costs it more than the condition "
                  "gains; in force at once it accepts it more often (test_russia_values_each_condition)")


@pytest.mark.parametrize("condition", [
    "arms halt",
    pytest.param("elections", marks=pytest.mark.xfail(strict=True, reason=WAIT_OUTWEIGHS)),
    pytest.param("no NATO monitors", marks=pytest.mark.xfail(strict=True, reason=WAIT_OUTWEIGHS)),
])
def test_russia_accepts_a_truce_with_conditions_more_often(answers, condition):
    lo, _ = paired_interval(answers[condition]["Russia"]["accept"], answers["plain"]["Russia"]["accept"])
    assert lo > 0


@pytest.fixture(scope="module")
def answers_in_force_at_once():
    """As ``answers``, with every truce in force at once (no truce drafting)."""
    doc = negotiate.load_scenario(BASELINE).to_dict()
    doc["talks"].pop("truce_drafting")
    model = NegotiationModel(negotiate.Scenario.model_validate(doc), WORLDS, seed=2025)
    truces = {"plain": {}, "arms halt": {"arms_supply": 1.0}, "elections": {"elections": 1.0},
              "no NATO monitors": {"monitors": 1.0}}
    return {name: model.evaluate(terms, agenda="truce", proposer="US") for name, terms in truces.items()}


@pytest.mark.parametrize("condition", ["arms halt", "elections", "no NATO monitors"])
def test_russia_values_each_condition(answers_in_force_at_once, condition):
    """The terms themselves: in force at once, Russia accepts each condition more often."""
    answers = answers_in_force_at_once
    lo, _ = paired_interval(answers[condition]["Russia"]["accept"], answers["plain"]["Russia"]["accept"])
    assert lo > 0


def test_an_outright_no_from_russia_is_rare(answers):
    """The article: Russia is expected to answer the truce with conditions, not with a flat no.

    A flat no is a world in which Russia refuses the plain US truce and would refuse it
    with every condition it asks for too (an arms halt, elections, no NATO monitors):
    no counter-offer it would sign.  This is a fact about the answer in week 1; what
    follows within the year is left to the model.
    """
    plain = answers["plain"]["Russia"]["accept"]
    conditional = answers["every condition"]["Russia"]["accept"]
    flat_no = ~plain & ~conditional
    high = wilson_interval(int(flat_no.sum()), flat_no.size, level=0.99)[1]
    assert high < 0.10, flat_no.mean()
    # and where Russia refuses the plain truce, it would mostly sign the conditional one
    refusing = ~plain
    assert refusing.any()
    low = wilson_interval(int(conditional[refusing].sum()), int(refusing.sum()), level=0.99)[0]
    assert low > 0.5


def test_russia_holds_the_battlefield_momentum():
    model = NegotiationModel(negotiate.load_scenario(BASELINE), WORLDS, seed=3)
    p = model.params
    assert (p.balance0 > 0.5).all()
    lo, _ = paired_interval(p.drift, np.zeros_like(p.drift))
    assert lo > 0
