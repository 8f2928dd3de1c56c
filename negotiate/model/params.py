"""Draw one block's parameters: every scenario number becomes an array over worlds.

Each distribution-valued field gets its own random stream, named by a stable
hash of the field's dotted path, and each world its own uniform on it (a
function of the run's seed, the stream and the world's index in the run only:
:mod:`.streams`); the field's value is its quantile at that uniform.  So
changing or sweeping one field never shifts the draws of another, which is
what makes common random numbers work across scenarios (``compare``,
sweeps), and a world's values do not depend on the block it is played in.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

from ..scenario.distributions import _frozen, is_distribution, quantile_param
from .ceasefire import ceasefire_arrays
from .outcomes import AGENDAS as AGENDA_NAMES
from .rules import build as decision_rules
from .streams import WorldStreams

PARAMS_KEY, DYNAMICS_KEY = 0, 1
#: the ratification draws of talks as a process (docs/model.md §15): a stream of its own
TALKS_KEY = zlib.crc32(b"talks.ratification")


def child(seed: np.random.SeedSequence, *key: int) -> np.random.SeedSequence:
    """A named child of ``seed`` (stateless, unlike ``SeedSequence.spawn``)."""
    return np.random.SeedSequence(entropy=seed.entropy, spawn_key=tuple(seed.spawn_key) + key)


class ParamSampler:
    """Samples scenario numbers for N worlds, one stream per dotted path.

    ``given`` maps dotted paths of distribution-valued fields to values chosen
    by the caller, one per world (an experimental design, e.g. a Sobol
    sample): those fields take these values instead of a draw.

    ``scale`` maps dotted paths of number fields to a per-world multiplier
    (a calibration's scale knob): the field's own value in each world (drawn,
    given, or the constant the scenario wrote) times the world's multiplier.
    The draw itself is untouched, so the scaled field keeps its common random
    numbers.  ``ranges`` gives the field's allowed range, checked after scaling.
    """

    def __init__(self, n: int, streams: WorldStreams, given: dict | None = None,
                 scale: dict | None = None, ranges: dict | None = None):
        self.n = n
        self.streams = streams
        self.inputs: dict[str, np.ndarray] = {}
        self.given = dict(given or {})
        self.scale = dict(scale or {})
        self.ranges = dict(ranges or {})

    def __call__(self, value, path: str) -> np.ndarray:
        values = self._value(value, path)
        if path in self.scale:
            values = self._scaled(values, path)
            if path in self.inputs:  # the inputs are the values the engine plays
                self.inputs[path] = values
        return values

    def _value(self, value, path: str) -> np.ndarray:
        if path in self.given and is_distribution(value):
            chosen = np.asarray(self.given.pop(path), dtype=float)
            self.inputs[path] = chosen
            return chosen
        if not is_distribution(value):
            return np.full(self.n, float(value))
        key = zlib.crc32(path.encode("utf-8"))
        draws = quantile_param(value, self.streams.uniform((PARAMS_KEY, key)))
        self.inputs[path] = draws
        return draws

    def _scaled(self, values: np.ndarray, path: str) -> np.ndarray:
        factor = self.scale.pop(path)
        scaled = values * factor
        lo, hi = self.ranges.get(path, (-np.inf, np.inf))
        outside = (scaled < lo) | (scaled > hi)
        if outside.any():
            w = int(np.argmax(outside))
            raise ValueError(f"given[{path + SCALE_MARK!r}]: the scaled field leaves its range "
                             f"[{lo:g}, {hi:g}] (world {w}: {values[w]:g} × {factor[w]:g} "
                             f"= {scaled[w]:g}); use a smaller multiplier or scale another field")
        return scaled


@dataclass
class LeverageArrays:
    by: int
    target: int
    kind: str
    amount: np.ndarray  # (N,)
    start: int
    end: int
    issue: int = -1

    def active(self, t: int) -> bool:
        return self.start <= t <= self.end


@dataclass
class WorldParams:
    """All parameters of a block, as arrays. Axis order: actors, worlds, issues."""

    n: int
    actor_names: list[str]
    issue_names: list[str]
    roles: list[str]
    ideal: np.ndarray          # (A, N, D)
    salience: np.ndarray       # (A, N, D), rows sum to 1
    capability: np.ndarray     # (A, N)
    patience: np.ndarray       # (A, N)
    noise: np.ndarray          # (A, N)
    optimism: np.ndarray       # (A, N)
    war_cost: np.ndarray       # (A, N)
    strategies: list[str]
    agendas: np.ndarray        # (A, 2) bool: may propose truce / settlement
    signs: np.ndarray          # (A, 2) bool: will sign a truce / a settlement at all
    status_quo: np.ndarray     # (N, D)
    truce_issue: np.ndarray    # (D,) bool
    binary: np.ndarray         # (D,) bool
    threshold: np.ndarray      # (D,)
    controllers: np.ndarray    # (D, A) bool
    is_party: np.ndarray       # (A,) bool
    exponent: int
    horizon: int
    # war
    balance0: np.ndarray       # (N,)
    drift: np.ndarray          # (N,)
    volatility: np.ndarray     # (N,)
    lookahead: int
    battlefield: int           # issue index or -1
    follows_front: np.ndarray  # (D, N) w_d: a war's end state moves issue d by w_d·(front's move)
    ev_start: np.ndarray       # (E,)
    ev_end: np.ndarray         # (E,)
    ev_drift: np.ndarray       # (E, N)
    ev_vol: np.ndarray         # (E, N)
    ev_jump: np.ndarray        # (E, N)
    ev_prob: np.ndarray        # (E, N)
    victory_upper: float
    victory_lower: float
    victory_prob: float
    # truce
    truce_length: int
    regeneration: np.ndarray   # (N,)
    regen_issue: int
    residual: np.ndarray       # (N,)
    cost_factor: np.ndarray    # (N,)
    hazard_scale: np.ndarray   # (N,)
    hazard_shape: float
    hazard_effects: np.ndarray  # (D, N)
    # settlement durability
    settlement_hazard: np.ndarray  # (N,)
    power_effects: np.ndarray      # (D, N) drift per unit of each agreed term in a renewed war
    # bargaining
    leverage: list[LeverageArrays]
    recognition_mode: str
    recognition: np.ndarray    # (N, A) probabilities (random) | order as (K,) ints
    continuation: bool
    iterations: int
    first_iterations: int
    tolerance: float
    noise_tolerance: float
    margin: float
    planning: str              # 'fitted' | 'exact' (strategic proposers)
    concessions: str           # 'proportional' | 'contract_curve' (strategic proposers)
    # talks as a process (docs/model.md §15); inert when ``talks`` is False
    talks: bool
    talks_open: np.ndarray     # (N,) int: the first round settlement talks sit
    talks_every: int           # they sit every k-th round from then
    drafting_base: np.ndarray  # (N,) rounds to draft an agreement in principle ...
    drafting_per_issue: np.ndarray  # (N,) ... plus these per issue it moves
    ratify_actor: np.ndarray   # (R,) int: actors whose ratification a signing needs
    ratify_prob: np.ndarray    # (R, N) the chance each ratifies (per attempt)
    settle_after_truce: int    # settlements only once a truce has held this long (-1: no rule)
    truce_drafting: bool       # accepted truces are drafted before they are in force (§15)
    truce_draft_base: np.ndarray           # (N,) rounds to draft any accepted truce ...
    truce_draft_per_condition: np.ndarray  # (N,) ... plus these per condition it carries
    truce_standstill: np.ndarray           # (N,) bool: the front stands still while one is drafted
    # stances, gains from the process, stalling (docs/model.md §17); inert at their defaults
    stance_persistence: np.ndarray  # (N,) ρ of each responder's AR(1) stance (0: fresh shocks)
    process_gain: np.ndarray        # (A, N) flow gained per round of war with talks going on
    insincere_until: np.ndarray     # (A, N) the actor stalls in rounds t ≤ this (0: sincere)
    insincere_truces: np.ndarray    # (A, N) bool: a stalling actor refuses truces too
    # red lines (docs/model.md §16); inert when ``red_lines`` is False
    red_lines: bool
    red_low: np.ndarray        # (A, N, D) the bound each actor will not sign below (−inf: none)
    red_high: np.ndarray       # (A, N, D) ... nor above (+inf: none)
    red_follow: np.ndarray     # (A, N, D) how far a bound follows the front: bound + w·(b_t − b_0)
    red_on: np.ndarray         # (A, G, D) bool: the bound holds on agenda g (red_line.agendas)
    # red lines that give way (docs/model.md §16): after this many rounds at war (inf: never)
    red_erodes: bool = False
    red_give_low: np.ndarray = None   # (A, N, D) rounds fought after which red_low is gone
    red_give_high: np.ndarray = None  # (A, N, D) ... and red_high
    # private information about resolve (docs/model.md §18); inert when no actor is private
    private: np.ndarray = None          # (A,) bool: the actor's war cost is its private type
    resolve_learning: np.ndarray = None  # (A,) share of the belief's gap a round of war closes
    resolve_cutoffs: int = 3            # quantiles of the belief proposers screen at
    resolve_prior: list = None          # (A,) the war cost's distribution (scipy frozen) or None
    resolve_lo: np.ndarray = None       # (A,) the belief's interval at the start
    resolve_hi: np.ndarray = None
    rules: object = None                # decision rules (negotiate.model.rules.Rules); None: unanimity
    # plain ceasefires outside the bargaining (docs/model.md, "Ceasefire types")
    ceasefires: list = field(default_factory=list)   # [ceasefire.CeasefireArrays]
    inputs: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_actors(self) -> int:
        return len(self.actor_names)

    def take(self, keep: np.ndarray) -> WorldParams:
        """The same parameters for a subset of worlds (``keep``: indices)."""
        from dataclasses import replace

        changes = {name: np.take(getattr(self, name), keep, axis=axis) for name, axis in _WORLD_AXIS.items()}
        if self.recognition_mode == "random":
            changes["recognition"] = self.recognition[keep]
        changes["leverage"] = [replace(lv, amount=lv.amount[keep]) for lv in self.leverage]
        changes["ceasefires"] = [cf.take(keep) for cf in self.ceasefires]
        changes["inputs"] = {path: draws[keep] for path, draws in self.inputs.items()}
        return replace(self, n=len(keep), **changes)

    @property
    def n_issues(self) -> int:
        return len(self.issue_names)


#: Which axis of each per-world array indexes the worlds.
_WORLD_AXIS = {
    "ideal": 1, "salience": 1, "capability": 1, "patience": 1, "noise": 1, "optimism": 1,
    "war_cost": 1, "status_quo": 0, "balance0": 0, "drift": 0, "volatility": 0,
    "follows_front": 1,
    "ev_drift": 1, "ev_vol": 1, "ev_jump": 1, "ev_prob": 1, "regeneration": 0, "residual": 0,
    "cost_factor": 0, "hazard_scale": 0, "hazard_effects": 1, "settlement_hazard": 0,
    "power_effects": 1, "talks_open": 0, "drafting_base": 0, "drafting_per_issue": 0, "ratify_prob": 1,
    "truce_draft_base": 0, "truce_draft_per_condition": 0, "truce_standstill": 0,
    "stance_persistence": 0, "process_gain": 1, "insincere_until": 1, "insincere_truces": 1,
    "red_low": 1, "red_high": 1, "red_follow": 1, "red_give_low": 1, "red_give_high": 1,
}


def streams_for(seed, n: int) -> WorldStreams:
    """``seed`` as the streams of ``n`` worlds: a :class:`WorldStreams` is used as it is,
    a ``SeedSequence`` (or an int) roots the streams of worlds ``0 .. n - 1``."""
    if isinstance(seed, WorldStreams):
        return seed
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
    return WorldStreams(root, np.arange(n))


def draw_params(scenario, n: int, seed, given: dict | None = None) -> WorldParams:
    """Sample every scenario number for ``n`` worlds from ``seed`` (a ``SeedSequence``,
    worlds ``0 .. n - 1``, or the :class:`WorldStreams` of the worlds).

    ``given``: per-world values (arrays of length ``n``) for some
    distribution-valued fields, by dotted path; see :class:`ParamSampler`.
    A path that names no distribution-valued field is an error.  A key that
    ends in ``*`` (``"actors.A.war_cost*"``) is instead a per-world multiplier
    (finite, > 0) of that number field, whether the scenario wrote it as a
    distribution or as a number (a scale knob, docs/validation.md "Calibration").

    A scenario with a ``calibration`` section gets its posterior draws as a run
    does (:func:`~negotiate.model.calibrated.with_calibration`, same stream), so
    the result equals ``NegotiationModel(scenario, n, seed=seed).params``.
    """
    if scenario.calibration is not None:
        # imported here: calibrated.py imports this module
        from .calibrated import with_calibration
        scenario, given = with_calibration(scenario, n, seed, given)
    given, scale = _check_given(given, n)
    scale, ranges = _scale_ranges(scenario, scale)
    streams = streams_for(seed, n)
    draw = ParamSampler(n, streams, given, scale, ranges)
    issues = scenario.issue_names
    actors = scenario.actor_names
    D, A = len(issues), len(actors)
    col = {name: d for d, name in enumerate(issues)}
    who = {name: a for a, name in enumerate(actors)}

    sq = np.stack([draw(scenario.issues[i].status_quo, f"issues.{i}.status_quo") for i in issues], axis=1)
    ideal = np.repeat(sq[None], A, axis=0).copy()
    sal = np.zeros((A, n, D))
    per_actor = {k: np.zeros((A, n)) for k in ("capability", "patience", "noise", "optimism", "war_cost")}
    for a, name in enumerate(actors):
        actor = scenario.actors[name]
        for key, values in per_actor.items():
            values[a] = draw(getattr(actor, key), f"actors.{name}.{key}")
        for issue, pos in actor.positions.items():
            base = f"actors.{name}.positions.{issue}"
            ideal[a, :, col[issue]] = draw(pos.ideal, f"{base}.ideal")
            sal[a, :, col[issue]] = draw(pos.salience, f"{base}.salience")
    sal = _normalised(sal)

    controllers = np.zeros((D, A), bool)
    for d, i in enumerate(issues):
        for c in scenario.issues[i].controllers:
            controllers[d, who[c]] = True
    default_threshold = scenario.outcomes.condition_threshold
    threshold = np.array([scenario.issues[i].threshold or default_threshold for i in issues])

    war = scenario.war
    events = war.events
    horizon = scenario.rounds.horizon

    def ev(attr):
        if not events:
            return np.zeros((0, n))
        return np.stack([draw(getattr(e, attr), f"war.events[{k}].{attr}") for k, e in enumerate(events)])

    truce = scenario.truce
    hz_effects = np.zeros((D, n))
    for issue, coef in truce.hazard_effects.items():
        hz_effects[col[issue]] = draw(coef, f"truce.hazard_effects.{issue}")

    power = np.zeros((D, n))
    for issue, coef in scenario.settlement.power_effects.items():
        power[col[issue]] = draw(coef, f"settlement.power_effects.{issue}")

    leverage = [
        LeverageArrays(
            by=who[lv.by], target=who[lv.target], kind=lv.kind,
            amount=draw(lv.amount, f"leverage[{k}].amount"),
            start=lv.start, end=lv.end if lv.end is not None else horizon,
            issue=col[lv.issue] if lv.issue is not None else -1,
        )
        for k, lv in enumerate(scenario.leverage)
    ]
    mode, recog = _recognition(scenario, per_actor["capability"], who)

    params = WorldParams(
        n=n, actor_names=actors, issue_names=issues,
        roles=[scenario.actors[a].role for a in actors],
        ideal=ideal, salience=sal, **per_actor,
        strategies=[scenario.actors[a].strategy for a in actors],
        agendas=np.array([[g in scenario.actors[a].agendas and g in scenario.actors[a].signs
                           for g in ("truce", "settlement")] for a in actors]),
        signs=np.array([[g in scenario.actors[a].signs for g in ("truce", "settlement")] for a in actors]),
        status_quo=sq,
        truce_issue=np.array([scenario.issues[i].group == "truce" for i in issues]),
        binary=np.array([scenario.issues[i].kind == "binary" for i in issues]),
        threshold=threshold, controllers=controllers,
        is_party=np.array([scenario.actors[a].role == "party" for a in actors]),
        exponent=scenario.bargaining.utility_exponent, horizon=horizon,
        balance0=draw(war.balance, "war.balance"), drift=draw(war.drift, "war.drift"),
        volatility=draw(war.volatility, "war.volatility"), lookahead=war.lookahead,
        battlefield=col[war.battlefield_issue] if war.battlefield_issue else -1,
        follows_front=_follows_front(scenario, draw, n),
        ev_start=np.array([e.start for e in events], int),
        ev_end=np.array([e.end if e.end is not None else e.start for e in events], int),
        ev_drift=ev("drift"), ev_vol=ev("volatility"), ev_jump=ev("jump"), ev_prob=ev("probability"),
        victory_upper=war.victory.upper, victory_lower=war.victory.lower,
        victory_prob=war.victory.probability,
        truce_length=truce.length,
        regeneration=draw(truce.regeneration, "truce.regeneration"),
        regen_issue=col[truce.regeneration_issue] if truce.regeneration_issue else -1,
        residual=draw(truce.residual, "truce.residual"),
        cost_factor=draw(truce.cost_factor, "truce.cost_factor"),
        hazard_scale=draw(truce.hazard.scale, "truce.hazard.scale"),
        hazard_shape=truce.hazard.shape, hazard_effects=hz_effects,
        settlement_hazard=draw(scenario.settlement.hazard, "settlement.hazard"), power_effects=power,
        leverage=leverage, recognition_mode=mode, recognition=recog,
        continuation=scenario.bargaining.continuation,
        iterations=scenario.bargaining.iterations,
        first_iterations=scenario.bargaining.first_round_iterations,
        tolerance=scenario.bargaining.tolerance,
        noise_tolerance=scenario.bargaining.noise_tolerance,
        margin=scenario.bargaining.margin, planning=scenario.bargaining.planning,
        concessions=scenario.bargaining.concessions,
        **_talks(scenario, draw, n, who, streams),
        **_stances_and_stalling(scenario, draw, n, streams),
        **_red_lines(scenario, draw, n, col, streams),
        **_resolve(scenario),
        rules=decision_rules(scenario, actors),
        ceasefires=ceasefire_arrays(scenario, draw, who),
        inputs=draw.inputs,
    )
    if draw.given:  # nothing consumed these: they name no distribution-valued field
        raise ValueError(f"given values for fields that are not distributions in this scenario: "
                         f"{sorted(draw.given)}; distribution-valued fields: {sorted(draw.inputs)}")
    if draw.scale:  # a number field the engine reads as it is, or does not use in this scenario
        raise ValueError(f"given multipliers for fields the engine draws no per-world value of in this "
                         f"scenario: {sorted(p + SCALE_MARK for p in draw.scale)}")
    return params


def _follows_front(scenario, draw, n: int) -> np.ndarray:
    """(D, N): how far each issue follows the front in a war's end state (docs/model.md §4);
    0 where the field is absent, drawn from the stream of ``issues.<name>.follows_front``."""
    rows = [np.zeros(n) if issue.follows_front is None
            else draw(issue.follows_front, f"issues.{name}.follows_front")
            for name, issue in scenario.issues.items()]
    return np.stack(rows)


def _red_lines(scenario, draw, n: int, col: dict[str, int], streams: WorldStreams) -> dict:
    """Red lines (docs/model.md §16): per actor, world and issue the bounds it will not
    sign past, how far they follow the front, and when they give way; each bound has
    its own stream."""
    A, D = len(scenario.actors), len(col)
    low, high, follow = np.full((A, n, D), -np.inf), np.full((A, n, D), np.inf), np.zeros((A, n, D))
    on = np.ones((A, len(AGENDA_NAMES), D), bool)   # on which agendas each bound holds
    found = False
    paths = []   # (actor, issue, side, path) of each bound written
    for a, (name, actor) in enumerate(scenario.actors.items()):
        for issue, pos in actor.positions.items():
            rl = pos.red_line
            if rl is None:
                continue
            found, d, base = True, col[issue], f"actors.{name}.positions.{issue}.red_line"
            if rl.min is not None:
                low[a, :, d] = draw(rl.min, f"{base}.min")
                paths.append((a, d, 0, f"{base}.min"))
            if rl.max is not None:
                high[a, :, d] = draw(rl.max, f"{base}.max")
                paths.append((a, d, 1, f"{base}.max"))
            if rl.follows_front is not None:
                follow[a, :, d] = draw(rl.follows_front, f"{base}.follows_front")
            if rl.agendas is not None:
                on[a, :, d] = [g in rl.agendas for g in AGENDA_NAMES]
    out = {"red_lines": found, "red_low": low, "red_high": high, "red_follow": follow, "red_on": on}
    return out | _give_way(scenario.bargaining.red_lines_hold, draw, n, (A, n, D), paths, streams)


#: the streams of the give-way times (docs/model.md §16, "Red lines that give way"): one per
#: bound, keyed by this and the bound's own path, so no existing draw moves
GIVE_WAY_KEY = zlib.crc32(b"bargaining.red_lines_hold")


def _give_way(hold, draw, n: int, shape: tuple, paths: list, streams: WorldStreams) -> dict:
    """When each bound gives way: after T ~ Exponential(mean ``hold``) rounds at war, T drawn
    per world and bound (``-mean · log u``, u from the stream (GIVE_WAY_KEY, crc32(path)));
    never (inf) without ``hold`` or without the bound."""
    give = {"red_give_low": np.full(shape, np.inf), "red_give_high": np.full(shape, np.inf)}
    if hold is None or not paths:
        return {"red_erodes": False, **give}
    mean = draw(hold, "bargaining.red_lines_hold")
    for a, d, side, path in paths:
        u = streams.uniform((GIVE_WAY_KEY, zlib.crc32(path.encode("utf-8"))))
        give["red_give_high" if side else "red_give_low"][a, :, d] = -mean * np.log(u)
    return {"red_erodes": True, **give}


#: an unbounded prior's belief starts between these quantiles (docs/model.md §18)
PRIOR_TAILS = (0.01, 0.99)


def _resolve(scenario) -> dict:
    """Private resolve (docs/model.md §18): who is private, the prior of its war cost (the
    scenario's distribution), and the public belief's starting interval: the prior's
    support, or its 1st / 99th percentile at an unbounded end."""
    actors = [scenario.actors[a] for a in scenario.actor_names]
    private = np.array([a.resolve is not None and a.resolve.private for a in actors])
    A = len(actors)
    lo, hi = np.zeros(A), np.zeros(A)
    prior = [None] * A
    for k, actor in enumerate(actors):
        if not private[k]:
            continue
        dist = _frozen(actor.war_cost)
        low, high = actor.war_cost.support()
        lo[k] = low if np.isfinite(low) else float(dist.ppf(PRIOR_TAILS[0]))
        hi[k] = high if np.isfinite(high) else float(dist.ppf(PRIOR_TAILS[1]))
        prior[k] = dist
    return {"private": private,
            "resolve_learning": np.array([a.resolve.learning if a.resolve is not None else 0.0
                                          for a in actors]),
            "resolve_cutoffs": scenario.bargaining.resolve_cutoffs, "resolve_prior": prior,
            "resolve_lo": lo, "resolve_hi": hi}


def _talks(scenario, draw, n: int, who: dict[str, int], streams: WorldStreams) -> dict:
    """Talks as a process (docs/model.md §15): when settlement talks open, how long
    drafting takes, who must ratify. Without a ``talks`` section: open from round 1,
    every round, nothing to draft or ratify (and ``talks`` False: the engine skips it)."""
    t = scenario.talks
    if t is None:
        return {"talks": False, "talks_open": np.ones(n, np.int64), "talks_every": 1,
                "drafting_base": np.zeros(n), "drafting_per_issue": np.zeros(n),
                "ratify_actor": np.zeros(0, np.int64), "ratify_prob": np.zeros((0, n)),
                "settle_after_truce": -1, **_truce_drafting(None, draw, n, streams)}
    horizon = scenario.rounds.horizon
    setup = np.minimum(draw(t.setup, "talks.setup"), horizon)     # whole rounds, never past the horizon
    ratify = [draw(r.probability, f"talks.ratification[{k}].probability") for k, r in enumerate(t.ratification)]
    return {
        "talks": True, "talks_open": 1 + np.rint(setup).astype(np.int64), "talks_every": t.every,
        "drafting_base": draw(t.drafting.base, "talks.drafting.base"),
        "drafting_per_issue": draw(t.drafting.per_issue, "talks.drafting.per_issue"),
        "ratify_actor": np.array([who[r.actor] for r in t.ratification], np.int64),
        "ratify_prob": np.stack(ratify) if ratify else np.zeros((0, n)),
        "settle_after_truce": -1 if t.settlement_after_truce is None else t.settlement_after_truce,
        **_truce_drafting(t.truce_drafting, draw, n, streams),
    }


#: the stream of the standstill draw (docs/model.md §15, "Standstill while drafting"): one
#: of its own, so no existing draw moves
STANDSTILL_KEY = zlib.crc32(b"talks.truce_drafting.standstill")


def _truce_drafting(section, draw, n: int, streams: WorldStreams) -> dict:
    """Truce drafting (docs/model.md §15): rounds per world, and whether the front stands
    still while a truce is drafted (a uniform draw below ``standstill``, from the stream
    ``(STANDSTILL_KEY,)``, drawn only when the chance is not 0); none without the section."""
    still = np.zeros(n, bool)
    if section is None:
        return {"truce_drafting": False, "truce_draft_base": np.zeros(n),
                "truce_draft_per_condition": np.zeros(n), "truce_standstill": still}
    if is_distribution(section.standstill) or section.standstill != 0:
        chance = draw(section.standstill, "talks.truce_drafting.standstill")
        still = streams.uniform((STANDSTILL_KEY,)) < chance
    return {"truce_drafting": True,
            "truce_draft_base": draw(section.base, "talks.truce_drafting.base"),
            "truce_draft_per_condition": draw(section.per_condition, "talks.truce_drafting.per_condition"),
            "truce_standstill": still}


def _normalised(sal: np.ndarray) -> np.ndarray:
    """Saliences (A, N, D) scaled to sum to 1 over issues (all zero stays zero).

    Rows whose sum overflows (saliences near 1e308) are first divided by
    their largest entry; the others are divided by their sum directly, as
    always (so their values do not change by a rounding).
    """
    total = sal.sum(axis=2, keepdims=True)
    huge = np.isinf(total)
    if huge.any():
        top = sal.max(axis=2, keepdims=True)
        sal = np.where(huge, sal / np.where(huge, top, 1.0), sal)
        total = sal.sum(axis=2, keepdims=True)
    return np.divide(sal, total, out=np.zeros_like(sal), where=total > 0)


#: a ``given`` key ending in this is a per-world multiplier of the field it names
SCALE_MARK = "*"


def _check_given(given, n: int) -> tuple[dict, dict]:
    """``given`` split into ``(values by path, multipliers by path)``, each array checked."""
    if not given:
        return {}, {}
    out, scale = {}, {}
    for path, values in given.items():
        try:
            arr = np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"given[{path!r}] must be numbers, one per world ({n})") from None
        if arr.shape != (n,):
            raise ValueError(f"given[{path!r}] must have one value per world ({n}), got shape {arr.shape}")
        if not np.isfinite(arr).all():
            raise ValueError(f"given[{path!r}] has non-finite values")
        if isinstance(path, str) and path.endswith(SCALE_MARK):
            if not (arr > 0).all():
                raise ValueError(f"given[{path!r}] is a multiplier: every value must be > 0, "
                                 f"got {arr[arr <= 0][0]:g}")
            scale[path[:-len(SCALE_MARK)]] = arr
        else:
            out[path] = arr
    return out, scale


def _scale_ranges(scenario, scale: dict) -> tuple[dict, dict[str, tuple[float, float]]]:
    """The multipliers by the engine's form of each path (list items by index), and the
    allowed range of each field they scale; a path that names no number field of
    ``scenario``, or a private war cost, is an error."""
    from ..scenario.calibration import number_field_range
    from ..scenario.paths import index_path

    scale = {index_path(scenario, path): values for path, values in scale.items()}
    ranges = {}
    for path in scale:
        try:
            ranges[path] = number_field_range(scenario, path)
        except ValueError as exc:
            raise ValueError(f"given[{path + SCALE_MARK!r}]: {exc}") from None
    for name in scenario.actor_names:
        actor = scenario.actors[name]
        if f"actors.{name}.war_cost" in scale and actor.resolve is not None and actor.resolve.private:
            raise ValueError(f"given['actors.{name}.war_cost{SCALE_MARK}']: {name}'s war cost is private "
                             "(resolve.private), and the others' prior about it is the scenario's "
                             "distribution: a per-world multiplier would put its type outside that "
                             'prior (docs/model.md, "Private information and learning")')
    return scale, ranges


def _recognition(scenario, capability: np.ndarray, who: dict[str, int]):
    """Recognition probabilities (N, A), or the order of an alternating protocol."""
    r = scenario.recognition
    A, n = capability.shape
    if r.mode == "alternating":
        return "alternating", np.array([who[name] for name in r.order], int)
    if r.probabilities is not None:
        p = np.zeros(A)
        for name, prob in r.probabilities.items():
            p[who[name]] = prob
        return "random", np.broadcast_to(p, (n, A)).copy()
    roles = [scenario.actors[a].role for a in scenario.actor_names]
    mediators = np.array([ro == "mediator" for ro in roles])
    parties = np.array([ro == "party" for ro in roles])
    q = r.mediator_share if mediators.any() else 0.0
    cap = capability.T * parties  # (N, A)
    cap_total = cap.sum(axis=1, keepdims=True)
    party_share = np.divide(cap, cap_total, out=np.full_like(cap, 1.0 / parties.sum()) * parties,
                            where=cap_total > 0)
    p = (1 - q) * party_share + q * mediators / max(mediators.sum(), 1)
    return "random", p


#: streams of their own for the stances' innovations (each round, in the model) and for
#: which actors stall (once per world, here), so no existing draw moves (docs/model.md §17)
STANCE_KEY = zlib.crc32(b"bargaining.stance_persistence")
INSINCERITY_KEY = zlib.crc32(b"actors.insincere")


def _stances_and_stalling(scenario, draw: ParamSampler, n: int, streams: WorldStreams) -> dict:
    """Per-world stance persistence, process gains, and the rounds each actor stalls.

    Whether actor ``X`` is insincere in a world is a uniform draw below its
    probability, from the stream ``(INSINCERITY_KEY, crc32("actors.X.insincere"))``
    (one per actor, named like the field, so adding an actor moves no one else's
    draw); an insincere actor stalls in rounds ``t ≤ insincere_rounds`` (default:
    the horizon); a sincere one has 0.
    """
    A = len(scenario.actor_names)
    until = np.zeros((A, n))
    gain = np.zeros((A, n))
    truces = np.zeros((A, n), bool)
    for a, name in enumerate(scenario.actor_names):
        actor = scenario.actors[name]
        gain[a] = draw(actor.process_gain, f"actors.{name}.process_gain")
        if not is_distribution(actor.insincere) and actor.insincere == 0:
            continue
        path = f"actors.{name}.insincere"
        chance = draw(actor.insincere, path)
        key = zlib.crc32(path.encode("utf-8"))
        insincere = streams.uniform((INSINCERITY_KEY, key)) < chance
        rounds = (np.full(n, float(scenario.rounds.horizon)) if actor.insincere_rounds is None
                  else draw(actor.insincere_rounds, f"actors.{name}.insincere_rounds"))
        until[a] = np.where(insincere, rounds, 0.0)
        truces[a] = _stalls_truces(actor.insincere_truces, f"actors.{name}.insincere_truces", draw, n, streams)
    return {
        "stance_persistence": draw(scenario.bargaining.stance_persistence, "bargaining.stance_persistence"),
        "process_gain": gain, "insincere_until": until,
        "insincere_truces": truces,
    }


def _stalls_truces(value, path: str, draw: ParamSampler, n: int, streams: WorldStreams) -> np.ndarray:
    """(N,) bool: whether an insincere actor stalls truces too; a probability is a uniform
    draw below it from the stream ``(INSINCERITY_KEY, crc32(path))``, a stream of its own."""
    if isinstance(value, bool):
        return np.full(n, value)
    chance = draw(value, path)
    key = zlib.crc32(path.encode("utf-8"))
    return streams.uniform((INSINCERITY_KEY, key)) < chance
