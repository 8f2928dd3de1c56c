"""``negotiate run`` and ``negotiate compare``, with the chunk cache behind ``--resume``."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings

from ..errors import one_line
from ..scenario import load_scenario
from .options import (
    EXIT_OK,
    MONTE_CARLO_INTERVALS,
    add_out,
    add_simulation_options,
    calibration_suffix,
    difference_table,
    out_held,
    output_identity,
    print_notes,
    simulation_kwargs,
    what_was_written,
)
from .variants import add_set_option, load_with_sets, mismatch_warnings_as_lines


def add_commands(commands) -> None:
    _add_run(commands)
    _add_compare(commands)


def _add_run(commands) -> None:
    p = commands.add_parser(
        "run",
        help="simulate a scenario and write its table and plots",
        description="Simulate a scenario: prints the outcome table and writes summary.csv, "
                    "runs.parquet, metadata.json and PNG plots to --out (replaced atomically).",
    )
    p.add_argument("file", metavar="FILE", help="scenario YAML file")
    add_out(p, "out/<scenario name>")
    p.add_argument("--resume", action="store_true",
                   help="reuse the blocks that an interrupted or failed run with the same arguments "
                        "finished (kept in .<OUT>.chunks beside --out until the output is written)")
    p.add_argument("--fresh", action="store_true",
                   help="discard the finished blocks of an unfinished run on --out and start afresh "
                        "(without --resume or --fresh such blocks are kept and the run is refused)")
    p.add_argument("--no-keep-runs", action="store_true",
                   help="keep only the summaries (no runs.parquet): memory does not grow with --runs")
    add_set_option(p)
    add_simulation_options(p)
    p.set_defaults(handler=_run_scenario)


def _run_scenario(args: argparse.Namespace) -> int:
    from ..results.storage import check_output_directory, lock_output
    from ..run import simulate
    from ..run.cache import discard_cache

    if args.resume and args.fresh:
        raise ValueError("--resume and --fresh contradict each other: give one of them")
    scenario = load_with_sets(args.file, args)
    out = os.path.join("out", scenario.name) if args.out is None else args.out
    check_output_directory(out, force=args.force, kind="results")  # a bad --out costs no simulation
    cache_dir = _chunk_cache_dir(out)
    with lock_output(out):  # one run at a time on --out and its chunk cache
        _prepare_chunk_cache(cache_dir, args, scenario)
        with _resume_hint(cache_dir, out):
            results = simulate(scenario, **simulation_kwargs(args), keep_runs=not args.no_keep_runs,
                               cache_dir=cache_dir, keep_cache=True)
            paths = results.save(out, plots=not args.no_plots, force=args.force)
        discard_cache(cache_dir)  # the output is complete: its blocks are no longer needed
    table = results.outcome_probabilities()[["p", "ci_low", "ci_high"]]
    print(f"{scenario.name}: {results.runs:,} runs, seed {results.seed}, {MONTE_CARLO_INTERVALS}"
          f"{calibration_suffix(scenario)}")
    print(table.to_string(float_format=lambda v: f"{v:.4f}"))
    for line in why_lines(results):
        print(line)
    print(f"wrote {len(paths)} files to {out}")
    print_notes([(None, results)], skip=("degenerate",))  # that one was a warning, already printed
    return EXIT_OK


#: the breakdown of the runs without an agreement is printed when they are at least this share
WHY_FROM = 0.05


def why_lines(results) -> list[str]:
    """Why no agreement (docs/model.md §12): the total, then one line per reason (shares of
    all runs, printed so that they add up to the total), when no agreement is common enough
    to ask (at least ``WHY_FROM`` of the runs); else none."""
    why = results.why_no_agreement()
    if why.no_agreement < WHY_FROM:
        return []
    return why.lines()


def why_difference_lines(comparison) -> list[str]:
    """The paired differences of the reasons for no agreement (docs/model.md, "Why no
    agreement"): a header, then one line per reason (label, share under A, under B, B − A
    with its interval), when either side ends without an agreement in at least
    ``WHY_FROM`` of the runs; else none."""
    from ..results.why import LABELS, NOT_SPLIT

    a, b = (side.why_no_agreement() for side in (comparison.a, comparison.b))
    if max(a.no_agreement, b.no_agreement) < WHY_FROM:
        return []
    table = comparison.why_differences()
    width = max(len(LABELS[r]) for r in table.index)
    out = ["why no agreement, shares of all runs:",
           f"  {'':<{width}}  {'A':>5}  {'B':>5}  B − A [95% interval]"]
    out += [f"  {LABELS[reason]:<{width}}  {r.p_a:5.1%}  {r.p_b:5.1%}  {r.difference:+.1%} "
            f"[{r.ci_low:+.1%}, {r.ci_high:+.1%}]" for reason, r in table.iterrows()]
    if not table.attrs["stalled_recorded"]:
        out.append(f"  ({NOT_SPLIT})")
    return out


def _chunk_cache_dir(out: str) -> str:
    """Where ``run`` keeps finished blocks: a hidden sibling of the output directory."""
    head, tail = os.path.split(os.path.normpath(out))
    return os.path.join(head, f".{tail}.chunks")


def _prepare_chunk_cache(cache_dir: str, args: argparse.Namespace, scenario) -> None:
    """Resume (the cache checked against this run first), discard (--fresh), or refuse:
    finished blocks are never deleted unless asked, since they may be hours of work."""
    from ..errors import OutputError
    from ..run.cache import CacheMismatchError, cached_block_count, discard_cache
    from ..run.simulate import check_cache

    found = cached_block_count(cache_dir)
    blocks = f"{found} finished block{'' if found == 1 else 's'}"
    if args.resume:
        if found:
            try:
                check_cache(cache_dir, scenario, args.runs, seed=args.seed, keep_runs=not args.no_keep_runs)
            except CacheMismatchError as exc:  # arguments that do not match the cache: exit 2
                raise OutputError(f"{exc}; or run with --fresh to discard it and start afresh") from None
        print(f"negotiate: resuming: {blocks} in {cache_dir}"
              if found else "negotiate: nothing to resume (no unfinished run of this output was kept); starting afresh", file=sys.stderr)
    elif found and not args.fresh:
        raise OutputError(f"{cache_dir}: holds {blocks} of an unfinished run on this --out; they are "
                          "kept: pass --resume to continue that run (same arguments), or --fresh to "
                          "discard them and start afresh")
    elif discard_cache(cache_dir) and found:
        print(f"negotiate: discarded {blocks} of an unfinished run in {cache_dir} (--fresh)", file=sys.stderr)


@contextlib.contextmanager
def _resume_hint(cache_dir: str, out: str):
    """Say how to resume when a run stops with finished blocks in its cache (and, when it
    is interrupted, whether ``out`` was written); print the cache's warnings (a damaged
    block simulated again) one line each."""
    from ..errors import OutputError, SimulationError
    from ..run.cache import CacheMismatchError, CacheWarning, cached_block_count, discard_cache

    def hint() -> str:
        n = cached_block_count(cache_dir)
        if not n:  # nothing worth keeping
            discard_cache(cache_dir)
            return ""
        return (f"{n} finished block{'' if n == 1 else 's'} kept in {cache_dir}: "
                "run the same command with --resume to continue")

    def stopped() -> str:
        whole, said = what_was_written(out, before)
        if whole:   # the output is complete: its blocks are no longer needed
            discard_cache(cache_dir)
            return said
        return f"{said}; {hint() or 'no finished block was kept: running the command again starts afresh'}"

    before = output_identity(out)

    with warnings.catch_warnings(record=True) as caught:
        # every damaged block, once each; other warnings keep their default filters
        # (a ResourceWarning left by an interrupt in the middle of a write is not news)
        warnings.simplefilter("always", CacheWarning)
        try:
            yield
        except KeyboardInterrupt:
            raise KeyboardInterrupt(stopped()) from None
        except CacheMismatchError as exc:  # arguments that do not match the cache: exit 2
            raise OutputError(f"{exc}; or run with --fresh to discard it and start afresh") from None
        except SimulationError as exc:
            detail = hint()
            if not detail:
                raise
            raise SimulationError(f"{str(exc).rstrip('.')}; {detail}") from exc
        finally:
            for warning in caught:
                print(f"negotiate: warning: {one_line(str(warning.message))}", file=sys.stderr)


def _add_compare(commands) -> None:
    p = commands.add_parser(
        "compare",
        help="compare two scenarios on common random numbers",
        description="Run two scenarios on the same draws (common random numbers) and print the "
                    "paired difference (B − A) of each outcome probability with a 95% interval.",
    )
    p.add_argument("file_a", metavar="A", help="scenario YAML file (reference)")
    p.add_argument("file_b", metavar="B", nargs="?", default=None,
                   help="scenario YAML file (variant; default: A with the --set changes)")
    add_out(p)
    add_set_option(p, applies_to="B")
    add_simulation_options(p)
    p.set_defaults(handler=_compare)


def _compare(args: argparse.Namespace) -> int:
    from ..run import compare

    if args.file_b is None and not args.set_values:
        raise ValueError("compare needs a second scenario B, or --set changes that make one from A")
    a, b = load_scenario(args.file_a), load_with_sets(args.file_b or args.file_a, args)
    with out_held(args.out, kind="comparison", force=args.force):  # checked and locked before any work
        with mismatch_warnings_as_lines():
            comparison = compare(a, b, **simulation_kwargs(args))
        print(f"{b.name} − {a.name}: {comparison.runs:,} paired runs, 95% intervals")
        print(difference_table(comparison.differences()))
        for line in why_difference_lines(comparison):
            print(line)
        if args.out is not None:
            paths = comparison.save(args.out, plots=not args.no_plots, force=args.force)
            print(f"wrote {len(paths)} files to {args.out}")
    print_notes(list(zip(comparison.labels, (comparison.a, comparison.b))))
    return EXIT_OK
