"""Sensitivity indices say when they should not be read: an outcome that never
varied, a high noise share, negative first-order indices, indices above one,
indices smaller than their intervals; and the CLI screens with Morris unless asked for Sobol."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from negotiate.analysis import Factor, SensitivityResults, analyse_function
from negotiate.analysis.sensitivity import NOISE_LIMIT
from negotiate.results.diagnostics import Diagnosis, WeakResultWarning
from tests.analysis.test_cli_sensitivity import DRIVERS
from tests.cli import negotiate_cli

FACTORS = [Factor("x", lambda u: u), Factor("y", lambda u: u)]


def _sobol(rows, outputs=None, noise=None) -> SensitivityResults:
    """A Sobol result with a hand-written table for outcome "p"."""
    table = pd.DataFrame([{"input": name, "outcome": "p", "S1": s1, "S1_conf": c1, "ST": st, "ST_conf": ct}
                          for name, s1, c1, st, ct in rows])
    outputs = np.linspace(0.2, 0.8, 8)[:, None] if outputs is None else outputs
    return SensitivityResults("sobol", [r[0] for r in rows], ["p"], table, np.zeros((len(outputs), len(rows))),
                              outputs, samples=8, seed=0, level=0.95, replications=4,
                              noise_share=None if noise is None else {"p": noise})


def test_sound_indices_have_no_problems():
    result = _sobol([("x", 0.6, 0.1, 0.7, 0.1), ("y", -0.02, 0.05, 0.2, 0.1)], noise=0.05)
    assert isinstance(result.diagnose(), Diagnosis) and not result.diagnose()


def test_an_outcome_that_never_varies_is_reported():
    result = analyse_function(FACTORS, lambda v: np.c_[v[:, 0], np.full(len(v), 0.3)], ["moves", "fixed"],
                              "morris", samples=6, seed=2)
    found = result.diagnose()
    assert found.kinds == ["constant_outcome"] and found.problems[0].subject == "fixed"
    assert "0.3 at every one" in str(found.problems[0])
    assert (result.to_frame().query("outcome == 'fixed'")["mu_star"] == 0).all()  # the zeros it explains


@pytest.mark.parametrize("replications", [2, 5, 20])
def test_the_noise_share_is_checked_against_its_closed_form(replications):
    # 12 points (4 trajectories of 3) alternating 0.1 / 0.9: variance 0.16; the noise
    # estimate p(1-p)/(r-1) = 0.09/(r-1) at every point, so the share is 0.5625/(r-1)
    y = np.tile([0.1, 0.9], 6)
    result = analyse_function(FACTORS, lambda v: y[: len(v), None], ["p"], "morris", samples=4, seed=1,
                              replications=replications)
    assert len(result.design) == 12
    share = 0.09 / (replications - 1) / 0.16
    assert result.noise_share["p"] == pytest.approx(share)
    assert ("high_noise" in result.diagnose().kinds) == (share >= NOISE_LIMIT)


def test_a_noise_share_at_the_limit_is_reported_and_below_it_not():
    sound = [("x", 0.6, 0.1, 0.7, 0.1)]
    assert _sobol(sound, noise=NOISE_LIMIT).diagnose().kinds == ["high_noise"]
    assert not _sobol(sound, noise=NOISE_LIMIT - 0.01).diagnose()


def test_negative_first_order_indices_are_reported():
    beyond_interval = _sobol([("x", 0.6, 0.1, 0.7, 0.1), ("y", -0.04, 0.03, 0.1, 0.05)])
    assert beyond_interval.diagnose().kinds == ["negative_index"]
    assert "y (-0.040)" in str(beyond_interval.diagnose().problems[0])
    large = _sobol([("x", 0.6, 0.1, 0.7, 0.1), ("y", -0.08, 0.2, 0.1, 0.05)])
    assert large.diagnose().kinds == ["negative_index"]
    within = _sobol([("x", 0.6, 0.1, 0.7, 0.1), ("y", -0.04, 0.05, 0.1, 0.05)])
    assert not within.diagnose()


@pytest.mark.parametrize(("s1", "c1", "st", "ct", "named"), [
    (0.6, 0.1, 1.31, 0.2, "x (ST 1.310)"),   # the user trial's ST: beyond its interval and by > 0.05
    (0.6, 0.1, 1.04, 0.03, "x (ST 1.040)"),  # beyond its interval
    (0.6, 0.1, 1.06, 0.2, "x (ST 1.060)"),   # within its interval, but more than 0.05 above one
    (1.2, 0.1, 0.9, 0.1, "x (S1 1.200)"),    # a first-order index too
    (0.6, 0.1, 1.04, 0.05, None),            # 1.04 - 0.05 < 1 and 1.04 <= 1.05: could be one
    (0.6, 0.1, 1.0, 0.0, None),              # one itself is a share
])
def test_indices_above_one_are_reported(s1, c1, st, ct, named):
    result = _sobol([("x", s1, c1, st, ct), ("y", 0.0, 0.05, 0.2, 0.1)])
    found = result.diagnose()
    if named is None:
        assert not found
        return
    assert found.kinds == ["index_above_one"] and found.problems[0].subject == "p"
    assert f"indices of p above one: {named};" in str(found.problems[0])
    assert "cannot exceed one" in str(found.problems[0]) and "raise samples" in str(found.problems[0])


def test_morris_indices_have_no_upper_limit():
    table = pd.DataFrame([{"input": "x", "outcome": "p", "mu_star": 1.5, "mu_star_conf": 0.1, "mu": 1.5,
                           "sigma": 0.1}])
    result = SensitivityResults("morris", ["x"], ["p"], table, np.zeros((8, 1)), np.linspace(0.2, 0.8, 8)[:, None],
                                samples=2, seed=0, level=0.95)
    assert not result.diagnose()


def test_indices_smaller_than_their_intervals_are_reported():
    unresolved = _sobol([("x", 0.1, 0.3, 0.2, 0.25), ("y", 0.0, 0.3, 0.1, 0.3)])
    found = unresolved.diagnose()
    assert found.kinds == ["index_within_interval"] and "x 0.200 ± 0.250" in str(found.problems[0])
    assert not _sobol([("x", 0.1, 0.3, 0.3, 0.25), ("y", 0.0, 0.3, 0.1, 0.3)]).diagnose()


def test_diagnosis_table_and_warnings():
    found = _sobol([("x", 0.1, 0.3, 0.2, 0.25)], noise=0.5).diagnose()
    assert list(found.to_frame()["kind"]) == ["high_noise", "index_within_interval"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found.warn()
    assert [(w.category, str(w.message)) for w in caught] == [(WeakResultWarning, p.message) for p in found]


def test_the_cli_screens_with_morris_by_default_and_prints_the_notes(tmp_path):
    done = negotiate_cli("sensitivity", str(DRIVERS), "--samples", "4", "--replications", "2", "--seed", "3",
                         "--workers", "1", "--input", "war.drift", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "morris indices" in done.stdout and "mu_star" in done.stdout and "ST" not in done.stdout
    notes = [line for line in done.stderr.splitlines() if line.startswith("negotiate: note:")]
    assert any("temporary_truce never varied" in line for line in notes), done.stderr
    assert "Traceback" not in done.stderr
