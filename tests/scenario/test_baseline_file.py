"""The baseline scenario file: it loads, it cites the article, it marks assumptions.

These tests read the scenario only (no simulation).  Expected values come from
the article (docs/model.md, "Calibration of the baseline"), not from the code under test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import negotiate
from negotiate.scenario.distributions import is_distribution, param_mean, param_support

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios" / "ukraine_march_2025.yaml"
ARTICLE = REPO.parent / "shared" / "seed" / "000_7972854242302f16.txt"

TRUCE_ISSUES = {"arms_supply", "monitors", "elections"}
SETTLEMENT_ISSUES = {
    "territory", "nato", "military_limits", "language", "sphere",
    "sanctions_us", "sanctions_eu", "frozen_assets", "security_guarantees",
}
ROLES = {"Russia": "party", "Ukraine": "party", "US": "mediator", "Europe": "stakeholder"}

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " "})


def normalise(text: str) -> str:
    """Curly quotes to straight ones, runs of whitespace to one space."""
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip()


@pytest.fixture(scope="module")
def scenario():
    return negotiate.load_scenario(SCENARIO)


@pytest.fixture(scope="module")
def article() -> str:
    if not ARTICLE.is_file():
        pytest.skip(f"source article not present at {ARTICLE} (outside a full checkout)")
    return normalise(ARTICLE.read_text(encoding="utf-8"))


def all_sources(scenario):
    """(where, text) for every `source:` in positions and leverage."""
    for actor_name, actor in scenario.actors.items():
        for issue, pos in actor.positions.items():
            if pos.source is not None:
                yield f"actors.{actor_name}.positions.{issue}", pos.source
    for i, lev in enumerate(scenario.leverage):
        if lev.source is not None:
            yield f"leverage[{i}] ({lev.name})", lev.source


# --- it loads, with the right cast ---------------------------------------------

def test_loads_with_expected_name(scenario):
    assert scenario.name == "ukraine_march_2025"


def test_yaml_is_plain_safe_yaml():
    # the file must parse with safe_load alone (no tags, no Python objects)
    data = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    assert set(data["actors"]) == set(ROLES)


def test_actors_and_roles(scenario):
    assert {name: a.role for name, a in scenario.actors.items()} == ROLES


def test_issue_groups(scenario):
    groups = {name: issue.group for name, issue in scenario.issues.items()}
    assert {n for n, g in groups.items() if g == "truce"} == TRUCE_ISSUES
    assert {n for n, g in groups.items() if g == "settlement"} == SETTLEMENT_ISSUES


def test_controllers(scenario):
    ctl = {name: set(issue.controllers) for name, issue in scenario.issues.items()}
    assert ctl["sanctions_us"] == {"US"}
    assert ctl["sanctions_eu"] == {"Europe"}
    assert ctl["frozen_assets"] == {"Europe"}
    assert ctl["arms_supply"] == {"US", "Europe"}


def test_every_actor_has_a_position_on_every_issue(scenario):
    for name, actor in scenario.actors.items():
        assert set(actor.positions) == set(scenario.issues), name


def test_run_settings(scenario):
    assert scenario.monte_carlo.runs == 100_000
    assert scenario.monte_carlo.seed == 20250311
    assert scenario.rounds.horizon == 52
    assert scenario.rounds.unit == "week"
    assert scenario.war.battlefield_issue == "territory"
    assert scenario.truce.regeneration_issue == "arms_supply"


def test_recognition_favours_the_mediator(scenario):
    p = scenario.recognition.probabilities
    assert scenario.recognition.mode == "random"
    assert p == pytest.approx({"US": 0.6, "Russia": 0.2, "Ukraine": 0.2, "Europe": 0.0})


# --- citations ---------------------------------------------------------------------

def test_sources_are_verbatim_quotes_of_the_article(scenario, article):
    missing = [
        f"{where}: {text!r}"
        for where, text in all_sources(scenario)
        if normalise(text) not in article
    ]
    assert not missing, "sources not found in the article:\n" + "\n".join(missing)


def test_sources_are_real_quotes_not_fragments(scenario):
    short = [where for where, text in all_sources(scenario) if len(normalise(text).split()) < 4]
    assert not short, f"source quotes under four words: {short}"


def test_declared_source_path_is_the_article():
    if not ARTICLE.is_file():
        pytest.skip(f"source article not present at {ARTICLE}")
    data = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    (source,) = data["sources"]
    assert (SCENARIO.parent / source["path"]).resolve() == ARTICLE.resolve()


def test_every_position_is_cited_or_marked_as_assumption(scenario):
    bare = [
        f"{a}.{i}"
        for a, actor in scenario.actors.items()
        for i, pos in actor.positions.items()
        if not ((pos.source or "").strip() or (pos.assumption or "").strip())
    ]
    assert not bare


def test_every_leverage_is_cited_or_marked_as_assumption(scenario):
    # the schema does not require this for leverage; the baseline does
    bare = [lev.name for lev in scenario.leverage if not (lev.source or lev.assumption)]
    assert not bare


def test_article_facts_cited_where_the_article_gives_them(scenario):
    # Russia's demands are all in the article: none may rest on assumption alone
    russia = scenario.actors["Russia"].positions
    uncited = [issue for issue, pos in russia.items() if pos.source is None]
    assert not uncited
    assert scenario.actors["US"].positions["elections"].source is not None


# --- assumed numbers are distributions --------------------------------------------

@pytest.mark.parametrize("field", ["capability", "patience", "war_cost", "noise", "optimism"])
def test_actor_numbers_are_distributions(scenario, field):
    constants = [n for n, a in scenario.actors.items() if not is_distribution(getattr(a, field))]
    assert not constants, f"{field} is a point value for {constants}"


def test_saliences_are_distributions(scenario):
    constants = [
        f"{a}.{i}"
        for a, actor in scenario.actors.items()
        for i, pos in actor.positions.items()
        if not is_distribution(pos.salience)
    ]
    assert not constants


def test_war_and_truce_numbers_are_distributions(scenario):
    war, truce = scenario.war, scenario.truce
    numbers = {
        "war.balance": war.balance, "war.drift": war.drift, "war.volatility": war.volatility,
        "truce.regeneration": truce.regeneration, "truce.residual": truce.residual,
        "truce.cost_factor": truce.cost_factor, "truce.hazard.scale": truce.hazard.scale,
        **{f"truce.hazard_effects.{k}": v for k, v in truce.hazard_effects.items()},
        **{f"leverage.{lev.name}": lev.amount for lev in scenario.leverage},
        **{f"war.events.{ev.name}.drift": ev.drift for ev in war.events},
    }
    constants = [k for k, v in numbers.items() if not is_distribution(v)]
    assert not constants


# --- the article's stylised facts (docs/model.md, "Calibration of the baseline") ------------------------------------

def ideal(scenario, actor, issue) -> float:
    return param_mean(scenario.actors[actor].positions[issue].ideal)


def salience_share(scenario, actor, group) -> float:
    positions = scenario.actors[actor].positions
    weights = {i: param_mean(p.salience) for i, p in positions.items()}
    total = sum(weights.values())
    return sum(w for i, w in weights.items() if scenario.issues[i].group == group) / total


def test_russia_ideals(scenario):
    for issue in ("arms_supply", "monitors", "elections", "territory", "nato",
                  "sanctions_us", "sanctions_eu", "frozen_assets"):
        assert ideal(scenario, "Russia", issue) == 1, issue
    for issue in ("military_limits", "language", "sphere"):
        assert ideal(scenario, "Russia", issue) >= 0.7, issue
    assert ideal(scenario, "Russia", "security_guarantees") == 0


def test_ukraine_roughly_opposite_to_russia(scenario):
    for issue in scenario.issues:
        gap = abs(ideal(scenario, "Russia", issue) - ideal(scenario, "Ukraine", issue))
        assert gap >= 0.6, issue


def test_ukraine_weighs_settlement_over_truce_terms(scenario):
    # it accepted the truce as proposed: the terms matter less to it than the settlement
    assert salience_share(scenario, "Ukraine", "truce") < 0.3
    truce_weights = {
        i: param_mean(scenario.actors["Ukraine"].positions[i].salience) for i in TRUCE_ISSUES
    }
    assert max(truce_weights, key=truce_weights.get) == "elections"


def test_us_between_and_echoing_elections(scenario):
    assert ideal(scenario, "US", "elections") > 0.5
    for issue in ("territory", "nato", "sanctions_us", "security_guarantees"):
        lo, hi = sorted((ideal(scenario, "Russia", issue), ideal(scenario, "Ukraine", issue)))
        assert lo < ideal(scenario, "US", issue) < hi, issue


def test_europe_closer_to_ukraine_than_to_russia(scenario):
    def distance(a, b):
        return sum((ideal(scenario, a, i) - ideal(scenario, b, i)) ** 2 for i in scenario.issues)

    assert distance("Europe", "Ukraine") < distance("Europe", "Russia") / 4


def test_russia_has_the_momentum(scenario):
    lo, hi = param_support(scenario.war.balance)
    assert 0.55 <= lo and hi <= 0.75
    assert 0.6 <= param_mean(scenario.war.balance) <= 0.7
    assert param_mean(scenario.war.drift) > 0
    assert param_support(scenario.war.drift)[0] >= 0


def test_mutual_optimism(scenario):
    assert param_support(scenario.actors["Russia"].optimism)[0] >= 0
    assert param_support(scenario.actors["Ukraine"].optimism)[1] <= 0
    assert param_mean(scenario.actors["Russia"].optimism) > 0
    assert param_mean(scenario.actors["Ukraine"].optimism) < 0


def test_ukraine_pays_more_for_the_war(scenario):
    # energy system damaged: its war cost is higher in every draw
    ukraine_low = param_support(scenario.actors["Ukraine"].war_cost)[0]
    russia_high = param_support(scenario.actors["Russia"].war_cost)[1]
    assert ukraine_low >= russia_high


def test_us_wants_a_quick_ceasefire(scenario):
    others = [param_mean(scenario.actors[a].patience) for a in ("Russia", "Ukraine", "Europe")]
    assert param_mean(scenario.actors["US"].patience) < min(others)


def test_washington_ties_leverage_on_russia(scenario):
    kinds = {lev.kind for lev in scenario.leverage if lev.by == "US" and lev.target == "Russia"}
    assert {"acceptance_bonus", "refusal_cost"} <= kinds
    for lev in scenario.leverage:
        if lev.kind in ("acceptance_bonus", "refusal_cost"):
            assert param_support(lev.amount)[0] >= 0, lev.name


def test_optional_us_aid_pause_early(scenario):
    pauses = [ev for ev in scenario.war.events if "aid" in ev.name]
    assert len(pauses) == 1
    (pause,) = pauses
    assert pause.start <= 4
    assert param_support(pause.drift)[0] > 0  # helps the side at 1 (Russia)
    assert 0 < param_mean(pause.probability) < 1


def test_no_nato_monitors_raise_the_truce_hazard(scenario):
    assert param_support(scenario.truce.hazard_effects["monitors"])[0] > 0
    assert scenario.truce.hazard.shape < 1
