"""Writing output directories safely, and the per-run table on disk.

:func:`atomic_directory` builds a new output directory next to the target and
swaps it in only once every file is written, so an interrupted write leaves
the previous complete output (or, if the process dies during the two renames,
nothing at the target and the previous output in a hidden ``.old`` sibling).
The per-run table is written row group by row group so that memory does not
grow with the number of runs: Parquet through pyarrow, or CSV if pyarrow
cannot be imported.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from fnmatch import fnmatch
from pathlib import Path

import pandas as pd

from ..errors import SimulationError
from .interrupts import signals_deferred
from .leftovers import clean_stale, temporary_name

__all__ = ["OUTPUT_FILES", "PRODUCER", "atomic_directory", "read_runs_table", "write_runs_table"]

#: Marks a metadata.json as ours: only such directories are ever replaced.
PRODUCER = "negotiate"
#: File names an output directory may hold; anything else makes it "not ours".
OUTPUT_FILES = ("metadata.json", "summary*.csv", "comparison.csv", "sweep.csv", "sensitivity.csv",
                "posterior.csv", "cases.csv",
                "discovery.csv", "runs.parquet",
                "runs.csv", "aggregates*.npz", "*.png")


def _looks_like_output(directory: Path) -> tuple[bool, str]:
    names = [p.name for p in directory.iterdir()]
    if not names:
        return True, ""
    strangers = [n for n in names if not any(fnmatch(n, pat) for pat in OUTPUT_FILES)]
    if strangers:
        return False, f"it holds other files ({', '.join(sorted(strangers)[:3])})"
    try:
        meta = json.loads((directory / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False, "it has no readable metadata.json"
    if not isinstance(meta, dict) or meta.get("producer") != PRODUCER:
        return False, "its metadata.json was not written by negotiate"
    return True, ""


def check_output_directory(target: str | os.PathLike) -> None:
    """Raise :class:`SimulationError` if ``target`` could not be (re)placed by an output
    directory: an existing file, or a directory holding files that are not ours.
    Commands call it before any simulation, so a bad ``--out`` costs nothing."""
    target = Path(target)
    if target.exists():
        if not target.is_dir():
            raise SimulationError(f"{target}: exists and is not a directory")
        ours, why = _looks_like_output(target)
        if not ours:
            raise SimulationError(f"{target}: refusing to replace this directory: {why}; "
                                  "choose a new or empty output directory")


@contextmanager
def atomic_directory(target: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty temporary directory that replaces ``target`` on success.

    An existing ``target`` is replaced only if it is empty or an earlier
    negotiate output (never a directory holding other files).  On any error
    inside the ``with`` block the temporary directory is removed and
    ``target`` is left untouched.
    """
    target = Path(target)
    clean_stale(target)  # what a killed run left here (and its previous output, if it was moved)
    check_output_directory(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # not mkdtemp: its 0700 mode would become the output's; mkdir honours the umask
        tmp = temporary_name(target, "partial")  # names this process: see leftovers.py
        tmp.mkdir()
    except OSError as exc:
        raise SimulationError(f"{target}: cannot create the output directory: {exc}") from exc
    try:
        yield tmp
        with signals_deferred():  # an interrupt between the two renames would leave no target
            _swap_in(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_in(tmp: Path, target: Path) -> None:
    # POSIX rename cannot replace a non-empty directory, so the old output is
    # first moved aside; it is restored if the second rename fails.
    old = None
    if target.exists():
        old = temporary_name(target, "old")
        os.rename(target, old)
    try:
        os.rename(tmp, target)
    except OSError as exc:
        if old is not None:
            os.rename(old, target)
        raise SimulationError(f"{target}: cannot move the finished output into place: {exc}") from exc
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# --- the per-run table ---------------------------------------------------------

def _pyarrow():
    """``(pyarrow, pyarrow.parquet)`` or ``None`` when pyarrow is not installed."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return None
    return pa, pq


def write_runs_table(directory: Path, frames: Iterable[pd.DataFrame]) -> Path:
    """Write row groups (DataFrames with identical columns) to ``runs.parquet``.

    Falls back to ``runs.csv`` when pyarrow is unavailable.  Only one row
    group is in memory at a time.
    """
    arrow = _pyarrow()
    if arrow is None:
        return _write_csv(directory / "runs.csv", frames)
    pa, pq = arrow
    path = directory / "runs.parquet"
    writer = None
    try:
        for frame in frames:
            schema = writer.schema if writer is not None else None
            table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    return path


def _write_csv(path: Path, frames: Iterable[pd.DataFrame]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for i, frame in enumerate(frames):
            frame.to_csv(fh, index=False, header=i == 0)
    return path


def read_runs_table(directory: Path) -> pd.DataFrame | None:
    """The per-run table of an output directory, or ``None`` if it has none."""
    parquet, csv = directory / "runs.parquet", directory / "runs.csv"
    if parquet.exists():
        if _pyarrow() is None:
            raise SimulationError(f"{parquet}: reading it needs pyarrow (pip install pyarrow)")
        return pd.read_parquet(parquet, engine="pyarrow")
    if csv.exists():
        return pd.read_csv(csv)
    return None
