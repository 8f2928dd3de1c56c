"""Hypothesis strategies for valid scenarios, for any test that needs many of them.

    from tests.scenario.strategies import scenarios, scenario_data

    @given(scenarios(max_actors=4, distributions=False))
    def test_something(scenario): ...

``scenario_data()`` draws plain data (what a YAML file holds); ``scenarios()``
draws validated :class:`negotiate.Scenario` objects.  Every field the format
has can appear; every distribution family appears with valid parameters,
always inside the field's allowed range.
"""

from __future__ import annotations

import functools
import math

from hypothesis import strategies as st

from negotiate.scenario.schema import STRATEGIES, Scenario

__all__ = ["NAMES", "param", "scenario_data", "scenarios"]

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#: names usable for actors and issues (also as parts of override paths)
NAMES = st.builds(
    str.__add__, st.sampled_from(_LETTERS), st.text(_LETTERS + "0123456789_-", max_size=7)
)
# free text: mostly cheap fixed strings that YAML would read as something else
# unless quoted, sometimes arbitrary unicode
_TEXT = st.sampled_from(
    ["all", "none", "yes", "No", "null", "1.0", "0x1F", "~", "a: b", "- x", "#c", "'q'", "é ü 中"]
) | st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
            max_size=20)
_WIDEST = 100.0  # generated values stay in a window this wide when a range is unbounded


def scenarios(**options) -> st.SearchStrategy[Scenario]:
    """Validated scenarios; ``options`` as for :func:`scenario_data`."""
    return scenario_data(**options).map(Scenario.model_validate)


def scenario_data(
    *,
    min_actors: int = 2,
    max_actors: int = 7,
    min_issues: int = 1,
    max_issues: int = 8,
    distributions: bool = True,
    extras: bool = True,
) -> st.SearchStrategy[dict]:
    """Plain data of valid scenarios.

    ``distributions=False`` gives constants only; ``extras=False`` leaves out
    events, leverage, recognition and the optional sections (defaults apply).
    """
    if min_actors < 2:
        raise ValueError("a scenario needs at least two actors")
    return _scenario(min_actors, max_actors, min_issues, max_issues, distributions, extras)


# --- numbers ------------------------------------------------------------------

@functools.cache  # building strategies is slow; a scenario asks for the same few often
def param(lo: float, hi: float, *, distributions: bool = True) -> st.SearchStrategy:
    """A number or distribution whose every value lies in [lo, hi]."""
    lo_, hi_ = _window(lo, hi)
    constant = st.floats(lo_, hi_, allow_nan=False, allow_infinity=False)
    if not distributions:
        return constant
    families = [constant, _beta(lo_, hi_), _truncnorm(lo_, hi_), _uniform(lo_, hi_),
                _triangular(lo_, hi_), _choice(lo_, hi_)]
    if lo <= 0 and math.isinf(hi):
        families.append(_lognormal())
    if math.isinf(lo) and math.isinf(hi):
        families.append(_normal())
    return st.one_of(families)


def _window(lo: float, hi: float) -> tuple[float, float]:
    if math.isinf(lo) and math.isinf(hi):
        return -_WIDEST / 2, _WIDEST / 2
    if math.isinf(hi):
        return lo, lo + _WIDEST
    return lo, hi


@st.composite
def _interval(draw, lo: float, hi: float) -> tuple[float, float]:
    """lo <= a < b <= hi, not too narrow to be a distribution."""
    gap = (hi - lo) / 1000
    a = draw(st.floats(lo, hi - gap))
    b = draw(st.floats(min(a + gap, hi), hi))
    return a, b


def _beta(lo, hi):
    shapes = st.tuples(st.floats(0.1, 50), st.floats(0.1, 50))
    rescaled = st.builds(
        lambda ab, span: {"dist": "beta", "a": ab[0], "b": ab[1],
                          "low": span[0], "high": span[1]},
        shapes, _interval(lo, hi),
    )
    if lo <= 0 and hi >= 1:  # the default support [0, 1] fits too
        return rescaled | shapes.map(lambda ab: {"dist": "beta", "a": ab[0], "b": ab[1]})
    return rescaled


@st.composite
def _truncnorm(draw, lo, hi):
    low, high = draw(_interval(lo, hi))
    mean = draw(st.floats(low, high))
    sd = draw(st.floats((high - low) / 20, high - low))
    return {"dist": "truncnorm", "mean": mean, "sd": sd, "low": low, "high": high}


def _uniform(lo, hi):
    return _interval(lo, hi).map(lambda ab: {"dist": "uniform", "low": ab[0], "high": ab[1]})


@st.composite
def _triangular(draw, lo, hi):
    low, high = draw(_interval(lo, hi))
    return {"dist": "triangular", "low": low, "mode": draw(st.floats(low, high)), "high": high}


@st.composite
def _choice(draw, lo, hi):
    values = draw(st.lists(st.floats(lo, hi), min_size=1, max_size=5))
    out = {"dist": "choice", "values": values}
    if draw(st.booleans()):
        weights = draw(st.lists(st.floats(0.05, 1), min_size=len(values), max_size=len(values)))
        out["p"] = [w / sum(weights) for w in weights]
    return out


def _lognormal():
    return st.builds(lambda mu, sigma: {"dist": "lognormal", "mu": mu, "sigma": sigma},
                     st.floats(-3, 3), st.floats(0.05, 2))


def _normal():
    return st.builds(lambda mean, sd: {"dist": "normal", "mean": mean, "sd": sd},
                     st.floats(-10, 10), st.floats(0.01, 5))


# --- the scenario ---------------------------------------------------------------

@st.composite
def _scenario(draw, min_actors, max_actors, min_issues, max_issues, dists, extras):
    def num(lo, hi):
        return draw(param(lo, hi, distributions=dists))

    actors = draw(st.lists(NAMES, min_size=min_actors, max_size=max_actors, unique=True))
    issue_names = draw(st.lists(NAMES, min_size=min_issues, max_size=max_issues, unique=True))
    roles = ["party", "party"] + [
        draw(st.sampled_from(["party", "mediator", "stakeholder"])) for _ in actors[2:]
    ]
    issues = {name: _issue(draw, num, actors) for name in issue_names}
    data = {
        "name": draw(NAMES) + draw(st.sampled_from(["", ".v2", "-2025"])),
        "issues": issues,
        "actors": {a: _actor(draw, num, role, issue_names) for a, role in zip(actors, roles)},
    }
    if extras:
        horizon = draw(st.integers(1, 200))
        data["rounds"] = {"horizon": horizon, "length_days": draw(st.floats(0.5, 31))}
        data["war"] = _war(draw, num, issue_names, horizon)
        _follows_front(draw, num, issues, data["war"].get("battlefield_issue"))
        data["truce"] = _truce(draw, num, issues)
        data["leverage"] = _leverage(draw, num, actors, issues)
        data["recognition"] = _recognition(draw, actors, roles)
        data["sources"] = [{"id": "s1", "title": draw(_TEXT)}] if draw(st.booleans()) else []
        if draw(st.booleans()):
            data["bargaining"] = {"utility_exponent": draw(st.sampled_from([1, 2])),
                                  "iterations": draw(st.integers(1, 10)),
                                  "margin": draw(st.floats(0, 20))}
            data["monte_carlo"] = {"runs": draw(st.integers(1, 10**6)),
                                   "seed": draw(st.integers(0, 2**63 - 1))}
    return data


def _issue(draw, num, actors) -> dict:
    group = draw(st.sampled_from(["truce", "settlement"]))
    binary = draw(st.booleans())
    issue = {
        "group": group,
        "kind": "binary" if binary else "continuous",
        "low": draw(_TEXT),
        "high": draw(_TEXT),
        "status_quo": float(draw(st.sampled_from([0, 1]))) if binary else num(0, 1),
        "controllers": draw(st.lists(st.sampled_from(actors), max_size=2, unique=True)),
    }
    if group == "truce" and draw(st.booleans()):
        issue["threshold"] = draw(st.floats(0.01, 1))
    return issue


def _actor(draw, num, role, issue_names) -> dict:
    held = draw(st.lists(st.sampled_from(issue_names), min_size=1, unique=True))
    positions = {}
    for k, issue in enumerate(held):
        # the first salience is positive: all-zero salience is (rightly) an error
        salience = draw(st.floats(0.01, 10)) if k == 0 else num(0, math.inf)
        cite = draw(st.sampled_from(["source", "assumption", "both"]))
        pos = {"ideal": num(0, 1), "salience": salience}
        if cite in ("source", "both"):
            pos["source"] = draw(_TEXT)
        if cite in ("assumption", "both"):
            pos["assumption"] = draw(_TEXT)
        positions[issue] = pos
    return {
        "role": role,
        "capability": num(0, 1e6),
        "patience": num(0, 1),
        "strategy": draw(st.sampled_from(STRATEGIES)),
        "agendas": draw(st.sampled_from([["truce"], ["settlement"], ["truce", "settlement"]])),
        "noise": num(0, math.inf),
        "optimism": num(-1, 1),
        "war_cost": num(0, math.inf),
        "positions": positions,
    }


def _war(draw, num, issue_names, horizon) -> dict:
    events = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(1, horizon))
        event = {"start": start, "drift": num(-1, 1), "volatility": num(0, math.inf),
                 "jump": num(-1, 1), "probability": num(0, 1)}
        if draw(st.booleans()):
            event["end"] = draw(st.integers(start, horizon + 10))
        events.append(event)
    war = {"balance": num(0, 1), "drift": num(-1, 1), "volatility": num(0, math.inf),
           "lookahead": draw(st.integers(1, 100)), "events": events}
    if draw(st.booleans()):
        war["battlefield_issue"] = draw(st.sampled_from(issue_names))
    if draw(st.booleans()):
        lower = draw(st.floats(0, 0.4))
        war["victory"] = {"lower": lower, "upper": draw(st.floats(0.6, 1)),
                          "probability": draw(st.floats(0, 1))}
    return war


def _follows_front(draw, num, issues, front) -> None:
    """Some settlement issues besides the front follow it (docs/model.md §4)."""
    for name, issue in issues.items():
        if front is not None and name != front and issue["group"] == "settlement" and draw(st.booleans()):
            issue["follows_front"] = num(-1, 1)


def _truce(draw, num, issues) -> dict:
    truce = {"length": draw(st.integers(1, 60)), "regeneration": num(0, math.inf),
             "residual": num(0, 1), "cost_factor": num(0, 1),
             "hazard": {"scale": num(0, math.inf), "shape": draw(st.floats(0.1, 10))}}
    truce_issues = [name for name, issue in issues.items() if issue["group"] == "truce"]
    if truce_issues and draw(st.booleans()):
        truce["regeneration_issue"] = draw(st.sampled_from(truce_issues))
    effects = draw(st.lists(st.sampled_from(list(issues)), max_size=2, unique=True))
    truce["hazard_effects"] = {name: num(-math.inf, math.inf) for name in effects}
    return truce


def _leverage(draw, num, actors, issues) -> list[dict]:
    out = []
    for _ in range(draw(st.integers(0, 2))):
        by = draw(st.sampled_from(actors))
        lever = {"by": by, "target": draw(st.sampled_from(actors)),
                 "amount": num(-math.inf, math.inf), "assumption": draw(_TEXT)}
        controlled = [name for name, issue in issues.items() if by in issue["controllers"]]
        kinds = ["war_drift", "acceptance_bonus", "refusal_cost"]
        lever["kind"] = draw(st.sampled_from(kinds + (["side_payment"] if controlled else [])))
        if lever["kind"] == "side_payment":
            lever["issue"] = draw(st.sampled_from(controlled))
        start = draw(st.integers(1, 50))
        lever["start"] = start
        if draw(st.booleans()):
            lever["end"] = draw(st.integers(start, 100))
        out.append(lever)
    return out


def _recognition(draw, actors, roles) -> dict:
    mode = draw(st.sampled_from(["random", "weighted", "alternating"]))
    if mode == "alternating":
        return {"mode": "alternating",
                "order": draw(st.lists(st.sampled_from(actors), min_size=1, max_size=8))}
    recognition: dict = {"mode": "random"}
    if mode == "weighted":
        chosen = draw(st.lists(st.sampled_from(actors), min_size=1, unique=True))
        weights = [draw(st.floats(0.05, 1)) for _ in chosen]
        recognition["probabilities"] = {a: w / sum(weights) for a, w in zip(chosen, weights)}
    if "mediator" in roles:
        recognition["mediator_share"] = draw(st.floats(0, 1))
    return recognition
