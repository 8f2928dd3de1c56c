"""Scenario discovery: which combinations of inputs lead to an outcome.

Given many worlds with their sampled inputs and outcomes (a
:class:`~negotiate.results.Results` kept with its runs, or its per-run table),
:func:`discover` finds boxes, ranges of a few inputs, inside which the worlds
often reach the outcome of interest.  Each box is reported with

* **coverage**: the share of all worlds that reached the outcome that lie in the box;
* **density**: the share of the box's worlds that reached the outcome.

Two maintained implementations, imported only when used:

* ``method="prim"``: the Patient Rule Induction Method of the EMA Workbench
  (``ema_workbench.analysis.prim``, Kwakkel 2017; after Friedman & Fisher 1999
  and RAND's sdtoolkit).  It peels the input space into a trajectory of
  ever denser, smaller boxes; the box reported is the densest one whose
  coverage is at least ``min_coverage`` (the whole trajectory is kept for
  :meth:`DiscoveryResults.plot_tradeoff`), less the restrictions that are not
  statistically meaningful: those whose quasi-p-value (Bryant & Lempert 2010)
  exceeds ``prune``.
* ``method="cart"``: a classification tree (scikit-learn's
  ``DecisionTreeClassifier``, classes weighted to balance a rare outcome);
  every leaf is a box, reported densest first.

Coverage and density are recounted here on all the worlds for both methods,
so they mean the same thing whichever found the box.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SimulationError
from ..model.outcomes import OUTCOMES
from ..results.diagnostics import WeakResultWarning
from ..results.output import FigureFile, Saved, on_axes, scenario_digest
from ..run.batch import want_progress, working

__all__ = ["Box", "DiscoveryResults", "discover"]

METHODS = ("prim", "cart")
PRUNE = 0.05  # default quasi-p-value above which a PRIM restriction is dropped
#: fewer worlds than this with the outcome (or without it) and a box is a handful of worlds:
#: a density of 1 in a box of 20 of them happens by chance among many inputs
FEW_WORLDS = 50
INPUT_PREFIX = "input:"


@dataclass(frozen=True)
class Box:
    """Ranges of some inputs: ``limits[name] = (low, high)`` (±inf where open).

    A world is in the box when each limited input lies in its range: ``low <
    x <= high`` for tree leaves (``low_inclusive=False``), ``low <= x <=
    high`` for PRIM boxes.

    PRIM boxes also carry quasi-p-values (one-sided binomial tests, Bryant &
    Lempert 2010: how likely a density this high would be without the
    restriction): ``quasi_p[name]`` for each limited input, and
    ``dropped[name]`` for each input whose restriction was pruned, with its
    quasi-p-value when it was dropped.  Both are empty for tree leaves.
    """

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    worlds: int
    cases: int
    low_inclusive: bool = True
    quasi_p: dict[str, float] = field(default_factory=dict)
    dropped: dict[str, float] = field(default_factory=dict)

    def contains(self, frame: pd.DataFrame) -> np.ndarray:
        inside = np.ones(len(frame), dtype=bool)
        for name, (low, high) in self.limits.items():
            x = frame[name].to_numpy(float)
            inside &= (x >= low if self.low_inclusive else x > low) & (x <= high)
        return inside

    def rule(self, digits: int = 3, *, marks: dict[str, str] | None = None) -> str:
        """The box as text, such as ``actors.A.patience > 0.82 and war.drift <= 0.01``;
        ``marks[name]`` follows that input's limit in brackets (``... >= 0.25 (calibration knob)``)."""
        parts = []
        marks = marks or {}
        for name, (low, high) in self.limits.items():
            below = "<=" if self.low_inclusive else "<"
            if math.isfinite(low) and math.isfinite(high):
                part = f"{low:.{digits}g} {below} {name} <= {high:.{digits}g}"
            elif math.isfinite(low):
                part = f"{name} {'>=' if self.low_inclusive else '>'} {low:.{digits}g}"
            elif math.isfinite(high):
                part = f"{name} <= {high:.{digits}g}"
            else:
                continue
            parts.append(f"{part} ({marks[name]})" if name in marks else part)
        return " and ".join(parts) or "(all worlds)"


@dataclass(repr=False)
class DiscoveryResults(Saved):
    """Outcome of :func:`discover`: ``boxes`` best first, with the data they describe."""

    outcome: str
    method: str
    inputs: list[str]
    boxes: list[Box]
    worlds: int
    cases: int
    ranges: dict[str, tuple[float, float]]
    trajectory: pd.DataFrame | None = None
    name: str = "worlds"
    options: dict = field(default_factory=dict)
    scenario: object = None
    simulation_seed: int | None = None  # of the Results the worlds came from, if any

    KIND = "discovery"

    @property
    def base_rate(self) -> float:
        """Share of all worlds that reached the outcome (the density of no box at all)."""
        return self.cases / self.worlds

    @property
    def pruned(self) -> bool:
        """Whether PRIM's restrictions were pruned by their quasi-p-values."""
        return self.options.get("prune") is not None

    def to_frame(self) -> pd.DataFrame:
        """One row per box: ``box``, ``rule``, ``coverage``, ``density``, ``worlds``,
        ``cases`` and ``inputs`` (how many inputs it limits); when pruned, also
        ``dropped``: the inputs whose restriction was dropped, with their
        quasi-p-values, such as ``c (qp 0.41); d (qp 0.12)`` (empty if none).  A limit on a
        field the scenario's calibration sets is marked ``(calibration knob)`` (a posterior
        draw, not an input the analyst chose) or ``(times a calibration knob)``."""
        from ..scenario.calibrated_fields import knob_marks

        marks = knob_marks(self.scenario) if self.scenario is not None else {}
        columns = ["box", "rule", "coverage", "density", "worlds", "cases", "inputs"]
        if self.pruned:
            columns.append("dropped")
        rows = [{"box": k + 1, "rule": b.rule(marks=marks), "coverage": b.coverage, "density": b.density,
                 "worlds": b.worlds, "cases": b.cases, "inputs": len(b.limits),
                 "dropped": "; ".join(f"{name} (qp {qp:.2g})" for name, qp in b.dropped.items())}
                for k, b in enumerate(self.boxes)]
        frame = pd.DataFrame(rows, columns=columns)
        frame.attrs.update(outcome=self.outcome, method=self.method, base_rate=self.base_rate,
                           total_worlds=self.worlds, total_cases=self.cases)
        return frame

    def limits_frame(self) -> pd.DataFrame:
        """One row per box × limited input: ``low``, ``high`` and the input's observed
        ``min``, ``max``; for PRIM also the restriction's ``quasi_p``."""
        rows = [{"box": k + 1, "input": name, "low": low, "high": high,
                 "min": self.ranges[name][0], "max": self.ranges[name][1], "quasi_p": b.quasi_p.get(name)}
                for k, b in enumerate(self.boxes) for name, (low, high) in b.limits.items()]
        columns = ["box", "input", "low", "high", "min", "max"]
        if self.method == "prim":
            columns.append("quasi_p")
        return pd.DataFrame(rows, columns=columns)

    def plot(self, ax=None, *, boxes: int = 3):
        """The first ``boxes`` boxes: each limited input's range within its observed range."""
        from ..plot.discovery import plot_discovery  # matplotlib only when plotting

        return plot_discovery(self, ax=ax, boxes=boxes)

    def plot_tradeoff(self, ax=None):
        """PRIM's peeling trajectory: density against coverage, the chosen box marked."""
        from ..plot.discovery import plot_tradeoff

        return plot_tradeoff(self, ax=ax)

    # --- files (the common save: negotiate.results.output) ------------------------------
    def _metadata_body(self) -> dict:
        meta = {"outcome": self.outcome, "method": self.method, "options": self.options,
                "inputs": self.inputs, "worlds": self.worlds, "cases": self.cases}
        if self.simulation_seed is not None:
            meta["seed"] = self.simulation_seed
        if self.pruned:
            meta["dropped"] = [{"box": k + 1, "input": name, "quasi_p": qp}
                               for k, b in enumerate(self.boxes) for name, qp in b.dropped.items()]
        if self.scenario is not None:
            meta.update(scenario_name=self.name, scenario_sha256=scenario_digest(self.scenario),
                        scenario=self.scenario.to_dict())
        return meta

    def _write_tables(self, directory: Path) -> list[Path]:
        """discovery.csv (the :meth:`to_frame` table)."""
        self.to_frame().to_csv(directory / "discovery.csv", index=False)
        return [directory / "discovery.csv"]

    def _figures(self) -> list[FigureFile]:
        """discovery.png and, for PRIM, tradeoff.png."""
        figures = [FigureFile("discovery.png", on_axes(self.plot), (7, 5))]
        if self.trajectory is not None:
            figures.append(FigureFile("tradeoff.png", on_axes(self.plot_tradeoff), (7, 5)))
        return figures

    def __repr__(self) -> str:
        return (f"<DiscoveryResults {self.name}: {self.method} boxes for {self.outcome}, "
                f"{len(self.boxes)} boxes over {len(self.inputs)} inputs, {self.worlds:,} worlds "
                f"({self.base_rate:.1%} reached it)>")

    def _repr_html_(self) -> str:
        head = (f"<p><b>{self.name}</b>: where {self.outcome.replace('_', ' ')} happens "
                f"({self.method}; {self.cases:,} of {self.worlds:,} worlds)</p>")
        return head + self.to_frame().to_html(index=False, float_format=lambda x: f"{x:.3f}")


def discover(data, outcome: str = "comprehensive_agreement", *, method: str = "prim",
             inputs: Sequence[str] | None = None, min_coverage: float = 0.5, threshold: float | None = None,
             peel_alpha: float = 0.05, mass_min: float = 0.05, prune: float | None = PRUNE,
             max_depth: int = 3, min_leaf: float = 0.02, seed: int = 0,
             progress: bool | None = None) -> DiscoveryResults:
    """Boxes of inputs where ``outcome`` happens, with their coverage and density.

    ``data``: a :class:`~negotiate.results.Results` simulated with
    ``keep_runs=True`` (its sampled inputs and outcomes), or a DataFrame with
    an ``outcome`` column and the inputs as columns (the per-run table of
    :meth:`Results.to_frame`, whose ``input:<path>`` columns are used, or
    any numeric columns).  ``inputs`` restricts the search to these paths.
    PRIM: ``threshold`` (the density the final peeled box must reach for PRIM
    to accept it, else it returns all worlds; default: the base rate, so any
    box denser than no box at all is kept), ``peel_alpha`` (share
    peeled per step), ``mass_min`` (smallest box, as a share of the worlds)
    and ``min_coverage`` (the box reported is the densest with at least this
    coverage).  CART: ``max_depth`` and ``min_leaf`` (smallest leaf, as a
    share of the worlds); ``seed`` breaks ties between equally good splits.

    ``prune`` (PRIM only; default 0.05): once the box is chosen, drop the
    restrictions that are not statistically meaningful.  Each restricted
    input has a quasi-p-value, the EMA Workbench's one-sided binomial test
    (Bryant & Lempert 2010): the chance of a density at least the box's if
    its worlds were drawn from the box without that input's limits (with
    limits on both sides, the smaller of the two sides' values: the input is
    kept if either cut is meaningful, as the workbench's ``determine_dimres``
    does).  Dropping one restriction changes the others' values, so, as an
    analyst would with the workbench's ``inspect`` and ``drop_restriction``,
    the input with the largest value above ``prune`` is dropped, the values
    are recomputed for the wider box, and so on until every remaining one is
    at most ``prune``.  Coverage and density are then recounted for the
    wider box: pruning trades some density for a shorter rule (and more
    coverage).  The dropped inputs and their values are in each box's
    ``dropped`` (and the ``dropped`` column of :meth:`DiscoveryResults.to_frame`),
    the kept ones' values in ``quasi_p`` (and :meth:`DiscoveryResults.limits_frame`).
    ``prune=None`` reports the chosen box as PRIM peeled it.  With
    ``method="cart"`` only the default or ``None`` is accepted (a tree is not
    pruned this way).

    ``progress`` (``None``, the default: in a notebook or at a terminal) shows
    the time spent while the boxes are searched (PRIM on thousands of worlds
    takes many seconds).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    _check_prune(prune, method)
    show = want_progress(progress)
    x, y, name, scenario = _cases(data, outcome, inputs)
    _warn_if_few(y, outcome)
    threshold = float(y.mean()) if threshold is None else threshold
    ranges = {c: (float(x[c].min()), float(x[c].max())) for c in x.columns}
    with working(f"{method.upper()} on {len(y):,} worlds", show=show):
        if method == "prim":
            boxes, trajectory = _prim(x, y, min_coverage, threshold, peel_alpha, mass_min, prune)
        else:
            boxes, trajectory = _cart(x, y, max_depth, min_leaf, seed), None
    if method == "prim":
        options = {"min_coverage": min_coverage, "threshold": threshold, "peel_alpha": peel_alpha,
                   "mass_min": mass_min, "prune": None if prune is None else float(prune)}
    else:
        options = {"max_depth": max_depth, "min_leaf": min_leaf}
    return DiscoveryResults(outcome, method, list(x.columns), boxes, len(y), int(y.sum()), ranges,
                            trajectory, name, options, scenario, getattr(data, "seed", None))


def _warn_if_few(y: np.ndarray, outcome: str) -> None:
    """Boxes among a few dozen worlds fit noise: with dozens of inputs some box of a
    handful of them is dense by chance (Bryant & Lempert 2010 ask for hundreds)."""
    hits, misses = int(y.sum()), int(len(y) - y.sum())
    if min(hits, misses) < FEW_WORLDS:
        which = f"only {hits} of {len(y):,} worlds reached" if hits < FEW_WORLDS else \
            f"only {misses} of {len(y):,} worlds did not reach"
        warnings.warn(f"{which} {outcome!r}: boxes found among so few worlds are likely noise "
                      f"(fewer than {FEW_WORLDS}); run more worlds before reading them",
                      WeakResultWarning, stacklevel=3)


def _check_prune(prune, method: str) -> None:
    if prune is not None and (isinstance(prune, bool) or not isinstance(prune, numbers.Real)
                              or not 0 < prune < 1):
        raise ValueError(f"prune must be a quasi-p-value threshold between 0 and 1 (exclusive), or None "
                         f"to keep every restriction; got {prune!r}")
    if method == "cart" and prune is not None and prune != PRUNE:
        raise ValueError(f"prune applies to PRIM boxes only (method='prim'); got prune={prune!r} with "
                         "method='cart' (use max_depth and min_leaf to keep trees short)")


# --- the data ----------------------------------------------------------------------

def _cases(data, outcome: str, inputs) -> tuple[pd.DataFrame, np.ndarray, str, object]:
    """(inputs frame, cases-of-interest mask, a name for titles, the scenario or None)."""
    scenario = getattr(data, "scenario", None)
    if isinstance(data, pd.DataFrame):
        frame, name, scenario = data, str(data.attrs.get("scenario", "worlds")), None
        if "outcome" not in frame.columns:
            raise ValueError("the frame needs an 'outcome' column (outcome names or codes), such as "
                             "Results.to_frame() has")
        columns = _input_columns(frame)
    elif hasattr(data, "run_data") and hasattr(data, "scenario"):
        if data.run_data is None:
            raise ValueError("these results kept no runs: simulate with keep_runs=True to discover boxes")
        frame = pd.DataFrame({f"{INPUT_PREFIX}{k}": v for k, v in data.run_data.inputs.items()})
        frame["outcome"] = pd.Categorical.from_codes(np.asarray(data.run_data.outcome, np.int8), OUTCOMES)
        columns, name = list(frame.columns[:-1]), data.scenario.name
    else:
        raise TypeError(f"discover needs Results (with runs) or a DataFrame, got {type(data).__name__}")
    x = frame[columns].rename(columns=lambda c: c.removeprefix(INPUT_PREFIX)).astype(float)
    if inputs is not None:
        missing = [p for p in inputs if p not in x.columns]
        if missing:
            raise ValueError(f"inputs {missing} are not in the data; it has: {', '.join(x.columns)}")
        x = x[list(inputs)]
    x = x.loc[:, x.nunique() > 1]  # a constant input cannot bound anything
    if x.shape[1] == 0:
        raise ValueError("no varying inputs to search: the scenario needs distribution-valued fields")
    y = _interest(frame["outcome"], outcome)
    if not 0 < y.sum() < len(y):
        raise ValueError(f"{int(y.sum())} of {len(y)} worlds reached {outcome!r}: discovery needs "
                         "worlds with and without it (run more worlds or pick another outcome)")
    return x.reset_index(drop=True), y, name, scenario


def _input_columns(frame: pd.DataFrame) -> list[str]:
    prefixed = [c for c in frame.columns if str(c).startswith(INPUT_PREFIX)]
    if prefixed:
        return prefixed
    numeric = [c for c in frame.columns if c != "outcome" and pd.api.types.is_numeric_dtype(frame[c])
               and not pd.api.types.is_bool_dtype(frame[c])]
    if not numeric:
        raise ValueError("the frame has no input columns ('input:<path>' or numeric columns)")
    return numeric


def _interest(column: pd.Series, outcome: str) -> np.ndarray:
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; choose from {list(OUTCOMES)}")
    values = column.to_numpy()
    if pd.api.types.is_integer_dtype(column):  # outcome codes
        return values == OUTCOMES.index(outcome)
    return np.asarray(values.astype(str) == outcome)


def _recount(box_limits: dict, low_inclusive: bool, x: pd.DataFrame, y: np.ndarray) -> Box:
    probe = Box(box_limits, 0.0, 0.0, 0, 0, low_inclusive)
    inside = probe.contains(x)
    worlds, cases = int(inside.sum()), int((inside & y).sum())
    return Box(box_limits, cases / int(y.sum()), cases / worlds if worlds else math.nan, worlds, cases,
               low_inclusive)


def _missing(package: str, exc: ImportError) -> SimulationError:
    return SimulationError(f"scenario discovery needs {package} ({exc}); install the optional "
                           "dependencies: pip install 'negotiate[sensitivity]'")


# --- PRIM ---------------------------------------------------------------------------

def _prim(x: pd.DataFrame, y: np.ndarray, min_coverage: float, threshold: float, peel_alpha: float,
          mass_min: float, prune: float | None) -> tuple[list[Box], pd.DataFrame]:
    for label, value in (("min_coverage", min_coverage), ("threshold", threshold),
                         ("peel_alpha", peel_alpha), ("mass_min", mass_min)):
        if not 0 < value < 1 and not (label == "min_coverage" and value == 1):
            raise ValueError(f"{label} must be between 0 and 1, got {value!r}")
    try:
        with warnings.catch_warnings():
            # the workbench warns at import about optional parallel back-ends it does not need here
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim as ema_prim
    except ImportError as exc:
        raise _missing("the EMA Workbench (ema_workbench)", exc) from exc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alg = ema_prim.Prim(x, y, threshold=threshold, peel_alpha=peel_alpha, mass_min=mass_min)
        box = alg.find_box()
    # copied before pruning, which appends its wider boxes to the workbench's trajectory
    trajectory = box.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].copy()
    eligible = trajectory.index[trajectory["coverage"] >= min_coverage]
    chosen = int(trajectory.loc[eligible, "density"].idxmax()) if len(eligible) else 0
    trajectory["chosen"] = trajectory.index == chosen
    final, dropped = _prune(box, chosen, prune) if prune is not None else (chosen, {})
    limits = _restricted(box.box_lims[final], alg.box_init, list(x.columns))
    found = replace(_recount(limits, True, x, y), quasi_p=_input_quasi_p(box.qp[final]), dropped=dropped)
    return [found], trajectory.reset_index(drop=True)


def _restricted(lims: pd.DataFrame, init: pd.DataFrame, names: list[str]) -> dict[str, tuple[float, float]]:
    """The inputs a workbench box restricts, open (±inf) on the sides it did not cut."""
    limits = {}
    for name in names:
        low, high = float(lims.loc[0, name]), float(lims.loc[1, name])
        low_cut, high_cut = low > float(init.loc[0, name]), high < float(init.loc[1, name])
        if low_cut or high_cut:
            limits[name] = (low if low_cut else -math.inf, high if high_cut else math.inf)
    return limits


def _input_quasi_p(qp: dict[str, list[float]]) -> dict[str, float]:
    """One quasi-p-value per restricted input from the workbench's ``[lower side, upper side]``
    pair (-1 for a side not cut): the smaller, since one meaningful cut makes the input
    meaningful (the workbench's ``prim_util.determine_dimres`` reads them the same way)."""
    return {name: float(min(v for v in sides if v >= 0)) for name, sides in qp.items()
            if any(v >= 0 for v in sides)}


def _prune(box, chosen: int, prune: float) -> tuple[int, dict[str, float]]:
    """Drop restrictions of trajectory box ``chosen`` one at a time, the least meaningful
    first, while any has a quasi-p-value above ``prune``.  Each drop widens the box, so the
    workbench's ``drop_restriction`` appends the wider box, with fresh quasi-p-values, to
    its trajectory.  Returns the final box's index there and ``{input: quasi-p when dropped}``."""
    current, dropped = chosen, {}
    while True:
        values = _input_quasi_p(box.qp[current])
        worst = max(values, key=values.get, default=None)
        if worst is None or values[worst] <= prune:
            return current, dropped
        dropped[worst] = values[worst]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas deprecation notices from inside the workbench
            box.drop_restriction(worst, i=current)
        current = len(box.box_lims) - 1


# --- CART ----------------------------------------------------------------------------

def _cart(x: pd.DataFrame, y: np.ndarray, max_depth: int, min_leaf: float, seed: int) -> list[Box]:
    if isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 1:
        raise ValueError(f"max_depth must be a whole number >= 1, got {max_depth!r}")
    if not 0 < min_leaf < 0.5:
        raise ValueError(f"min_leaf must be a share of the worlds between 0 and 0.5, got {min_leaf!r}")
    try:
        from sklearn.tree import DecisionTreeClassifier
    except ImportError as exc:
        raise _missing("scikit-learn", exc) from exc
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=min_leaf, class_weight="balanced",
                                  random_state=seed).fit(x.to_numpy(float), y)
    boxes = [_recount(limits, False, x, y) for limits in _leaf_limits(tree.tree_, list(x.columns))]
    return sorted(boxes, key=lambda b: (-b.density, -b.coverage))


def _leaf_limits(tree, names: list[str]) -> list[dict[str, tuple[float, float]]]:
    """Each leaf's path from the root as ranges: left is ``x <= t``, right ``x > t``."""
    leaves = []
    stack = [(0, {})]
    while stack:
        node, limits = stack.pop()
        left, right = tree.children_left[node], tree.children_right[node]
        if left == right:  # a leaf
            leaves.append(limits)
            continue
        name, t = names[tree.feature[node]], float(tree.threshold[node])
        low, high = limits.get(name, (-math.inf, math.inf))
        stack.append((right, {**limits, name: (max(low, t), high)}))
        stack.append((left, {**limits, name: (low, min(high, t))}))
    return leaves
