"""`negotiate validate` and `negotiate schema`, run as a user would: a subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = ROOT / "tests" / "scenario" / "data" / "minimal.yaml"


def negotiate(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    # import this checkout, whatever is installed
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "negotiate", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.fixture()
def bad_file(tmp_path: Path) -> Path:
    text = MINIMAL.read_text().replace("    role: party\n    capability",
                                       "    role: party\n    patiense: 0.5\n    capability")
    text = text.replace("status_quo: 0.5", "status_quo: 1.5")
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return path


def test_validate_valid_file(tmp_path):
    done = negotiate("validate", str(MINIMAL), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"ok: {MINIMAL} (2 actors, 1 issue)\n"
    assert done.stderr == ""


def test_validate_invalid_file_prints_one_line_per_problem(tmp_path, bad_file):
    done = negotiate("validate", str(bad_file), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"{bad_file}:7: issues.share.status_quo: must be between 0 and 1, got 1.5",
        f"{bad_file}:11: actors.A.patiense: unknown field 'patiense'; did you mean 'patience'?",
    ]


def test_validate_many_files_reports_each(tmp_path, bad_file):
    missing = tmp_path / "missing.yaml"
    done = negotiate("validate", str(MINIMAL), str(bad_file), str(missing), str(tmp_path),
                     cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == f"ok: {MINIMAL} (2 actors, 1 issue)\n"
    lines = done.stderr.splitlines()
    assert len(lines) == 4
    assert lines[2] == f"{missing}: (top level): file not found"
    assert lines[3] == f"{tmp_path}: (top level): is a directory, not a scenario file"
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("content", [b"name: [unclosed\n", b"\xff\xfe\n", b"", b"- a\n",
                                     b"name: !!python/object/apply:os.system ['true']\n"])
def test_validate_unreadable_files_exit_2_without_traceback(tmp_path, content):
    path = tmp_path / "odd.yaml"
    path.write_bytes(content)
    done = negotiate("validate", str(path), cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    assert re.match(rf"{re.escape(str(path))}:\d+: \(top level\): \S", line), line


def test_validate_needs_a_file(tmp_path):
    done = negotiate("validate", cwd=tmp_path)
    assert done.returncode == 2
    assert "usage:" in done.stderr and "Traceback" not in done.stderr


def test_schema_prints_the_committed_schema(tmp_path):
    done = negotiate("schema", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["title"] == "negotiate scenario"
    committed = (ROOT / "scenarios" / "scenario.schema.json").read_text()
    assert done.stdout == committed


def test_main_maps_errors_to_exit_codes(monkeypatch, capsys):
    """The single place that turns exceptions into exit codes (in-process: no subprocess
    can raise a chosen exception inside a handler)."""
    from negotiate import cli
    from negotiate.errors import ScenarioError, SimulationError

    def raising(exc):
        def handler(args):
            raise exc
        return handler

    cases = [(ScenarioError("bad value", path="a.b"), 2, "<scenario>: a.b: bad value"),
             (SimulationError("worker died"), 1, "negotiate: error: worker died"),
             (KeyboardInterrupt(), 130, "negotiate: interrupted")]
    for exc, code, words in cases:
        assert cli._run(raising(exc), None) == code
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err


def test_version(tmp_path):
    done = negotiate("--version", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.startswith("negotiate ")


# what starting the command loads: the parser from light modules only, each command's heavy
# modules inside its handler (issue: ~40 CLI subprocesses in the suite paid ~1.5 s each)
HEAVY = ("mesa", "matplotlib", "negotiate.model", "negotiate.results", "negotiate.run",
         "negotiate.validation", "negotiate.analysis", "negotiate.report")  # and their submodules


def test_validate_loads_neither_the_model_nor_the_results(tmp_path):
    # the whole parser is built, and a scenario with `calibration: library` is checked (its
    # posterior's digests): neither needs the model, the runner, the results or matplotlib
    scenario = ROOT / "scenarios" / "ukraine_march_2025.yaml"
    assert "calibration: library" in scenario.read_text()
    code = ("import sys; from negotiate.cli import main; "
            f"code = main(['validate', {str(scenario)!r}]); "
            f"print(sorted(m for m in sys.modules if m.startswith({HEAVY!r}))); sys.exit(code)")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"ok: {scenario} (4 actors, 12 issues)", "[]"]


def test_the_calibrate_command_offers_the_likelihoods_calibrate_takes():
    # the command writes them out so as not to load the model to build its parser
    from negotiate.cli.validation import LIKELIHOODS
    from negotiate.validation.calibrate import LIKELIHOODS as TAKEN

    assert LIKELIHOODS == TAKEN


def test_a_signal_while_importing_exits_at_once_with_one_line(monkeypatch, capsys):
    # raising SystemExit from the handler could land inside numpy's C import (an ImportError
    # and a traceback, exit 1) or leave the exit waiting on a half-imported library's threads
    import signal

    from negotiate import _quiet_start

    def exit_now(code):
        raise RuntimeError(f"os._exit({code})")

    monkeypatch.setattr(_quiet_start.os, "_exit", exit_now)
    for signum, code, word in [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")]:
        with pytest.raises(RuntimeError, match=rf"os\._exit\({code}\)"):
            _quiet_start._stop(signum, None)
        assert capsys.readouterr().err == f"negotiate: {word}\n"


def test_an_import_broken_by_a_signal_is_a_stop_not_a_traceback(capsys):
    # a module loaded inside a handler: the signal's KeyboardInterrupt raised inside a C
    # extension's import comes back as an ImportError
    import signal

    from negotiate import cli

    def handler(args):
        raise ImportError("PyCapsule_Import could not import module \"datetime\"")

    stopped = cli._Stopped()
    stopped.signum = signal.SIGTERM
    assert cli._run(handler, None, stopped) == 143
    assert capsys.readouterr().err == "negotiate: terminated\n"
    with pytest.raises(ImportError):  # with no signal, an ImportError is not hidden
        cli._run(handler, None, cli._Stopped())
