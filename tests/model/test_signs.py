"""Agendas an actor will not sign at all (``actors.X.signs``, docs/model.md §16).

A party that has ruled out any ceasefire before a final agreement (Colombia's
government in 2012: no ceasefire during the talks) signs settlements only: no
truce is ever proposed to it or agreed, whatever the offer is worth to it.
"""

from pathlib import Path

import numpy as np
import pytest
import yaml

import negotiate
from negotiate.model import OUTCOMES, NegotiationModel
from negotiate.stats import paired_difference

DATA = Path(__file__).parents[1] / "run" / "data" / "varied.yaml"
TRUCES = [OUTCOMES.index("temporary_truce"), OUTCOMES.index("conditional_truce")]


def varied(**signs) -> negotiate.Scenario:
    doc = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    for actor, agendas in signs.items():
        doc["actors"][actor]["signs"] = agendas
    return negotiate.Scenario.model_validate(doc)


def parties(scenario) -> list[str]:
    return [a for a, actor in scenario.actors.items() if actor.role == "party"]


@pytest.fixture(scope="module")
def runs():
    base = varied()
    refusing = varied(**{parties(base)[1]: ["settlement"]})
    n = 2000
    return (NegotiationModel(base, n, seed=5).run(), NegotiationModel(refusing, n, seed=5).run())


def test_no_truce_is_ever_agreed_or_put_to_an_actor_that_signs_none(runs):
    _, refusing = runs
    assert (refusing.truces == 0).all()
    assert not np.isin(refusing.outcome, TRUCES).any()
    assert (refusing.offers[:, :, 0] == 0).all()      # no truce was put to anyone


def test_ruling_out_truces_changes_the_outcomes(runs):
    """Mutation check: without the rule the same worlds agree truces."""
    base, refusing = runs
    had, has = base.truces > 0, refusing.truces > 0   # a truce was agreed at some point
    assert had.mean() > 0.05
    diff = paired_difference(has, had)          # p(had) − p(has), Newcombe's paired interval
    assert diff.ci_low > 0


def test_evaluate_says_no_to_an_unsigned_agenda():
    base = varied()
    refuser = parties(base)[1]
    model = NegotiationModel(varied(**{refuser: ["settlement"]}), 50, seed=1)
    truce_issue = next(i for i, issue in base.issues.items() if issue.group == "truce")
    answers = model.evaluate({truce_issue: base.issues[truce_issue].status_quo}, agenda="truce")
    assert not answers[refuser]["accept"].any()


def test_signing_both_is_the_default_to_the_bit():
    base = varied()
    both = varied(**{a: ["truce", "settlement"] for a in base.actors})
    a, b = NegotiationModel(base, 300, seed=2).run(), NegotiationModel(both, 300, seed=2).run()
    for field in ("outcome", "agreement_round", "truce_round", "offers", "accepts"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))


@pytest.mark.parametrize("signs, message", [
    ([], "at least 1"),
    (["ceasefire"], "truce"),
])
def test_bad_signs_are_refused_with_the_field_named(tmp_path, signs, message):
    doc = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    actor = next(iter(doc["actors"]))
    doc["actors"][actor]["signs"] = signs
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(negotiate.ScenarioError, match=rf"(?s)actors\.{actor}\.signs.*{message}"):
        negotiate.load_scenario(path)
