"""What an interrupted command says it left (Ctrl-C or SIGTERM: a KeyboardInterrupt in the
batch loop, negotiate/run/batch.py).  Outputs are swapped in whole or not at all, so the
message says either that --out was written in full or that nothing was written to it (an
earlier output left as it was); ``run`` keeps the blocks finished so far for ``--resume``
(and says how many, or that none was), the other commands keep nothing partial.

The interrupt is raised in this process where a Ctrl-C lands in the loop (the progress
bar's update after a task's results are gathered, or the bar's making before any task), so
each case is hit exactly; tests/run/test_interrupt_cli.py sends real signals to a
subprocess."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

import negotiate
from negotiate.cli import EXIT_INTERRUPTED, main
from negotiate.cli.options import out_held
from negotiate.results import Results
from negotiate.run import batch

ROOT = Path(__file__).resolve().parents[2]
VARIED = ROOT / "tests" / "run" / "data" / "varied.yaml"
FAST = ["--runs", "300", "--seed", "2", "--workers", "1", "--no-progress", "--no-plots"]
AFRESH = "no partial results are kept: running the command again starts afresh"


def interrupt_in_the_loop(monkeypatch, *, after_first_task: bool) -> None:
    """A Ctrl-C in run_tasks' loop: once the first task's results are gathered (its block
    cached), or before any task runs."""
    class Bar:
        def update(self, n):
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def bar(**kwargs):
        if not after_first_task:
            raise KeyboardInterrupt
        yield Bar()

    monkeypatch.setattr(batch, "progress_bar", bar)


def stopped(capsys, *argv: str) -> str:
    assert main(list(argv)) == EXIT_INTERRUPTED
    (line,) = capsys.readouterr().err.splitlines()
    return line


def test_run_says_nothing_was_written_and_the_finished_block_kept(monkeypatch, capsys, tmp_path):
    interrupt_in_the_loop(monkeypatch, after_first_task=True)
    out = tmp_path / "out"
    line = stopped(capsys, "run", str(VARIED), *FAST, "--out", str(out))
    cache = tmp_path / ".out.chunks"
    assert line == (f"negotiate: interrupted; nothing was written to {out}; 1 finished block kept in "
                    f"{cache}: run the same command with --resume to continue")
    assert not out.exists() and len(list(cache.glob("block-*.npz"))) == 1


def test_run_stopped_before_any_block_says_none_was_kept(monkeypatch, capsys, tmp_path):
    earlier = negotiate.simulate(VARIED, 50, seed=1, progress=False)
    out = tmp_path / "out"
    earlier.save(out, plots=False)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    interrupt_in_the_loop(monkeypatch, after_first_task=False)
    line = stopped(capsys, "run", str(VARIED), *FAST, "--out", str(out))
    assert line == (f"negotiate: interrupted; nothing was written to {out} (its earlier output is left "
                    "as it was); no finished block was kept: running the command again starts afresh")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not (tmp_path / ".out.chunks").exists()


def test_run_stopped_once_its_output_is_written_says_so(monkeypatch, capsys, tmp_path):
    """An interrupt during the swap is delivered after it: the output is then complete
    (and its finished blocks are no longer needed)."""
    save = Results.save

    def save_then_stop(self, *args, **kwargs):
        save(self, *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(Results, "save", save_then_stop)
    out = tmp_path / "out"
    line = stopped(capsys, "run", str(VARIED), *FAST, "--out", str(out))
    assert line == f"negotiate: interrupted; {out} was written in full before the stop"
    assert negotiate.load_results(out).runs == 300
    assert not (tmp_path / ".out.chunks").exists()


@pytest.mark.parametrize("with_out", [True, False])
def test_other_commands_say_nothing_was_written_and_nothing_is_kept(monkeypatch, capsys, tmp_path,
                                                                    with_out):
    interrupt_in_the_loop(monkeypatch, after_first_task=True)
    out = tmp_path / "out"
    where = ["--out", str(out)] if with_out else []
    line = stopped(capsys, "compare", str(VARIED), *FAST, "--set", "actors.A.noise=0.1", *where)
    said = f"nothing was written to {out}" if with_out else "nothing was written (no --out)"
    assert line == f"negotiate: interrupted; {said}; {AFRESH}"
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == []


def test_an_output_written_before_the_stop_is_said_written(tmp_path):
    results = negotiate.simulate(VARIED, 50, seed=1, progress=False)
    out = tmp_path / "out"
    for earlier in (False, True):   # a new output, and one replacing an earlier output
        with pytest.raises(KeyboardInterrupt) as stop, out_held(str(out), kind="results"):
            results.save(out, plots=False)
            raise KeyboardInterrupt
        assert str(stop.value) == f"{out} was written in full before the stop", earlier
