"""How far the unconverged rounds were off (docs/model.md §8, "Caps and non-convergence"):
the per-run columns, their summaries, files and the note of ``diagnose()``."""

import dataclasses

import numpy as np
import pytest

import negotiate
from negotiate.model import model as engine
from negotiate.model.continuation import FixedPoint
from negotiate.results import Results

NOISE = 0.05          # every party's response noise in varied.yaml (the mediator has none)
SMALL, LARGE = 0.002, 0.15   # residuals the stuck solver reports: in round 3, LARGE


class Stuck(FixedPoint):
    """A solver that never converges and reports residual LARGE in round 3, SMALL in the
    others, in every world still playing (so a run's largest is neither its last nor a sum)."""

    round = 0

    def __init__(self, x0, *, tol, active):
        super().__init__(x0, tol=tol, active=active)
        self._active = np.asarray(active, bool)

    def update(self, tx):
        super().update(tx)
        self.converged = ~self._active
        self.residual = np.where(self._active, LARGE if Stuck.round == 3 else SMALL, 0.0)
        return False


@pytest.fixture(scope="module")
def stuck(varied):
    """64 runs of varied.yaml in blocks of 16 with the stuck solver, one sweep a round."""
    plain = engine.NegotiationModel._bargain

    def bargain(self, t, state):
        Stuck.round = t
        return plain(self, t, state)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine, "FixedPoint", Stuck)
        mp.setattr(engine.NegotiationModel, "_bargain", bargain)
        scenario = varied.with_overrides({"bargaining.iterations": 1,
                                          "bargaining.first_round_iterations": 1})
        return negotiate.simulate(scenario, runs=64, seed=3, block_size=16, progress=False)


def test_each_run_keeps_its_largest_residual(stuck):
    frame = stuck.to_frame()
    rounds = frame["unconverged"].to_numpy()        # every round played was counted
    plain = (frame["outcome"] == "no_agreement") & (frame["victory"] == 0)
    assert (rounds[plain] == 6).all() and (rounds >= 1).all()
    expected = np.where(rounds >= 3, LARGE, SMALL)
    assert {SMALL, LARGE} <= set(expected)          # both kinds of run occur
    np.testing.assert_array_equal(frame["unconverged_gap"], expected)
    np.testing.assert_allclose(frame["unconverged_gap_noise"], expected / NOISE, rtol=1e-15)


def test_the_summaries_and_the_note_say_how_far_off(stuck):
    agg = stuck.aggregates
    rounds = stuck.to_frame()["unconverged"].to_numpy()
    assert agg.unconverged_runs == 64
    assert agg.unconverged_gap_max == LARGE          # the largest over blocks, not their sum
    assert agg.unconverged_gap_noise_max == pytest.approx(LARGE / NOISE)
    below = int((rounds <= 2).sum())                 # SMALL is 0.04 noise, LARGE 3 noises
    assert agg.gap_below_noise() == below
    median = np.median(np.where(rounds >= 3, LARGE, SMALL))
    # read from bins a tenth of a decade wide
    assert median / 10**0.1 <= agg.gap_quantile(0.5) <= median * 10**0.1
    assert median / NOISE / 10**0.1 <= agg.gap_quantile(0.5, noise=True) <= median / NOISE * 10**0.1
    (problem,) = [p for p in stuck.diagnose() if p.kind == "unconverged"]
    assert problem.message.startswith("100% of runs had a round")
    assert "at most 0.15 (median " in problem.message
    assert "at most 3× (median " in problem.message
    assert f"below that noise in {below / 64:.0%} of them" in problem.message


def test_the_gap_survives_saving_and_loading(stuck, tmp_path):
    stuck.save(tmp_path / "out", plots=False)
    again = negotiate.load_results(tmp_path / "out")
    for col in ("unconverged", "unconverged_gap", "unconverged_gap_noise"):
        np.testing.assert_array_equal(again.to_frame()[col], stuck.to_frame()[col], err_msg=col)
    for name, value in stuck.aggregates.to_arrays().items():
        np.testing.assert_array_equal(value, again.aggregates.to_arrays()[name], err_msg=name)
    assert again.diagnose().to_frame().equals(stuck.diagnose().to_frame())


def test_runs_recorded_without_the_gap_say_so(stuck, varied):
    old = dataclasses.replace(stuck.run_data, unconverged_gap=None, unconverged_gap_noise=None)
    results = Results.from_block(varied, old)
    assert results.aggregates.unconverged_gap_hist.sum() == 0
    assert "unconverged_gap" not in results.to_frame()
    (problem,) = [p for p in results.diagnose() if p.kind == "unconverged"]
    assert "by how much was not recorded" in problem.message


def test_the_engine_records_the_gap_where_it_missed(varied):
    """One sweep a round: most rounds miss; the gap is above the tolerance exactly there."""
    scenario = varied.with_overrides({"bargaining.iterations": 1,
                                      "bargaining.first_round_iterations": 1})
    frame = negotiate.simulate(scenario, runs=32, seed=5, progress=False).to_frame()
    missed = frame["unconverged"].to_numpy() > 0
    gap = frame["unconverged_gap"].to_numpy()
    assert missed.any()
    tol = max(scenario.bargaining.tolerance, scenario.bargaining.noise_tolerance * NOISE)
    assert (gap[missed] > tol).all() and (gap[~missed] == 0).all()
    np.testing.assert_allclose(frame["unconverged_gap_noise"], gap / NOISE, rtol=1e-15)


def test_the_note_says_how_to_check_it(stuck, varied):
    """The remedy names the scenario fields that exist (docs/scenario-format.md, `bargaining`),
    with at least the sweeps a user trial found enough, more if the scenario already has them."""
    (problem,) = [p for p in stuck.diagnose() if p.kind == "unconverged"]
    assert stuck.scenario.bargaining.iterations == 1           # the stuck fixture's
    assert ("to check, rerun with --set bargaining.iterations=200 "
            "--set bargaining.first_round_iterations=400") in problem.message
    many = varied.with_overrides({"bargaining.iterations": 300, "bargaining.first_round_iterations": 150})
    again = Results.from_block(many, stuck.run_data)
    (problem,) = [p for p in again.diagnose() if p.kind == "unconverged"]
    assert "--set bargaining.iterations=600 --set bargaining.first_round_iterations=400" in problem.message
    for path in ("bargaining.iterations", "bargaining.first_round_iterations"):  # the paths --set takes
        assert varied.with_overrides({path: 7}).bargaining.model_dump()[path.split(".")[1]] == 7
