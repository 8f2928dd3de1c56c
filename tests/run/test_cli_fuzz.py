"""The command line on fuzzed files, run as a user would (a subprocess): a bad file
gives exit code 2 and, on stderr, exactly the one-line problems the library
reports, never a traceback.

The files come from the mutations of ``tests/scenario/test_fuzz_tree.py``,
chosen by a fixed seed so the sample is the same on every run, plus one of
each text-level attack (invalid UTF-8, a Python tag, an alias bomb, nesting
too deep for the parser).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from negotiate import ScenarioError, load_scenario
from tests.scenario.test_fuzz_text import bomb
from tests.scenario.test_fuzz_tree import (
    BASELINE,
    BASELINE_TREE,
    NON_FINITE,
    OUT_OF_RANGE,
    WRONG_TYPE,
    Mutation,
    nested,
    node_at,
    write,
)

ROOT = Path(__file__).resolve().parents[2]
N_TREE_FILES = 20
SEED = 20250311


def negotiate(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "negotiate", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def _tree_mutations(rng: np.random.Generator):
    """Endless one-node changes of the baseline, drawn with ``rng``."""
    values = [*NON_FINITE, *OUT_OF_RANGE, *WRONG_TYPE, nested(70, "list"), [0.5] * 1200]
    paths = BASELINE_TREE.paths
    while True:
        path = paths[rng.integers(len(paths))]
        if rng.random() < 0.2 and isinstance(node_at(BASELINE_TREE.tree, path[:-1]), dict):
            yield Mutation("delete", path)
        else:
            yield Mutation("replace", path, values[rng.integers(len(values))])


def _text_files(directory: Path) -> list[Path]:
    text = BASELINE.read_bytes()
    contents = {
        "invalid_utf8.yaml": text.replace(b"name:", b"na\xffme:", 1),
        "python_tag.yaml": text.replace(b"name: ", b"name: !!python/object/apply:os.system ", 1),
        "alias_bomb.yaml": bomb(9, 9).encode() + text,
        "too_deep.yaml": text.replace(b"name: ", b"name: " + b"[" * 1200 + b"]" * 1200 + b"\n#", 1),
    }
    out = []
    for name, content in contents.items():
        (directory / name).write_bytes(content)
        out.append(directory / name)
    return out


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory) -> dict[Path, list[str]]:
    """Fuzzed files, each with the problem lines loading it in-process gives."""
    directory = tmp_path_factory.mktemp("cli_fuzz")
    found: dict[Path, list[str]] = {}
    mutations = _tree_mutations(np.random.default_rng(SEED))
    while len(found) < N_TREE_FILES:
        file = directory / f"mutated_{len(found):02d}.yaml"
        write(next(mutations).apply(BASELINE_TREE.tree), file)
        try:
            load_scenario(file)
        except ScenarioError as exc:
            found[file] = [str(p) for p in exc.problems]
    for file in _text_files(directory):
        with pytest.raises(ScenarioError) as caught:
            load_scenario(file)
        found[file] = [str(p) for p in caught.value.problems]
    return found


def test_validate_reports_every_fuzzed_file_in_one_line_per_problem(fuzzed, tmp_path):
    files = list(fuzzed)
    done = negotiate("validate", *map(str, files), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    expected = [line for file in files for line in fuzzed[file]]
    assert done.stderr.splitlines() == expected
    for file in files:  # every file named on its own lines, none skipped
        assert any(line.startswith(f"{file}:") for line in done.stderr.splitlines())


def test_most_fuzzed_files_have_a_single_problem(fuzzed):
    single = sum(len(lines) == 1 for lines in fuzzed.values())
    assert single >= len(fuzzed) * 3 // 4, {str(f): len(v) for f, v in fuzzed.items()}


@pytest.mark.parametrize("index", [0, -4, -2])  # a tree change, invalid UTF-8, an alias bomb
def test_run_on_a_fuzzed_file_exits_2_with_its_problem(fuzzed, tmp_path, index):
    singles = [f for f, lines in fuzzed.items() if len(lines) == 1]
    file = singles[index]
    done = negotiate("run", str(file), "--runs", "10", "--workers", "1", "--no-plots",
                     "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == fuzzed[file]
    assert not (tmp_path / "out").exists()
