"""Fuzzing at the level of the file's text and bytes: invalid UTF-8 anywhere, YAML
tags (``!!python/object`` and friends) on any value, alias bombs of any size,
deep nesting, and random byte edits of valid files.

Loading either gives a scenario or raises a :class:`ScenarioError` whose
problems are one line each and name the file; where the mistake has a place
(the byte that is not UTF-8, the tagged value) the line is right.
"""

from __future__ import annotations

import re
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from negotiate import Scenario, ScenarioError, load_scenario
from negotiate.scenario import load as load_module
from tests.scenario.test_fuzz_tree import BASELINE, SMALL_FILES, fuzz

SMALL_TEXTS = [f.read_bytes() for f in SMALL_FILES]
BASELINE_BYTES = BASELINE.read_bytes()

#: byte sequences that are never valid UTF-8, wherever they are inserted
INVALID_UTF8 = [b"\xff", b"\xfe", b"\x80", b"\xc3\x28", b"\xe2\x28\xa1", b"\xed\xa0\x80",
                b"\xf8\x88\x80\x80\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80"]
#: tags that would build Python objects: safe loading must refuse every one
PYTHON_TAGS = ["!!python/object/apply:os.system", "!!python/object:builtins.object",
               "!!python/name:os.system", "!!python/module:os", "!!python/tuple",
               "!!python/object/new:builtins.int", "!<tag:yaml.org,2002:python/object:os.system>"]
OTHER_TAGS = ["!!binary", "!!set", "!!omap", "!!pairs", "!!timestamp", "!!float", "!!int",
              "!!bool", "!!null", "!!str", "!!seq", "!!map", "!thing", "!", "!<tag:example,1:x>"]
#: "key: value" lines (block or flow) where a tag or an alias can replace the value
KEY_VALUE = re.compile(rb"^(\s*(?:- )?[A-Za-z_][\w\-]*: )(.+)$", re.MULTILINE)
#: the same, where the value is a whole scalar (no flow brackets): it can be replaced
KEY_SCALAR = re.compile(rb"^(\s*(?:- )?[A-Za-z_][\w\-]*: )([^\[\]{}#\n>|&*!][^\[\]{}#\n]*)$",
                        re.MULTILINE)


#: what YAML counts as a line break (NEL and the Unicode separators too)
YAML_LINE_BREAK = re.compile(b"\r\n|\r|\n|\xc2\x85|\xe2\x80\xa8|\xe2\x80\xa9")


def load_bytes(file: Path, content: bytes) -> Scenario | ScenarioError:
    file.write_bytes(content)
    try:
        return load_scenario(file)
    except ScenarioError as exc:
        return exc


def check_error(exc: ScenarioError, file: Path, content: bytes) -> None:
    """One line per problem, each naming the file (and a line of it, when it gives one)."""
    assert isinstance(exc, ScenarioError), type(exc)
    assert exc.problems
    n_lines = len(YAML_LINE_BREAK.split(content))
    for problem in exc.problems:
        text = str(problem)
        assert "\n" not in text and "Traceback" not in text
        assert problem.file == str(file) and text.startswith(str(file)), text
        assert problem.line is None or 1 <= problem.line <= n_lines, text
        assert problem.message.strip(), text


def line_of(content: bytes, offset: int) -> int:
    return content[:offset].count(b"\n") + 1


@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz_text") / "scenario.yaml"


@fuzz(250)
@given(st.sampled_from([BASELINE_BYTES, *SMALL_TEXTS]), st.sampled_from(INVALID_UTF8),
       st.floats(0, 1))
def test_invalid_utf8_anywhere_is_located(fuzz_file, content, bad, where):
    offset = int(where * len(content))
    mutated = content[:offset] + bad + content[offset:]
    outcome = load_bytes(fuzz_file, mutated)
    check_error(outcome, fuzz_file, mutated)
    [problem] = outcome.problems
    assert "not valid UTF-8" in problem.message
    # the first bad byte is the inserted one, or the start of the character it split
    assert problem.line == line_of(mutated, offset)


@st.composite
def tagged(draw, tags):
    """A small file with a tag put in front of the value of one of its ``key: value`` lines."""
    content = draw(st.sampled_from(SMALL_TEXTS))
    match = draw(st.sampled_from(list(KEY_VALUE.finditer(content))))
    tag = draw(st.sampled_from(tags))
    start = match.start(2)
    return content[:start] + tag.encode() + b" " + content[start:], line_of(content, start)


@fuzz(200)
@given(tagged(PYTHON_TAGS))
def test_python_tags_on_any_value_are_refused_at_their_line(fuzz_file, case):
    content, line = case
    outcome = load_bytes(fuzz_file, content)
    check_error(outcome, fuzz_file, content)
    assert len(outcome.problems) == 1
    assert "is not allowed" in outcome.problems[0].message or \
        "invalid YAML" in outcome.problems[0].message
    assert outcome.problems[0].line == line


@fuzz(200)
@given(tagged(OTHER_TAGS))
def test_other_tags_give_a_scenario_or_an_error(fuzz_file, case):
    content, _ = case
    outcome = load_bytes(fuzz_file, content)
    if not isinstance(outcome, Scenario):
        check_error(outcome, fuzz_file, content)


def bomb(width: int, depth: int) -> str:
    """Anchors ``b0..b{depth}``: each a list of ``width`` aliases of the previous one."""
    lines = ["bomb:", f"  - &b0 {['lol'] * width}"]
    for level in range(1, depth + 1):
        lines.append(f"  - &b{level} [{', '.join([f'*b{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


LIMIT = 5_000  # the node limit during this test: the check is the same, the test faster


@fuzz(150)
@given(st.sampled_from(SMALL_TEXTS), st.integers(2, 10), st.integers(1, 12), st.data())
def test_alias_bombs_are_refused(fuzz_file, content, width, depth, data):
    text = bomb(width, depth).encode()
    targets = list(KEY_SCALAR.finditer(content))
    use = data.draw(st.sampled_from([None, *targets]), label="alias replaces")
    if use is not None:  # also point an existing field at the biggest anchor
        content = content[:use.start(2)] + f"*b{depth}".encode() + content[use.end(2):]
    mutated = text + content
    with mock.patch.object(load_module, "MAX_NODES", LIMIT):
        outcome = load_bytes(fuzz_file, mutated)
    check_error(outcome, fuzz_file, mutated)
    # values under 'bomb' (each level holds width copies of the one before), plus the
    # biggest level again if a field points at it
    levels = [sum(width ** k for k in range(1, level + 2)) for level in range(depth + 1)]
    expanded = sum(levels) + (levels[-1] if use is not None else 0)
    if expanded > LIMIT + 200:  # 200: more than the rest of any small file
        assert any("expands to more than" in p.message for p in outcome.problems), outcome
    elif expanded < LIMIT - 200:
        assert any("'bomb'" in p.message for p in outcome.problems), outcome


@fuzz(150)
@given(st.sampled_from(SMALL_TEXTS), st.integers(1, 300), st.sampled_from("[{"), st.data())
def test_deep_nesting_on_any_value_is_refused(fuzz_file, content, depth, bracket, data):
    use = data.draw(st.sampled_from(list(KEY_SCALAR.finditer(content))), label="nested value")
    opening = "[" * depth if bracket == "[" else "{a: " * depth
    closing = ("]" if bracket == "[" else "}") * depth
    mutated = content[:use.start(2)] + f"{opening}1{closing}".encode() + content[use.end(2):]
    outcome = load_bytes(fuzz_file, mutated)
    check_error(outcome, fuzz_file, mutated)
    line = line_of(content, use.start(2))
    assert any(p.line == line for p in outcome.problems), outcome


YAML_BYTES = [b":", b"-", b"[", b"]", b"{", b"}", b"&", b"*", b"!", b"|", b">", b"'", b'"',
              b"#", b"%", b"@", b"`", b"\t", b"\n", b" ", b"?", b",", b"\x00", b"\xc2\x85",
              b"\x07", b"\r", b"\xef\xbb\xbf", b"0", b"e", b".inf", b"~", b"<<"]


@st.composite
def edited(draw):
    """A small file with one to four random byte insertions, deletions or replacements."""
    content = draw(st.sampled_from(SMALL_TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(content)))
        edit = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(YAML_BYTES))
        if edit == "insert":
            content = content[:at] + piece + content[at:]
        elif edit == "delete":
            content = content[:at] + content[at + 1:]
        else:
            content = content[:at] + piece + content[at + 1:]
    return content


@fuzz(350)
@given(edited())
def test_random_byte_edits_give_a_scenario_or_an_error(fuzz_file, content):
    outcome = load_bytes(fuzz_file, content)
    if not isinstance(outcome, Scenario):
        check_error(outcome, fuzz_file, content)


@pytest.mark.parametrize("bracket", ["[", "{"])
def test_nesting_too_deep_for_the_parser_is_located_at_its_line(fuzz_file, bracket):
    # past the interpreter's recursion limit the YAML parser itself gives up
    content = SMALL_TEXTS[0]
    opening = "[" * 1200 if bracket == "[" else "{a: " * 1200
    closing = ("]" if bracket == "[" else "}") * 1200
    mutated = content.replace(b"status_quo: 0.5", f"status_quo: {opening}1{closing}".encode())
    outcome = load_bytes(fuzz_file, mutated)
    check_error(outcome, fuzz_file, mutated)
    assert "nesting deeper than 64 levels" in str(outcome)
    assert outcome.problems[0].line == line_of(mutated, mutated.index(b"status_quo"))


@pytest.mark.parametrize(("tag", "value"), [("!!bool", "minimal"), ("!!timestamp", "minimal"),
                                            ("!!int", "x"), ("!!float", "x")])
def test_a_value_its_tag_cannot_read_is_located(fuzz_file, tag, value):
    # `!!bool` and `!!timestamp` used to escape as KeyError and AttributeError
    content = SMALL_TEXTS[0].replace(b"name: minimal", f"name: {tag} {value}".encode())
    outcome = load_bytes(fuzz_file, content)
    check_error(outcome, fuzz_file, content)
    [problem] = outcome.problems
    assert (problem.line, problem.path) == (1, "name")
    assert problem.message == f"'{value}' cannot be read as {tag}"
