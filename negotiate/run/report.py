"""Output directories for the command line: tables, metadata and figures, written atomically."""

from __future__ import annotations

import json
from pathlib import Path

from ..results import FORMAT_VERSION, scenario_digest
from .storage import PRODUCER, atomic_directory

__all__ = ["write_comparison_outputs", "write_outputs"]

DPI = 150


def write_outputs(results, out_dir, *, plots: bool = True, force: bool = False) -> list[Path]:
    """Write ``summary.csv``, ``aggregates.npz``, ``runs.parquet`` (if runs were
    kept), ``metadata.json`` and, with ``plots``, ``outcomes.png``,
    ``time_to_agreement.png``, ``settled_terms.png`` and ``acceptance.png``
    into ``out_dir``, replacing an earlier output only once all are written
    (``force``: see :func:`~negotiate.run.storage.atomic_directory`).
    Returns the final paths."""
    out_dir = Path(out_dir)
    with atomic_directory(out_dir, force=force) as tmp:
        names = [p.name for p in results.write_files(tmp)]
        if plots:
            names += _results_figures(results, tmp)
    return [out_dir / n for n in names]


def write_comparison_outputs(comparison, out_dir, *, plots: bool = True, force: bool = False) -> list[Path]:
    """Write ``comparison.csv`` (paired differences), ``summary_a.csv``,
    ``summary_b.csv``, ``metadata.json`` and, with ``plots``, ``comparison.png``."""
    out_dir = Path(out_dir)
    with atomic_directory(out_dir, force=force) as tmp:
        comparison.differences().to_csv(tmp / "comparison.csv", index_label="outcome")
        names = ["comparison.csv"]
        for side, res in (("a", comparison.a), ("b", comparison.b)):
            res.outcome_probabilities()[["p", "ci_low", "ci_high"]].to_csv(
                tmp / f"summary_{side}.csv", index_label="outcome")
            names.append(f"summary_{side}.csv")
        if plots:
            names.append(_save(lambda ax: comparison.plot(ax=ax), tmp / "comparison.png", (7, 3.5)))
        (tmp / "metadata.json").write_text(json.dumps(_comparison_metadata(comparison), indent=2,
                                                      ensure_ascii=False), encoding="utf-8")
        names.append("metadata.json")
    return [out_dir / n for n in names]


def _comparison_metadata(comparison) -> dict:
    a, b = comparison.a, comparison.b
    return {
        "producer": PRODUCER,
        "format": FORMAT_VERSION,
        "kind": "comparison",
        "labels": list(comparison.labels),
        "seed": a.seed,
        "runs": a.runs,
        "scenario_sha256": {"a": scenario_digest(a.scenario), "b": scenario_digest(b.scenario)},
        "wall_time_seconds": a.wall_time,
        "versions": a.versions,
        "scenarios": {"a": a.scenario.to_dict(), "b": b.scenario.to_dict()},
    }


def _results_figures(results, directory: Path) -> list[str]:
    from ..plot import plot_acceptance_rates, plot_time_to_agreement

    names = [
        _save(lambda ax: results.plot(ax=ax), directory / "outcomes.png", (7, 4.5)),
        _save(lambda ax: plot_time_to_agreement(results, ax=ax), directory / "time_to_agreement.png", (7, 4.5)),
        _save(lambda ax: plot_acceptance_rates(results, ax=ax), directory / "acceptance.png", (7, 4.5)),
    ]
    names.append(_settled_terms_figure(results, directory / "settled_terms.png"))
    return names


def _save(draw, path: Path, size) -> str:
    from matplotlib.figure import Figure  # no pyplot: no global figure state, no display

    fig = Figure(figsize=size, layout="constrained")
    draw(fig.add_subplot())
    fig.savefig(path, dpi=DPI)
    return path.name


def _settled_terms_figure(results, path: Path) -> str:
    from matplotlib.figure import Figure

    from ..plot import plot_settled_terms
    from .aggregate import TERM_GROUPS

    counts = results.settled_terms()["count"]
    rows = [max(1, int((counts.loc[g] > 0).sum())) for g in TERM_GROUPS]
    fig = Figure(figsize=(8, 1.5 + 0.9 * sum(rows)), layout="constrained")
    axes = fig.subplots(len(TERM_GROUPS), 1, height_ratios=rows)
    for ax, group in zip(axes, TERM_GROUPS):
        plot_settled_terms(results, group, ax=ax)
    fig.savefig(path, dpi=DPI)
    return path.name
