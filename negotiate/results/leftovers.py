"""Temporary folders left beside an output directory by a run that died while writing it.

:func:`negotiate.results.storage.atomic_directory` writes into
``.<name>.<pid>-<hex>.partial`` and, while swapping it in, moves the previous
output to ``.<name>.<pid>-<hex>.old``.  A run killed at that moment (SIGKILL,
the out-of-memory killer, a power cut) leaves them behind.  The next write to
the same target removes those whose owner process is dead (never those of a
run still going) and, if the target itself is missing, puts the previous
output back from its ``.old`` copy first.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path

__all__ = ["clean_stale", "temporary_name"]

_OWNED = re.compile(r"(?P<pid>\d+)-[0-9a-f]+\.(?P<kind>partial|old)")


def temporary_name(target: Path, kind: str) -> Path:
    """A new sibling of ``target`` for ``kind`` (``"partial"`` or ``"old"``), naming this process."""
    return target.parent / f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:12]}.{kind}"


def _owner_dead(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False  # alive, under another user (or not a pid we can ask about)
    return False


def _stale(target: Path) -> list[tuple[str, Path]]:
    """``(kind, path)`` of the temporary folders of ``target`` whose owner is dead."""
    prefix = f".{target.name}."
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return []
    found = []
    for entry in entries:
        match = _OWNED.fullmatch(entry.name[len(prefix):]) if entry.name.startswith(prefix) else None
        if match and entry.is_dir() and not entry.is_symlink() and _owner_dead(int(match["pid"])):
            found.append((match["kind"], entry))
    return found


def clean_stale(target: str | os.PathLike) -> list[Path]:
    """Remove the leftovers of dead runs beside ``target``; return what was removed.

    A missing target with a leftover ``.old`` copy gets it back (the newest
    one), so the previous complete output is never lost to a crash.
    """
    target = Path(target)
    stale = _stale(target)
    olds = sorted((p for kind, p in stale if kind == "old"), key=_mtime, reverse=True)
    if olds and not target.exists() and not target.is_symlink():
        try:
            os.rename(olds[0], target)
            olds = olds[1:]
        except OSError:
            pass
    removed = [p for kind, p in stale if kind == "partial"] + olds
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
