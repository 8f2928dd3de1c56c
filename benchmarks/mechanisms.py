"""What each mechanism costs: the baseline timed with each mechanism switched off in turn.

    python benchmarks/mechanisms.py                         # 2,048 worlds, each timed twice
    python -m benchmarks.mechanisms --worlds 4096 --repeats 3 --json out.json
    python benchmarks/mechanisms.py --only red_lines stances  # a few mechanisms

One process, pinned to one core, BLAS limited to one thread.  Every variant
plays the same worlds (same seed, blocks of 4,096 through the engine's
``NegotiationModel``, as ``negotiate.model.run_block`` does), after a warm-up
of every variant; the timings go round the variants ``--repeats`` times
(full baseline, each variant, full baseline, ...), so a change in the load
hits them all alike.  Each figure is the best of its repeats, in CPU seconds
of this process (``time.process_time``: less sensitive than wall time to
other jobs on shared cores) and as a ratio **full / variant**: how many times
as long the baseline takes with the mechanism as without it (1.25: it costs
25 %; below 1: the baseline is faster with it, usually because it ends worlds
sooner).

A mechanism changes the runs as well as the work per round: worlds stay open
longer or shorter.  So the script also counts world-rounds (an open world
playing one round) and gives the ratio per world-round, the cost of the
mechanism's own computations.

A mechanism is switched off through ``Scenario.with_overrides``, except the
fields a ``calibration`` section replaces (docs/validation.md, "Calibration"):
those the calibration would overwrite world by world (``with_overrides``
refuses them), so they are given as per-world values
(``run_block(..., given=)``), which win over the calibration's draws.  Before timing, every variant's drawn parameters are checked to have
the mechanism off (``MECHANISMS[name].off``); a variant that leaves it on
stops the script.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if not __package__:  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# first: limits BLAS to one thread before numpy is imported
from benchmarks.common import DEFAULT_SCENARIO, machine, pin_to_one_cpu, write_figures  # noqa: I001

import numpy as np

import negotiate
from negotiate.model import NegotiationModel
from negotiate.model.block import release
from negotiate.model.calibrated import with_calibration
from negotiate.model.outcomes import NONE
from negotiate.model.params import draw_params
from negotiate.scenario.calibrated_fields import replaced_fields
from negotiate.scenario.distributions import is_distribution

BLOCK = 4096
FULL = "full"


@dataclass(frozen=True)
class Mechanism:
    """A mechanism of the model and how to switch it off in a scenario.

    ``changes(scenario)``: ``{dotted path: value}`` that switch it off, or ``None`` when
    the scenario does not use it; ``off(scenario, params)``: whether the variant's scenario
    and its drawn parameters have it off."""

    label: str
    changes: Callable[[object], dict | None]
    off: Callable[[object, object], bool]


def _set(value) -> bool:
    """A number field that may be other than 0 (a distribution, or a number not 0)."""
    return is_distribution(value) or (value is not None and value != 0)


def _actors_with(scenario, field: str) -> list[str]:
    return [a for a, actor in scenario.actors.items() if _set(getattr(actor, field))]


def _red_lines(scenario) -> dict | None:
    paths = {f"actors.{a}.positions.{i}.red_line": None
             for a, actor in scenario.actors.items()
             for i, pos in (actor.positions or {}).items() if pos.red_line is not None}
    return paths or None


def _follows_front(scenario) -> dict | None:
    paths = {f"issues.{d}.follows_front": None
             for d, issue in scenario.issues.items() if issue.follows_front is not None}
    return paths or None


def _drafting(scenario):
    return scenario.talks.truce_drafting if scenario.talks is not None else None


def _talks_part(**values) -> Callable[[object], dict | None]:
    """Switches off a part of the talks section (docs/model.md §15), if the scenario has one."""
    def changes(scenario) -> dict | None:
        if scenario.talks is None:
            return None
        return {f"talks.{k}": v for k, v in values.items()}
    return changes


def _each(paths_of: Callable[[object], list[str]], value) -> Callable[[object], dict | None]:
    def changes(scenario) -> dict | None:
        return {p: value for p in paths_of(scenario)} or None
    return changes


MECHANISMS: dict[str, Mechanism] = {
    "calibration": Mechanism(
        "calibration: library -> the file's own values",
        lambda sc: {"calibration": None} if sc.calibration is not None else None,
        lambda sc, p: sc.calibration is None),
    "truce_drafting": Mechanism(
        "truce drafting (talks.truce_drafting)",
        lambda sc: {"talks.truce_drafting": None} if _drafting(sc) is not None else None,
        lambda sc, p: not p.truce_drafting),
    "standstill": Mechanism(
        "standstill while drafting",
        lambda sc: {"talks.truce_drafting.standstill": 0} if _drafting(sc) is not None else None,
        lambda sc, p: p.truce_drafting and not p.truce_standstill.any()),
    "stalling": Mechanism(
        "stalling (insincere parties)",
        _each(lambda sc: [f"actors.{a}.insincere" for a in _actors_with(sc, "insincere")], 0),
        lambda sc, p: not (p.insincere_until > 0).any()),
    "stances": Mechanism(
        "persistent stances",
        lambda sc: ({"bargaining.stance_persistence": 0}
                    if _set(sc.bargaining.stance_persistence) else None),
        lambda sc, p: not (p.stance_persistence > 0).any()),
    "red_lines": Mechanism("red lines", _red_lines, lambda sc, p: not p.red_lines),
    "process_gains": Mechanism(
        "gains from the process",
        _each(lambda sc: [f"actors.{a}.process_gain" for a in _actors_with(sc, "process_gain")], 0),
        lambda sc, p: not (p.process_gain != 0).any()),
    "follows_front": Mechanism("political issues follow the front", _follows_front,
                               lambda sc, p: not (p.follows_front != 0).any()),
    "talks_setup": Mechanism("talks: set-up before settlement talks", _talks_part(setup=0),
                             lambda sc, p: (p.talks_open == 1).all()),
    "talks_calendar": Mechanism(
        "talks: calendar (every k-th round)",
        lambda sc: {"talks.every": 1} if sc.talks is not None and sc.talks.every != 1 else None,
        lambda sc, p: p.talks_every == 1),
    "settlement_drafting": Mechanism(
        "talks: drafting of a settlement",
        _talks_part(**{"drafting.base": 0, "drafting.per_issue": 0}),
        lambda sc, p: not (p.drafting_base > 0).any() and not (p.drafting_per_issue > 0).any()),
    "ratification": Mechanism(
        "talks: ratification",
        lambda sc: {"talks.ratification": []} if sc.talks is not None and sc.talks.ratification else None,
        lambda sc, p: p.ratify_actor.size == 0),
    "talks": Mechanism(
        "talks: set-up, calendar, drafting, ratification",
        _talks_part(setup=0, every=1, ratification=[], **{"drafting.base": 0, "drafting.per_issue": 0}),
        lambda sc, p: ((p.talks_open == 1).all() and p.talks_every == 1 and p.ratify_actor.size == 0
                   and not (p.drafting_base > 0).any() and not (p.drafting_per_issue > 0).any())),
    "continuation": Mechanism(
        "continuation values (the fixed point of docs/model.md §8)",
        lambda sc: {"bargaining.continuation": False} if sc.bargaining.continuation else None,
        lambda sc, p: not p.continuation),
    "war_events": Mechanism("war events", lambda sc: {"war.events": []} if sc.war.events else None,
                            lambda sc, p: len(p.ev_start) == 0),
    "leverage": Mechanism("leverage", lambda sc: {"leverage": []} if sc.leverage else None,
                          lambda sc, p: len(p.leverage) == 0),
    "outright_wins": Mechanism(
        "outright wins",
        lambda sc: ({"war.victory.probability": 0}
                    if sc.war.victory is not None and sc.war.victory.probability > 0 else None),
        lambda sc, p: p.victory_prob == 0),
    "settlement_breakdown": Mechanism(
        "settlements that may break down",
        lambda sc: ({"settlement.hazard": 0, "settlement.power_effects": {}}
                    if sc.settlement is not None and _set(sc.settlement.hazard) else None),
        lambda sc, p: not (p.settlement_hazard > 0).any()),
}


@dataclass
class Variant:
    """The scenario with one mechanism off: overrides applied, calibrated fields given."""

    name: str
    label: str
    scenario: object
    knobs: dict          # dotted path -> value, given per world (wins over the calibration)

    def given(self, n: int) -> dict | None:
        return {path: np.full(n, float(v)) for path, v in self.knobs.items()} or None


def calibrated_paths(scenario) -> set[str]:
    """The dotted paths the scenario's calibration replaces world by world (empty: none).
    Fields a scale knob multiplies are switched off by an override (0 times the knob)."""
    return set(replaced_fields(scenario))


def variant(scenario, name: str) -> Variant | None:
    """The scenario with mechanism ``name`` off (``None``: the scenario does not use it)."""
    mech = MECHANISMS[name]
    changes = mech.changes(scenario)
    if changes is None:
        return None
    calibrated = calibrated_paths(scenario) if "calibration" not in changes else set()
    knobs = {p: v for p, v in changes.items() if p in calibrated}
    overrides = {p: v for p, v in changes.items() if p not in calibrated}
    off = scenario.with_overrides(overrides, name=f"{scenario.name}-{name}") if overrides else scenario
    return Variant(name, mech.label, off, knobs)


def drawn(v: Variant, n: int, seed: int):
    """The parameters the engine draws for ``v``'s first ``n`` worlds."""
    ss = np.random.SeedSequence(seed)
    scenario, given = with_calibration(v.scenario, n, ss, v.given(n))
    return draw_params(scenario, n, ss, given)


def check_off(v: Variant, n: int = 64, seed: int = 0) -> None:
    """Raise unless ``v``'s drawn parameters have its mechanism off."""
    if v.name != FULL and not MECHANISMS[v.name].off(v.scenario, drawn(v, n, seed)):
        raise RuntimeError(f"variant {v.name!r}: the mechanism is still on in the drawn parameters")


def variants(scenario, only: list[str] | None = None) -> list[Variant]:
    """The full scenario first, then one variant per mechanism it uses (of ``only`` if given)."""
    names = list(MECHANISMS) if only is None else only
    unknown = [n for n in names if n not in MECHANISMS]
    if unknown:
        raise ValueError(f"unknown mechanism(s) {unknown}; known: {', '.join(MECHANISMS)}")
    found = [v for v in (variant(scenario, n) for n in names) if v is not None]
    return [Variant(FULL, "the full baseline (every mechanism on)", scenario, {}), *found]


def play(v: Variant, worlds: int, seed: int) -> dict:
    """Play ``worlds`` worlds of ``v`` in blocks of 4,096 (as ``run_block`` does), counting
    world-rounds; CPU and wall seconds, world-rounds and the share of no agreement."""
    sizes = [BLOCK] * (worlds // BLOCK) + ([worlds % BLOCK] if worlds % BLOCK else [])
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    world_rounds, none = 0, 0
    cpu, wall = time.process_time(), time.perf_counter()
    for size, ss in zip(sizes, seeds):
        model = NegotiationModel(v.scenario, size, seed=ss, record=False, given=v.given(size))
        try:
            while model.round < model.params.horizon:
                open_ = int(np.count_nonzero(model.open_worlds))
                if not open_:
                    break
                world_rounds += open_
                model.step()
            none += int(np.count_nonzero(model.result().outcome == NONE))
        finally:
            release(model)
    return {"cpu_seconds": time.process_time() - cpu, "wall_seconds": time.perf_counter() - wall,
            "world_rounds": world_rounds, "no_agreement": none / worlds}


def measure(scenario_path: Path, worlds: int, repeats: int, seed: int,
            only: list[str] | None = None, *, warm_up: bool = True) -> dict:
    scenario = negotiate.load_scenario(scenario_path)
    todo = variants(scenario, only)
    for v in todo:
        check_off(v)
        if warm_up:   # numba loading each variant's kernels, first-call caches
            play(v, min(worlds, 32), seed + 1)
    timings: dict[str, list[dict]] = {v.name: [] for v in todo}
    for r in range(repeats):    # round robin: load changes hit every variant alike
        for v in todo:
            timings[v.name].append(play(v, worlds, seed))
            print(f"round {r + 1}/{repeats}: {v.name} {timings[v.name][-1]['cpu_seconds']:.2f} "
                  "CPU s", file=sys.stderr, flush=True)
    rows = []
    full = min(t["cpu_seconds"] for t in timings[FULL])
    full_wr = timings[FULL][0]["world_rounds"]
    for v in todo:
        cpu = min(t["cpu_seconds"] for t in timings[v.name])
        wr = timings[v.name][0]["world_rounds"]
        rows.append({
            "mechanism": v.name, "label": v.label,
            "overrides": sorted(set(_changed(scenario, v))), "given": sorted(v.knobs),
            "cpu_seconds": [round(t["cpu_seconds"], 3) for t in timings[v.name]],
            "wall_seconds": [round(t["wall_seconds"], 3) for t in timings[v.name]],
            "best_cpu_seconds": round(cpu, 3),
            "full_over_variant": round(full / cpu, 3),
            "world_rounds": wr,
            "full_over_variant_per_world_round": round((full / full_wr) / (cpu / wr), 3),
            "no_agreement": round(timings[v.name][0]["no_agreement"], 4),
        })
    return {"scenario": scenario.name, "machine": machine(), "worlds": worlds, "repeats": repeats,
            "seed": seed, "rows": rows}


def _changed(scenario, v: Variant) -> list[str]:
    changes = MECHANISMS[v.name].changes(scenario) if v.name != FULL else {}
    return [p for p in changes if p not in v.knobs]


def report(figures: dict) -> str:
    m = figures["machine"]
    lines = [
        (f"machine  {m['processor']}, {m['cpu_count']} CPUs (used: {m['cpus_used']}), "
         f"load average {m['load_average']}"),
        (f"scenario {figures['scenario']}: {figures['worlds']:,} worlds, the same seed for every "
         f"variant, best of {figures['repeats']} (round robin), CPU seconds of one core"),
        "",
        (f"{'switched off':<58} {'CPU s':>8} {'full/off':>9} {'world-rounds':>13} "
         f"{'per w-r':>8} {'no agr.':>8}"),
    ]
    for r in figures["rows"]:
        label = "nothing: " + r["label"] if r["mechanism"] == FULL else r["label"]
        lines.append(f"{label:<58} {r['best_cpu_seconds']:>8.2f} {r['full_over_variant']:>9.2f} "
                     f"{r['world_rounds']:>13,} {r['full_over_variant_per_world_round']:>8.2f} "
                     f"{r['no_agreement']:>8.3f}")
    lines += ["",
              ("full/off: CPU time of the full baseline over the variant's (1.25: the mechanism "
              "costs 25 %);\nper w-r: the same per world-round (an open world playing one "
              "round): the mechanism's own work,\nwithout the change in how long worlds stay "
              "open; no agr.: share of worlds with no agreement."),
              f"load average after: {machine()['load_average']}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=2048, help="worlds per timing (default 2,048)")
    parser.add_argument("--repeats", type=int, default=2, help="timings per variant (default 2)")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=list(MECHANISMS),
                        help=f"mechanisms to switch off (default all): {', '.join(MECHANISMS)}")
    parser.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    args = parser.parse_args(argv)
    if args.worlds < 1 or args.repeats < 1:
        parser.error("--worlds and --repeats must be positive")
    if not args.scenario.is_file():
        parser.error(f"--scenario: no such file {args.scenario}")
    pin_to_one_cpu()
    figures = measure(args.scenario, args.worlds, args.repeats, args.seed, args.only)
    print(report(figures))
    write_figures(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
