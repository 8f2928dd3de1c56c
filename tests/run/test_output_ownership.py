"""Output directories negotiate owns, and only those (issue 16, item 1).

An output directory lists the files negotiate wrote (``.negotiate-files.json``);
only those are ever replaced.  A directory holding anything else is refused
(exit 2) before any simulation unless ``--force`` is given, and even then the
other files are kept.  A symbolic link, an existing file, ``.``, an empty name
or a place that cannot be written is refused before any simulation, leaving
nothing behind (no chunk cache whose "--resume" hint could never succeed).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

import negotiate
from negotiate import OutputError, load_results
from negotiate.results import storage
from negotiate.results.storage import MANIFEST, OutputWarning
from negotiate.run import simulate
from tests.cli import negotiate_cli

DATA = Path(__file__).parent / "data"
RUN = ("--runs", "50", "--workers", "1", "--no-plots", "--no-progress")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions and links")


def _run(out, *extra, cwd: Path, seed: str = "1"):
    return negotiate_cli("run", str(DATA / "varied.yaml"), *RUN, "--seed", seed, "--out", str(out),
                         *extra, cwd=cwd)


def _entries(directory: Path) -> dict[str, bytes | str]:
    """Every entry under ``directory`` (hidden ones too): file bytes, or a link's target."""
    out = {}
    for p in sorted(directory.rglob("*")):
        key = str(p.relative_to(directory))
        out[key] = os.readlink(p) if p.is_symlink() else (p.read_bytes() if p.is_file() else "dir")
    return out


def _refused_before_simulating(done, *, says: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    if says == "empty name":  # refused by the argument parser: its usage, then one error line
        assert lines[-1].endswith("--out: expected a folder name, got ''"), done.stderr
    else:
        assert len(lines) == 1 and says in lines[0], done.stderr
    assert "with --resume" not in done.stderr  # no cache was made, so there is nothing to resume


# --- the cases of the issue -------------------------------------------------------------------

def test_a_users_file_in_an_output_folder_is_never_deleted(tmp_path):
    first = _run("o", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    (tmp_path / "o" / "my_analysis.png").write_bytes(b"my figure")
    before = _entries(tmp_path)
    again = _run("o", cwd=tmp_path, seed="2")
    _refused_before_simulating(again, says="my_analysis.png")
    assert "--force" in again.stderr
    assert _entries(tmp_path) == before  # the old output, the user's file, no cache, no lock


def test_force_writes_beside_the_users_files_and_keeps_them(tmp_path):
    assert _run("o", cwd=tmp_path).returncode == 0
    (tmp_path / "o" / "my_analysis.png").write_bytes(b"my figure")
    (tmp_path / "o" / "notes").mkdir()
    (tmp_path / "o" / "notes" / "draft.txt").write_text("keep me")
    done = _run("o", "--force", cwd=tmp_path, seed="2")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "o" / "my_analysis.png").read_bytes() == b"my figure"
    assert (tmp_path / "o" / "notes" / "draft.txt").read_text() == "keep me"
    assert load_results(tmp_path / "o").seed == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]  # no .old, .partial, .chunks or .lock left
    # the user's files are still not ours: the next run without --force is refused
    _refused_before_simulating(_run("o", cwd=tmp_path), says="my_analysis.png")


def test_a_symlinked_out_is_refused_and_left_alone(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "thesis.tex").write_text("precious")
    (tmp_path / "o").symlink_to("real")
    before = _entries(tmp_path)
    done = _run("o", cwd=tmp_path)
    _refused_before_simulating(done, says="symbolic link")
    assert _entries(tmp_path) == before
    assert (tmp_path / "o").is_symlink()


def test_a_symlink_to_an_earlier_output_is_refused_too(tmp_path):
    assert _run("real", cwd=tmp_path).returncode == 0
    (tmp_path / "o").symlink_to("real")
    before = _entries(tmp_path)
    _refused_before_simulating(_run("o", cwd=tmp_path), says="symbolic link")
    assert _entries(tmp_path) == before


@pytest.mark.parametrize(("out", "says"), [
    ("a_file", "not a directory"),
    (".", "current directory"),
    ("", "empty name"),
    ("a_file/sub", "not a directory"),
])
def test_a_bad_out_is_refused_before_any_simulation(tmp_path, out, says):
    (tmp_path / "a_file").write_text("mine")
    before = _entries(tmp_path)
    done = _run(out, cwd=tmp_path)
    _refused_before_simulating(done, says=says)
    assert _entries(tmp_path) == before  # nothing made: no chunk cache, no lock, no default folder


def test_compare_checks_its_out_before_simulating(tmp_path):
    (tmp_path / "a_file").write_text("mine")
    scenario = str(DATA / "varied.yaml")
    done = negotiate_cli("compare", scenario, scenario, *RUN, "--out", "a_file", cwd=tmp_path)
    _refused_before_simulating(done, says="not a directory")
    assert done.stdout == ""  # no table: nothing was simulated


COMMANDS = {
    "sweep": ["sweep", str(DATA / "varied.yaml"), "--param", "actors.B.noise=0.05,0.1", *RUN],
    "sensitivity": ["sensitivity", str(DATA / "varied.yaml"), "--method", "morris", "--samples", "4",
                    "--replications", "2", "--workers", "1", "--no-plots", "--no-progress"],
    "discover": ["discover", str(DATA / "varied.yaml"), "--runs", "200", "--workers", "1", "--no-plots",
                 "--no-progress"],
}


@pytest.mark.parametrize("out", ["a_file", ""])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_checks_its_out_before_any_work(tmp_path, command, out):
    (tmp_path / "a_file").write_text("mine")
    before = _entries(tmp_path)
    done = negotiate_cli(*COMMANDS[command], "--out", out, cwd=tmp_path)
    _refused_before_simulating(done, says="not a directory" if out else "empty name")
    assert done.stdout == ""  # no table: nothing was computed
    assert _entries(tmp_path) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in read-only directories")
def test_a_read_only_parent_is_refused_before_any_simulation(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        done = _run(locked / "o", cwd=tmp_path)
    finally:
        locked.chmod(0o755)
    _refused_before_simulating(done, says="permission denied")
    assert list(locked.iterdir()) == []


@pytest.fixture
def immutable():
    """``immutable(path)`` sets the immutable attribute (even root cannot write, rename or
    delete there), undone after the test; skips where ``chattr`` cannot."""
    import shutil
    import subprocess

    marked = []

    def mark(path: Path) -> None:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)],
                                                            capture_output=True, check=False).returncode:
            pytest.skip("chattr +i not available here")
        marked.append(path)

    yield mark
    for path in marked:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_an_immutable_parent_is_refused_before_any_simulation(tmp_path, immutable):
    (tmp_path / "locked").mkdir()
    immutable(tmp_path / "locked")
    done = _run("locked/o", cwd=tmp_path)
    _refused_before_simulating(done, says="cannot create files in locked")
    assert list((tmp_path / "locked").iterdir()) == []


def test_an_output_that_cannot_be_replaced_is_refused_before_any_simulation(tmp_path, immutable):
    assert _run("o", cwd=tmp_path).returncode == 0
    immutable(tmp_path / "o")
    before = _entries(tmp_path)
    _refused_before_simulating(_run("o", cwd=tmp_path, seed="2"), says="not writable")
    assert _entries(tmp_path) == before


def test_an_unwritable_place_is_refused_before_simulating(tmp_path, monkeypatch):
    """The same check in-process, where the permission is faked (the suite may run as root)."""
    from negotiate.cli import main

    real_access = os.access
    monkeypatch.setattr(storage.os, "access",
                        lambda p, mode: False if Path(os.path.abspath(p)) == tmp_path / "locked"
                        else real_access(p, mode))
    monkeypatch.setattr("negotiate.run.simulate", lambda *a, **k: pytest.fail("simulated"))
    (tmp_path / "locked").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(DATA / "varied.yaml"), *RUN, "--out", "locked/o"]) == 2
    assert list((tmp_path / "locked").iterdir()) == []


# --- the API --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def results(varied):
    return simulate(varied, 60, seed=3, progress=False)


def test_the_manifest_lists_exactly_the_files_written(results, tmp_path):
    out = tmp_path / "o"
    results.save(out, plots=False)
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["producer"] == "negotiate"
    assert sorted(manifest["files"]) == sorted(p.name for p in out.iterdir() if p.name != MANIFEST)


def test_save_refuses_a_folder_with_a_users_file_and_keeps_it_with_force(results, varied, tmp_path):
    out = tmp_path / "o"
    results.save(out, plots=False)
    (out / "my_analysis.png").write_bytes(b"mine")
    other = simulate(varied, 70, seed=4, progress=False)
    with pytest.raises(OutputError, match="my_analysis.png"):
        other.save(out, plots=False)
    assert load_results(out).runs == 60
    other.save(out, force=True, plots=False)
    assert (out / "my_analysis.png").read_bytes() == b"mine"
    assert load_results(out).runs == 70


def test_a_users_file_named_like_an_output_is_kept_aside_not_deleted(results, tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "summary.csv").write_text("my own summary")
    with pytest.warns(OutputWarning, match="summary.csv"):
        results.save(out, force=True, plots=False)
    kept = [p for p in tmp_path.glob(".o.kept-*")]  # out of the leftovers' pattern: never cleaned
    assert len(kept) == 1 and (kept[0] / "summary.csv").read_text() == "my own summary"
    assert load_results(out).runs == 60


def test_an_output_of_an_earlier_version_is_replaced_by_its_exact_file_names(results, varied, tmp_path):
    out = tmp_path / "o"
    results.save(out, plots=False)
    (out / MANIFEST).unlink()  # as written before the manifest existed
    other = simulate(varied, 70, seed=4, progress=False)
    other.save(out, plots=False)
    assert load_results(out).runs == 70
    (out / MANIFEST).unlink()
    (out / "my_analysis.png").write_bytes(b"mine")  # not a name negotiate ever wrote
    with pytest.raises(OutputError, match="my_analysis.png"):
        results.save(out, plots=False)
    assert (out / "my_analysis.png").read_bytes() == b"mine"


def test_save_refuses_a_symlink_and_the_current_directory(results, tmp_path, monkeypatch):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to("real")
    with pytest.raises(OutputError, match="symbolic link"):
        results.save(tmp_path / "link", plots=False)
    assert (tmp_path / "link").is_symlink() and list((tmp_path / "real").iterdir()) == []
    monkeypatch.chdir(tmp_path / "real")
    for target in (".", "..", str(tmp_path)):
        with pytest.raises(OutputError, match="current directory"):
            results.save(target, plots=False)


def test_output_errors_are_simulation_errors_and_value_errors():
    assert issubclass(OutputError, negotiate.SimulationError) and issubclass(OutputError, ValueError)


def test_the_legacy_names_cover_what_run_and_compare_write(results, varied, tmp_path):
    """An output of an earlier version is recognised by exact names: they must be the real ones."""
    from negotiate.results.storage import LEGACY_FILES
    from negotiate.run import compare

    written = results.save(tmp_path / "run")
    written += compare(varied, varied, 60, progress=False).save(tmp_path / "cmp")
    assert {p.name for p in written} <= LEGACY_FILES


def test_a_restored_leftover_with_a_users_file_is_refused_before_simulating(tmp_path):
    """A dead run's ``.old`` copy holding a user's file is put back first, then judged:
    exit 2 before any simulation, and no chunk cache whose --resume could never work."""
    done = _run("base", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    stale = tmp_path / ".sp.999998-abcd.old"   # pid 999998: not a live process
    shutil.copytree(tmp_path / "base", stale)
    (stale / "my_analysis.png").write_text("mine")
    done = _run("sp", cwd=tmp_path)
    _refused_before_simulating(done, says="my_analysis.png")
    assert (tmp_path / "sp" / "my_analysis.png").read_text() == "mine"
    assert not any(p.name.endswith(".chunks") for p in tmp_path.iterdir())


def test_an_output_of_another_kind_is_not_replaced_unless_forced(varied, tmp_path):
    """A backtest over a run's output would delete runs.parquet: refused before simulating (exit 2),
    in Python too; force=True replaces it."""
    out = tmp_path / "o"
    simulate(varied, 50, seed=1, progress=False).save(out, plots=False)
    before = _entries(out)
    case = str(Path(__file__).resolve().parents[2] / "cases" / "korea_1951")
    done = negotiate_cli("backtest", case, "--runs", "1000000000", "--workers", "1", "--no-progress",
                         "--out", str(out), cwd=tmp_path, timeout=60)
    assert done.returncode == 2 and "holds a 'results' output (negotiate run)" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert _entries(out) == before
    sweep = negotiate.sweep(varied, {"monte_carlo.seed": [1]}, runs=20, progress=False)
    with pytest.raises(OutputError, match="holds a 'results' output.*'sweep' output.*force"):
        sweep.save(out, plots=False)
    assert _entries(out) == before
    sweep.save(out, plots=False, force=True)
    assert json.loads((out / "metadata.json").read_text())["kind"] == "sweep"
    assert not (out / "runs.parquet").exists()
    simulate(varied, 50, seed=2, progress=False).save(tmp_path / "same", plots=False)
    simulate(varied, 50, seed=3, progress=False).save(tmp_path / "same", plots=False)  # same kind: replaced
    assert load_results(tmp_path / "same").seed == 3
