"""``--force`` on every command that writes an output directory.

The refusal of an ``--out`` holding a user's file says "pass --force" (it is
the same check for every command: :mod:`negotiate.results.storage`), so every
such command must take ``--force`` and then write beside the user's file,
keeping it, as every result's ``save(force=True)`` does.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from negotiate.cli import _build_parser
from tests.cli import negotiate_cli
from tests.validation.library import write_library

DATA = Path(__file__).parent / "data"
VARIED = str(DATA / "varied.yaml")
QUIET = ("--workers", "1", "--no-plots", "--no-progress")

#: each command that writes --out, the smallest work it can do, and the kind it writes
COMMANDS = {
    "run": (["run", VARIED, "--runs", "20"], "results"),
    "compare": (["compare", VARIED, VARIED, "--runs", "20"], "comparison"),
    "compare-many": (["compare-many", VARIED, VARIED, "--runs", "20"], "many-comparison"),
    "sweep": (["sweep", VARIED, "--param", "actors.B.noise=0.05", "--runs", "20"], "sweep"),
    "sensitivity": (["sensitivity", VARIED, "--samples", "2", "--replications", "1"], "sensitivity"),
    "discover": (["discover", VARIED, "--runs", "50"], "discovery"),
    "backtest": (["backtest", "library", "--runs", "20"], "backtest"),
    "calibrate": (["calibrate", "library", "--worlds", "8"], "calibration"),
}


def test_every_command_with_out_takes_force():
    """Whatever command is added later: an --out that can be refused with "pass --force"
    comes with --force (report's --out is a file, refused the same way)."""
    commands = next(a for a in _build_parser()._actions if a.dest == "command").choices
    with_out = {name for name, p in commands.items() if any("--out" in a.option_strings for a in p._actions)}
    with_force = {name for name, p in commands.items()
                  if any("--force" in a.option_strings for a in p._actions)}
    assert with_out == set(COMMANDS) | {"report"}
    assert with_force == with_out


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths")
@pytest.mark.parametrize("command", sorted(set(COMMANDS) - {"run"}))  # run: test_output_ownership
def test_a_refusal_that_says_force_is_lifted_by_force(tmp_path, command):
    args, kind = COMMANDS[command]
    if "library" in args:
        write_library(tmp_path / "library", {"alpha_1990": "comprehensive_agreement",
                                             "beta_1991": "no_agreement"})
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    done = negotiate_cli(*args, *QUIET, "--out", "out", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "notes.txt" in done.stderr and "pass --force" in done.stderr and done.stdout == ""
    done = negotiate_cli(*args, *QUIET, "--out", "out", "--force", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (out / "notes.txt").read_text() == "mine"
    assert json.loads((out / "metadata.json").read_text())["kind"] == kind
