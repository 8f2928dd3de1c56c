"""Calibrated behaviour (scenario section ``calibration``, docs/validation.md "Calibration"):
each world takes one posterior draw of the shared knobs, whole rows, from a stream of its own."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import negotiate
from negotiate.digests import sealed
from negotiate.errors import ScenarioError
from negotiate.model import NegotiationModel
from negotiate.results.check import metadata_digest
from negotiate.results.storage import file_sha256
from negotiate.scenario.calibration import load_posterior

from .conftest import DATA, load

ROOT = Path(__file__).resolve().parents[2]

# two draws, each a whole row: (persistence, stalling probability)
ROWS = [(0.2, 0.1), (0.8, 0.5)]
KNOBS = [{"name": "stance_persistence", "path": "bargaining.stance_persistence", "low": 0, "high": 0.95},
         {"name": "insincere", "path": "actors.{party}.insincere", "low": 0, "high": 0.6}]


def write_posterior(folder, rows=ROWS, knobs=KNOBS, kind="calibration"):
    folder.mkdir(parents=True, exist_ok=True)
    lines = [",".join(k["name"] for k in knobs)] + [",".join(str(v) for v in r) for r in rows]
    (folder / "posterior.csv").write_text("\n".join(lines) + "\n")
    return seal(folder, {"kind": kind, "knobs": knobs})


def seal(folder, meta=None):
    """Write metadata.json as negotiate calibrate does: with the SHA-256 of posterior.csv
    (``files``) and of itself (``metadata_sha256``)."""
    meta = sealed(meta or json.loads((folder / "metadata.json").read_text()), [folder / "posterior.csv"])
    (folder / "metadata.json").write_text(json.dumps(meta))
    return folder


def calibrated_scenario(tmp_path, posterior="post", **extra):
    """talks.yaml with a calibration section, written beside a posterior folder."""
    write_posterior(tmp_path / "post")
    text = (DATA / "talks.yaml").read_text()
    section = {"posterior": posterior, **extra}
    path = tmp_path / "calibrated.yaml"
    path.write_text(text + "calibration: " + json.dumps(section) + "\n")
    return path


def inputs(scenario, n=4000, seed=3, given=None):
    return NegotiationModel(scenario, n, seed=seed, given=given).inputs


def test_each_world_takes_one_whole_row_of_the_posterior(tmp_path):
    scenario = negotiate.load_scenario(calibrated_scenario(tmp_path))
    drawn = inputs(scenario)
    pairs = np.stack([drawn["bargaining.stance_persistence"], drawn["actors.A.insincere"],
                      drawn["actors.B.insincere"]], axis=1)
    first = (pairs == [0.2, 0.1, 0.1]).all(axis=1)
    second = (pairs == [0.8, 0.5, 0.5]).all(axis=1)
    assert (first | second).all()  # rows are never mixed: the knobs' correlation is kept
    # rows are drawn with equal probability: share within 4 standard errors of 1/2
    assert abs(first.mean() - 0.5) < 4 * np.sqrt(0.25 / len(first))


def test_the_draws_follow_the_seed_and_leave_other_fields_alone(tmp_path):
    path = calibrated_scenario(tmp_path)
    scenario = negotiate.load_scenario(path)
    with_patience = scenario.with_overrides({"actors.A.patience": {"dist": "uniform", "low": 0.8, "high": 0.95}})
    plain = load("talks", actors__A__patience={"dist": "uniform", "low": 0.8, "high": 0.95})
    a, b = inputs(with_patience, seed=3), inputs(with_patience, seed=3)
    assert np.array_equal(a["bargaining.stance_persistence"], b["bargaining.stance_persistence"])
    assert not np.array_equal(a["bargaining.stance_persistence"],
                              inputs(with_patience, seed=4)["bargaining.stance_persistence"])
    # common random numbers: the calibration does not move any other field's draws
    assert np.array_equal(a["actors.A.patience"], inputs(plain, seed=3)["actors.A.patience"])


def test_given_values_win_over_the_calibration(tmp_path):
    scenario = negotiate.load_scenario(calibrated_scenario(tmp_path))
    mine = np.full(50, 0.33)
    drawn = inputs(scenario, n=50, given={"bargaining.stance_persistence": mine})
    assert np.array_equal(drawn["bargaining.stance_persistence"], mine)
    assert set(drawn["actors.A.insincere"]) <= {0.1, 0.5}


def test_the_calibrated_knob_changes_what_the_engine_does(tmp_path):
    """Mutation check: a posterior of certain stalling for the whole horizon must stop
    every settlement (insincere parties reject every settlement, docs/model.md §17)."""
    knobs = [{"name": "insincere", "path": "actors.{party}.insincere", "low": 0, "high": 1}]
    write_posterior(tmp_path / "stall", rows=[(1.0,)], knobs=knobs)
    scenario = load("talks").with_overrides({"calibration": {"posterior": str(tmp_path / "stall")}})
    outcome = negotiate.simulate(scenario, runs=200, seed=1, workers=1, progress=False).outcome_probabilities()
    assert outcome.loc["comprehensive_agreement", "p"] == 0
    assert negotiate.simulate(load("talks"), runs=200, seed=1, workers=1, progress=False).outcome_probabilities().loc[
        "comprehensive_agreement", "p"] == 1


def test_a_relative_folder_is_read_beside_the_scenario_file(tmp_path):
    path = calibrated_scenario(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import negotiate, sys; s = negotiate.load_scenario(sys.argv[1]); "
            "print(s.calibration.posterior)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], cwd=elsewhere, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": os.getcwd()}, check=True)
    assert out.stdout.strip() == str((tmp_path / "post").resolve())


def _rewrite(name, text):
    """Replace a file of the posterior and re-seal it: what is checked is then its content."""
    def change(folder):
        (folder / name).write_text(text)
        seal(folder)
    return change


@pytest.mark.parametrize("change, field, message", [
    (lambda f: shutil.rmtree(f), "calibration.posterior", "no metadata.json or posterior.csv"),
    (_rewrite("posterior.csv", "a,b\n0.1,0.2\n"), "calibration.posterior", "do not match the knobs"),
    (_rewrite("posterior.csv", "stance_persistence,insincere\n0.99,0.1\n"),
     "calibration.posterior", "outside its prior"),
    (_rewrite("posterior.csv", "stance_persistence,insincere\nx,0.1\n"),
     "calibration.posterior", "must be a number"),
    (lambda f: (f / "metadata.json").write_text("{}"), "calibration.posterior", "not the metadata of a calibration"),
])
def test_a_bad_posterior_is_refused_naming_the_file_and_field(tmp_path, change, field, message):
    path = calibrated_scenario(tmp_path)
    change(tmp_path / "post")
    with pytest.raises(ScenarioError, match=message) as info:
        negotiate.load_scenario(path)
    text = str(info.value)
    assert "calibrated.yaml" in text and field in text


def _edit_metadata(folder, change):
    meta = json.loads((folder / "metadata.json").read_text())
    change(meta)
    (folder / "metadata.json").write_text(json.dumps(meta))


@pytest.mark.parametrize("edit, named, message", [
    (lambda f: (f / "posterior.csv").write_text("stance_persistence,insincere\n0.2,0.1\n0.8,0.4\n"),
     "posterior.csv", "does not match the SHA-256 in metadata.json"),
    (lambda f: _edit_metadata(f, lambda m: m["knobs"][0].update(path="actors.{party}.patience")),
     "metadata.json", "metadata_sha256 does not match"),
    (lambda f: _edit_metadata(f, lambda m: m.update(worlds=99)), "metadata.json", "metadata_sha256 does not match"),
    (lambda f: _edit_metadata(f, lambda m: m.pop("files")), "metadata.json", "lacks the SHA-256"),
    (lambda f: (f / "cases.csv").write_text("edited\n"), "cases.csv", "does not match the SHA-256"),
])
def test_a_posterior_edited_after_calibrate_wrote_it_is_refused(tmp_path, edit, named, message):
    """docs/scenario-format.md, "calibration": the hashes calibrate writes are checked."""
    path = calibrated_scenario(tmp_path)
    folder = tmp_path / "post"
    (folder / "cases.csv").write_text("case\n")
    seal(folder)
    meta = json.loads((folder / "metadata.json").read_text())
    meta["files"]["cases.csv"] = file_sha256(folder / "cases.csv")
    meta["metadata_sha256"] = metadata_digest(meta)
    (folder / "metadata.json").write_text(json.dumps(meta))
    assert negotiate.load_scenario(path).calibration is not None  # sealed: accepted
    (folder / "cases.csv").unlink()
    assert negotiate.load_scenario(path).calibration is not None  # a listed report left out: fine
    (folder / "cases.csv").write_text("case\n")
    edit(folder)
    with pytest.raises(ScenarioError, match=message) as info:
        negotiate.load_scenario(path)
    assert f"post/{named}" in str(info.value) and "calibration.posterior" in str(info.value)


def test_a_pinned_posterior_must_match(tmp_path):
    path = calibrated_scenario(tmp_path, sha256="0" * 64)
    with pytest.raises(ScenarioError, match="calibration.sha256.*not the pinned"):
        negotiate.load_scenario(path)
    digest = load_posterior(str(tmp_path / "post")).sha256
    assert negotiate.load_scenario(calibrated_scenario(tmp_path, sha256=digest)).calibration.sha256 == digest


def test_a_posterior_that_sets_nothing_here_is_refused(tmp_path):
    knobs = [{"name": "drafting", "path": "talks.drafting.base", "low": 0, "high": 10}]
    write_posterior(tmp_path / "drafting", rows=[(3.0,)], knobs=knobs)
    with pytest.raises(ScenarioError, match="none of the posterior's knobs sets a field"):
        load("talks").with_overrides({"calibration": {"posterior": str(tmp_path / "drafting")}})


def test_the_library_posterior_is_shipped_and_applies_to_the_baseline():
    posterior = load_posterior("library")
    assert posterior.draws.shape[0] >= 100 and np.isfinite(posterior.draws).all()
    for j, (low, high) in enumerate(posterior.bounds):
        assert low <= posterior.draws[:, j].min() and posterior.draws[:, j].max() <= high
    baseline = negotiate.load_scenario("scenarios/ukraine_march_2025.yaml")
    assert baseline.calibration is not None and baseline.calibration.posterior == "library"
    assert all(posterior.fields(baseline).values())  # every knob sets something in the baseline


def test_calibrated_fields_are_not_inputs_of_a_sensitivity_analysis(tmp_path):
    """Each world draws the knobs together from the posterior, which a design over
    independent inputs cannot do: they are left out of the inputs (and are noise)."""
    from negotiate.analysis.inputs import distribution_paths

    baseline = negotiate.load_scenario(ROOT / "scenarios" / "ukraine_march_2025.yaml")
    paths = distribution_paths(baseline)
    assert "actors.Russia.patience" in paths
    assert not {"bargaining.stance_persistence", "actors.Russia.insincere", "actors.Ukraine.insincere_rounds",
                "talks.drafting.base"} & set(paths)
    without = distribution_paths(baseline.with_overrides({"calibration": None}))
    assert "bargaining.stance_persistence" in without


# --- scale knobs: a posterior draw multiplies the field's own value ----------------------

SCALE = [{"name": "war_cost_scale", "path": "actors.{party}.war_cost", "kind": "scale", "low": 0.25, "high": 4},
         {"name": "stance_persistence", "path": "bargaining.stance_persistence", "low": 0, "high": 0.95}]


def test_a_scale_knob_multiplies_each_worlds_own_draw(tmp_path):
    """Rows (2, 0.3) and (0.5, 0.7): a world with persistence 0.3 has war costs twice its
    own draw (the same draw as without the calibration), one with 0.7 half of it."""
    write_posterior(tmp_path / "scale", rows=[(2.0, 0.3), (0.5, 0.7)], knobs=SCALE)
    assert load_posterior(str(tmp_path / "scale")).kinds == ("scale", "replace")
    cost = {"dist": "uniform", "low": 0.01, "high": 0.05}
    plain = load("talks", actors__A__war_cost=cost)
    scenario = plain.with_overrides({"calibration": {"posterior": str(tmp_path / "scale")}})
    n = 400
    model = NegotiationModel(scenario, n, seed=3)
    own = NegotiationModel(plain, n, seed=3).params.war_cost
    factor = np.where(model.inputs["bargaining.stance_persistence"] == 0.3, 2.0, 0.5)
    assert set(model.inputs["bargaining.stance_persistence"]) == {0.3, 0.7}
    assert np.array_equal(model.params.war_cost, own * factor)  # A's draw and B's number, both scaled
    assert np.array_equal(model.inputs["actors.A.war_cost"], own[0] * factor)
    # a caller's multiplier wins over the calibration's, as a caller's value does
    mine = NegotiationModel(scenario, n, seed=3, given={"actors.B.war_cost*": np.full(n, 3.0)}).params
    assert np.array_equal(mine.war_cost[1], own[1] * 3.0)


def test_older_posteriors_replace_and_bad_kinds_are_refused(tmp_path):
    assert load_posterior(str(write_posterior(tmp_path / "old"))).kinds == ("replace", "replace")
    bad = [dict(SCALE[0], kind="shift")] + SCALE[1:]
    write_posterior(tmp_path / "shift", rows=[(2.0, 0.3)], knobs=bad)
    with pytest.raises(ValueError, match="knob war_cost_scale: kind must be one of replace, scale, got 'shift'"):
        load_posterior(str(tmp_path / "shift"))
    zero = [dict(SCALE[0], low=0)] + SCALE[1:]
    write_posterior(tmp_path / "zero", rows=[(2.0, 0.3)], knobs=zero)
    with pytest.raises(ValueError, match="war_cost_scale is a scale .* low must be > 0"):
        load_posterior(str(tmp_path / "zero"))


def test_fields_a_scale_knob_multiplies_stay_inputs_of_a_sensitivity_analysis(tmp_path):
    from negotiate.analysis.inputs import distribution_paths

    write_posterior(tmp_path / "scale", rows=[(2.0, 0.3)], knobs=SCALE)
    scenario = load("talks", actors__A__war_cost={"dist": "uniform", "low": 0.01, "high": 0.05},
                    bargaining__stance_persistence={"dist": "uniform", "low": 0, "high": 0.5})
    calibrated = scenario.with_overrides({"calibration": {"posterior": str(tmp_path / "scale")}})
    assert "actors.A.war_cost" in distribution_paths(calibrated)
    assert "bargaining.stance_persistence" not in distribution_paths(calibrated)


def test_a_scale_knob_that_would_push_a_field_out_of_its_range_is_refused_at_load(tmp_path):
    knobs = [{"name": "patience_scale", "path": "actors.{party}.patience", "kind": "scale", "low": 0.5, "high": 2}]
    write_posterior(tmp_path / "patience", rows=[(1.0,)], knobs=knobs)
    with pytest.raises(ScenarioError, match=r"calibration: the posterior's knob patience_scale scales "
                                            r"actors.A.patience \(from 0.9 to 0.9\) by 0.5 to 2, which leaves "
                                            r"its range \[0, 1\]"):
        load("talks").with_overrides({"calibration": {"posterior": str(tmp_path / "patience")}})


def test_the_report_says_what_a_scale_knob_does(tmp_path):
    from negotiate.report import _calibration

    write_posterior(tmp_path / "scale", rows=[(2.0, 0.3)], knobs=SCALE)
    scenario = load("talks").with_overrides({"calibration": {"posterior": str(tmp_path / "scale")}})
    text = _calibration(scenario)
    assert ("the fields <code>war_cost_scale</code> set are the file's own values times the draw, those "
            "<code>stance_persistence</code> set take it whatever the file writes") in text


def test_a_scenario_whose_rounds_are_not_the_posteriors_is_refused(tmp_path):
    """The library's knobs count weekly rounds (drafting, stalling): monthly rounds are refused."""
    assert load_posterior("library").round_length_days == 7
    baseline = negotiate.load_scenario("scenarios/ukraine_march_2025.yaml")
    with pytest.raises(ScenarioError, match=r"rounds: are months \(30 days\), but .*fitted on rounds that "
                                            r"are weeks \(7 days\).*calibration"):
        baseline.with_overrides({"rounds.length_days": 30})
    assert baseline.with_overrides({"rounds.length_days": 7}).rounds.length_days == 7
    # a folder of one's own: its recorded round length is what is checked
    folder = tmp_path / "post"
    write_posterior(folder)
    meta = json.loads((folder / "metadata.json").read_text())
    seal(folder, {**meta, "round_length_days": 14})
    with pytest.raises(ScenarioError, match=r"rounds: are weeks \(7 days\).*rounds that are fortnights "
                                            r"\(14 days\).*use rounds: \{unit: fortnight, horizon: …\} and "
                                            r"rescale to fortnights every count"):
        load("talks").with_overrides({"calibration": {"posterior": str(folder)}})
    seal(folder, {**meta, "round_length_days": 10})
    with pytest.raises(ScenarioError, match=r"rounds that last 10 days.*use rounds: \{unit: round, "
                                            r"length_days: 10, horizon: …\} and rescale to rounds of 10 days"):
        load("talks").with_overrides({"calibration": {"posterior": str(folder)}})
    seal(folder, {**meta, "round_length_days": 7})
    assert load("talks").with_overrides({"calibration": {"posterior": str(folder)}}).calibration is not None


@pytest.mark.parametrize("rounds, message", [
    ("{unit: month}", ("rounds: are months (30.4375 days), but the calibration's posterior (library) was "
     "fitted on rounds that are weeks (7 days), and its knobs count rounds (how long a party stalls, how "
     "long drafting takes): use rounds: {unit: week, horizon: …} and rescale to weeks every count of "
     "rounds (horizon, talks.setup, drafting, truce length, event rounds) and every per-round number "
     "(patience, war cost, drift, hazard), or remove the calibration section")),
    ("{unit: day}", "rounds: are days (1 day), but"),
    ("{unit: session, length_days: 3}", "rounds: last 3 days (unit 'session'), but"),
    ("{unit: months}", "rounds.unit: unknown unit 'months'; did you mean 'month'?"),
    ("{unit: days}", "rounds.unit: unknown unit 'days'; did you mean 'day'?"),
])
def test_the_round_length_clash_names_the_rounds_as_written(tmp_path, rounds, message):
    """As a user met it: `rounds: {unit: month}` named rounds.length_days, a field never written."""
    path = tmp_path / "monthly.yaml"
    path.write_text((DATA / "talks.yaml").read_text().replace("rounds: {horizon: 20}", f"rounds: {rounds}")
                    + "calibration: library\n")
    with pytest.raises(ScenarioError) as caught:
        negotiate.load_scenario(path)
    assert f"{path}:5: {message}" in str(caught.value)


def test_messages_for_a_misspelt_library_and_an_unquoted_digest(tmp_path):
    with pytest.raises(ScenarioError, match="calibration.posterior: .*librar: no metadata.json.*did you mean 'library'"):
        negotiate.load_scenario(calibrated_scenario(tmp_path, posterior="librar"))
    with pytest.raises(ScenarioError, match="calibration.sha256: expected text, got the number 0: .*put the "
                                            "value in quotes"):
        negotiate.load_scenario(calibrated_scenario(tmp_path, sha256=0))


@pytest.mark.parametrize("digest, got", [("5066a93b", "got 8 characters"), ("", "got 0 characters"),
                                         ("a" * 65, "got 65 characters"),
                                         ("F" + "a" * 63, "got characters other than 0-9 and a-f ('F')"),
                                         ("z-" + "a" * 62, "got characters other than 0-9 and a-f ('-z')")])
def test_a_digest_that_is_no_sha256_says_what_one_is(tmp_path, digest, got):
    """As a user met it: a short prefix was refused with "has characters not allowed here"."""
    with pytest.raises(ScenarioError) as caught:
        negotiate.load_scenario(calibrated_scenario(tmp_path, sha256=digest))
    assert str(caught.value).endswith(
        f"calibration.sha256: must be the 64 hexadecimal digits of sha256sum posterior.csv, {got}")


def _same_params(a, b):
    """Every field of two WorldParams equal (arrays exactly, nested records by value)."""
    import dataclasses

    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, np.ndarray):
            assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), field.name
        elif field.name != "inputs":
            assert repr(x) == repr(y), field.name


@pytest.mark.parametrize("knobs, rows", [(KNOBS, ROWS), (SCALE, [(2.0, 0.3), (0.5, 0.7)])])
def test_draw_params_gives_what_a_calibrated_run_uses(tmp_path, knobs, rows):
    """docs/model.md §17 tells users to read draw_params(...).insincere_until: with a
    calibration section it must be the run's values, world by world, not the file's."""
    from negotiate.model.params import draw_params

    write_posterior(tmp_path / "post", rows=rows, knobs=knobs)
    plain = load("talks", actors__A__war_cost={"dist": "uniform", "low": 0.01, "high": 0.05})
    scenario = plain.with_overrides({"calibration": {"posterior": str(tmp_path / "post")}})
    n = 60
    drawn = draw_params(scenario, n, np.random.SeedSequence(5))
    _same_params(drawn, NegotiationModel(scenario, n, seed=5).params)
    for key, values in NegotiationModel(scenario, n, seed=5).inputs.items():
        assert np.array_equal(drawn.inputs[key], values), key
    # not vacuous: the calibration moves what draw_params gives
    uncalibrated = draw_params(plain, n, np.random.SeedSequence(5))
    moved = "insincere_until" if knobs is KNOBS else "war_cost"
    assert not np.array_equal(getattr(drawn, moved), getattr(uncalibrated, moved))


def test_draw_params_of_a_library_calibrated_scenario_matches_the_run():
    from negotiate.model.params import draw_params

    scenario = negotiate.load_scenario(ROOT / "scenarios" / "hypothetical_three_actors.yaml")
    assert scenario.calibration is not None
    n = 40
    _same_params(draw_params(scenario, n, 11), NegotiationModel(scenario, n, seed=11).params)


SKILL_HEADER = "score,forecaster,model,climatology,skill,skill_low,skill_high\n"
IN_LIBRARY = ("This skill is measured on the cases the model was developed on; on negotiations encoded "
              "after the fit it has so far done worse than the base rates (docs/validation.md, "
              "'Held-out checks').")


@pytest.mark.parametrize("low, high, includes_zero", [(-0.11, 0.39, True), (0.05, 0.39, False),
                                                      (-0.4, -0.02, False), (0.0, 0.3, True)])
def test_the_reports_skill_says_when_its_interval_includes_zero(tmp_path, low, high, includes_zero):
    from negotiate.report import _calibration

    folder = write_posterior(tmp_path / "post")
    (folder / "summary_skill.csv").write_text(SKILL_HEADER + f"log_loss,loo,1.2,1.4,0.14,{low},{high}\n")
    text = _calibration(load("talks").with_overrides({"calibration": {"posterior": str(folder)}}))
    assert f"95% interval {low:.2f} to {high:.2f}" in text
    assert ("which includes zero" in text) is includes_zero
    # a posterior of one's own is in-sample too, but the held-out record is the shipped fit's
    assert "not on negotiations encoded after the fit" in text and IN_LIBRARY not in text


def test_the_reports_skill_of_the_library_fit_is_said_to_be_in_library():
    from html import unescape

    from negotiate.report import _calibration

    text = unescape(_calibration(negotiate.load_scenario(ROOT / "scenarios" / "hypothetical_three_actors.yaml")))
    assert IN_LIBRARY in text
    row = pd.read_csv(ROOT / "negotiate" / "data" / "calibration" / "summary_skill.csv",
                      index_col=["score", "forecaster"]).loc[("log_loss", "loo")]
    assert ("which includes zero" in text) is bool(row["skill_low"] <= 0 <= row["skill_high"])


def test_discovery_rules_mark_the_fields_a_calibration_sets(tmp_path):
    """A box on a calibrated field is a box on posterior draws, not on an analyst's input."""
    import dataclasses

    from negotiate.analysis import Box, discover

    rng = np.random.default_rng(4)
    names = ["actors.A.insincere", "actors.A.war_cost", "actors.A.patience"]
    frame = pd.DataFrame(rng.random((2000, 3)), columns=[f"input:{n}" for n in names])
    inside = (frame["input:actors.A.insincere"] <= 0.3) & (frame["input:actors.A.war_cost"] > 0.5) \
        & (frame["input:actors.A.patience"] > 0.4)
    frame["outcome"] = np.where(inside, "comprehensive_agreement", "no_agreement")
    found = discover(frame, method="cart", max_depth=3)
    # the rule as text, with and without marks, from limits written out here
    box = Box({"actors.A.insincere": (-np.inf, 0.3), "actors.A.war_cost": (0.5, np.inf),
               "actors.A.patience": (0.4, np.inf)}, 1.0, 1.0, 10, 10)
    assert box.rule(marks={"actors.A.insincere": "calibration knob"}) == (
        "actors.A.insincere <= 0.3 (calibration knob) and actors.A.war_cost >= 0.5 and actors.A.patience >= 0.4")
    assert "(" not in found.to_frame()["rule"].iloc[0]          # no scenario: nothing to mark
    write_posterior(tmp_path / "scale", rows=[(2.0, 0.3)], knobs=SCALE)
    write_posterior(tmp_path / "post")
    cost = {"dist": "uniform", "low": 0.01, "high": 0.05}
    for folder, marked in (("post", {"actors.A.insincere": "calibration knob"}),
                           ("scale", {"actors.A.war_cost": "times a calibration knob"})):
        scenario = load("talks", actors__A__war_cost=cost).with_overrides(
            {"calibration": {"posterior": str(tmp_path / folder)}})
        rule = dataclasses.replace(found, scenario=scenario).to_frame()["rule"].iloc[0]
        assert "actors.A.insincere" in rule and "actors.A.war_cost" in rule and "actors.A.patience" in rule
        for name in names:
            part = next(p for p in rule.split(" and ") if name in p)
            assert part.endswith(f"({marked[name]})") if name in marked else not part.endswith(")"), part
