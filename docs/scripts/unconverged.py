"""How far off are the rounds whose continuation values miss the solver's tolerance, and
does it matter for the outcome (docs/model.md §8, "Caps and non-convergence")?

For each scenario it runs ``--runs`` worlds (one block) on the same draws (common
random numbers) with the shipped solver and caps, with caps that try much harder
(``bargaining.iterations`` and ``first_round_iterations`` set to ``--hard``), and with
a variant solver at both caps.  In each it watches the solver (:class:`negotiate.model.continuation.FixedPoint`, a subclass
that only records) and prints, per unconverged (world, round):

* the residual max-norm ``‖T(P) − P‖`` left at the evaluation used, in flow units and
  over the world's largest response noise;
* how many such rounds a world has;
* why it stopped: ``jump`` (T is discontinuous there: a trial point closer to the best
  one than 1 % of the residual moved T by more than half the residual, a slope over
  50 where T's slopes are below n), ``steep`` (trial points that close were tried and
  T moved smoothly with them: the fallback's ever shorter steps along the residual
  made it grow, T's slope along it being above 1), ``slow`` (the best residual still
  fell by half or more over the last five sweeps), or ``other``;

then the paired differences of the outcome probabilities (variant − shipped) with 95 %
Monte Carlo intervals.  The variant (:class:`Previous`, here only) is the solver before
session 9, whose fallback dropped rejected steps from Anderson's history.  Used for the paragraph "How far off, and whether it matters" of
docs/model.md §8 (about 80 s of CPU for each command below).

    python docs/scripts/unconverged.py --runs 2048 --seed 1 scenarios/ukraine_march_2025.yaml
    python docs/scripts/unconverged.py --runs 1024 --seed 1 scenarios/hypothetical_three_actors.yaml
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

import negotiate
from negotiate.model import model as engine
from negotiate.model.continuation import FixedPoint
from negotiate.model.outcomes import OUTCOMES

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ("ukraine_march_2025.yaml", "hypothetical_three_actors.yaml")
#: a trial this much closer to the best point than the residual ...
JUMP_STEP = 0.01
#: ... that moves T by more than this share of the residual: T jumps there
JUMP_MOVE = 0.5
#: sweeps over which a best residual still halving counts as slow convergence
SLOW_WINDOW = 5


class Probe(FixedPoint):
    """The shipped solver, recording each sweep's residual and distance to the best point."""

    last: Probe | None = None

    def __init__(self, x0, *, tol, active):
        super().__init__(x0, tol=tol, active=active)
        self.history = []   # per sweep: (worlds held, residual, |x − best|, |T(x) − T(best)|)
        Probe.last = self

    def update(self, tx):
        cols = self._cols
        t_here = tx[:, cols]
        norm = np.abs(t_here - self._x).max(axis=0)
        have = np.isfinite(self._best_norm)
        dx = np.where(have, np.abs(self._x - self._best_x).max(axis=0), np.nan)
        dt = np.where(have, np.abs(t_here - (self._best_x + self._best_r)).max(axis=0), np.nan)
        self.history.append((cols.copy(), norm, dx, dt))
        return super().update(tx)


class Previous(Probe):
    """The solver before session 9, for comparison: a rejected step wiped the world's
    Anderson history (depth 3) and was never stored; the next point was taken back along
    it (regula falsi, α ∈ [0.1, 0.5]) and, after a second rejection in a row, a damped
    plain step ``x + ω r`` (ω = ½, ¼, …) from the accepted point.  Where T's slope along
    the residual is above 1 every such step is rejected."""

    def __init__(self, x0, *, tol, active):
        super().__init__(x0, tol=tol, active=active)
        self._fails = np.zeros(self.x.shape[1], np.int64)

    def _step(self, r, norm, better, converged):
        self._fails = np.where(better, 0, self._fails + 1)
        back = np.where(self._fails[None] >= 2, self._damped(), self._backtracked(r))
        self._remember_accepted(better, r)
        self._best_x = np.where(better[None], self._x, self._best_x)
        self._best_r = np.where(better[None], r, self._best_r)
        self._best_norm = np.where(better, norm, self._best_norm)
        nxt = np.where(better[None], self._accelerated(), back)
        self._x = np.where(converged[None], self._x, nxt)
        x = self.x.copy()
        x[:, self._cols] = self._x
        self.x = x

    def _shrink(self, keep):
        self._fails = np.take(self._fails, keep)
        super()._shrink(keep)

    def _backtracked(self, r):
        rb = self._best_r
        denominator = np.einsum("an,an->n", rb, rb)
        phi = np.divide(np.einsum("an,an->n", r, rb), denominator,
                        out=np.zeros_like(denominator), where=denominator > 0)
        with np.errstate(divide="ignore"):
            alpha = np.where(phi < 0, 1.0 / (1.0 - phi), 0.5)
        alpha = np.clip(alpha, 0.1, 0.5)
        return self._best_x + alpha[None] * (self._x - self._best_x)

    def _damped(self):
        omega = 0.5 ** np.minimum(self._fails - 1, 30)
        return self._best_x + omega[None] * self._best_r

    def _remember_accepted(self, better, r):
        have = np.isfinite(self._best_norm)
        dx = np.where((better & have)[None], self._x - self._best_x, 0.0)
        dr = np.where((better & have)[None], r - self._best_r, 0.0)
        for h in (self._dx, self._dr):
            for k in range(len(h)):
                h[k] = np.where(better[None], h[k], 0.0)
        self._dx.append(dx)
        self._dr.append(dr)
        if len(self._dx) > 3:
            self._dx.pop(0)
            self._dr.pop(0)


def _why(norms: np.ndarray, dx: np.ndarray, dt: np.ndarray, gap: float) -> tuple[str, float]:
    """``jump``, ``steep``, ``slow`` or ``other`` for one world's sweeps (see the module's
    text), and T's slope seen over the tiny steps (NaN if none)."""
    tiny = (dx > 0) & (dx < JUMP_STEP * gap)
    slope = float(np.median(dt[tiny] / dx[tiny])) if tiny.any() else np.nan
    if (tiny & (dt > JUMP_MOVE * gap)).any():
        return "jump", slope
    if tiny.any():
        return "steep", slope
    best = np.minimum.accumulate(norms)
    if best.size > SLOW_WINDOW and best[-1] <= 0.5 * best[-1 - SLOW_WINDOW]:
        return "slow", slope
    return "other", slope


def _watch(rows: list, label: str):
    """The engine's _bargain, recording each unconverged world of each round into ``rows``."""
    plain = engine.NegotiationModel._bargain

    def bargain(self, t, state):
        found = plain(self, t, state)
        solver = Probe.last
        noise = self.params.noise.max(axis=0)
        for w in np.flatnonzero(~solver.converged):
            seen = [(n[c == w], x[c == w], d[c == w]) for c, n, x, d in solver.history if (c == w).any()]
            norms, dx, dt = (np.concatenate(parts) for parts in zip(*seen))
            gap = float(solver.residual[w])
            why, slope = _why(norms, dx, dt, gap)
            rows.append({"variant": label, "world": int(self.ids[w]), "round": t,
                         "sweeps": norms.size, "gap": gap, "noise": float(noise[w]),
                         "why": why, "slope": slope})
        return found
    return bargain


def run(scenario, runs: int, seed: int, label: str, rows: list, solver=Probe):
    """Outcomes per run and the per-run table, recording ``solver`` into ``rows`` (one
    block of ``runs`` worlds, so that a world's index in the block is its run)."""
    engine.FixedPoint = solver
    plain = engine.NegotiationModel._bargain
    engine.NegotiationModel._bargain = _watch(rows, label)
    try:
        results = negotiate.simulate(scenario, runs=runs, seed=seed, workers=1, progress=False,
                                     block_size=runs)
    finally:
        engine.NegotiationModel._bargain = plain
        engine.FixedPoint = FixedPoint
    frame = results.to_frame()
    return frame["outcome"], frame


def _describe(rows: pd.DataFrame, runs: int) -> None:
    if rows.empty:
        print("  no unconverged round")
        return
    ratio = rows["gap"] / rows["noise"]
    per_world = rows.groupby("world").size()
    q = lambda s: f"median {s.median():.3g}, 90 % {s.quantile(0.9):.3g}, max {s.max():.3g}"
    print(f"  unconverged rounds: {len(rows)} in {per_world.size} of {runs} runs "
          f"({per_world.size / runs:.1%}); per such run: median {per_world.median():.0f}, "
          f"max {per_world.max()}")
    print(f"  residual (flow units): {q(rows['gap'])}")
    print(f"  residual / largest response noise: {q(ratio)}; above 1 in {(ratio > 1).mean():.1%}, "
          f"above 0.1 in {(ratio > 0.1).mean():.1%} of such rounds")
    print("  why: " + ", ".join(f"{k} {v} ({v / len(rows):.0%})"
                                for k, v in rows["why"].value_counts().items()))
    steep = rows.loc[rows["why"] == "steep", "slope"]
    print(f"  sweeps used: median {rows['sweeps'].median():.0f}, max {rows['sweeps'].max()}; "
          f"T's slope over the tiny steps (steep): median {steep.median():.3g}")


def _paired(a: pd.Series, b: pd.Series) -> pd.DataFrame:
    """Hard − shipped outcome probabilities, paired by run, with 95 % intervals."""
    out = {}
    for k in OUTCOMES:
        d = (b == k).to_numpy(float) - (a == k).to_numpy(float)
        half = 1.96 * d.std(ddof=1) / np.sqrt(d.size)
        out[k] = {"shipped": (a == k).mean(), "variant": (b == k).mean(), "difference": d.mean(),
                  "ci_low": d.mean() - half, "ci_high": d.mean() + half}
    return pd.DataFrame(out).T


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=512)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hard", type=int, default=200, help="sweeps per round of the variant")
    parser.add_argument("scenarios", nargs="*", default=[str(ROOT / "scenarios" / s) for s in SCENARIOS])
    args = parser.parse_args(argv)
    pd.set_option("display.width", 120)
    for path in args.scenarios:
        scenario = negotiate.load_scenario(path)
        hard = scenario.with_overrides({"bargaining.iterations": args.hard,
                                        "bargaining.first_round_iterations": args.hard})
        rows: list = []
        shipped, frame = run(scenario, args.runs, args.seed, "shipped", rows)
        plan = {f"{args.hard} sweeps": (hard, Probe), "previous": (scenario, Previous),
                f"previous, {args.hard} sweeps": (hard, Previous)}
        variants = {label: run(which, args.runs, args.seed, label, rows, solver)[0]
                    for label, (which, solver) in plan.items()}
        table = pd.DataFrame(rows)
        print(f"\n{Path(path).name}: {args.runs} runs, seed {args.seed}")
        for label in ("shipped", *variants):
            print(f" {label}:")
            _describe(table[table["variant"] == label] if len(table) else table, args.runs)
        if "unconverged_gap" in frame:
            seen = table[table["variant"] == "shipped"].groupby("world")["gap"].max()
            col = frame["unconverged_gap"].to_numpy()
            assert np.array_equal(col[seen.index], seen.to_numpy()) and (col > 0).sum() == seen.size
        missed = frame["unconverged"].to_numpy() > 0
        for label, harder in variants.items():
            moved = shipped.to_numpy() != harder.to_numpy()
            print(f" {label}: outcome changed in {moved.sum()} of {args.runs} runs "
                  f"({(moved & missed).sum()} of them with an unconverged round under the shipped "
                  "solver); paired differences (variant − shipped), 95 % intervals:")
            print("  changes: " + ", ".join(f"{a} → {b}: {k}" for (a, b), k in pd.Series(
                list(zip(shipped[moved], harder[moved])), dtype=object).value_counts().items()))
            print(_paired(shipped, harder).round(4).to_string())


if __name__ == "__main__":
    main()
