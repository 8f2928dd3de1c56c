"""Speed of the vectorised engine against a naive Mesa implementation of the same model.

    python -m benchmarks.engine                          # 300 naive runs, 20,000 engine runs
    python benchmarks/engine.py --runs 50000 --naive-runs 500 --json bench.json

Both play the baseline scenario with every mechanism on (war events, outright
wins, truces, leverage, continuation values), in this one process, on one core
(BLAS threads are limited to one and the process is pinned to one CPU where the
platform allows).  The naive reference (:mod:`benchmarks.naive_mesa`) plays one
Mesa model per run; the engine plays blocks of 4,096 runs with
:func:`negotiate.model.run_block`.  Both take their parameters from the same
library draws, so only simulation is timed (parameter sampling is inside both
timings, it is the same code).  Outcome shares are printed beside the speeds as
a sanity check that both simulated the same model.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if not __package__:  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# first: limits BLAS to one thread before numpy is imported
from benchmarks.common import DEFAULT_SCENARIO, machine, pin_to_one_cpu, write_figures  # noqa: I001

import numpy as np

import negotiate
from benchmarks.naive_mesa import run_naive
from negotiate.model import OUTCOMES, run_block

BLOCK = 4096


def time_naive(scenario, runs: int, seed: int):
    started = time.perf_counter()
    result = run_naive(scenario, runs, np.random.SeedSequence(seed))
    return time.perf_counter() - started, result


def time_engine(scenario, runs: int, seed: int):
    """``runs`` runs in blocks of 4,096 (the last one shorter), seeds as the runner makes them.

    Returns the seconds and the runs' outcomes only: holding every block's
    full results would make the peak memory grow with ``runs``."""
    sizes = [BLOCK] * (runs // BLOCK) + ([runs % BLOCK] if runs % BLOCK else [])
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    started = time.perf_counter()
    outcomes = [run_block(scenario, size, ss).outcome for size, ss in zip(sizes, seeds)]
    return time.perf_counter() - started, np.concatenate(outcomes)


def shares(outcome: np.ndarray) -> dict[str, float]:
    """Share of each outcome among the runs' outcome codes."""
    counts = np.bincount(outcome, minlength=len(OUTCOMES))
    return {name: round(float(c) / len(outcome), 4) for name, c in zip(OUTCOMES, counts)}


def measure(scenario_path: Path, runs: int, naive_runs: int, seed: int) -> dict:
    scenario = negotiate.load_scenario(scenario_path)
    # warm up both (imports, first-call caches) outside the timings
    run_block(scenario, 64, np.random.SeedSequence(seed + 1))
    run_naive(scenario, 3, np.random.SeedSequence(seed + 1))
    naive_seconds, naive = time_naive(scenario, naive_runs, seed)
    engine_seconds, engine = time_engine(scenario, runs, seed)
    naive_rate, engine_rate = naive_runs / naive_seconds, runs / engine_seconds
    return {
        "scenario": scenario.name, "machine": machine(),
        "naive": {"runs": naive_runs, "seconds": round(naive_seconds, 3),
                  "runs_per_second": round(naive_rate, 1), "outcomes": shares(naive.outcome)},
        "engine": {"runs": runs, "block": BLOCK, "seconds": round(engine_seconds, 3),
                   "runs_per_second": round(engine_rate, 1), "outcomes": shares(engine)},
        "speedup": round(engine_rate / naive_rate, 1),
    }


def report(figures: dict) -> str:
    m, naive, engine = figures["machine"], figures["naive"], figures["engine"]
    lines = [
        (f"machine  {m['platform']}, {m['cpu_count']} CPUs (used: {m['cpus_used']}), "
         f"python {m['python']}, numpy {m['numpy']}, mesa {m['mesa']}"),
        f"scenario {figures['scenario']} (all mechanisms on)",
        (f"naive Mesa   {naive['runs']:>7,} runs in {naive['seconds']:8.2f} s  "
         f"{naive['runs_per_second']:>10,.1f} runs/s"),
        (f"engine       {engine['runs']:>7,} runs in {engine['seconds']:8.2f} s  "
         f"{engine['runs_per_second']:>10,.1f} runs/s   (blocks of {engine['block']:,})"),
        f"speed-up     {figures['speedup']:,.1f}x",
        "outcome shares (naive / engine):",
    ]
    for name in OUTCOMES:
        lines.append(f"  {name:<24} {naive['outcomes'][name]:.3f} / {engine['outcomes'][name]:.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20_000, help="engine runs (default 20,000)")
    parser.add_argument("--naive-runs", type=int, default=300, help="naive runs (default 300)")
    parser.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.naive_runs < 1:
        parser.error("--runs and --naive-runs must be positive")
    pin_to_one_cpu()
    figures = measure(args.scenario, args.runs, args.naive_runs, args.seed)
    print(report(figures))
    write_figures(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
