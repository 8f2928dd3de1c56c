"""The README's Python examples run, in order, as one script.

Every fenced ```python block of README.md is joined into one script (one
namespace, as in a notebook), with each ``runs=<number>`` scaled down to
``runs=300`` so the examples stay quick, and run in a fresh interpreter.
The working folder is a temporary one holding a copy of what the examples
read (``scenarios/``), so the relative paths of the README work and an
example that writes files does not write into the repository.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
COPIED = ("scenarios",)  # folders the examples read, relative to the repository root
RUNS = 300

FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
RUNS_ARG = re.compile(r"\bruns=\d[\d_]*")


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line of the opening fence, code) of each ```python block."""
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in FENCE.finditer(text)]


def scaled(code: str) -> str:
    return RUNS_ARG.sub(f"runs={RUNS}", code)


def test_blocks_and_scaling_are_found():
    text = "x\n```python\na = f(runs=20_000, seed=1)\n```\n```bash\nmake run\n```\n```python\nb = 2\n```\n"
    assert python_blocks(text) == [(2, "a = f(runs=20_000, seed=1)\n"), (8, "b = 2\n")]
    assert scaled("simulate(s, runs=20_000, seed=1); compare(a, b, runs=100000)") == (
        f"simulate(s, runs={RUNS}, seed=1); compare(a, b, runs={RUNS})")
    assert scaled("simulate(s, runs=RUNS)") == "simulate(s, runs=RUNS)"


def test_readme_has_python_examples():
    assert python_blocks(README.read_text(encoding="utf-8")), "README.md has no ```python block"


def test_readme_examples_run(tmp_path: Path):
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    script = "\n\n".join(f"# --- README.md, block at line {line}\n{scaled(code)}" for line, code in blocks)
    for name in COPIED:
        shutil.copytree(REPO / name, tmp_path / name)
    path = tmp_path / "readme_examples.py"
    path.write_text(script, encoding="utf-8")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, str(path)], check=False, cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, (f"the README's examples failed (script: blocks joined, "
                                  f"runs={RUNS}):\n{script}\n--- stderr:\n{proc.stderr[-5000:]}")
