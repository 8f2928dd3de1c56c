"""The vectorised engine against the naive Mesa reference (benchmarks/naive_mesa.py).

Two independent implementations of the same model must agree:
- with noise, in distribution: the share of each outcome (and of a few other
  per-run events) agrees within Monte Carlo error, by two-proportion z-tests on
  independent runs of each (each quantity at 99.9%/m, so one scenario's whole
  comparison fails by chance with probability 0.001);
- without noise (τ = 0, volatility 0, events and outright wins certain), world
  by world: both take their parameters from the same draws, so the first
  round's proposal and every run's results must be the same.
"""

from __future__ import annotations

import copy
import functools
import math
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pytest
import yaml

import negotiate
from benchmarks.naive_mesa import naive_models, run_naive
from negotiate.model import OUTCOMES, NegotiationModel, run_block, truce
from negotiate.model import red_lines as red_lines_module
from negotiate.model.model import IN_TRUCE

ROOT = Path(__file__).resolve().parents[2]
TWO_PARTY = ROOT / "tests" / "model" / "data" / "two_party.yaml"
STANCES = ROOT / "tests" / "model" / "data" / "stances.yaml"
BASELINE = ROOT / "scenarios" / "ukraine_march_2025.yaml"
FAMILY_LEVEL = 0.001  # chance that a correct engine fails one scenario's comparison


def U(low, high):
    return {"dist": "uniform", "low": low, "high": high}


def pos(ideal, salience):
    return {"ideal": ideal, "salience": salience, "assumption": "test"}


def every_mechanism() -> dict:
    """Four actors (two parties, a mediator, a stakeholder), strategic and compromise
    proposers, a binary issue, controllers, a war event with a jump, outright wins,
    truces that regenerate, collapse and expire, settlements that may break down,
    and every kind of leverage."""
    issue = lambda group, sq, **more: {"group": group, "low": "0", "high": "1", "status_quo": sq,
                                       **more}
    return {
        "name": "every_mechanism",
        "rounds": {"horizon": 12},
        "issues": {
            "front": issue("settlement", 0.6),
            "sanctions": issue("settlement", 0.2, controllers=["S"]),
            "treaty": issue("settlement", 0, kind="binary"),
            "arms": issue("truce", 0, controllers=["M"]),
            "monitors": issue("truce", 0, threshold=0.3),
        },
        "actors": {
            "H": {"role": "party", "patience": U(0.85, 0.97), "war_cost": U(0.1, 0.2),
                  "noise": 0.01, "optimism": U(0.0, 0.005), "capability": U(0.8, 1.2),
                  "positions": {"front": pos(1, U(0.3, 0.6)), "sanctions": pos(1, 0.3),
                                "treaty": pos(1, 0.1), "arms": pos(1, U(0.1, 0.3)),
                                "monitors": pos(1, 0.1)}},
            "L": {"role": "party", "patience": U(0.8, 0.95), "war_cost": U(0.1, 0.2),
                  "noise": 0.01, "optimism": U(-0.005, 0.0), "strategy": "compromise",
                  "positions": {"front": pos(0, U(0.3, 0.6)), "sanctions": pos(0, 0.2),
                                "treaty": pos(0, 0.1), "arms": pos(0, 0.2),
                                "monitors": pos(0, U(0.05, 0.2))}},
            "M": {"role": "mediator", "agendas": ["truce"], "noise": 0.01, "war_cost": 0.1,
                  "positions": {"front": pos(U(0.4, 0.7), 1), "arms": pos(0.5, 0.5)}},
            "S": {"role": "stakeholder", "noise": 0.01, "patience": 0.9,
                  "positions": {"sanctions": pos(0, 1), "front": pos(0.3, 0.5)}},
        },
        "war": {"balance": U(0.55, 0.65), "battlefield_issue": "front",
                "drift": U(-0.005, 0.01), "volatility": U(0.01, 0.04), "lookahead": 8,
                "events": [{"start": 2, "end": 5, "drift": U(0.0, 0.02), "volatility": 0.01,
                            "jump": U(-0.05, 0.05), "probability": U(0.2, 0.8)}],
                "victory": {"upper": 0.75, "lower": 0.4, "probability": 0.3}},
        "truce": {"length": 3, "regeneration": U(0.0, 0.02), "regeneration_issue": "arms",
                  "residual": U(0.1, 0.5), "cost_factor": U(0.1, 0.4),
                  "hazard": {"scale": U(3, 20), "shape": 0.6},
                  "hazard_effects": {"monitors": U(0.2, 1.0)}},
        "settlement": {"hazard": U(0.0, 0.05),
                       "power_effects": {"treaty": U(-0.01, 0.0), "sanctions": U(0.0, 0.01)}},
        "leverage": [
            {"by": "M", "target": "H", "kind": "acceptance_bonus", "amount": U(0.0, 0.01)},
            {"by": "M", "target": "L", "kind": "refusal_cost", "amount": U(0.0, 0.01), "start": 3},
            {"by": "S", "target": "H", "kind": "side_payment", "issue": "sanctions",
             "amount": U(0.0, 0.2), "end": 6},
            {"by": "S", "target": "L", "kind": "war_drift", "amount": U(-0.01, 0.0)},
        ],
        "recognition": {"probabilities": {"M": 0.5, "H": 0.2, "L": 0.2, "S": 0.1}},
    }


# --- in distribution -------------------------------------------------------------------------

def run_events(block) -> dict[str, np.ndarray]:
    """Per-run indicators whose shares the two implementations must agree on."""
    events = {name: block.outcome == k for k, name in enumerate(OUTCOMES)}
    events.update({
        "agreed in round 1": block.agreement_round == 1,
        "agreed in round 2": block.agreement_round == 2,
        "any truce": block.truces > 0,
        "truce collapsed": block.collapsed,
        "outright win": block.victory != 0,
    })
    for a in range(block.offers.shape[1]):
        events[f"actor {a} proposed the agreement"] = block.proposer == a
    return events


def disagreements(naive, engine) -> list[str]:
    """Quantities whose shares differ: two-proportion z-tests (pooled variance), each at
    99.9% / m (Bonferroni over the m quantities), so that the whole family is at 99.9%."""
    out = []
    ours, theirs = run_events(naive), run_events(engine)
    critical = NormalDist().inv_cdf(1 - FAMILY_LEVEL / (2 * len(ours)))
    for name in ours:
        x1, n1, x2, n2 = ours[name].sum(), ours[name].size, theirs[name].sum(), theirs[name].size
        pooled = (x1 + x2) / (n1 + n2)
        if pooled in (0.0, 1.0):  # neither ever (or both always) saw it: they agree
            continue
        z = (x1 / n1 - x2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        if abs(z) > critical:
            out.append(f"{name}: naive {x1 / n1:.4f} (n={n1}), "
                       f"engine {x2 / n2:.4f} (n={n2}), z={z:+.2f}")
    return out


def stances() -> dict:
    """Persistent response shocks (they matter only with noise, so the world-by-world
    checks cannot see them), an actor that stalls for a few rounds in some worlds, and
    a gain from the process (docs/model.md §17)."""
    with STANCES.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    data["bargaining"]["stance_persistence"] = 0.95
    data["actors"]["A"].update(insincere=0.3, insincere_rounds=U(1, 4), process_gain=0.05)
    return data


SCENARIOS = {"two_party": lambda: TWO_PARTY, "every_mechanism": every_mechanism,
             "baseline": lambda: BASELINE}
SCENARIOS["stances"] = stances
NAIVE_RUNS = {"two_party": 600, "every_mechanism": 450, "baseline": 100}  # the baseline plays whole horizons: slow in the naive model
ENGINE_RUNS = {"two_party": 4096, "every_mechanism": 4096, "baseline": 1024}
NAIVE_RUNS["stances"], ENGINE_RUNS["stances"] = 600, 4096


@functools.cache
def engine_block(name: str):
    """One engine block, on a seed the naive runs do not use."""
    scenario = negotiate.load_scenario(SCENARIOS[name]())
    return run_block(scenario, ENGINE_RUNS[name], np.random.SeedSequence(202))


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_outcome_frequencies_agree(name):
    scenario = negotiate.load_scenario(SCENARIOS[name]())
    naive = run_naive(scenario, NAIVE_RUNS[name], np.random.SeedSequence(101), memo=True)
    assert disagreements(naive, engine_block(name)) == []


def no_safety_margin(data):
    data.setdefault("bargaining", {})["margin"] = 0.0


def no_continuation_values(data):
    data.setdefault("bargaining", {})["continuation"] = False


def no_fixed_point_sweeps(data):
    data.setdefault("bargaining", {})["first_round_iterations"] = 1


def no_stance_persistence(data):
    data["bargaining"]["stance_persistence"] = 0.0


# each change on a scenario where that piece visibly shapes the outcomes
@pytest.mark.parametrize("change, name", [(no_safety_margin, "every_mechanism"),
                                          (no_continuation_values, "two_party"),
                                          (no_fixed_point_sweeps, "two_party"),
                                          (no_stance_persistence, "stances")])
def test_frequency_check_detects_a_different_model(change, name):
    """The comparison has power: a model that leaves out one piece of the bargaining
    (as a faulty reimplementation might) is caught."""
    data = negotiate.load_scenario(SCENARIOS[name]()).to_dict()
    change(data)
    naive = run_naive(negotiate.load_scenario(data), 400, np.random.SeedSequence(101), memo=True)
    assert disagreements(naive, engine_block(name)) != []


# --- world by world ----------------------------------------------------------------------------

def without_noise(data: dict, recognition: dict) -> dict:
    """The same scenario with every random shock removed (a collapse has probability 0)."""
    data = copy.deepcopy(data)
    for actor in data["actors"].values():
        actor["noise"] = 0.0
    war = data.setdefault("war", {})
    war["volatility"] = 0.0
    for event in war.get("events", []):
        event["volatility"], event["probability"] = 0.0, 1.0
    if "victory" in war:  # a win then comes as soon as the front crosses a threshold
        war["victory"]["probability"] = 1.0
    data.setdefault("truce", {})["hazard"] = {"scale": 1e9, "shape": 10}
    # ratification (docs/model.md §15) succeeds for sure in some worlds and fails for
    # sure in the others: the two implementations draw their uniforms differently
    for entry in data.get("talks", {}).get("ratification", []):
        entry["probability"] = {"dist": "choice", "values": [0, 1], "p": [0.3, 0.7]}
    data["recognition"] = recognition
    return data


def red_lines(data: dict) -> dict:
    """Red lines (docs/model.md §16) on settlement, truce and binary issues, for a party,
    the compromise proposer and a stakeholder; H's bound on the front follows it, and
    the two parties' bounds on the front clash in some worlds (no settlement there)."""
    data = copy.deepcopy(data)
    positions = {name: actor["positions"] for name, actor in data["actors"].items()}
    positions["H"]["front"]["red_line"] = {"min": U(0.35, 0.55), "follows_front": 0.5}
    positions["H"]["arms"]["red_line"] = {"min": 0.2}
    positions["L"]["front"]["red_line"] = {"max": U(0.4, 0.8)}
    positions["L"]["treaty"]["red_line"] = {"max": 0}
    positions["L"]["monitors"]["red_line"] = {"max": 0.6}
    positions["S"]["sanctions"]["red_line"] = {"max": U(0.3, 0.6)}
    return data


STANDSTILL = "standstill while drafting"
ERODING = "red lines that give way"


def deterministic_variants() -> dict[str, dict]:
    base = every_mechanism()
    only = lambda who: {"probabilities": {a: float(a == who) for a in base["actors"]}}
    variants = {
        "alternating": without_noise(base, {"mode": "alternating", "order": ["M", "H", "L", "S"]}),
        "H proposes": without_noise(base, only("H")),
        "L proposes": without_noise(base, only("L")),
        "M proposes": without_noise(base, only("M")),
    }
    linear = without_noise(base, {"mode": "alternating", "order": ["H", "M", "L"]})
    linear["bargaining"] = {"utility_exponent": 1}
    variants["linear utility"] = linear
    wins = without_noise(base, {"mode": "alternating", "order": ["L", "H"]})
    wins["war"]["victory"].update(upper=0.64, lower=0.56)
    variants["outright wins"] = wins
    variants["red lines"] = without_noise(red_lines(base), {"mode": "alternating",
                                                            "order": ["H", "M", "L", "S"]})
    # red lines that hold on one agenda only (a signatory's legitimacy, docs/model.md §16)
    per_agenda = red_lines(base)
    per_agenda["actors"]["H"]["positions"]["arms"]["red_line"]["agendas"] = ["settlement"]
    per_agenda["actors"]["L"]["positions"]["monitors"]["red_line"]["agendas"] = ["truce"]
    variants["red lines on one agenda"] = without_noise(per_agenda, {"mode": "alternating",
                                                                     "order": ["H", "M", "L", "S"]})
    # red lines that give way after rounds at war (docs/model.md §16, "Red lines that give
    # way"), the mean drawn per world: bounds, the one that follows the front too, drop
    # within the horizon in most worlds, and truces pause the clocks
    eroding = red_lines(base)
    eroding["actors"]["H"]["positions"]["front"]["red_line"] = {"min": U(0.5, 0.7)}   # a clash
    eroding["actors"]["L"]["positions"]["front"]["red_line"]["max"] = U(0.3, 0.5)    # everywhere
    eroding.setdefault("bargaining", {})["red_lines_hold"] = U(1, 8)
    variants[ERODING] = without_noise(eroding, {"mode": "alternating", "order": ["L", "M", "H", "S"]})
    eroding["actors"]["H"]["positions"]["front"]["red_line"]["follows_front"] = 0.5
    variants[ERODING + ", following the front"] = without_noise(
        eroding, {"mode": "alternating", "order": ["H", "L", "M", "S"]})
    # political issues that follow the front in a war's end state (docs/model.md §4): one
    # with the front, drawn per world, one (binary) against it; outright wins still certain
    politics = without_noise(base, {"mode": "alternating", "order": ["L", "M", "H", "S"]})
    politics["issues"]["sanctions"]["follows_front"] = U(0.2, 1.0)
    politics["issues"]["treaty"]["follows_front"] = -0.7
    variants["politics follows the front"] = politics
    linear_politics = copy.deepcopy(politics)
    linear_politics["recognition"] = {"mode": "alternating", "order": ["H", "L", "M"]}
    linear_politics["bargaining"] = {"utility_exponent": 1}
    variants["politics follows the front, linear utility"] = linear_politics
    # a party that signs no truce at all (docs/model.md §16): truces are closed to everyone
    no_truce = without_noise(base, {"mode": "alternating", "order": ["H", "M", "L"]})
    no_truce["actors"]["L"]["signs"] = ["settlement"]
    variants["signs settlements only"] = no_truce
    # stances, gains from the process, stalling (docs/model.md §17): H stalls in about
    # half the worlds, for 1-6 rounds; L gains from talking while fighting
    stalling = without_noise(base, {"mode": "alternating", "order": ["H", "M", "L"]})
    stalling["actors"]["H"].update(insincere=0.5, insincere_rounds=U(1, 6), process_gain=U(0.0, 0.05))
    stalling["actors"]["L"].update(process_gain=U(0.0, 0.1))
    stalling["bargaining"] = {"stance_persistence": 0.7}
    variants["stances and stalling"] = stalling
    stalls_truces = without_noise(base, {"mode": "alternating", "order": ["L", "H", "M"]})
    stalls_truces["actors"]["L"].update(insincere=0.6, insincere_truces=True)
    variants["stalling truces too"] = stalls_truces
    # private resolve (docs/model.md §18): both parties' war costs are private, proposers
    # screen them at three quantiles of the public beliefs, refusals truncate the beliefs,
    # and fighting teaches about H's; truces and durable settlements move the needs too
    private = without_noise(base, {"mode": "alternating", "order": ["H", "M", "L", "S"]})
    private["actors"]["H"]["resolve"] = {"private": True, "learning": 0.3}
    private["actors"]["L"]["resolve"] = {"private": True}
    variants["private resolve"] = private
    one_private = without_noise(base, {"mode": "alternating", "order": ["M", "L", "H", "S"]})
    one_private["actors"]["L"].update(war_cost=U(0.05, 0.3), resolve={"private": True})
    one_private["bargaining"] = {"resolve_cutoffs": 7}
    variants["private resolve, fine cutoffs"] = one_private
    # talks as a process (docs/model.md §15): a set-up, a calendar, drafting, and a
    # ratification that fails for sure in some worlds and succeeds for sure in the others
    talks = without_noise(base, {"mode": "alternating", "order": ["H", "L", "M"]})
    talks["talks"] = {"setup": {"dist": "choice", "values": [0, 1, 3]}, "every": 2,
                      "drafting": {"base": U(0, 3), "per_issue": 0.25},
                      "ratification": [{"actor": "L", "probability": {"dist": "choice", "values": [0, 1],
                                                                      "p": [0.3, 0.7]}}]}
    variants["talks"] = talks
    after_truce = copy.deepcopy(talks)
    after_truce["talks"].update(every=1, settlement_after_truce=1)
    variants["talks after a truce"] = after_truce
    # truce drafting (docs/model.md §15): accepted truces drafted base + per_condition × m
    # rounds, priced by everyone, the plain truce weighed by every truce proposer
    truce_drafting = without_noise(base, {"mode": "alternating", "order": ["L", "H", "M"]})
    truce_drafting["talks"] = {"truce_drafting": {"base": {"dist": "choice", "values": [0, 1]},
                                                  "per_condition": U(0, 4)}}
    variants["truce drafting"] = truce_drafting
    # standstill while drafting (docs/model.md §15): in about half the worlds a truce that
    # needs drafting stops the fighting at once, the plain ceasefire in force until its
    # conditions are drafted; that ceasefire collapses in its first round in some worlds (for
    # sure: a hazard scale of 1e-3) and expires after 4 rounds, before longer drafts end;
    # outright wins near the front's start make the rounds the front stands still matter, and
    # settlement talks that open late in some worlds leave the standstills time to end
    standstill = copy.deepcopy(truce_drafting)
    standstill["talks"]["truce_drafting"]["standstill"] = 0.5
    standstill["talks"]["setup"] = {"dist": "choice", "values": [0, 8]}
    standstill["truce"].update(length=4, hazard={"scale": {"dist": "choice", "values": [1e9, 1e-3]},
                                                 "shape": 10})
    standstill["war"]["victory"].update(upper=0.66, lower=0.54)
    variants[STANDSTILL] = standstill
    # plain ceasefires outside the bargaining (docs/model.md, "Ceasefire types"): a mediator's
    # pause, a unilateral halt and a partial one, each on the table in some worlds only
    # (a chance of 0 or 1 drawn per world by the library: the two draw their uniforms differently)
    ceasefires = without_noise(base, {"mode": "alternating", "order": ["L", "H", "M"]})
    some = {"dist": "choice", "values": [0, 1], "p": [0.5, 0.5]}
    ceasefires["ceasefires"] = [
        {"name": "pause", "by": "M", "length": 3,
         "start": 1, "end": 3, "probability": some, "pressure": {"H": U(0, 0.02), "L": U(0, 0.02)}},
        {"name": "halt", "by": "L", "parties": "unilateral", "length": 2, "start": 2, "end": 6,
         "probability": some},
        {"name": "slowdown", "by": "M", "scope": "partial", "share": U(0.2, 0.9), "length": 2,
         "start": 1, "end": 8, "probability": some, "pressure": {"H": U(0, 0.02)}},
        {"name": "weary", "by": "M", "length": 1, "start": 9, "end": 14,
         "exhaustion": {"H": U(0, 12), "L": U(0, 12)}},
    ]
    variants["ceasefires"] = ceasefires
    # Nash proposers on a small two-party world, settlements only: the engine's Nash
    # solver raises LinAlgError in richer ones (when no start point gives every veto
    # player more than its disagreement value, its weights reach 1e150 and the Hessian
    # turns singular), e.g. here once truces are in force
    with TWO_PARTY.open(encoding="utf-8") as f:
        two = yaml.safe_load(f)
    two["actors"]["M"].update(strategy="nash")
    two["actors"]["M"]["positions"]["share"]["ideal"] = U(0.3, 0.7)
    two["actors"]["M"]["positions"]["arms"] = pos(U(0, 1), U(0.1, 0.5))
    two["actors"]["A"]["strategy"] = "nash"
    for party in ("A", "B"):
        two["actors"][party].update(war_cost=U(0.03, 0.08), patience=U(0.85, 0.99))
        two["actors"][party]["positions"]["arms"]["salience"] = U(0.1, 0.3)
    for actor in two["actors"].values():
        actor["agendas"] = ["settlement"]
    variants["nash"] = without_noise(two, {"mode": "alternating", "order": ["M", "A", "B"]})
    # decision rules (docs/model.md §19): settlements by a majority of all four (one of
    # whom signs none), one proposer recognised at random (the continuation's q); truces and settlements by a
    # weighted vote with a second count, a blocking minority and a veto player
    majority = without_noise(base, only("H"))
    majority["decision"] = {"settlement": {"bodies": [{"rule": "majority", "members": list(base["actors"])}]}}
    majority["actors"]["S"]["signs"] = ["truce"]   # a member that signs no settlement: outvoted
    variants["majority rule"] = majority
    qualified = without_noise(base, {"mode": "alternating", "order": ["L", "M", "H", "S"]})
    council = {"bodies": [{"rule": "qualified", "weights": {"H": 3, "L": 2, "M": 1},
                           "threshold": 4, "second": {"weights": {"H": 1, "L": 1, "M": 1}, "threshold": 2},
                           "blocking_minority": 2}],
               "vetoes": ["S"]}
    qualified["decision"] = {"truce": council, "settlement": council}
    variants["qualified majority with a veto"] = qualified
    with BASELINE.open(encoding="utf-8") as f:
        baseline = yaml.safe_load(f)
    order = list(baseline["actors"])[:3]   # the two parties and the mediator, in file order
    variants["baseline"] = without_noise(baseline, {"mode": "alternating", "order": order})
    return variants


VARIANTS = deterministic_variants()
WORLDS = 150
BASELINE_WORLDS = 40   # its runs are long: many issues, truces, durable settlements


def worlds(variant: str) -> int:
    return BASELINE_WORLDS if variant == "baseline" else WORLDS
SEED = 5


#: Whole runs compare the mechanics, one sweep of the continuation values per round:
#: where the map has jumps the solver's path depends on rounding (docs/model.md §8),
#: and the solver itself is checked by the first-round test and tests/theory.
ONE_SWEEP = {"bargaining.iterations": 1, "bargaining.first_round_iterations": 1}


def one_sweep(variant: str):
    return negotiate.load_scenario(VARIANTS[variant]).with_overrides(ONE_SWEEP)


@functools.cache
def engine_runs(variant: str):
    return run_block(one_sweep(variant), worlds(variant), np.random.SeedSequence(SEED))


@functools.cache
def naive_runs(variant: str):
    return run_naive(one_sweep(variant), worlds(variant), np.random.SeedSequence(SEED), memo=True)


#: the results compared world by world: exactly, and to 1e-9
EXACT_FIELDS = ("outcome", "agreement_round", "truce_round", "truces", "collapsed", "proposer",
                "victory", "offers", "accepts", "first_accept", "ceasefire", "stood_still",
                "conditions_round", "principle_round", "stalled")
CLOSE_FIELDS = ("terms", "final_balance")


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_first_round_proposals_agree_world_by_world(variant):
    scenario = negotiate.load_scenario(VARIANTS[variant])
    n = worlds(variant)
    engine = NegotiationModel(scenario, n, seed=np.random.SeedSequence(SEED), record=False)
    engine.COMPACT_MIN = n   # keep every world's row after the round
    engine.step()
    models, _ = naive_models(scenario, n, np.random.SeedSequence(SEED), memo=True)
    proposed = skipped = 0
    for i, model in enumerate(models):
        model.step()
        if engine.out["unconverged"][i] or model.unconverged:
            # no fixed point within the tolerance (the map has jumps there): the solver's
            # path then depends on rounding, so the two implementations may part
            skipped += 1
            continue
        ours = model.last or {"agenda": -1}
        assert ours["agenda"] == engine.last["agenda"][i], f"world {i}: agenda"
        if ours["agenda"] < 0:
            continue
        proposed += 1
        assert ours["proposer"] == engine.last["proposer"][i], f"world {i}: proposer"
        np.testing.assert_allclose(ours["y"], engine.last["y"][i], atol=1e-9,
                                   err_msg=f"world {i}: offer")
        assert ours["agreed"] == engine.last["agreed"][i], f"world {i}: agreement"
    assert proposed > 0
    # deterministic variants without response noise solve to 1e-10 and miss it in many
    # worlds; still, a good share of the worlds must be compared
    assert skipped <= 0.8 * n, f"{skipped} of {n} worlds did not converge in round 1"


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_whole_runs_agree_world_by_world(variant):
    engine, naive = engine_runs(variant), naive_runs(variant)
    for field in EXACT_FIELDS:
        np.testing.assert_array_equal(getattr(naive, field), getattr(engine, field), err_msg=field)
    for field in CLOSE_FIELDS:
        np.testing.assert_allclose(getattr(naive, field), getattr(engine, field), atol=1e-9,
                                   err_msg=field)


def standstill_fates(variant: str) -> dict[str, int]:
    """Counts, over the engine's run of ``variant`` (as :func:`engine_runs` plays it), of
    truces with conditions and D > 0 agreed: in worlds where the front stands still, then
    whose conditions took effect once drafted, or were dropped because the plain ceasefire
    collapsed or expired first; and in worlds at war while they are drafted."""
    n = worlds(variant)
    model = NegotiationModel(one_sweep(variant), n, seed=np.random.SeedSequence(SEED), record=False)
    model.COMPACT_MIN = n   # keep every world's row
    p = model.params
    fates = dict.fromkeys(["standstill", "took effect", "collapsed", "expired", "at war"], 0)
    conditional = np.zeros(n, bool)   # the truce being drafted carries conditions
    while model.running:
        still, due = model.standing_still.copy(), model.truce_due.copy()
        expires = model.truce_age + 1 >= model.truce_len   # if it lasts another round
        model.step()
        agreed = (model.truce_due > 0) & (model.truce_due != due)   # a new one (due later)
        ended = still & conditional & (~model.standing_still | agreed)
        in_force = model.phase == IN_TRUCE   # not a world a settlement signed meanwhile ended
        fates["took effect"] += int((ended & (due == model.round) & in_force).sum())
        dropped = ended & (due != model.round)
        fates["collapsed"] += int((dropped & ~expires).sum())
        fates["expired"] += int((dropped & expires).sum())
        conditional = np.where(agreed, truce.conditions(p, model.pending_truce_terms) > 0, conditional)
        fates["standstill"] += int((agreed & conditional & model.standing_still).sum())
        fates["at war"] += int((agreed & conditional & ~model.standing_still).sum())
    return fates


def test_the_standstill_variant_sees_every_fate():
    """The variant `standstill while drafting` compares what it is for: truces with
    conditions stopping the fighting at once, whose conditions then take effect in some
    worlds and are dropped in others (a collapse, an expiry), and truces with conditions
    drafted during war."""
    fates = standstill_fates(STANDSTILL)
    assert all(fates.values()), fates


def test_whole_runs_catch_standstills_priced_as_war(monkeypatch):
    """Mutation check: an engine that values the rounds of drafting at the war's value in
    the worlds where the front stands still too no longer plays the naive reference's runs."""
    monkeypatch.setattr(NegotiationModel, "_meanwhile", lambda self, state: state.status)
    mutant = run_block(one_sweep(STANDSTILL), worlds(STANDSTILL), np.random.SeedSequence(SEED))
    naive = naive_runs(STANDSTILL)
    differ = [f for f in EXACT_FIELDS if not np.array_equal(getattr(naive, f), getattr(mutant, f))]
    differ += [f for f in CLOSE_FIELDS if not np.allclose(getattr(naive, f), getattr(mutant, f),
                                                          atol=1e-9, equal_nan=True)]
    assert differ


@pytest.mark.parametrize("mutation", ["bounds", "box kept"])
def test_whole_runs_catch_red_lines_that_never_give_way(monkeypatch, mutation):
    """Mutation checks: an engine whose red lines never give way (bounds computed as if no
    round had been fought), or whose box is not renewed when one does, no longer plays the
    naive reference's runs."""
    if mutation == "bounds":
        held = red_lines_module.bounds_now
        monkeypatch.setattr(red_lines_module, "bounds_now",
                            lambda p, balance, fought=None: held(p, balance))
    else:
        monkeypatch.setattr(red_lines_module, "_gave_way", lambda p, current, fought: False)
    mutant = run_block(one_sweep(ERODING), worlds(ERODING), np.random.SeedSequence(SEED))
    naive = naive_runs(ERODING)
    differ = [f for f in EXACT_FIELDS if not np.array_equal(getattr(naive, f), getattr(mutant, f))]
    assert differ


def test_the_naive_models_memo_changes_no_number():
    """The tests run the naive model with ``memo=True`` (values kept once computed: war and
    settlement values, red-line boxes); the benchmarks time it without.  Both must play the
    same runs, with noise, red lines that follow the front and settlements that may break
    down (a memo keyed on too little, e.g. without the belief, fails here)."""
    scenario = negotiate.load_scenario(red_lines(every_mechanism()))
    plain = run_naive(scenario, 12, np.random.SeedSequence(7))
    kept = run_naive(scenario, 12, np.random.SeedSequence(7), memo=True)
    for field in ("outcome", "agreement_round", "truce_round", "truces", "collapsed", "proposer",
                  "victory", "offers", "accepts", "first_accept", "ceasefire", "terms", "final_balance"):
        np.testing.assert_array_equal(getattr(plain, field), getattr(kept, field), err_msg=field)


def test_deterministic_variants_cover_the_mechanisms():
    """The world-by-world checks see truces (with conditions, and expiring: a second
    truce needs the first to end), settlements and outright wins."""
    seen = dict.fromkeys(["truce", "conditional", "several truces", "win", "settlement",
                          "unilateral ceasefire", "partial ceasefire"], False)
    for variant in VARIANTS:
        block = engine_runs(variant)
        seen["truce"] |= bool((block.truces > 0).any())
        seen["conditional"] |= bool((block.outcome == OUTCOMES.index("conditional_truce")).any())
        seen["several truces"] |= bool((block.truces > 1).any())
        seen["win"] |= bool((block.victory != 0).any())
        settled = block.outcome == OUTCOMES.index("comprehensive_agreement")
        seen["settlement"] |= bool(settled.any())
        seen["unilateral ceasefire"] |= bool((block.ceasefire % 2 == 1).any())
        seen["partial ceasefire"] |= bool((block.ceasefire >= 2).any())
    assert all(seen.values()), seen
