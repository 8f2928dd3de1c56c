"""Output directories the tool owns, written safely; and the per-run table on disk.

:func:`atomic_directory` builds a new output directory next to the target and
swaps it in only once every file is written, so an interrupted write leaves
the previous complete output (or, if the process dies during the two renames,
nothing at the target and the previous output in a hidden ``.old`` sibling).

**Ownership.** Every output directory holds ``.negotiate-files.json``, the
list of the files negotiate wrote there.  Those files, and only those, are
replaced by the next output: a directory holding anything else (a user's
``my_analysis.png``) is refused unless ``force=True`` (``--force``), and
then the other files are kept, moved into the new output.  Nothing that
negotiate did not write is ever deleted: a file whose name collides with a
new output file stays in a hidden ``.<name>.kept-<hex>`` sibling, with a warning.  A directory
written before the list existed counts as ours only for the exact file names
negotiate used to write (``LEGACY_FILES``), and only if its metadata.json
says negotiate wrote it.  A symbolic link is never followed nor replaced.

**Locks.** While a directory is written (and, on the command line, for the
whole run) a lock file ``.<name>.lock`` beside it is held
(:mod:`negotiate.results.locks`): a second run on the same directory is refused
with a message naming the first.

The per-run table is written row group by row group so that memory does not
grow with the number of runs: Parquet through pyarrow, or CSV if pyarrow
cannot be imported.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from ..digests import file_sha256  # exported here too: output directories are checked with it
from ..errors import OutputError, SimulationError
from .interrupts import signals_deferred
from .leftovers import clean_stale, temporary_name
from .locks import hold_lock

__all__ = [
    "LEGACY_FILES",
    "MANIFEST",
    "PRODUCER",
    "OutputWarning",
    "atomic_directory",
    "check_output_directory",
    "file_sha256",
    "lock_output",
    "output_kind",
    "output_lock_path",
    "output_name",
    "read_runs_table",
    "write_runs_table",
]

#: Marks a metadata.json as ours.
PRODUCER = "negotiate"
#: The list of the files negotiate wrote in an output directory.
MANIFEST = ".negotiate-files.json"
#: The files earlier versions (without a manifest) wrote: exact names, no patterns,
#: so that a user's file in such a directory is never taken for ours.
LEGACY_FILES = frozenset({
    "metadata.json", "summary.csv", "summary_a.csv", "summary_b.csv", "comparison.csv", "sweep.csv",
    "sensitivity.csv", "posterior.csv", "cases.csv", "discovery.csv", "runs.parquet", "runs.csv",
    "aggregates.npz", "summary_cases.csv", "summary_reliability.csv", "summary_forecasts.csv",
    "summary_forecasts_time.csv", "summary_posterior.csv", "summary_skill.csv",
    "outcomes.png", "time_to_agreement.png", "settled_terms.png", "acceptance.png", "comparison.png",
    "sweep.png", "discovery.png", "tradeoff.png", "backtest.png", "calibration.png", "reliability.png",
    *(f"sensitivity_{outcome}.png" for outcome in ("temporary_truce", "conditional_truce",
                                                    "comprehensive_agreement", "no_agreement"))})


class OutputWarning(UserWarning):
    """Something about an output directory the user should know (a file kept aside)."""


# --- what an output directory holds ------------------------------------------------

def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _our_files(directory: Path) -> set[str]:
    """The names in ``directory`` that negotiate wrote (per its manifest, or legacy names)."""
    manifest = _read_json(directory / MANIFEST)
    if isinstance(manifest, dict) and manifest.get("producer") == PRODUCER \
            and isinstance(manifest.get("files"), list):
        return {n for n in manifest["files"] if isinstance(n, str) and "/" not in n} | {MANIFEST}
    meta = _read_json(directory / "metadata.json")
    if isinstance(meta, dict) and meta.get("producer") == PRODUCER:
        return set(LEGACY_FILES)
    return set()


def _strangers(directory: Path) -> list[str]:
    """Entries of ``directory`` that negotiate did not write, sorted."""
    ours = _our_files(directory)
    return sorted(p.name for p in directory.iterdir() if p.name not in ours)


# --- checks made before any work ---------------------------------------------------

def _clean(target) -> Path:
    text = os.fspath(target)
    if text == "":
        raise OutputError("the output directory is an empty name; give a directory such as out/NAME")
    return Path(os.path.normpath(text))


def check_output_directory(target: str | os.PathLike, *, force: bool = False, kind: str | None = None) -> None:
    """Raise :class:`~negotiate.errors.OutputError` if ``target`` cannot become an output directory.

    Refused: an empty name; ``.`` or any directory holding the current one; a
    symbolic link; an existing file; a directory holding files negotiate did
    not write (unless ``force``); an output of another ``kind`` than the one
    to be written (its metadata.json's ``kind``: a ``run`` output is not
    replaced by a backtest unless ``force``); a mount point; a place where
    the process cannot create, rename or delete files.  Commands call it
    before any simulation, so a bad ``--out`` costs nothing.
    """
    target = _clean(target)
    clean_stale(target)  # a dead run's leftovers first: a restored previous output is judged too
    if target.is_symlink():
        raise OutputError(f"{target}: is a symbolic link (to {os.readlink(target)}); negotiate neither "
                          "writes through nor replaces links: give the real directory instead")
    here, absolute = os.path.realpath(os.getcwd()), os.path.realpath(target)
    if absolute == os.path.dirname(absolute) or here == absolute or here.startswith(absolute + os.sep):
        raise OutputError(f"{target}: is the current directory or one of its parents, which an output "
                          "would replace; give a new directory such as out/NAME")
    if os.path.lexists(target):
        _check_existing(target, force)
        if kind is not None and not force:
            _check_kind(target, kind)
    _check_parent(target)


#: the command that writes each kind of output, for messages
_COMMANDS = {"results": "run", "comparison": "compare", "many-comparison": "compare-many",
             "sweep": "sweep", "sensitivity": "sensitivity", "discovery": "discover",
             "backtest": "backtest", "calibration": "calibrate"}


def output_name(kind: str) -> str:
    """``"a 'sweep' output (negotiate sweep)"``: a kind of output, for messages."""
    return f"a {kind!r} output" + (f" (negotiate {_COMMANDS[kind]})" if kind in _COMMANDS else "")


def output_kind(directory) -> str | None:
    """The kind negotiate recorded in ``directory``'s metadata.json; None if there is none."""
    meta = _read_json(Path(directory) / "metadata.json")
    if not isinstance(meta, dict) or meta.get("producer") != PRODUCER:
        return None
    kind = meta.get("kind")
    return kind if isinstance(kind, str) else None


def _check_kind(target: Path, kind: str) -> None:
    """An output of one kind is not silently replaced by one of another kind."""
    found = output_kind(target)
    if found is not None and found != kind:
        raise OutputError(f"{target}: holds {output_name(found)}, which writing {output_name(kind)} would replace "
                          "(its metadata.json says kind "
                          f"{found!r}); give another directory, or pass --force (force=True) to replace it")


def _check_existing(target: Path, force: bool) -> None:
    if not target.is_dir():
        raise OutputError(f"{target}: exists and is not a directory; give a new or empty directory")
    try:
        strangers = _strangers(target)
    except OSError as exc:
        raise OutputError(f"{target}: cannot list this directory: {exc.strerror}") from None
    if strangers and not force:
        shown = ", ".join(strangers[:3]) + (f" and {len(strangers) - 3} more" if len(strangers) > 3 else "")
        raise OutputError(f"{target}: refusing to replace this directory: it holds files negotiate did "
                          f"not write ({shown}); give a new or empty directory, or pass --force "
                          "(force=True) to write beside them (they are kept)")
    if not os.access(target, os.W_OK | os.X_OK):
        raise OutputError(f"{target}: not writable, so its old files could not be removed")
    if os.stat(target).st_dev != os.stat(target.parent if str(target.parent) else ".").st_dev:
        raise OutputError(f"{target}: is a mount point, which cannot be replaced; give a directory inside it")


def _check_parent(target: Path) -> None:
    parent = target.parent
    while not os.path.lexists(parent) and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"{target}: {parent} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{target}: cannot create files in {parent} (permission denied)")


# --- locking and writing -------------------------------------------------------------

def output_lock_path(target: str | os.PathLike) -> Path:
    """The lock file of an output directory: ``.<name>.lock`` beside it."""
    target = _clean(target)
    return target.parent / f".{target.name}.lock"


@contextmanager
def lock_output(target: str | os.PathLike) -> Iterator[None]:
    """Hold the lock of output directory ``target`` (creating its parent if needed).

    Raises :class:`~negotiate.results.locks.LockedError` naming the holder if
    another process writes there.  Re-entrant within a process.
    """
    lock = output_lock_path(target)
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{target}: cannot create its parent directory: {exc.strerror}") from None
    with hold_lock(lock, f"output directory {_clean(target)}"):
        yield


@contextmanager
def atomic_directory(target: str | os.PathLike, *, force: bool = False,
                     kind: str | None = None) -> Iterator[Path]:
    """Yield an empty temporary directory that replaces ``target`` on success.

    ``target`` is checked (:func:`check_output_directory`, with ``kind``) and locked first.
    On success the files negotiate wrote in an earlier output are deleted and
    any other file is moved into the new output (``force=True`` is needed for
    a directory that holds such files).  On any error inside the ``with``
    block the temporary directory is removed and ``target`` is left untouched.
    """
    target = _clean(target)
    with lock_output(target):
        clean_stale(target)  # what a killed run left here (and its previous output, if it was moved)
        check_output_directory(target, force=force, kind=kind)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # not mkdtemp: its 0700 mode would become the output's; mkdir honours the umask
            tmp = temporary_name(target, "partial")  # names this process: see leftovers.py
            tmp.mkdir()
        except OSError as exc:
            raise SimulationError(f"{target}: cannot create the output directory: {exc}") from exc
        try:
            yield tmp
            _write_manifest(tmp)
            with signals_deferred():  # an interrupt between the two renames would leave no target
                _swap_in(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def _write_manifest(directory: Path) -> None:
    names = sorted(p.name for p in directory.iterdir())
    text = json.dumps({"producer": PRODUCER, "kind": "output-files", "files": names}, indent=2)
    (directory / MANIFEST).write_text(text + "\n", encoding="utf-8")


def _swap_in(tmp: Path, target: Path) -> None:
    # POSIX rename cannot replace a non-empty directory, so the old output is
    # first moved aside; it is restored if the second rename fails.
    old = None
    if target.exists():
        old = temporary_name(target, "old")  # a crash before _retire: restored by clean_stale
        try:
            os.rename(target, old)
        except OSError as exc:
            raise SimulationError(f"{target}: cannot move the old output aside: {exc.strerror}") from exc
    try:
        os.rename(tmp, target)
    except OSError as exc:
        if old is not None:
            os.rename(old, target)
        raise SimulationError(f"{target}: cannot move the finished output into place: {exc}") from exc
    if old is not None:
        _retire(old, target)


def _retire(old: Path, target: Path) -> None:
    """Delete what negotiate wrote in the old output ``old``; move everything else into
    ``target``; keep ``old`` (with a warning) if anything could not be moved."""
    ours = _our_files(old)
    kept = []
    for entry in sorted(old.iterdir()):
        if entry.name in ours and not entry.is_dir():
            entry.unlink(missing_ok=True)
        elif not os.path.lexists(target / entry.name):
            os.rename(entry, target / entry.name)
        else:
            kept.append(entry.name)
    if kept:
        # renamed out of the leftovers' pattern: clean_stale must never delete a user's files
        keep = target.parent / f".{target.name}.kept-{uuid.uuid4().hex[:8]}"
        os.rename(old, keep)
        warnings.warn(f"{target}: {', '.join(kept)} (not written by negotiate) would have been "
                      f"replaced by the new output; kept in {keep}", OutputWarning, stacklevel=4)
        return
    try:
        old.rmdir()
    except OSError:
        pass


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


def read_runs_table(directory: Path, name: str | None = None) -> pd.DataFrame | None:
    """The per-run table of an output directory (``name``, or whichever of runs.parquet
    and runs.csv exists), or ``None`` if it has none."""
    directory = Path(directory)
    names = [name] if name is not None else ["runs.parquet", "runs.csv"]
    for path in (directory / n for n in names):
        if not path.exists():
            continue
        if path.suffix == ".parquet":
            if _pyarrow() is None:
                raise SimulationError(f"{path}: reading it needs pyarrow (pip install pyarrow)")
            return pd.read_parquet(path, engine="pyarrow")
        return pd.read_csv(path)
    return None
