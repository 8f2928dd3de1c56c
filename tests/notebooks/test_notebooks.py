"""Every notebook in notebooks/ runs from top to bottom, and is committed clean.

The notebooks are executed in memory (nothing is written back) with a kernel
whose working folder is a temporary copy of the repository's layout
(``notebooks/`` beside ``scenarios/``), so a notebook that writes a file
cannot write into the repository, and the notebooks' own search for
``scenarios/`` is exercised.  ``NEGOTIATE_RUNS`` keeps the Monte Carlo runs
few, so all the notebooks together take well under two minutes.

The kernel is registered for the test only: a kernelspec in a temporary
folder put first on ``JUPYTER_PATH``, launching this interpreter
(``sys.executable -m ipykernel_launcher``).  It needs nothing but
``ipykernel`` (a dev extra) and cannot pick up a ``python3`` kernel a user
registered for another interpreter.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = {
    "01_quickstart.ipynb",
    "02_the_articles_questions.ipynb",
    "03_comparing_scenarios.ipynb",
    "04_inside_one_run.ipynb",
    "05_build_your_own.ipynb",
    "06_what_drives_a_truce.ipynb",
}
RUNS = 100  # a few worlds: the notebooks are checked to run, not for their numbers
CELL_TIMEOUT = 120  # seconds per cell
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # IPython colours its tracebacks


def _code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]


def test_the_notebooks_are_all_there():
    assert EXPECTED <= {path.name for path in NOTEBOOKS}, f"notebooks/ holds {[p.name for p in NOTEBOOKS]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs(path: Path):
    dirty = [i for i, cell in enumerate(_code_cells(path))
             if cell.get("outputs") or cell.get("execution_count") is not None]
    assert not dirty, (f"{path.name}: code cells {dirty} carry outputs or execution counts; "
                       "clear them before committing (in Jupyter: Edit, Clear Outputs of All Cells, then save)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_reads_the_number_of_runs_from_the_environment(path: Path):
    # without it the execution test below would run each notebook at full size
    source = "\n".join("".join(cell["source"]) for cell in _code_cells(path))
    assert "NEGOTIATE_RUNS" in source, f"{path.name} does not read NEGOTIATE_RUNS"


def _register_kernel(folder: Path) -> Path:
    """A ``python3`` kernelspec under ``folder`` that starts this interpreter."""
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (tests)",
        "language": "python",
    }), encoding="utf-8")
    return folder


def _layout(tmp_path: Path, notebook: Path) -> Path:
    """tmp/notebooks/<notebook> beside a copy of scenarios/; returns the notebook folder."""
    work = tmp_path / "repo" / "notebooks"
    work.mkdir(parents=True)
    shutil.copy2(notebook, work / notebook.name)
    shutil.copytree(REPO / "scenarios", tmp_path / "repo" / "scenarios")
    return work


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("JUPYTER_PATH", str(_register_kernel(tmp_path / "jupyter")))
    work = _layout(tmp_path, path)
    env = {**os.environ, "NEGOTIATE_RUNS": str(RUNS), "NEGOTIATE_WORKERS": "1", "MPLBACKEND": "Agg",
           "IPYTHONDIR": str(tmp_path / "ipython"), "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    notebook = nbformat.read(work / path.name, as_version=4)
    client = NotebookClient(notebook, kernel_name="python3", timeout=CELL_TIMEOUT,
                            resources={"metadata": {"path": str(work)}})
    try:
        client.execute(env=env)
    except CellExecutionError as error:
        pytest.fail(f"{path.name}: a cell failed\n{ANSI.sub('', str(error))}", pytrace=False)

    printed = "".join(out.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                      for out in cell.get("outputs", []) if out.get("output_type") == "stream")
    assert f"{RUNS:,} runs per scenario" in printed, f"{path.name} did not run with NEGOTIATE_RUNS={RUNS}"
