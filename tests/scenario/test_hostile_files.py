"""Files that are not scenarios at all, or are built to hurt a YAML reader:
every one gives a ScenarioError naming the file, never anything else."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from negotiate import ScenarioError, load_scenario
from negotiate.scenario import load as load_module
from negotiate.scenario.load import scenario_from_yaml

MINIMAL = Path(__file__).parent / "data" / "minimal.yaml"

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def load_text(tmp_path: Path, content: str | bytes) -> ScenarioError:
    file = tmp_path / "scenario.yaml"
    if isinstance(content, bytes):
        file.write_bytes(content)
    else:
        file.write_text(content, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    message = str(caught.value)
    assert message.startswith(f"{file}"), message
    assert "\n" not in message
    return caught.value


# (id, content, line or None, words)
CASES = [
    ("unclosed bracket", "name: x\nissues: [a, b\nactors: {}\n", 3, "invalid YAML"),
    ("mapping inside a scalar", "name: x\ntitle: a: b\n", 2, "invalid YAML"),
    ("tab indentation", "name: x\nissues:\n\tland: 1\n", 3, "tab character; indent with spaces"),
    ("invalid UTF-8", b"name: x\ntitle: caf\xe9\n", 2, "not valid UTF-8"),
    ("control character", "name: x\ntitle: a\x07b\n", 2, "not allowed in YAML"),
    ("empty file", "", 1, "got an empty file"),
    ("only comments", "# nothing here\n\n", 1, "got an empty file"),
    ("top-level list", "- name: x\n- name: y\n", 1, "must be a mapping of fields, got a list"),
    ("top-level text", "hello\n", 1, "must be a mapping of fields, got a str"),
    ("two documents", "name: x\n---\nname: y\n", 2, "expected a single document"),
    ("python tag", "name: !!python/object/apply:os.getcwd []\n", 1,
     "YAML tag '!!python/object/apply:os.getcwd' is not allowed"),
    ("custom tag", "name: !thing x\n", 1, "not allowed"),
    ("deep nesting", "a: " + "[" * 5000 + "]" * 5000 + "\n", None, "nesting deeper than"),
    ("deep block nesting", "".join("  " * i + f"k{i}:\n" for i in range(100)) + "  " * 100 + "v\n",
     None, "nesting deeper than"),
    ("a 5000-digit number", "name: x\nseed: " + "9" * 5000 + "\n", None, "cannot be read"),
]


@pytest.mark.parametrize(("content", "line", "words"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_hostile_content(tmp_path, content, line, words):
    error = load_text(tmp_path, content)
    assert words in str(error)
    if line is not None:
        assert error.problems[0].line == line


def test_python_tag_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    error = load_text(tmp_path, f'name: !!python/object/apply:os.mkdir ["{marker}"]\n')
    assert "not allowed" in str(error)
    assert not marker.exists()


def test_billion_laughs_is_refused_quickly(tmp_path):
    started = time.perf_counter()
    error = load_text(tmp_path, BILLION_LAUGHS)
    assert "more than" in str(error) and "aliases" in str(error)
    assert time.perf_counter() - started < 10


def test_modest_aliases_and_merge_keys_still_work(tmp_path):
    file = tmp_path / "aliases.yaml"
    file.write_text(
        "name: shared\n"
        "issues:\n"
        "  share: &issue {group: settlement, low: none, high: all, status_quo: 0.5}\n"
        "  other: *issue\n"
        "actors:\n"
        "  A: &party\n"
        "    role: party\n"
        "    positions: {share: &pos {ideal: 1, salience: 1, assumption: x}}\n"
        "  B:\n"
        "    <<: *party\n"
        "    patience: 0.5\n"
        "    positions: {share: *pos, other: *pos}\n"
    )
    scenario = load_scenario(file)
    assert scenario.issues["other"] == scenario.issues["share"]
    assert scenario.actors["B"].role == "party"
    assert scenario.actors["B"].patience == 0.5
    assert list(scenario.actors["B"].positions) == ["share", "other"]


def test_huge_file_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(load_module, "MAX_FILE_BYTES", 1000)
    error = load_text(tmp_path, "# padding\n" * 200)
    assert "larger than" in str(error)


def test_default_size_limit_is_a_few_megabytes(tmp_path):
    file = tmp_path / "big.yaml"
    with file.open("w") as fh:
        fh.write("# " + "x" * 1022 + "\n" * 1)
        fh.write(("# " + "x" * 1021 + "\n") * (6 * 1024))  # about 6 MiB of comments
    with pytest.raises(ScenarioError, match="larger than 5 MiB"):
        load_scenario(file)


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as caught:
        load_scenario(missing)
    assert str(caught.value) == f"{missing}: (top level): file not found"


def test_directory(tmp_path):
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(tmp_path)


def test_nul_byte_in_file_name():
    with pytest.raises(ScenarioError, match="file name"):
        load_scenario("bad\x00name.yaml")


def test_yaml_text_passed_as_a_path():
    with pytest.raises(ScenarioError, match="scenario_from_yaml"):
        load_scenario(MINIMAL.read_text())


def test_wrong_kind_of_source():
    with pytest.raises(ScenarioError, match="got int"):
        load_scenario(42)
    with pytest.raises(ScenarioError, match="expected YAML text, got NoneType"):
        scenario_from_yaml(None)


def test_byte_order_mark_is_accepted(tmp_path):
    file = tmp_path / "bom.yaml"
    file.write_bytes(b"\xef\xbb\xbf" + MINIMAL.read_bytes())
    assert load_scenario(file).name == "minimal"


def test_text_and_bytes_give_the_same_scenario():
    assert scenario_from_yaml(MINIMAL.read_text()) == scenario_from_yaml(MINIMAL.read_bytes())


def test_mapping_source_errors_have_no_file_but_keep_the_path():
    with pytest.raises(ScenarioError) as caught:
        load_scenario({"name": "x", "issues": {}, "actors": {}})
    assert "<scenario>: issues: " in str(caught.value)


@pytest.mark.parametrize(("written", "value"), [("1e4", 10000.0), ("2.5E-3", 0.0025),
                                                 ("1.e2", 100.0), (".5e1", 5.0)])
def test_scientific_notation_reads_as_a_number(written, value):
    text = MINIMAL.read_text() + f"truce: {{regeneration: {written}}}\n"
    assert scenario_from_yaml(text).truce.regeneration == value


@pytest.mark.parametrize("written", ["1e", "e4", ".e4", "1e4x"])
def test_almost_numbers_stay_text(written):
    text = MINIMAL.read_text() + f"truce: {{regeneration: {written}}}\n"
    with pytest.raises(ScenarioError, match="truce.regeneration: expected a number"):
        scenario_from_yaml(text)
