"""The Python examples of the README and of docs/*.md run, file by file.

Every fenced ```python block of a file is joined into one script (one
namespace, as in a notebook), with its sizes scaled down so the examples stay
quick (``runs=`` and ``worlds=`` to 300, ``samples=`` to 4, ``replications=``
to 2), and run in a fresh interpreter.  The working folder is a temporary one
holding a copy of what the examples read (``scenarios/``, ``cases/``), so
the relative paths of the docs work and an example that writes files does
not write into the repository.

A block that cannot run as written (one that patches the engine to measure
it, say) is marked by the line ``<!-- not run: <why> -->`` just before its
fence; it is skipped, and the reason must be given.
"""

from __future__ import annotations

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
SCALED = {"runs": RUNS, "worlds": RUNS, "samples": 4, "replications": 2}

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
    assert scaled("sensitivity(s, samples=256, replications=8); calibrate(c, worlds=4096)") == (
        f"sensitivity(s, samples=4, replications=2); calibrate(c, worlds={RUNS})")


def test_a_block_marked_not_run_is_skipped_and_must_say_why():
    text = "<!-- not run: patches the engine -->\n```python\nboom()\n```\n```python\nok()\n```\n"
    assert python_blocks(text) == [(5, "ok()\n")]
    unexplained = "<!-- not run: -->\n```python\nboom()\n```\n"
    assert python_blocks(unexplained) == [(2, "boom()\n")]   # no reason given: it runs


def test_readme_has_python_examples():
    assert python_blocks(README.read_text(encoding="utf-8")), "README.md has no ```python block"


@pytest.mark.parametrize("path", [README, *(d for d in DOCS if python_blocks(d.read_text(encoding="utf-8")))],
                         ids=lambda p: p.relative_to(REPO).as_posix())
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
