"""The scenario library in scenarios/: every file loads, says what it changes, and runs.

Each variant of the baseline declares the fields it changes in a header line
``# changes: a.b, c`` (dotted paths, as in overrides).  The tests hold it to
that claim against the baseline, field by field, and check the few facts the
variant is about (taken from its description, not from the engine).  Every
scenario is run end to end on a small block of worlds.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml

import negotiate
from negotiate.model import OUTCOMES, run_block
from negotiate.scenario.distributions import param_mean, param_support

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
BASELINE = SCENARIOS / "ukraine_march_2025.yaml"
ARTICLE = REPO.parent / "shared" / "seed" / "000_7972854242302f16.txt"
HYPOTHETICAL_PREFIX = "hypothetical"
BASELINE_ROLES = {"Russia": "party", "Ukraine": "party", "US": "mediator", "Europe": "stakeholder"}
# names only the Russia–Ukraine scenarios may use (a hypothetical must invent its own)
REAL_NAMES = ("Russia", "Ukraine", "Europe", "US", "Kremlin", "Putin", "Zelensky", "Kyiv", "Moscow", "NATO")
# fields a variant may always change besides those it claims
ALWAYS_FREE = {"name", "title", "description"}
# the library the scenario brief asks for (the files may be more, never fewer)
LIBRARY = {
    "us_pressure_on_ukraine", "truce_with_arms_halt", "truce_with_elections",
    "european_monitors_and_guarantees", "momentum_stalls", "sanctions_relief_side_payments",
    "hypothetical_three_actors",
}
WORLDS = 256

ALL_FILES = sorted(SCENARIOS.glob("*.yaml"))
VARIANT_FILES = [p for p in ALL_FILES if p != BASELINE and not p.stem.startswith(HYPOTHETICAL_PREFIX)]
HYPOTHETICAL_FILES = [p for p in ALL_FILES if p.stem.startswith(HYPOTHETICAL_PREFIX)]

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " "})
_CHANGES = re.compile(r"^# changes:(.*?)(?:\(|^#\s*$)", re.MULTILINE | re.DOTALL)
_PATH = re.compile(r"^[A-Za-z_][\w\-]*(\[\d+\])?(\.[A-Za-z_][\w\-]*(\[\d+\])?)*$")


def normalise(text: str) -> str:
    """Curly quotes to straight ones, runs of whitespace to one space."""
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip()


def ids(paths):
    return [p.stem for p in paths]


@pytest.fixture(scope="module")
def baseline():
    return negotiate.load_scenario(BASELINE)


@pytest.fixture(scope="module")
def loaded():
    return {p.stem: negotiate.load_scenario(p) for p in ALL_FILES}


def claimed_changes(path: Path) -> list[str]:
    """The dotted paths listed after ``# changes:`` in the file's header."""
    text = path.read_text(encoding="utf-8")
    match = _CHANGES.search(text)
    assert match, f"{path.name}: no '# changes: <dotted paths>' line in the header comment"
    words = re.sub(r"^#", " ", match.group(1), flags=re.MULTILINE).replace(",", " ").split()
    bad = [w for w in words if not _PATH.match(w)]
    assert not bad, f"{path.name}: '# changes:' lists {bad}, which are not dotted field paths"
    assert words, f"{path.name}: '# changes:' lists no field"
    return words


def differing_fields(a, b, path: str = ""):
    """Dotted paths of every leaf where plain data ``a`` and ``b`` differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(a.keys() | b.keys()):
            sub = f"{path}.{key}" if path else key
            if key in a and key in b:
                yield from differing_fields(a[key], b[key], sub)
            else:
                yield sub
    elif isinstance(a, list) and isinstance(b, list):
        for i in range(max(len(a), len(b))):
            if i < len(a) and i < len(b):
                yield from differing_fields(a[i], b[i], f"{path}[{i}]")
            else:
                yield f"{path}[{i}]"
    elif a != b:
        yield path


def under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


# --- the library is there and loads ------------------------------------------------

def test_library_is_complete():
    assert LIBRARY <= {p.stem for p in ALL_FILES}


@pytest.mark.parametrize("path", ALL_FILES, ids=ids(ALL_FILES))
def test_every_scenario_validates_and_is_named_after_its_file(path, loaded):
    # load_scenario raises ScenarioError on any problem; the name is what result tables show
    assert loaded[path.stem].name == path.stem
    assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict)


@pytest.mark.parametrize("path", VARIANT_FILES, ids=ids(VARIANT_FILES))
def test_variants_keep_the_four_actors(path, loaded):
    s = loaded[path.stem]
    assert {name: a.role for name, a in s.actors.items()} == BASELINE_ROLES


# --- a variant differs from the baseline exactly where it says -------------------------

@pytest.mark.parametrize("path", VARIANT_FILES, ids=ids(VARIANT_FILES))
def test_variant_changes_every_field_it_claims(path, loaded, baseline):
    diffs = list(differing_fields(loaded[path.stem].to_dict(), baseline.to_dict()))
    unchanged = [c for c in claimed_changes(path) if not any(under(d, c) for d in diffs)]
    assert not unchanged, f"{path.name} claims to change {unchanged} but they equal the baseline's"


@pytest.mark.parametrize("path", VARIANT_FILES, ids=ids(VARIANT_FILES))
def test_variant_changes_nothing_it_does_not_claim(path, loaded, baseline):
    claims = claimed_changes(path)
    diffs = differing_fields(loaded[path.stem].to_dict(), baseline.to_dict())
    extra = [d for d in diffs if d not in ALWAYS_FREE and not any(under(d, c) for c in claims)]
    assert not extra, (
        f"{path.name} differs from the baseline in {extra}, which its '# changes:' header does "
        f"not list; if the baseline was recalibrated, copy the change into this variant"
    )


def test_change_detection_sees_a_one_field_edit(baseline):
    # the check above must notice a change deep inside a distribution and in a list
    edited = baseline.with_overrides({"actors.Russia.positions.nato.salience.mode": 0.15,
                                      "leverage[0].start": 2}, name=baseline.name)
    diffs = set(differing_fields(edited.to_dict(), baseline.to_dict()))
    assert diffs == {"actors.Russia.positions.nato.salience.mode", "leverage[0].start"}


# --- each variant is about what its name says (facts from the brief, not the engine) --

def _lever(s, **match):
    return [lv for lv in s.leverage if all(getattr(lv, k) == v for k, v in match.items())]


def test_us_pressure_suspends_aid_for_some_weeks_and_raises_the_refusal_cost(loaded, baseline):
    s = loaded["us_pressure_on_ukraine"]
    drift = _lever(s, by="US", target="Ukraine", kind="war_drift")
    assert len(drift) == 1
    # b is the share held by Russia (territory ideal 1): a suspension pushes it up, for a few weeks
    assert param_support(drift[0].amount)[0] > 0
    assert drift[0].start == 1 and drift[0].end is not None and drift[0].end < s.rounds.horizon
    cost, base_cost = (_lever(x, by="US", target="Ukraine", kind="refusal_cost") for x in (s, baseline))
    assert len(cost) == len(base_cost) == 1
    assert param_mean(cost[0].amount) > param_mean(base_cost[0].amount)


def test_arms_halt_is_wanted_by_the_mediator_and_not_vetoed_by_europe(loaded):
    s = loaded["truce_with_arms_halt"]
    assert param_support(s.actors["US"].positions["arms_supply"].ideal)[0] >= 0.75
    assert s.issues["arms_supply"].controllers == ["US"]


def test_elections_become_a_condition_of_the_mediators_truce(loaded, baseline):
    s = loaded["truce_with_elections"]
    us, us0 = s.actors["US"].positions["elections"], baseline.actors["US"].positions["elections"]
    assert param_support(us.ideal)[0] >= 0.75
    assert param_mean(us.salience) > param_mean(us0.salience)
    assert s.issues["elections"].group == "truce"


def test_european_monitors_lower_the_hazard_and_europe_proposes(loaded, baseline):
    s = loaded["european_monitors_and_guarantees"]
    for actor in ("US", "Europe"):
        assert param_mean(s.actors[actor].positions["monitors"].ideal) < param_mean(
            baseline.actors[actor].positions["monitors"].ideal)
    # monitors = 1 means "no NATO/European troops": a larger effect = European monitors matter more
    assert param_mean(s.truce.hazard_effects["monitors"]) > param_mean(baseline.truce.hazard_effects["monitors"])
    assert s.recognition.probabilities["Europe"] > 0
    for actor in ("Ukraine", "Europe", "Russia"):
        assert param_mean(s.actors[actor].positions["security_guarantees"].salience) > param_mean(
            baseline.actors[actor].positions["security_guarantees"].salience)


def test_momentum_stalls_removes_the_drift_and_the_offensive(loaded, baseline):
    s = loaded["momentum_stalls"]
    assert abs(param_mean(s.war.drift)) < 0.25 * param_mean(baseline.war.drift)
    assert "spring_summer_offensive" in {e.name for e in baseline.war.events}
    assert "spring_summer_offensive" not in {e.name for e in s.war.events}
    assert param_mean(s.actors["Russia"].war_cost) > param_mean(baseline.actors["Russia"].war_cost)


def test_side_payments_come_from_the_controllers_of_each_issue(loaded):
    s = loaded["sanctions_relief_side_payments"]
    pays = {(lv.by, lv.issue) for lv in _lever(s, kind="side_payment", target="Russia")}
    assert pays == {("US", "sanctions_us"), ("Europe", "sanctions_eu"), ("Europe", "frozen_assets")}
    for lv in _lever(s, kind="side_payment"):
        assert lv.by in s.issues[lv.issue].controllers
        assert param_support(lv.amount)[0] >= 0


# --- sources and assumptions ---------------------------------------------------------

@pytest.mark.parametrize("path", VARIANT_FILES, ids=ids(VARIANT_FILES))
def test_variant_sources_are_verbatim_quotes_of_the_article(path, loaded):
    if not ARTICLE.is_file():
        pytest.skip(f"source article not present at {ARTICLE} (outside a full checkout)")
    article = normalise(ARTICLE.read_text(encoding="utf-8"))
    s = loaded[path.stem]
    quotes = [(f"actors.{a}.positions.{i}", pos.source) for a, actor in s.actors.items()
              for i, pos in actor.positions.items() if pos.source]
    quotes += [(f"leverage {lv.name}", lv.source) for lv in s.leverage if lv.source]
    missing = [f"{where}: {text!r}" for where, text in quotes if normalise(text) not in article]
    assert not missing, "sources not found in the article:\n" + "\n".join(missing)


@pytest.mark.parametrize("path", HYPOTHETICAL_FILES, ids=ids(HYPOTHETICAL_FILES))
def test_hypothetical_is_marked_and_invents_its_names(path, loaded):
    s = loaded[path.stem]
    text = path.read_text(encoding="utf-8")
    assert "HYPOTHETICAL" in text.splitlines()[0].upper()
    assert "hypothetical" in (s.title or "").lower()
    assert not s.sources
    for a, actor in s.actors.items():
        for i, pos in actor.positions.items():
            assert pos.source is None and pos.assumption, f"actors.{a}.positions.{i}"
    for lv in s.leverage:
        assert lv.source is None and lv.assumption, f"leverage {lv.name}"
    data = yaml.safe_load(text)
    names = " ".join([*data["actors"], *data["issues"], data.get("description", ""), data.get("title", "")])
    assert not [n for n in REAL_NAMES if re.search(rf"\b{n}\b", names)]


def test_the_hypothetical_has_three_actors_and_both_kinds_of_issue(loaded):
    s = loaded["hypothetical_three_actors"]
    assert len(s.actors) == 3
    assert sum(a.role == "party" for a in s.actors.values()) == 2
    assert 3 <= len(s.issues) <= 5
    assert {i.group for i in s.issues.values()} == {"truce", "settlement"}


# --- every scenario runs end to end ----------------------------------------------------

@pytest.fixture(scope="module")
def runs(loaded):
    return {name: run_block(s, WORLDS, np.random.SeedSequence(7)) for name, s in loaded.items()}


@pytest.mark.parametrize("path", ALL_FILES, ids=ids(ALL_FILES))
def test_every_scenario_runs_end_to_end(path, loaded, runs):
    s, r = loaded[path.stem], runs[path.stem]
    assert r.n == WORLDS
    assert r.outcome.min() >= 0 and r.outcome.max() < len(OUTCOMES)
    assert r.terms.shape == (WORLDS, len(s.issues))
    agreed = ~np.isnan(r.terms)
    assert ((r.terms[agreed] >= 0) & (r.terms[agreed] <= 1)).all()
    no_deal = r.outcome == OUTCOMES.index("no_agreement")
    assert not agreed[no_deal].any()              # nothing agreed, no terms
    assert (r.agreement_round[~no_deal] >= 1).all() and (r.agreement_round <= s.rounds.horizon).all()
    assert ((r.final_balance >= 0) & (r.final_balance <= 1)).all()


def test_the_hypothetical_runs_with_three_actors(loaded, runs):
    r = runs["hypothetical_three_actors"]
    assert r.offers.shape == (WORLDS, 3, 2)
    assert r.first_accept.shape == (WORLDS, 3)
