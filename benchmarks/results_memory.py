"""Peak memory of saving a large Results (runs.parquet written row group by row group).

    python benchmarks/results_memory.py                       # 1,000,000 synthetic runs of the baseline's shape
    python benchmarks/results_memory.py --runs 200000 --engine --workers 2   # real engine runs

The synthetic mode fills a BlockResult with random values of the scenario's
shape (actors, issues, sampled inputs), so it measures the cost of holding
and writing the runs, not of simulating them.  Each measurement runs in a
fresh subprocess and reports its peak resident set size (ru_maxrss, this
process only: worker processes hold one chunk each); the target is under
2 GiB for 1,000,000 runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

if not __package__:  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import DEFAULT_SCENARIO, python_cmd, run_json_child, self_peak_mib

LIMIT_MIB = 2048  # the issue's target for peak RSS


def synthetic_results(scenario, runs: int, seed: int = 0):
    import numpy as np

    from negotiate.model import BlockResult
    from negotiate.results import Results
    from negotiate.run.simulate import simulate

    rng = np.random.default_rng(seed)
    probe = simulate(scenario, 8, seed=seed, progress=False)  # input names as the engine makes them
    n, a, d = runs, len(scenario.actors), len(scenario.issues)
    outcome = rng.integers(0, 4, n).astype(np.int8)
    rounds = np.where(outcome == 3, 0, rng.integers(1, scenario.rounds.horizon + 1, n)).astype(np.int16)
    block = BlockResult(
        outcome=outcome, agreement_round=rounds, truce_round=rounds.copy(),
        collapsed=rng.random(n) < 0.1, truces=(outcome < 2).astype(np.int16),
        proposer=np.where(outcome == 3, -1, rng.integers(0, a, n)).astype(np.int16),
        terms=np.where((outcome != 3)[:, None], rng.random((n, d)), np.nan),
        final_balance=rng.random(n), victory=np.zeros(n, np.int8),
        offers=rng.integers(0, 5, (n, a, 2)).astype(np.int16),
        accepts=rng.integers(0, 3, (n, a, 2)).astype(np.int16),
        first_accept=rng.integers(0, 5, (n, a)).astype(np.int16),
        inputs={k: rng.random(n) for k in probe.run_data.inputs},
    )
    return Results.from_block(scenario, block, seed=seed)


def measure(args) -> dict:
    """Build (or simulate) the results and save them; runs in the child process."""
    import negotiate
    from negotiate.run import simulate

    scenario = negotiate.load_scenario(args.scenario)
    started = time.perf_counter()
    if args.engine:
        results = simulate(scenario, args.runs, workers=args.workers,
                                         keep_runs=not args.lean, progress=False)
    else:
        results = synthetic_results(scenario, args.runs)
    built = time.perf_counter()
    rss_before_save = self_peak_mib()
    with tempfile.TemporaryDirectory() as tmp:
        written = results.save(Path(tmp) / "out", plots=False)   # the data files: what grows with runs
        size = sum(p.stat().st_size for p in written)
    return {
        "runs": args.runs, "mode": "engine" if args.engine else "synthetic", "keep_runs": not args.lean,
        "build_seconds": round(built - started, 1), "save_seconds": round(time.perf_counter() - built, 1),
        "output_mib": round(size / 2**20, 1),
        "peak_rss_mib_before_save": round(rss_before_save),
        "peak_rss_mib": round(self_peak_mib()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--scenario", default=str(DEFAULT_SCENARIO))
    parser.add_argument("--engine", action="store_true", help="simulate with the real engine")
    parser.add_argument("--lean", action="store_true", help="with --engine: keep_runs=False")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args)))
        return 0
    try:
        report = run_json_child(python_cmd(Path(__file__), "--child", *sys.argv[1:]))
    except RuntimeError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    for key, value in report.items():
        print(f"{key:>26}: {value}")
    ok = report["peak_rss_mib"] < LIMIT_MIB
    print(f"{'verdict':>26}: {'OK' if ok else 'OVER'} (limit {LIMIT_MIB} MiB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
