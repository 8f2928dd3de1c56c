"""A scenario's ``calibration`` is never a silent no-op (docs/scenario-format.md, "calibration"):
a note names the knobs and the written fields they replace, and a change to such a field
(``with_overrides``, a sweep point, a sensitivity input) is refused, naming field and knob."""

from pathlib import Path

import pytest

import negotiate
from negotiate.analysis import scenario_factors
from negotiate.errors import ScenarioError
from negotiate.scenario.calibrated_fields import calibration_note, replaced_fields, written_fields

ROOT = Path(__file__).resolve().parents[2]
TALKS = ROOT / "tests" / "model" / "data" / "talks.yaml"
# the library's knobs (negotiate/data/calibration/metadata.json), as docs/scenario-format.md lists them
KNOBS = ["stance_persistence", "insincere", "stalling", "stalls_truces", "drafting", "truce_drafting",
         "standstill"]
# what the file below writes among the fields those knobs replace
WRITTEN = ["actors.A.insincere", "talks.drafting.base", "talks.truce_drafting.standstill"]


def write(tmp_path, calibration="library", name="calibrated.yaml"):
    """tests/model/data/talks.yaml (two parties) with A's insincere, a drafting time and a
    standstill written, and a calibration section; no per_condition: 0 is the default."""
    text = TALKS.read_text().replace("  A:\n    role: party\n", "  A:\n    role: party\n    insincere: 0.3\n", 1)
    text += "talks:\n  drafting: {base: 4}\n  truce_drafting: {standstill: 0.5}\n"
    if calibration:
        text += f"calibration: {calibration}\n"
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture()
def calibrated(tmp_path):
    return negotiate.load_scenario(write(tmp_path))


def test_the_note_names_the_knobs_and_the_written_fields_they_replace(calibrated):
    assert written_fields(calibrated) == WRITTEN
    note = calibration_note(calibrated)
    assert note.startswith("calibration: library: its knobs " + ", ".join(KNOBS)
                           + " replace their fields in every world (posterior draws); ")
    assert "the values the scenario writes for " + ", ".join(WRITTEN) + " are not used" in note
    assert 'docs/scenario-format.md, "calibration"' in note
    # every knob field the scenario has, written or not, is replaced: B's insincere too
    assert {"actors.B.insincere", "bargaining.stance_persistence"} <= set(replaced_fields(calibrated))


def test_no_calibration_no_note(calibrated):
    plain = calibrated.with_overrides({"calibration": None, "talks.truce_drafting.standstill": 0})
    assert calibration_note(plain) is None and replaced_fields(plain) == {}


def test_a_change_elsewhere_keeps_what_the_file_wrote(calibrated):
    """with_overrides rebuilds the scenario from a full dump (every field then reads as written):
    the note must still name the file's fields, not every default."""
    changed = calibrated.with_overrides({"actors.B.patience": 0.8, "talks.setup": 1})
    assert written_fields(changed) == WRITTEN
    # a section written whole by the change: what it writes, no more
    assert written_fields(calibrated.with_overrides({"talks": {"setup": 2}})) == ["actors.A.insincere"]


def test_a_calibration_added_by_a_change_names_the_fields_the_file_wrote(tmp_path):
    text = write(tmp_path, calibration=None).read_text().replace("{standstill: 0.5}", "{per_condition: 1}")
    (tmp_path / "plain.yaml").write_text(text)
    plain = negotiate.load_scenario(tmp_path / "plain.yaml")
    added = plain.with_overrides({"calibration": "library"})
    assert written_fields(added) == ["actors.A.insincere", "talks.drafting.base",
                                     "talks.truce_drafting.per_condition"]


def test_results_diagnose_carries_the_note(calibrated):
    results = negotiate.simulate(calibrated, runs=20, seed=1, workers=1, progress=False)
    (problem,) = [p for p in results.diagnose() if p.kind == "calibration"]
    assert problem.subject == "scenario" and problem.message == calibration_note(calibrated)
    plain = negotiate.simulate(calibrated.with_overrides({"calibration": None, "talks.truce_drafting.standstill": 0}),
                               runs=20, seed=1, workers=1, progress=False)
    assert "calibration" not in plain.diagnose().kinds


@pytest.mark.parametrize(("overrides", "field", "knob"), [
    ({"actors.A.insincere": 0.5}, "actors.A.insincere", "insincere"),
    ({"actors.B.insincere_rounds": 3}, "actors.B.insincere_rounds", "stalling"),
    ({"talks.truce_drafting.standstill": 1}, "talks.truce_drafting.standstill", "standstill"),
    ({"bargaining.stance_persistence": {"dist": "uniform", "low": 0, "high": 0.5}},
     "bargaining.stance_persistence", "stance_persistence"),
    ({"talks": {"drafting": {"base": 3}}}, "talks.drafting.base", "drafting"),  # a section that writes it
])
def test_a_change_to_a_replaced_field_is_refused(calibrated, overrides, field, knob):
    with pytest.raises(ScenarioError) as caught:
        calibrated.with_overrides(overrides)
    (problem,) = caught.value.problems
    assert problem.path == field
    assert f"replaced in every world by the calibration's knob {knob} (calibration: library)" in problem.message
    assert "--set calibration=null" in problem.message


def test_dropping_the_calibration_too_makes_the_change_count(calibrated):
    changed = calibrated.with_overrides({"calibration": None, "actors.A.insincere": 0.5,
                                         "talks.truce_drafting.per_condition": 2})
    assert changed.actors["A"].insincere == 0.5 and changed.calibration is None
    assert changed.name == "talks+no_calibration+insincere+per_condition"


def test_a_removed_key_is_named_no_key(calibrated):
    assert calibrated.with_overrides({"calibration": None, "talks.truce_drafting.standstill": 0}).name == \
        "talks+no_calibration+standstill"
    assert calibrated.with_overrides({"talks.setup": 1}).name == "talks+setup"


def test_a_sweep_over_a_replaced_field_is_refused_before_any_run(calibrated):
    with pytest.raises(ScenarioError, match=r"actors\.A\.insincere: is replaced .* knob insincere"):
        negotiate.sweep(calibrated, {"actors.A.insincere": [0, 0.5]}, runs=2, workers=1, progress=False)


def test_a_sensitivity_input_the_calibration_replaces_says_so(calibrated):
    with pytest.raises(ValueError, match=r"replaced in every world by its calibration's knobs .*"
                                         r"actors\.B\.insincere \(knob insincere\)"):
        scenario_factors(calibrated, ["actors.B.insincere"])
    with pytest.raises(ValueError, match="not distribution-valued"):  # any other field: as before
        scenario_factors(calibrated, ["actors.B.patience"])


def test_the_standstill_check_knows_the_calibration_drafts(tmp_path, calibrated):
    """per_condition and base are 0 as written, but the calibration's truce_drafting knob sets
    per_condition: a standstill then has an effect, and the load check must not say otherwise."""
    assert calibrated.talks.truce_drafting.per_condition == 0
    assert replaced_fields(calibrated)["talks.truce_drafting.per_condition"] == "truce_drafting"
    with pytest.raises(ScenarioError, match="standstill: has no effect"):  # without it: refused
        negotiate.load_scenario(write(tmp_path, calibration=None, name="plain.yaml"))


def test_a_scale_knob_is_named_as_a_multiplier_and_its_field_may_still_change(tmp_path):
    """A scale knob multiplies the field's own value: a change to that field does count."""
    from tests.model.test_calibration_section import SCALE, write_posterior

    write_posterior(tmp_path / "scale", rows=[(2.0, 0.3), (0.5, 0.7)], knobs=SCALE)
    plain = negotiate.load_scenario(TALKS)
    scenario = plain.with_overrides({"calibration": {"posterior": str(tmp_path / "scale")}})
    note = calibration_note(scenario)
    (scale,) = [k["name"] for k in SCALE if k.get("kind") == "scale"]
    (replace,) = [k["name"] for k in SCALE if k.get("kind", "replace") == "replace"]
    assert f"its knob {replace} replaces its field and {scale} multiplies theirs in every world" in note
    assert "the scenario writes none of the replaced fields" in note  # talks.yaml leaves persistence out
    assert scenario.with_overrides({"actors.A.war_cost": 0.02}).actors["A"].war_cost == 0.02


def test_removing_a_key_the_scenario_does_not_set_is_refused(calibrated):
    """``{KEY: None}`` on a key that is not set would change nothing, yet name the variant
    ``+no_KEY``: refused, naming the key; removing a set key still works."""
    plain = calibrated.with_overrides({"calibration": None, "talks.truce_drafting.standstill": 0})
    with pytest.raises(ScenarioError, match="calibration: is not set in scenario talks"):
        plain.with_overrides({"calibration": None})
    assert plain.name == "talks+no_calibration+standstill"
