"""The Python examples of the README and of docs/*.md run, file by file.

Every fenced ```python block of a file is joined into one script (one
namespace, as in a notebook), with its sizes scaled down so the examples stay
quick (``runs=`` to 300, ``samples=`` to 4, ``replications=`` to 2), and run
in a fresh interpreter.  The working folder is a temporary one holding a copy
of what the examples read (``scenarios/``, ``cases/``), so the relative paths
of the docs work and an example that writes files does not write into the
repository.  README.md and docs/scenario-format.md run in the default suite,
the other docs in the slow profile (``pytest -m slow``); every block of every
file is compiled, and the negotiate names it uses checked, in the default one.

A block that cannot run as written (one that patches the engine to measure
it, say) is marked by the line ``<!-- not run: <why> -->`` just before its
fence; it is skipped, and the reason must be given.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
DOCS = sorted((REPO / "docs").glob("*.md"))
COPIED = ("scenarios", "cases")  # folders the examples read, relative to the repository root
RUNS = 300
#: the files whose examples run in the default suite (a few seconds); the others are slow
QUICK = {"README.md", "docs/scenario-format.md"}
SCALED = {"runs": RUNS, "samples": 4, "replications": 2}

FENCE = re.compile(r"^(?:<!-- not run: (?P<why>[^>]*\S)\s*-->\n)?```python[ \t]*\n(?P<code>.*?)^```[ \t]*$",
                   re.MULTILINE | re.DOTALL)
SIZE_ARG = re.compile(r"\b(" + "|".join(SCALED) + r")=\d[\d_]*")


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line of the opening fence, code) of each ```python block not marked as not run."""
    return [(text.count("\n", 0, m.start("code")), m.group("code")) for m in FENCE.finditer(text)
            if m.group("why") is None]


def scaled(code: str) -> str:
    return SIZE_ARG.sub(lambda m: f"{m.group(1)}={SCALED[m.group(1)]}", code)


def test_blocks_and_scaling_are_found():
    text = "x\n```python\na = f(runs=20_000, seed=1)\n```\n```bash\nmake run\n```\n```python\nb = 2\n```\n"
    assert python_blocks(text) == [(2, "a = f(runs=20_000, seed=1)\n"), (8, "b = 2\n")]
    assert scaled("simulate(s, runs=20_000, seed=1); compare(a, b, runs=100000)") == (
        f"simulate(s, runs={RUNS}, seed=1); compare(a, b, runs={RUNS})")
    assert scaled("simulate(s, runs=RUNS)") == "simulate(s, runs=RUNS)"
    assert scaled("sensitivity(s, samples=256, replications=8); NegotiationModel(s, worlds=1)") == (
        "sensitivity(s, samples=4, replications=2); NegotiationModel(s, worlds=1)")


def test_a_block_marked_not_run_is_skipped_and_must_say_why():
    text = "<!-- not run: patches the engine -->\n```python\nboom()\n```\n```python\nok()\n```\n"
    assert python_blocks(text) == [(5, "ok()\n")]
    unexplained = "<!-- not run: -->\n```python\nboom()\n```\n"
    assert python_blocks(unexplained) == [(2, "boom()\n")]   # no reason given: it runs


def test_readme_has_python_examples():
    assert python_blocks(README.read_text(encoding="utf-8")), "README.md has no ```python block"


def _example_files():
    """README.md and every doc with a runnable block; the long ones in the slow profile
    (every block of every file is compiled and its negotiate names checked below, quickly)."""
    for path in [README, *DOCS]:
        if python_blocks(path.read_text(encoding="utf-8")):
            slow = path.relative_to(REPO).as_posix() not in QUICK
            yield pytest.param(path, id=path.relative_to(REPO).as_posix(),
                               marks=[pytest.mark.slow] if slow else [])


def test_every_example_compiles_and_names_what_exists():
    import negotiate

    for path in [README, *DOCS]:
        for line, code in python_blocks(path.read_text(encoding="utf-8")):
            where = f"{path.name}, block at line {line}"
            tree = compile(code, where, "exec", flags=ast.PyCF_ONLY_AST)
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                        and node.value.id == "negotiate":
                    assert hasattr(negotiate, node.attr), f"{where}: negotiate.{node.attr} does not exist"
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("negotiate"):
                    module = importlib.import_module(node.module)
                    for alias in node.names:
                        assert hasattr(module, alias.name), f"{where}: {node.module}.{alias.name} does not exist"


@pytest.mark.parametrize("path", list(_example_files()))
def test_examples_run(path: Path, tmp_path: Path):
    blocks = python_blocks(path.read_text(encoding="utf-8"))
    name = path.relative_to(REPO).as_posix()
    script = "\n\n".join(f"# --- {name}, block at line {line}\n{scaled(code)}" for line, code in blocks)
    for folder in COPIED:
        shutil.copytree(REPO / folder, tmp_path / folder)
    script_path = tmp_path / "examples.py"
    script_path.write_text(script, encoding="utf-8")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, str(script_path)], check=False, cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (f"the examples of {name} failed (script: blocks joined, sizes "
                                  f"scaled):\n{script}\n--- stderr:\n{proc.stderr[-5000:]}")
