"""Calibration of the shared knobs: the emulator, the posterior, leave-one-out, seeds, the CLI."""

from __future__ import annotations

import hashlib
import json
import sys
import warnings
from unittest import mock

import numpy as np
import pandas as pd
import pytest

import negotiate
from negotiate.errors import SimulationError
from negotiate.model.outcomes import OUTCOMES
from negotiate.validation import DEFAULT_KNOBS, SCALE_KNOBS, Knob, calibrate, load_cases
from negotiate.validation import posterior as post
from negotiate.validation.calibrate import (
    SparseOutcomeWarning,
    emulator_inputs,
    fit_posterior,
    joint_events,
    outcome_marginal,
    prior_design,
    time_marginal,
)
from negotiate.validation.emulator import fit_emulator
from negotiate.validation.knobs import given_values, knob_paths, knob_set, prepare_case
from negotiate.validation.scores import TIME_BINS, first_agreement_round, time_bin
from tests.cli import negotiate_cli
from tests.validation.library import write_library

OUTCOME_INDEX = {name: k for k, name in enumerate(OUTCOMES)}

LIBRARY = {"alpha_1990": "comprehensive_agreement", "beta_1991": "no_agreement",
           "gamma_1992": "conditional_truce"}


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return load_cases(write_library(tmp_path_factory.mktemp("lib") / "cases", LIBRARY))


@pytest.fixture(scope="module")
def fitted(library):
    return calibrate(library, worlds=128, seed=5)


# --- knobs --------------------------------------------------------------------------

def test_knobs_map_to_every_matching_field_and_skip_missing_ones(library):
    scenario = library[0].scenario  # parties A and B, mediator M, no talks section
    by_name = {k.name: knob_paths(scenario, k) for k in DEFAULT_KNOBS}
    assert by_name == {"stance_persistence": ["bargaining.stance_persistence"],
                       "insincere": ["actors.A.insincere", "actors.B.insincere"],
                       "stalling": ["actors.A.insincere_rounds", "actors.B.insincere_rounds"],
                       "stalls_truces": ["actors.A.insincere_truces", "actors.B.insincere_truces"],
                       "drafting": [], "truce_drafting": [], "standstill": []}
    prepared, paths = prepare_case(scenario, DEFAULT_KNOBS)
    assert paths == by_name
    assert prepared.actors["A"].insincere.high == 0.6
    assert prepared.bargaining.stance_persistence.low == 0.0
    assert scenario.actors["A"].insincere == 0.0  # the case itself is untouched


def test_knob_arguments_are_checked():
    with pytest.raises(ValueError, match="low < high"):
        Knob("x", "bargaining.stance_persistence", 0.5, 0.5)
    with pytest.raises(ValueError, match="identifier"):
        Knob("not a name", "bargaining.stance_persistence", 0, 1)


def test_knobs_that_no_case_has_are_refused_before_anything_is_simulated(library):
    # the test library has no talks section, so the truce-drafting knob sets nothing
    with pytest.raises(ValueError, match="no case has a field that the knobs set: truce_drafting"):
        calibrate(library, knobs="truce", worlds=2, executor="no such executor is ever reached")


def test_design_fills_the_prior_box_and_follows_the_seed():
    design = prior_design(DEFAULT_KNOBS, 256, seed=1)
    assert design.shape == (256, len(DEFAULT_KNOBS))
    for j, k in enumerate(DEFAULT_KNOBS):
        assert k.low <= design[:, j].min() and design[:, j].max() <= k.high
        # a Sobol design puts one point in each of 16 equal slices 16 times
        counts = np.bincount(((design[:, j] - k.low) / (k.high - k.low) * 16).astype(int), minlength=16)
        assert (counts == 16).all()
    assert np.array_equal(design, prior_design(DEFAULT_KNOBS, 256, seed=1))
    assert not np.array_equal(design, prior_design(DEFAULT_KNOBS, 256, seed=2))
    assert prior_design(DEFAULT_KNOBS, 100, seed=1).shape == (100, len(DEFAULT_KNOBS))  # Latin hypercube


# --- the emulator --------------------------------------------------------------------

def _true_probs(theta):
    """A known dependence on knob 0 (knob 1 is irrelevant): quadratic logits."""
    x = theta[:, 0]
    logits = np.stack([2 - 4 * x, 4 * (x - 0.5) ** 2 * 4 - 1, 4 * x - 2, np.zeros_like(x)], axis=1)
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)


def test_emulator_recovers_a_known_dependence():
    rng = np.random.default_rng(0)
    theta = rng.random((4000, 2))
    p = _true_probs(theta)
    outcomes = (rng.random(4000)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    emulator = fit_emulator(theta, outcomes, 4)
    grid = np.column_stack([np.linspace(0.05, 0.95, 19), np.full(19, 0.5)])
    assert np.abs(emulator.predict(grid) - _true_probs(grid)).max() < 0.06
    assert emulator.pseudo_r2(theta, outcomes) > 0.1


def test_emulator_floors_classes_never_seen_and_falls_back_to_shares():
    theta = np.random.default_rng(1).random((50, 1))
    outcomes = np.where(theta[:, 0] > 0.5, 2, 3)
    p = fit_emulator(theta, outcomes, 4).predict([[0.2], [0.8]])
    assert np.allclose(p.sum(axis=1), 1)
    assert p[:, :2].min() > 0 and p[0, 3] > 0.5 and p[1, 2] > 0.5
    constant = fit_emulator(theta, np.full(50, 1), 4).predict([[0.2]])
    assert constant[0, 1] == pytest.approx(1 - 3 * 0.01 / (1 + 3 * 0.01))  # floor 1/(2·50), renormalised
    no_knob = fit_emulator(theta, outcomes, 4, columns=[])
    assert np.allclose(no_knob.predict([[0.1]]), no_knob.predict([[0.9]]))


def test_emulator_names_the_extra_when_scikit_learn_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.linear_model", None)
    theta = np.random.default_rng(1).random((20, 1))
    with pytest.raises(SimulationError, match=r"negotiate\[calibration\]"):
        fit_emulator(theta, (theta[:, 0] > 0.5).astype(int), 4)


# --- the posterior on a problem with a known answer ------------------------------------

def test_posterior_weights_match_the_closed_form():
    """One knob θ ~ U(0, 1); three cases each saw class 0, with p_c(0 | θ) = θ: the posterior
    is ∝ θ³, Beta(4, 1), with mean 4/5 and median 2^(-1/4)."""
    theta = np.random.default_rng(3).random(20_000)
    p0 = theta[None, :, None] * np.ones((3, 1, 1))
    probs = np.concatenate([p0, 1 - p0], axis=2)
    weights = post.posterior_weights(post.log_likelihoods(probs, np.zeros(3, dtype=int)).sum(axis=0))
    assert np.allclose(weights, theta ** 3 / (theta ** 3).sum())
    assert np.average(theta, weights=weights) == pytest.approx(0.8, abs=0.01)
    assert post.weighted_quantiles(theta, weights, 0.5) == pytest.approx(2 ** -0.25, abs=0.01)
    # ESS of θ³ weights: (E θ³)² / E θ⁶ · L = (1/16) / (1/7) · L
    assert post.effective_sample_size(weights) == pytest.approx(7 / 16 * 20_000, rel=0.03)
    # posterior predictive of class 0: E[θ | data] = 4/5
    assert post.predictive(weights, probs[0])[0] == pytest.approx(0.8, abs=0.01)


def test_leave_one_out_excludes_the_held_out_case():
    """Case 0 alone is informative (p_0 = θ), the others are flat: left out, case 0 is
    forecast by the prior (mean θ = ½); included, it would get E[θ | θ] = 2/3."""
    theta = np.random.default_rng(4).random(20_000)
    informative = np.stack([theta, 1 - theta], axis=1)
    flat = np.full((20_000, 2), 0.5)
    probs = np.stack([informative, flat, flat])
    forecasts, ess = post.leave_one_out(probs, np.zeros(3, dtype=int))
    assert forecasts[0, 0] == pytest.approx(theta.mean(), abs=1e-12)
    assert ess[0] == pytest.approx(20_000)
    assert forecasts[1, 0] == pytest.approx(0.5) and ess[1] < 20_000  # the others learn from case 0 and predict ½
    weights_all = post.posterior_weights(post.log_likelihoods(probs, np.zeros(3, dtype=int)).sum(axis=0))
    assert post.predictive(weights_all, informative)[0] == pytest.approx(2 / 3, abs=0.01)


def test_the_time_of_the_first_agreement_informs_the_joint_likelihood():
    """One knob θ ~ U(0, 1); one case whose outcome class never depends on θ (always 0) but
    whose first agreement falls in bin 0 when θ < ½ and in bin 2 otherwise, and bin 0 is
    what happened.  Scored on the outcome alone the posterior is the prior (mean ½);
    on the outcome and the time it is U(0, ½) (mean ¼, bin 0 predicted with certainty
    up to the emulator's smoothing); the marginals of the joint forecast sum to one."""
    design = np.linspace(0, 1, 400)[:, None]
    bins = np.where(design[:, 0] < 0.5, 0, 2)
    events = joint_events(np.zeros(400, dtype=int), bins)[None, :]
    theta = np.random.default_rng(8).random((5_000, 1))
    flat = fit_posterior(design, events, [[0]], theta, [0], [0], "outcome")
    timed = fit_posterior(design, events, [[0]], theta, [0], [0], "outcome+time")
    assert np.allclose(flat["weights"], 1 / 5_000)
    assert np.average(theta[:, 0], weights=timed["weights"]) == pytest.approx(0.25, abs=0.03)
    assert 2_400 < timed["ess"] < 3_500  # a sharp step gives L/2; the emulator's is smooth
    # class 0 always, less the floor given to each of the 18 events never simulated: half a
    # world of the design per outcome class scored (1/(2M·5) per joint event), per joint event
    # when the time is scored too (1/(2M))
    assert flat["posterior_predictive"][0, 0] == pytest.approx(1 / (1 + 18 / 4000), abs=0.002)
    assert timed["posterior_predictive"][0, 0] == pytest.approx(1 / (1 + 18 / 800), abs=0.005)
    assert flat["prior_predictive"][0, 1:] == pytest.approx([1 / 800] * 3, rel=0.05)
    assert flat["prior_time_predictive"][0, [0, 2]] == pytest.approx([0.5, 0.5], abs=0.05)
    for marginal in ("prior_predictive", "loo_predictive", "loo_time_predictive"):
        assert np.allclose(timed[marginal].sum(axis=1), 1)


def test_joint_events_and_their_marginals():
    k, b = len(OUTCOMES), len(TIME_BINS)
    assert joint_events([0, 1, 3], [0, 4, 2]).tolist() == [0, b + 4, 3 * b + 2]
    joint = np.arange(k * b, dtype=float)
    assert outcome_marginal(joint).tolist() == [sum(range(i * b, (i + 1) * b)) for i in range(k)]
    assert time_marginal(joint).tolist() == [sum(i * b + j for i in range(k)) for j in range(b)]


# --- the whole calibration --------------------------------------------------------------

def test_calibration_tables_are_consistent(fitted, library):
    frame = fitted.to_frame()
    assert list(frame.index) == [c.id for c in library]
    assert frame["knobs"].tolist() == ["stance_persistence,insincere,stalling,stalls_truces"] * 3
    for column in ("p_prior", "p_posterior", "p_loo", "p_climatology"):
        assert frame[column].between(0, 1).all()
    # the prior predictive (emulator averaged over the prior) is close to the design's share
    assert np.allclose(frame.p_prior, frame.p_design, atol=0.1)
    summary = fitted.summary()
    assert list(summary.index) == ["stance_persistence", "insincere", "stalling", "stalls_truces", "drafting",
                                   "truce_drafting", "standstill"]
    for drafting in DEFAULT_KNOBS[4:]:   # no case has talks: posterior = prior
        assert summary.loc[drafting.name, "cases"] == 0
        assert summary.loc[drafting.name, "mean"] == pytest.approx((drafting.low + drafting.high) / 2,
                                                                   abs=0.03 * drafting.high)
    assert (summary["low"] <= summary["mean"]).all() and (summary["mean"] <= summary["high"]).all()
    assert fitted.draws.shape == (4000, len(DEFAULT_KNOBS))
    skill = fitted.skill()
    assert set(skill.index) == {(s, f) for s in ("log_loss", "brier", "rps_time") for f in ("loo", "prior")}
    # the time forecasts are distributions over the bins, scored against what happened
    assert np.allclose(fitted.loo_time_predictive.sum(axis=1), 1)
    assert frame["rps_time_loo"].between(0, 1).all()
    assert 1 <= fitted.ess <= len(fitted.theta)
    html = fitted._repr_html_()  # a notebook shows the posterior and the skill
    assert html.count("<table") == 2 and "stalls_truces" in html and "loo" in html


def test_same_seed_same_result_whatever_the_workers(fitted, library):
    again = calibrate(library, worlds=128, seed=5, workers=2)
    assert np.array_equal(again.outcomes, fitted.outcomes)
    assert np.array_equal(again.weights, fitted.weights)
    pd.testing.assert_frame_equal(again.to_frame(), fitted.to_frame())
    pd.testing.assert_frame_equal(again.draws, fitted.draws)
    other = calibrate(library[:1], worlds=128, seed=6)
    assert not np.array_equal(other.design, fitted.design)
    # a case's worlds depend on the seed and its id, not on the other cases
    assert np.array_equal(calibrate(library[:1], worlds=128, seed=5).outcomes[0], fitted.outcomes[0])


def test_progress_counts_the_worlds_of_every_case(library, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 16 worlds are few for the emulators: not the point here
        calibrate(library[:2], worlds=16, seed=5, progress=True)
    assert "32/32" in capsys.readouterr().err  # 2 cases × 16 design worlds


def test_arguments_are_checked(library):
    for kwargs, message in [({"worlds": 1}, "worlds must be a whole number >= 2"),
                            ({"seed": -1}, "seed must be"), ({"workers": 0}, "workers must be"),
                            ({"knobs": [DEFAULT_KNOBS[0], DEFAULT_KNOBS[0]]}, "unique")]:
        with pytest.raises(ValueError, match=message):
            calibrate(library, **kwargs)
    with pytest.raises(ValueError, match="at least one case"):
        calibrate([])
    with pytest.raises(ValueError, match="likelihood must be one of 'outcome', 'outcome\\+time'"):
        calibrate(library, likelihood="time")


def test_save_writes_the_files_atomically(fitted, tmp_path):
    paths = fitted.save(tmp_path / "out", plots=False)
    assert [p.name for p in paths] == ["posterior.csv", "cases.csv", "summary_posterior.csv",
                                       "summary_skill.csv", "metadata.json"]
    meta = json.loads((tmp_path / "out" / "metadata.json").read_text())
    assert meta["kind"] == "calibration" and meta["worlds"] == 128 and meta["seed"] == 5
    assert meta["round_length_days"] == 7  # the cases' weekly rounds: the knobs count them
    assert [k["name"] for k in meta["knobs"]] == ["stance_persistence", "insincere", "stalling", "stalls_truces", "drafting",
                                                  "truce_drafting", "standstill"]
    assert meta["knobs"][4]["cases"] == []
    assert pd.read_csv(tmp_path / "out" / "posterior.csv").shape == (4000, len(DEFAULT_KNOBS))
    fitted.save(tmp_path / "out", plots=False)  # an earlier output of ours is replaced


# --- the command line --------------------------------------------------------------------

def test_cli_prints_the_posterior_cases_and_skill(tmp_path):
    write_library(tmp_path / "cases", LIBRARY)
    done = negotiate_cli("calibrate", "--worlds", "64", "--seed", "2", "--workers", "1",
                         "--out", "out", "--no-plots", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("calibrate: 3 cases, 64 design worlds each, seed 2")
    assert "ESS" in out and "stance_persistence" in out
    for case_id, outcome in LIBRARY.items():
        assert any(line.startswith(case_id) and outcome in line for line in out.splitlines())
    assert "leave-one-case-out skill against climatology" in out
    assert "wrote 5 files to out" in out
    # the hint it prints works wherever the scenario is: the folder --out named relative to the
    # current folder is printed absolute (a scenario reads a relative folder from its own)
    hint = out.rstrip().splitlines()[-1]
    assert hint.startswith("to simulate a scenario with this posterior, add to its file:  ")
    section = hint.split("add to its file:  ")[1].split("  (the folder")[0]
    digest = hashlib.sha256((tmp_path / "out" / "posterior.csv").read_bytes()).hexdigest()
    assert section == f"calibration: {{posterior: {(tmp_path / 'out').resolve()}, sha256: {digest}}}"
    case = next(iter(LIBRARY))
    scenario = (tmp_path / "cases" / case / "scenario.yaml").read_text()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "calibrated.yaml").write_text(scenario + "\n" + section + "\n")
    loaded = negotiate.load_scenario(tmp_path / "elsewhere" / "calibrated.yaml")
    assert loaded.calibration.posterior == str((tmp_path / "out").resolve())
    assert loaded.calibration.sha256 == digest


@pytest.mark.parametrize("digest", ["0" * 64, "1" * 30 + "e" + "2" * 33, "12" * 32])
def test_the_hints_digest_is_quoted_when_yaml_would_read_a_number(tmp_path, digest):
    """A SHA-256 of digits only (or digits and one e) reads as a number unquoted, which the
    scenario's sha256 refuses; the hint quotes it, and the section it prints reads back."""
    from negotiate.cli.validation import _posterior_hint

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "posterior.csv").write_text("x\n")
    with mock.patch("negotiate.digests.file_sha256", return_value=digest):
        hint = _posterior_hint(tmp_path / "out")
    folder = str((tmp_path / "out").resolve())
    section = hint.split("add to its file:  ")[1].split("  (the folder")[0]
    assert section == f'calibration: {{posterior: {folder}, sha256: "{digest}"}}'
    from negotiate.scenario.load import yaml_value
    assert yaml_value(section.split(": ", 1)[1]) == {"posterior": folder, "sha256": digest}


def test_cli_bad_arguments_give_one_line_and_exit_2(tmp_path):
    for args, expected in [(["missing"], "missing: (top level): folder not found"),
                           (["--worlds", "1"], "must be >= 2")]:
        done = negotiate_cli("calibrate", *args, cwd=tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr and done.stdout == ""
        assert expected in done.stderr, done.stderr


def test_an_outcome_seen_in_a_handful_of_design_worlds_is_flagged(library):
    from negotiate.validation.calibrate import (
        SPARSE,
        SparseOutcomeWarning,
        _warn_if_sparse,
        sparse_cases,
    )

    cases = list(library)
    observed = [OUTCOME_INDEX[c.record.outcome] for c in cases]
    other = [(k + 1) % 4 for k in observed]
    outcomes = np.array([[o] * 3 + [x] * 500 for o, x in zip(observed, other)])   # 3 worlds each
    outcomes[1, :SPARSE] = observed[1]                                           # case 1: enough
    found = sparse_cases(cases, outcomes)
    assert found == {cases[0].id: 3, cases[2].id: 3}
    with pytest.warns(SparseOutcomeWarning, match="fewer than 10 design worlds"):
        _warn_if_sparse(cases, outcomes)
    # a case where it never occurs is the worst (a flat likelihood): listed, and first
    outcomes[2, :] = other[2]                                                    # case 2: never
    found = sparse_cases(cases, outcomes)
    assert list(found.items()) == [(cases[2].id, 0), (cases[0].id, 3)]
    with pytest.warns(SparseOutcomeWarning) as caught:
        _warn_if_sparse(cases, outcomes)
    assert str(caught[0].message) == (
        f"what happened occurs in fewer than 10 design worlds for {cases[2].id} (0), {cases[0].id} (3): "
        f"in none for {cases[2].id}, so its likelihood is flat at the floor and says nothing about the "
        f"knobs; the emulator of {cases[0].id} rests on a handful of worlds and may shape the posterior "
        "alone; use more --worlds")
    with pytest.warns(SparseOutcomeWarning, match=rf"for {cases[2].id} \(0\): in none for "
                                                  rf"{cases[2].id}, so its likelihood is flat.*; use more"):
        _warn_if_sparse(cases[2:], outcomes[2:])


# --- scale knobs: a shared multiplier of each case's own value ----------------------------

def test_a_scale_knobs_prior_is_log_uniform():
    """log-uniform on [a, b]: quantile u at a·(b/a)^u (median √(ab)), mean (b − a)/ln(b/a);
    a Sobol design puts 1/16 of its points in each sixteenth of [ln a, ln b]."""
    for low, high in [(0.25, 4.0), (0.5, 8.0), (1.0, 3.0)]:
        knob = Knob("s", "actors.{party}.war_cost", low, high, kind="scale")
        assert knob.from_unit(0.5) == pytest.approx(np.sqrt(low * high))
        assert knob.from_unit([0, 1]) == pytest.approx([low, high])
        assert knob.to_unit(knob.from_unit([0.1, 0.7])) == pytest.approx([0.1, 0.7])
        assert knob.prior_mean() == pytest.approx((high - low) / np.log(high / low))
        assert knob.prior() == f"log-uniform[{low:g}, {high:g}]"
        design = prior_design([knob], 256, seed=1)[:, 0]
        counts = np.bincount((np.log(design / low) / np.log(high / low) * 16).astype(int), minlength=16)
        assert (counts == 16).all()
    assert DEFAULT_KNOBS[0].prior_mean() == pytest.approx(0.495)  # replace knobs: uniform as before
    # the emulators see a multiplier's logarithm (its prior is uniform in it), other knobs as they are
    values = np.array([[0.25, 0.3], [4.0, 0.9]])
    assert emulator_inputs(values, (SCALE_KNOBS[0], DEFAULT_KNOBS[0])).tolist() == [
        [np.log(0.25), 0.3], [np.log(4.0), 0.9]]


def test_scale_knob_arguments_and_knob_sets_are_checked():
    with pytest.raises(ValueError, match="need 0 < low"):
        Knob("s", "actors.{party}.war_cost", 0, 4, kind="scale")
    with pytest.raises(ValueError, match="kind must be one of 'replace', 'scale', got 'shift'"):
        Knob("s", "actors.{party}.war_cost", 1, 4, kind="shift")
    assert knob_set("default+scale") == DEFAULT_KNOBS + SCALE_KNOBS
    assert knob_set("scale+scale") == SCALE_KNOBS
    # a knob in two sets is fitted once, where it first appears
    assert knob_set("default+truce") == DEFAULT_KNOBS
    assert [k.name for k in knob_set("truce+default")][:2] == ["truce_drafting", "standstill"]
    assert len(knob_set("truce+default")) == len(DEFAULT_KNOBS)
    with pytest.raises(ValueError, match="unknown knob set 'scales' .* the sets are default, scale"):
        knob_set("default+scales")
    with pytest.raises(ValueError, match="knob sets joined by"):
        knob_set("")


def test_a_scale_knob_leaves_the_case_as_it_is_and_multiplies_it(library):
    scenario = library[0].scenario
    prepared, paths = prepare_case(scenario, SCALE_KNOBS)
    assert paths == {"war_cost_scale": ["actors.A.war_cost", "actors.B.war_cost"],
                     "noise_scale": ["actors.A.noise", "actors.B.noise"]}
    assert prepared.actors["A"].war_cost == scenario.actors["A"].war_cost  # the case's own distribution
    design = np.array([[0.5, 2.0], [4.0, 0.25]])
    given = {k: v.tolist() for k, v in given_values(design, SCALE_KNOBS, paths).items()}
    assert given == {"actors.A.war_cost*": [0.5, 4.0], "actors.B.war_cost*": [0.5, 4.0],
                     "actors.A.noise*": [2.0, 0.25], "actors.B.noise*": [2.0, 0.25]}
    patience = Knob("patience_scale", "actors.{party}.patience", 0.5, 2, kind="scale")
    with pytest.raises(ValueError, match=r"case alpha_1990: knob patience_scale scales actors.A.patience "
                                          r"\(from 0 to 1\) by 0.5 to 2, which leaves its range \[0, 1\]"):
        prepare_case(scenario, (patience,))


@pytest.fixture(scope="module")
def scaled(library):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SparseOutcomeWarning)  # 64 worlds: not the point here
        return calibrate(library, knobs="scale", worlds=64, seed=5)


def test_a_calibration_with_scale_knobs_simulates_the_multiplied_case(scaled, library):
    """The design's multipliers reach the engine: case 0's outcomes are those of its own
    scenario played with given["path*"] = the design's columns."""
    from negotiate.model import run_block
    from negotiate.run import run_seed

    assert scaled.design.min() >= 0.25 and scaled.design.max() <= 4
    given = {f"actors.{a}.{field}*": scaled.design[:, j]
             for j, field in enumerate(("war_cost", "noise")) for a in "AB"}
    direct = run_block(library[0].scenario, 64, run_seed(scaled.case_seeds[0]), given=given)
    assert np.array_equal(np.asarray(direct.outcome, dtype=np.int8), scaled.outcomes[0])
    assert np.array_equal(time_bin(first_agreement_round(direct.truce_round, direct.agreement_round)),
                          scaled.time_bins[0])
    plain = run_block(library[0].scenario, 64, run_seed(scaled.case_seeds[0]))
    assert np.array_equal(direct.inputs["actors.A.war_cost"],
                          plain.inputs["actors.A.war_cost"] * scaled.design[:, 0])
    assert not np.allclose(direct.terms, plain.terms, equal_nan=True)  # and the engine plays them
    summary = scaled.summary()
    assert summary["prior"].tolist() == ["log-uniform[0.25, 4]"] * 2
    assert summary["prior_mean"].tolist() == pytest.approx([3.75 / np.log(16)] * 2)
    ax = scaled.plot()  # each knob on its prior's quantile scale: a multiplier's in log
    labels = ax.get_legend_handles_labels()[1]
    assert labels[0] == "war_cost_scale log-uniform[0.25, 4] (3 cases)"
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


def test_a_posterior_of_scale_knobs_round_trips_through_a_calibration_section(scaled, library, tmp_path):
    from negotiate.model import NegotiationModel
    from negotiate.scenario.calibration import load_posterior

    scaled.save(tmp_path / "post", plots=False)
    meta = json.loads((tmp_path / "post" / "metadata.json").read_text())
    assert [k["kind"] for k in meta["knobs"]] == ["scale", "scale"]
    posterior = load_posterior(str(tmp_path / "post"))
    assert posterior.kinds == ("scale", "scale")
    case = library[0].scenario
    calibrated = case.with_overrides({"calibration": {"posterior": str(tmp_path / "post")}})
    n = 200
    played, own = NegotiationModel(calibrated, n, seed=2).params, NegotiationModel(case, n, seed=2).params
    factor = played.war_cost[:2] / own.war_cost[:2]            # the parties A and B
    assert np.allclose(factor[0], factor[1])                   # one knob for every party ...
    assert np.array_equal(played.war_cost[2:], own.war_cost[2:])  # ... and none for the others
    rows = set(map(tuple, np.round(posterior.draws, 12)))
    pairs = np.stack([factor[0], played.noise[0] / own.noise[0]], axis=1)
    assert all(tuple(np.round(p, 12)) in rows for p in pairs)   # each world: one whole posterior row


def test_cli_knobs_option_names_knob_sets(tmp_path, capsys):
    from negotiate.cli import main

    folder = write_library(tmp_path / "cases", dict(list(LIBRARY.items())[:2]))
    assert main(["calibrate", str(folder), "--knobs", "default+nope", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "unknown knob set 'nope'" in err and len(err.strip().splitlines()) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SparseOutcomeWarning)
        assert main(["calibrate", str(folder), "--knobs", "scale", "--worlds", "16", "--workers", "1",
                     "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "war_cost_scale  log-uniform[0.25, 4]" in out and "stance_persistence" not in out


def test_cli_says_a_sparse_outcome_in_one_line(tmp_path, capsys, monkeypatch):
    """The warning of a sparse case is a "negotiate: warning:" line, not Python's form; a case
    whose outcome never occurs in the design is named in it too."""
    import negotiate.validation
    from negotiate.cli import main
    from negotiate.validation.calibrate import _warn_if_sparse

    def sparse_then_stop(cases, **kwargs):
        _warn_if_sparse(cases[:1], np.array([[9] * 64]))  # what happened: in no design world
        raise ValueError("stopped by the test")

    monkeypatch.setattr(negotiate.validation, "calibrate", sparse_then_stop)
    folder = write_library(tmp_path / "cases", dict(list(LIBRARY.items())[:1]))
    assert main(["calibrate", str(folder), "--workers", "1", "--no-progress"]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "fewer than" in line]
    assert len(lines) == 1 and lines[0].startswith("negotiate: warning: what happened occurs"), err
    assert f"for {next(iter(LIBRARY))} (0): in none for" in lines[0]
    assert "SparseOutcomeWarning" not in err and "warnings.warn" not in err
