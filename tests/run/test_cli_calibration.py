"""The command line says what a ``calibration`` does (docs/scenario-format.md, "calibration"):
``run`` and ``validate`` print its note, ``run`` names it and the intervals in the table's
header, and ``--set``, ``sweep --param``, ``compare --set`` and ``sensitivity --input`` on a
field it replaces are refused naming the file, the field and the knob, before any run."""

from __future__ import annotations

import pytest

from tests.cli import negotiate_cli
from tests.scenario.test_calibration_notes import WRITTEN, write

HEADER = "95% Monte Carlo intervals (Wilson; simulation noise only)"


def test_run_names_the_calibration_and_notes_what_it_replaces(tmp_path):
    path = write(tmp_path)
    done = negotiate_cli("run", str(path), "--runs", "20", "--workers", "1", "--no-plots",
                         "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"talks: 20 runs, seed 0, {HEADER}, calibration: library"
    (note,) = [line for line in done.stderr.splitlines() if "calibration: library" in line]
    assert note.startswith("negotiate: note: calibration: library: its knobs ")
    assert ", ".join(WRITTEN) + " are not used" in note


def test_validate_prints_the_note_and_a_run_without_calibration_says_nothing_of_it(tmp_path):
    path = write(tmp_path)
    done = negotiate_cli("validate", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith(f"negotiate: note: {path}: calibration: library: its knobs ")
    plain = negotiate_cli("run", str(path), "--set", "calibration=null", "--set", "talks.truce_drafting.standstill=0",
                          "--runs", "20", "--workers", "1", "--no-plots", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.splitlines()[0] == f"talks+no_calibration+standstill: 20 runs, seed 0, {HEADER}"
    assert "calibration" not in plain.stderr


@pytest.mark.parametrize(("args", "blamed", "field", "knob"), [
    (["sweep", "{file}", "--param", "actors.A.insincere=0,0.5"], "--param actors.A.insincere=0,0.5",
     "actors.A.insincere", "insincere"),
    (["compare", "{file}", "--set", "talks.truce_drafting.standstill=1"], "--set talks.truce_drafting.standstill=1",
     "talks.truce_drafting.standstill", "standstill"),
])
def test_a_change_to_a_replaced_field_is_refused_naming_file_field_and_knob(tmp_path, args, blamed, field, knob):
    path = write(tmp_path)
    done = negotiate_cli(*[a.format(file=path) for a in args], "--runs", "4", "--workers", "1", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"{path} ({blamed}): {field}: is replaced in every world by the "
                                  f"calibration's knob {knob} (calibration: library)")
    assert "--set calibration=null" in done.stderr and "Traceback" not in done.stderr


def test_a_sensitivity_input_the_calibration_replaces_is_refused_naming_the_file(tmp_path):
    path = write(tmp_path)
    done = negotiate_cli("sensitivity", str(path), "--input", "actors.B.insincere", "--samples", "2",
                         "--replications", "1", "--workers", "1", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert f"{path}: inputs ['actors.B.insincere'] of scenario talks are replaced in every world" in done.stderr
    assert "not distribution-valued" not in done.stderr


@pytest.mark.parametrize("command", ["compare", "compare-many"])
def test_comparisons_print_their_notes_once_naming_the_scenarios(tmp_path, command):
    """compare and compare-many print the notes ``run`` prints; one both sides share once."""
    path = write(tmp_path)
    variant = tmp_path / "variant.yaml"
    variant.write_text(path.read_text().replace("name: talks", "name: faster"))
    done = negotiate_cli(command, str(path), str(variant), "--runs", "20", "--workers", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (note,) = [line for line in done.stderr.splitlines() if "calibration: library" in line]
    assert note.startswith("negotiate: note: talks, faster: calibration: library: its knobs ")


def test_a_variant_named_like_the_base_is_labelled_by_its_file_and_both_get_the_note(tmp_path):
    """A variant that ``extends:`` the base without a ``name:`` keeps the base's name: it is
    labelled by its file, and the note the two share names both."""
    path = write(tmp_path)
    twin = tmp_path / "twin.yaml"
    twin.write_text(f"extends: {path.name}\nmonte_carlo: {{runs: 20}}\n")
    done = negotiate_cli("compare-many", str(path), str(twin), "--runs", "20", "--workers", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert str(twin) in done.stdout
    (note,) = [line for line in done.stderr.splitlines() if "calibration: library" in line]
    assert note.startswith(f"negotiate: note: talks, {twin}: calibration: library: its knobs ")


def test_discover_says_which_inputs_are_the_calibrations_draws(tmp_path):
    path = write(tmp_path)
    done = negotiate_cli("discover", str(path), "--outcome", "no_agreement", "--method", "cart", "--runs", "200",
                         "--workers", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (note,) = [line for line in done.stderr.splitlines() if "calibration: library" in line]
    assert note.startswith("negotiate: note: calibration: library: its knobs ")


@pytest.mark.parametrize("args", [["sweep", "{file}", "--param", "war.drift=0,0.001", "--runs", "8"],
                                  ["sensitivity", "{file}", "--set", "actors.A.war_cost={{dist: uniform, low: 0.001, high: 0.002}}",
                                   "--samples", "2", "--replications", "1"]])
def test_sweep_and_sensitivity_print_the_calibration_note(tmp_path, args):
    path = write(tmp_path)
    done = negotiate_cli(*[a.format(file=path) for a in args], "--workers", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (note,) = [line for line in done.stderr.splitlines() if "calibration: library: its knobs" in line]
    assert note.startswith("negotiate: note: calibration: library: its knobs ")
