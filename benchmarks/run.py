"""Benchmarks of the library against a naive Mesa reference: speed, memory, scaling.

    python benchmarks/run.py                   # the full set, scaling up to 10^6 runs (~15 min)
    python -m benchmarks --max-runs 100000     # scaling up to 10^5 runs
    python benchmarks/run.py --ten-million     # also 10^7 runs with keep_runs=False
    python benchmarks/run.py --quick           # smoke run: few runs, scaling 10^3..10^4
    python benchmarks/run.py --json out.json   # also write every figure as JSON

All measurements play the baseline scenario with every mechanism on, each in
a fresh Python process (so that peak memory belongs to one measurement), after
a warm-up call in that process (imports, numba's compiled kernels):

- the naive Mesa reference (:mod:`benchmarks.naive_mesa`), one core;
- the bare engine (``negotiate.model.run_block`` in blocks of 4,096), one core,
  with the default planning and with ``bargaining.planning: exact``;
- the library, ``negotiate.simulate(..., keep_runs=False)``, with 1 worker on
  one core and with 2 workers (a process pool) on two cores: the path a user
  takes, with the runner's summaries and, for 2 workers, starting the pool;
- a scaling table: ``simulate`` with 2 workers for 10^3 ... 10^6 runs (capped by
  ``--max-runs``), keep_runs=False and keep_runs=True (the latter up to 10^6).

It prints the figures, the ratios to the naive reference and the issue's
targets with PASS/FAIL.  No file is written unless ``--json`` is given.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

if not __package__:  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (  # first: limits BLAS to one thread before numpy is imported
    DEFAULT_SCENARIO,
    TreeMemory,
    machine,
    pin_to_one_cpu,
    python_cmd,
    run_json_child,
    write_figures,
)
from benchmarks.results_memory import LIMIT_MIB

SIZES = (10**3, 10**4, 10**5, 10**6)
TEN_MILLION = 10**7
KEEP_RUNS_UP_TO = 10**6          # kept runs beyond this take GiBs: not a realistic use
TARGET_RUNS_PER_SECOND = 100_000  # library on 2 cores
TARGET_SPEEDUP = 200              # library against the naive reference, one core each
WORKERS = 2
MEMORY_NOTE = ("memory in MiB: self = peak RSS of the measuring process (ru_maxrss, includes its "
               "warm-up); child = largest peak RSS of a pool worker or the pool's fork server "
               "(VmHWM, sampled every 50 ms); tree = largest sampled sum of PSS over the process "
               "and its children (shared pages split between sharers: the memory really used)")


# --- one measurement (in a child process) -------------------------------------------

def measure_one(spec: dict) -> dict:
    """Warm up, then time one configuration; returns its figures."""
    import numpy as np

    import negotiate
    from benchmarks.engine import shares, time_engine, time_naive
    from benchmarks.naive_mesa import run_naive
    from negotiate.model import run_block
    from negotiate.run.seeding import BLOCK_SIZE

    if spec["pin"]:
        pin_to_one_cpu()
    scenario = negotiate.load_scenario(spec["scenario"])
    runs, seed, kind = spec["runs"], spec["seed"], spec["kind"]
    figures = {"kind": kind, "runs": runs}
    if kind == "naive":
        run_naive(scenario, 3, np.random.SeedSequence(seed + 1))
        with TreeMemory() as memory:
            seconds, block = time_naive(scenario, runs, seed)
        outcomes = shares(block.outcome)
    elif kind in ("engine", "engine_exact"):
        if kind == "engine_exact":  # the opt-in exact planning (docs/model.md §9)
            scenario = scenario.with_overrides({"bargaining.planning": "exact"})
        run_block(scenario, 64, np.random.SeedSequence(seed + 1))
        with TreeMemory() as memory:
            seconds, outcome = time_engine(scenario, runs, seed)
        outcomes = shares(outcome)
    else:
        workers, keep = spec["workers"], spec["keep_runs"]
        # through a pool (two blocks) when the timed call will use one: this starts
        # the pool's fork server, which a session starts once, on its first call
        warm = 2 * BLOCK_SIZE if workers > 1 and runs > BLOCK_SIZE else 256
        negotiate.simulate(scenario, runs=warm, seed=seed + 1, workers=workers,
                           keep_runs=keep, progress=False)
        with TreeMemory() as memory:
            started = time.perf_counter()
            results = negotiate.simulate(scenario, runs=runs, seed=seed, workers=workers,
                                         keep_runs=keep, progress=False)
            seconds = time.perf_counter() - started
        outcomes = results.outcome_probabilities()["p"].round(4).to_dict()
        figures.update(workers=workers, keep_runs=keep)
    # three decimals: the naive reference plays about one run a second on the baseline, and
    # the ratios are taken of these figures
    figures.update(seconds=round(seconds, 3), runs_per_second=round(runs / seconds, 3),
                   **memory.figures(), outcomes=outcomes)
    return figures


# --- the whole set (in the parent) ----------------------------------------------------

def child(args, kind: str, runs: int, *, pin: bool, workers: int = 1,
          keep_runs: bool = False) -> dict:
    spec = {"kind": kind, "runs": runs, "pin": pin, "workers": workers, "keep_runs": keep_runs,
            "scenario": str(args.scenario), "seed": args.seed}
    what = kind if kind != "simulate" else f"simulate workers={workers} keep_runs={keep_runs}"
    print(f"measuring {what}, {runs:,} runs ...", file=sys.stderr, flush=True)
    return run_json_child(python_cmd(Path(__file__), "--child", json.dumps(spec)))


def scaling_sizes(args) -> list[int]:
    sizes = SIZES[:2] if args.quick else SIZES
    return [n for n in sizes if n <= args.max_runs]


def measure_all(args) -> dict:
    before = machine()
    speed = {
        "naive": child(args, "naive", args.naive_runs, pin=True),
        "engine_1_core": child(args, "engine", args.runs, pin=True),
        "engine_exact_1_core": child(args, "engine_exact", args.runs, pin=True),
        "library_1_worker": child(args, "simulate", args.runs, pin=True, workers=1),
        "library_2_workers": child(args, "simulate", args.runs, pin=False, workers=WORKERS),
    }
    scaling = [child(args, "simulate", n, pin=False, workers=WORKERS, keep_runs=keep)
               for n in scaling_sizes(args) for keep in (False, True)
               if not (keep and n > KEEP_RUNS_UP_TO)]
    ten = (child(args, "simulate", TEN_MILLION, pin=False, workers=WORKERS)
           if args.ten_million else None)
    naive_rate = speed["naive"]["runs_per_second"]
    ratios = {f"{name}_vs_naive": round(m["runs_per_second"] / naive_rate, 1)
              for name, m in speed.items() if name != "naive"}
    ratios["2_workers_vs_1_worker"] = round(speed["library_2_workers"]["runs_per_second"]
                                            / speed["library_1_worker"]["runs_per_second"], 2)
    figures = {"scenario": args.scenario.stem, "machine": before,
               "load_average_after": machine()["load_average"], "memory_note": MEMORY_NOTE,
               "speed": speed, "ratios": ratios, "scaling": scaling, "ten_million": ten}
    figures["targets"] = targets(figures)
    return figures


def targets(figures: dict) -> list[dict]:
    lib2 = figures["speed"]["library_2_workers"]["runs_per_second"]
    speedup = figures["ratios"]["library_1_worker_vs_naive"]
    ten = figures["ten_million"]
    peak = None if ten is None else max(ten["tree_peak_pss_mib"] or 0, ten["peak_rss_mib"])

    def verdict(ok: bool | None) -> str:
        return "not measured" if ok is None else ("PASS" if ok else "FAIL")

    return [
        {"target": f"library on 2 cores >= {TARGET_RUNS_PER_SECOND:,} runs/s",
         "value": f"{lib2:,.0f} runs/s", "verdict": verdict(lib2 >= TARGET_RUNS_PER_SECOND)},
        {"target": f"library >= {TARGET_SPEEDUP}x the naive reference (1 core each)",
         "value": f"{speedup:,.1f}x", "verdict": verdict(speedup >= TARGET_SPEEDUP)},
        {"target": f"10^7 runs, keep_runs=False, peak memory (max of self RSS, tree PSS) < "
                   f"{LIMIT_MIB // 1024} GiB",
         "value": "run with --ten-million" if peak is None else f"{peak:,.0f} MiB",
         "verdict": verdict(None if peak is None else peak < LIMIT_MIB)},
    ]


# --- printing --------------------------------------------------------------------------

def _mib(value) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _memory_cells(m: dict) -> str:
    return (f"{_mib(m['peak_rss_mib']):>6} {_mib(m['largest_child_peak_rss_mib']):>8} "
            f"{_mib(m['tree_peak_pss_mib']):>7}")


def report(figures: dict) -> str:
    m = figures["machine"]
    lines = [
        f"machine   {m['processor']}, {m['cpu_count']} CPUs, {_mib(m['memory_mib'])} MiB memory",
        (f"          {m['platform']}, python {m['python']}, numpy {m['numpy']}, mesa {m['mesa']}, "
         f"negotiate {m['negotiate']}"),
        f"          load average before {m['load_average']}, after {figures['load_average_after']}",
        f"scenario  {figures['scenario']} (all mechanisms on)",
        "",
        (f"{'speed':<38} {'runs':>10} {'seconds':>9} {'runs/s':>11} {'x naive':>8}"
         f"   {'self':>6} {'child':>8} {'tree':>7}"),
    ]
    labels = {"naive": "naive Mesa reference (1 core)",
              "engine_1_core": "engine, run_block (1 core)",
              "engine_exact_1_core": "engine, planning: exact (1 core)",
              "library_1_worker": "library, simulate workers=1 (1 core)",
              "library_2_workers": "library, simulate workers=2 (2 cores)"}
    naive_rate = figures["speed"]["naive"]["runs_per_second"]
    for name, label in labels.items():
        s = figures["speed"][name]
        lines.append(f"{label:<38} {s['runs']:>10,} {s['seconds']:>9.2f} {s['runs_per_second']:>11,.2f} "
                     f"{s['runs_per_second'] / naive_rate:>8,.1f}   {_memory_cells(s)}")
    lines.append(f"2 workers / 1 worker: {figures['ratios']['2_workers_vs_1_worker']:.2f}x")
    lines += ["", f"scaling: simulate, workers={WORKERS}",
              (f"{'runs':>12} {'keep_runs':>9} {'seconds':>9} {'runs/s':>11}"
               f"   {'self':>6} {'child':>8} {'tree':>7}")]
    rows = figures["scaling"] + ([figures["ten_million"]] if figures["ten_million"] else [])
    for r in rows:
        lines.append(f"{r['runs']:>12,} {r['keep_runs']!s:>9} {r['seconds']:>9.2f} "
                     f"{r['runs_per_second']:>11,.1f}   {_memory_cells(r)}")
    lines += ["", MEMORY_NOTE, "", "targets"]
    lines += [f"  {t['verdict']:<12} {t['target']}: {t['value']}" for t in figures["targets"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 20 naive runs, 8,192 runs per speed figure, scaling 10^3..10^4")
    parser.add_argument("--runs", type=int, help="runs per speed figure (default 100,000; quick 8,192)")
    parser.add_argument("--naive-runs", type=int, help="naive runs (default 300; quick 20)")
    parser.add_argument("--max-runs", type=int, default=10**6,
                        help="largest size in the scaling table (default 10^6)")
    parser.add_argument("--ten-million", action="store_true",
                        help="also measure 10^7 runs with keep_runs=False (a few minutes)")
    parser.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    parser.add_argument("--child", metavar="SPEC", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:  # one measurement, in a fresh process: its figures as JSON on stdout
        print(json.dumps(measure_one(json.loads(args.child))))
        return 0
    args.runs = args.runs if args.runs is not None else (8192 if args.quick else 100_000)
    args.naive_runs = args.naive_runs if args.naive_runs is not None else (20 if args.quick else 300)
    if min(args.runs, args.naive_runs, args.max_runs) < 1:
        parser.error("--runs, --naive-runs and --max-runs must be positive")
    if not args.scenario.is_file():
        parser.error(f"--scenario: no such file {args.scenario}")
    figures = measure_all(args)
    print(report(figures))
    write_figures(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
