"""One writer at a time: a lock file that names its holder.

Two runs writing the same output directory, or storing blocks in the same
chunk cache, would mix their files (a resumed run then reuses a block of the
other run's seed).  :func:`hold_lock` takes an exclusive ``flock`` on a lock
file for the duration of a ``with`` block and writes into it who holds it
(pid, command, start time), so that a second run is refused with a message
naming the first.

Why ``fcntl.flock`` rather than the ``filelock`` package: the operating system
releases the lock when its holder dies, even by SIGKILL, so a dead run never
blocks the next one; and ``filelock`` truncates the lock file whenever it
tries to acquire it, which would erase the holder's name before a refused
run could read it.  The lock file is deleted on release; a run that opened
it just before the deletion notices (its file is no longer the one at the
path) and opens the new one.  Within one process the lock is re-entrant:
``negotiate run`` holds its output's lock for the whole run and the write at
the end takes it again.  Where ``fcntl`` does not exist (Windows) nothing is
locked.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ..errors import OutputError, SimulationError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = ["LockedError", "hold_lock", "holder_description"]


class LockedError(SimulationError):
    """Another run holds the lock of an output directory or chunk cache."""


_HELD: dict[str, list] = {}  # real path of the lock file -> [file descriptor, depth]
_GUARD = threading.Lock()


def _command() -> str:
    argv = list(sys.argv) or ["python"]
    program = Path(argv[0]).name
    if program in ("__main__.py", "-m") or program.startswith("negotiate"):
        program = "negotiate"
    return shlex.join([program or "python", *argv[1:]])


def _holder() -> bytes:
    info = {"pid": os.getpid(), "command": _command(),
            "started": datetime.now(UTC).isoformat(timespec="seconds")}
    return json.dumps(info).encode("utf-8")


def holder_description(path: str | os.PathLike) -> str:
    """Who holds the lock at ``path``, as written by its holder (or why that is unknown)."""
    try:
        info = json.loads(Path(path).read_text(encoding="utf-8"))
        return f"pid {int(info['pid'])}, `{info['command']}`, started {info['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "holder unknown"


@contextmanager
def hold_lock(path: str | os.PathLike, what: str) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (created if needed) inside the block.

    ``what`` names the thing protected, for the message of :class:`LockedError`
    raised at once if another process holds the lock.
    """
    path = Path(path)
    key = os.path.realpath(path)
    with _GUARD:
        if key in _HELD:
            _HELD[key][1] += 1
            reentered = True
        else:
            reentered = False
    if not reentered:
        fd = _acquire(path, what)
        with _GUARD:
            _HELD[key] = [fd, 1]
    try:
        yield
    finally:
        with _GUARD:
            entry = _HELD[key]
            entry[1] -= 1
            last = entry[1] == 0
            if last:
                del _HELD[key]
        if last:
            _release(path, entry[0])


def _acquire(path: Path, what: str) -> int | None:
    if fcntl is None:  # pragma: no cover - Windows
        return None
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            # a place that cannot be written is a bad argument (exit 2), found before any work
            raise OutputError(f"{path}: cannot create the lock file of {what}: "
                              f"{exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise LockedError(f"{what} is in use by another negotiate run ({holder_description(path)}; "
                              f"lock file {path}); wait for it to finish or choose another "
                              "output directory") from None
        if _same_file(fd, path):
            break
        os.close(fd)  # its holder deleted the file as we opened it: lock the new one
    os.ftruncate(fd, 0)
    os.write(fd, _holder())
    return fd


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def _release(path: Path, fd: int | None) -> None:
    if fd is None:  # pragma: no cover - Windows
        return
    try:
        path.unlink(missing_ok=True)  # while still held: no one can be locking this file
    except OSError:
        pass  # a read-only directory: the stale file is harmless
    finally:
        os.close(fd)
