"""Speed of a 29-actor body deciding by weighted votes (issue 17), against unanimity.

    python -m benchmarks.decision_rules                   # 4,096 worlds each
    python benchmarks/decision_rules.py --runs 20000 --json rules.json

The scenario is built here: 29 parties bargaining over three settlement issues
(ideals and saliences drawn per world); one of them sets the agenda (the only
proposer, as the EU Commission holds the initiative; ``--proposers`` gives
more, each recognised with equal chance).  The rule, for truces and
settlements alike, is the EU Council's qualified majority: 55 % of the members
(16 of 29) holding 65 % of a second weight (a population drawn once), unless
fewer than four members fail to vote aye (the blocking minority).  With 28
members besides the proposer the cheapest winning coalition is found greedily
(docs/model.md, "Decision rules").  More proposers cost more than in
proportion: every proposer's value enters the fixed point of the continuation
values, which then takes more sweeps.  The baseline, measured in the
same run and process on one core, is the same scenario decided by unanimity:
the ratio says what the rule costs.  Target: at least 1,000 worlds per second
under the rule.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if not __package__:  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# first: limits BLAS to one thread before numpy is imported
from benchmarks.common import machine, pin_to_one_cpu, write_figures  # noqa: I001

import numpy as np

import negotiate
from negotiate.model import run_block

BLOCK = 4096
ACTORS = 29
PROPOSERS = 1    # who may propose: one agenda setter (as the EU Commission holds the initiative)
TARGET = 1_000   # worlds per second under the rule, one core


def body_scenario(rule: bool, actors: int = ACTORS, proposers: int = PROPOSERS,
                  seed: int = 17) -> negotiate.Scenario:
    """29 parties over three settlement issues, the first ``proposers`` of them recognised
    with equal chance; with ``rule`` a qualified-majority council of all 29."""
    rng = np.random.default_rng(seed)
    names = [f"M{i:02d}" for i in range(actors)]
    population = {n: float(p) for n, p in zip(names, np.round(rng.lognormal(1.5, 1.0, actors), 2))}
    issues = {f"i{d}": {"group": "settlement", "low": "none", "high": "all", "status_quo": 0.5}
              for d in range(3)}
    doc = {
        "name": "council29" + ("_qmv" if rule else "_unanimity"),
        "issues": issues,
        "actors": {
            n: {"role": "party", "agendas": ["settlement"], "patience": 0.95, "war_cost": 0.05,
                "noise": 0.02,
                "positions": {d: {"ideal": {"dist": "beta", "a": 2, "b": 2},
                                  "salience": {"dist": "uniform", "low": 0.5, "high": 1.5},
                                  "assumption": "benchmark"} for d in issues}}
            for n in names},
        "recognition": {"probabilities": {n: (1.0 / proposers if i < proposers else 0.0)
                                          for i, n in enumerate(names)}},
        "rounds": {"horizon": 12},
    }
    if rule:
        total = sum(population.values())
        council = {"bodies": [{
            "name": "council", "rule": "qualified",
            "weights": {n: 1.0 for n in names}, "threshold": float(np.ceil(0.55 * actors)),
            "second": {"weights": population, "threshold": round(0.65 * total, 6)},
            "blocking_minority": 4}]}
        doc["decision"] = {"truce": council, "settlement": council}
    return negotiate.Scenario.model_validate(doc)


def time_worlds(scenario, runs: int, seed: int) -> tuple[float, np.ndarray]:
    sizes = [BLOCK] * (runs // BLOCK) + ([runs % BLOCK] if runs % BLOCK else [])
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    started = time.perf_counter()
    outcome = [run_block(scenario, size, ss).outcome for size, ss in zip(sizes, seeds)]
    return time.perf_counter() - started, np.concatenate(outcome)


def measure(runs: int, seed: int, proposers: int = PROPOSERS) -> dict:
    rule, unanimity = body_scenario(True, proposers=proposers), body_scenario(False, proposers=proposers)
    for s in (rule, unanimity):   # warm up (imports, compiled kernels) outside the timings
        run_block(s, 32, np.random.SeedSequence(seed + 1))
    base_seconds, base = time_worlds(unanimity, runs, seed)
    rule_seconds, ruled = time_worlds(rule, runs, seed)
    agreed = negotiate.model.OUTCOMES.index("comprehensive_agreement")
    return {
        "machine": machine(), "actors": ACTORS, "proposers": proposers, "runs": runs, "block": BLOCK,
        "unanimity": {"seconds": round(base_seconds, 3), "worlds_per_second": round(runs / base_seconds, 1),
                      "agreed": round(float((base == agreed).mean()), 4)},
        "qualified_majority": {"seconds": round(rule_seconds, 3),
                               "worlds_per_second": round(runs / rule_seconds, 1),
                               "agreed": round(float((ruled == agreed).mean()), 4)},
        "ratio": round(base_seconds / rule_seconds, 3),
        "target": TARGET,
    }


def report(f: dict) -> str:
    m, u, q = f["machine"], f["unanimity"], f["qualified_majority"]
    rate = q["worlds_per_second"]
    return "\n".join([
        f"machine  {m['platform']}, {m['cpu_count']} CPUs (used: {m['cpus_used']}), numpy {m['numpy']}",
        (f"{f['actors']}-actor body, {f['proposers']} proposer(s), {f['runs']:,} worlds each, "
         f"blocks of {f['block']:,}, one core"),
        (f"unanimity (baseline)  {u['seconds']:8.2f} s  {u['worlds_per_second']:>10,.1f} worlds/s  "
         f"agreed {u['agreed']:.3f}"),
        f"qualified majority    {q['seconds']:8.2f} s  {rate:>10,.1f} worlds/s  agreed {q['agreed']:.3f}",
        f"speed ratio (rule / unanimity) {f['ratio']:.2f}",
        f"target >= {f['target']:,} worlds/s under the rule: {'PASS' if rate >= f['target'] else 'FAIL'}",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=BLOCK, help="worlds per rule (default 4,096)")
    parser.add_argument("--proposers", type=int, default=PROPOSERS, choices=range(1, ACTORS + 1),
                        metavar="K", help=f"actors recognised with equal chance (default {PROPOSERS})")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be positive")
    pin_to_one_cpu()
    figures = measure(args.runs, args.seed, args.proposers)
    print(report(figures))
    write_figures(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
