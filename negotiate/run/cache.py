"""A directory of finished blocks, so that an interrupted run can resume.

``simulate(..., cache_dir=DIR)`` (and ``negotiate run --resume``) stores each
finished block here as one file and, when called again with the same
arguments, loads the finished blocks instead of simulating them.  Because
block ``k`` always draws the same random numbers (:mod:`.seeding`) and the
summaries are merged in block order, a resumed run gives exactly the numbers
of an uninterrupted one.

Layout: ``manifest.json`` says which run the blocks belong to (the key:
scenario digests, seed, runs, block size, ``keep_runs`` and the versions of
negotiate and numpy); ``block-000007.npz`` holds block 7.  A block file is a
header line, a line with the key of the run that made it and its block index
(JSON), the SHA-256 of that line and the payload, then the payload (an
``.npz``); it is written to a temporary name and renamed, so a reader sees a
whole file or none.  A damaged block (truncated, edited) fails its checksum,
and a block whose key is not this run's (another seed, scenario, run count
or index: a stray file) is refused; either is simulated again, with a
:class:`CacheWarning`, rather than trusted.  A cache made for another run is
never reused: opening it raises :class:`SimulationError` naming what differs.

While a :class:`ChunkCache` is open it holds the lock file ``.lock`` in its
directory (:mod:`negotiate.results.locks`): a second run storing blocks there is
refused with a message naming the first, so two runs never mix their blocks.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import uuid
import warnings
from pathlib import Path
from typing import Self

import numpy as np

from ..errors import SimulationError
from ..model.outcomes import BlockResult
from ..results.aggregate import Aggregates
from ..results.locks import hold_lock

__all__ = ["CacheMismatchError", "CacheWarning", "ChunkCache", "cached_block_count", "discard_cache"]

CACHE_FORMAT = 2  # 2: every block carries its run's key
KIND = "chunk-cache"
MANIFEST = "manifest.json"
LOCK = ".lock"
_HEADER = b"negotiate block cache 2\n"
_DIGEST_BYTES = 64  # hex SHA-256 of the key line and the payload, after the key line
_BLOCK_FILE = re.compile(r"block-(\d{6,})\.npz")
_TEMP_FILE = re.compile(r"\.block-\d+\.[0-9a-f]+\.tmp|\.manifest\.[0-9a-f]+\.tmp")


class CacheWarning(UserWarning):
    """A cached block could not be used (damaged) and is simulated again."""


class CacheMismatchError(SimulationError):
    """The cache directory holds the blocks of another run (scenario, seed, runs...)."""


def _block_name(index: int) -> str:
    return f"block-{index:06d}.npz"


class ChunkCache:
    """The finished blocks of one run (identified by ``key``) in ``directory``."""

    def __init__(self, directory: str | os.PathLike, key: dict):
        self.directory = Path(directory)
        self.key = {"producer": "negotiate", "kind": KIND, "format": CACHE_FORMAT, **key}
        self._lock = None
        self._make_directory()
        self._lock = hold_lock(self.directory / LOCK, f"chunk cache {self.directory}")
        self._lock.__enter__()
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Release the cache's lock (its blocks stay on disk)."""
        if self._lock is not None:
            lock, self._lock = self._lock, None
            lock.__exit__(None, None, None)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- opening -----------------------------------------------------------------
    def _make_directory(self) -> None:
        d = self.directory
        if d.is_symlink() or (d.exists() and not d.is_dir()):
            raise SimulationError(f"{d}: cache_dir exists and is not a directory")
        if not d.exists():
            try:
                d.mkdir(parents=True)
            except OSError as exc:
                raise SimulationError(f"{d}: cannot create the chunk cache: {exc}") from exc

    def _open(self) -> None:
        d = self.directory
        manifest = _read_manifest(d)
        if manifest is None:
            strangers = [p.name for p in d.iterdir() if not _TEMP_FILE.fullmatch(p.name) and p.name != LOCK]
            if strangers:
                raise SimulationError(f"{d}: not a chunk cache (it holds {', '.join(sorted(strangers)[:3])}"
                                      "); choose a new or empty directory for cache_dir")
            self._write_manifest()
            return
        differences = [f"{name} {manifest.get(name)!r}, not {value!r}" for name, value in self.key.items()
                       if manifest.get(name) != value]
        if differences:
            raise CacheMismatchError(f"{d}: this chunk cache belongs to another run ({'; '.join(differences)}"
                                  "), so it is not reused; delete it or choose another cache directory")

    def _write_manifest(self) -> None:
        text = json.dumps(self.key, indent=2, ensure_ascii=False).encode("utf-8")
        _atomic_write(self.directory / MANIFEST, text, f".manifest.{uuid.uuid4().hex[:12]}.tmp")

    # --- blocks ------------------------------------------------------------------
    def finished(self) -> list[int]:
        """Indices of the blocks with a file (not yet checked)."""
        return sorted(int(m.group(1)) for p in self.directory.iterdir()
                      if (m := _BLOCK_FILE.fullmatch(p.name)))

    def _block_key(self, index: int) -> bytes:
        """The key line of block ``index``: this run's key and the index, as one line of JSON."""
        return json.dumps({**self.key, "block": index}, sort_keys=True).encode("utf-8") + b"\n"

    def store(self, index: int, arrays: dict[str, np.ndarray]) -> None:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        payload = buffer.getvalue()
        key = self._block_key(index)
        digest = hashlib.sha256(key + payload).hexdigest().encode("ascii")
        _atomic_write(self.directory / _block_name(index), _HEADER + key + digest + payload,
                      f".block-{index}.{uuid.uuid4().hex[:12]}.tmp")

    def load(self, index: int) -> dict[str, np.ndarray] | None:
        """Block ``index``'s arrays, or ``None`` if it has no file or a damaged one
        (which is deleted, with a :class:`CacheWarning`)."""
        path = self.directory / _block_name(index)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            return self._damaged(path, f"unreadable: {exc}")
        key_end = data.find(b"\n", len(_HEADER)) + 1
        start = key_end + _DIGEST_BYTES
        if not data.startswith(_HEADER) or key_end == 0 or len(data) < start:
            return self._damaged(path, "not a block file of this version, or truncated")
        key, payload = data[len(_HEADER):key_end], data[start:]
        if hashlib.sha256(key + payload).hexdigest().encode("ascii") != data[key_end:start]:
            return self._damaged(path, "checksum mismatch (truncated or modified)")
        if key != self._block_key(index):
            return self._damaged(path, f"was made by another run ({_key_differences(key, self.key, index)})")
        try:
            with np.load(io.BytesIO(payload), allow_pickle=False) as npz:
                return {name: npz[name] for name in npz.files}
        except (OSError, ValueError) as exc:
            return self._damaged(path, f"cannot be read: {exc}")

    def load_outputs(self, index: int, n_scenarios: int, keep_runs: bool):
        """Block ``index`` as ``(summaries, runs, joint)`` (see :func:`decode_block`), or ``None``."""
        arrays = self.load(index)
        if arrays is None:
            return None
        try:
            return decode_block(arrays, n_scenarios, keep_runs)
        except (TypeError, ValueError, KeyError) as exc:
            return self._damaged(self.directory / _block_name(index), f"does not hold a block: {exc}")

    def _damaged(self, path: Path, why: str) -> None:
        warnings.warn(f"{path}: cached block {why}; simulating it again", CacheWarning, stacklevel=3)
        path.unlink(missing_ok=True)

    def remove(self) -> None:
        """Delete the cache: only the files it made, then the directory if that leaves it empty."""
        _remove_cache_files(self.directory)
        self.close()
        _remove_if_empty(self.directory)


# --- a block's outputs as flat arrays ------------------------------------------------

def encode_block(summaries: list[Aggregates], runs: list[BlockResult | None],
                 joint: np.ndarray | None) -> dict[str, np.ndarray]:
    """The outputs of one block (per scenario: its summary and, if kept, its runs) as named arrays."""
    arrays: dict[str, np.ndarray] = {}
    for i, (summary, block) in enumerate(zip(summaries, runs)):
        arrays.update({f"{i}/summary/{k}": v for k, v in summary.to_arrays().items()})
        if block is not None:
            for name in BlockResult.__dataclass_fields__:
                if name != "inputs":
                    arrays[f"{i}/runs/{name}"] = np.asarray(getattr(block, name))
            arrays.update({f"{i}/inputs/{k}": np.asarray(v) for k, v in block.inputs.items()})
    if joint is not None:
        arrays["joint"] = joint
    return arrays


def decode_block(arrays: dict[str, np.ndarray], n_scenarios: int, keep_runs: bool):
    """``(summaries, runs, joint)`` back from :func:`encode_block`'s arrays."""
    summaries, runs = [], []
    for i in range(n_scenarios):
        parts: dict[str, dict[str, np.ndarray]] = {"summary": {}, "runs": {}, "inputs": {}}
        for name, value in arrays.items():
            scenario, _, rest = name.partition("/")
            if scenario == str(i):
                part, _, field = rest.partition("/")
                parts[part][field] = value
        summaries.append(Aggregates.from_arrays(parts["summary"]))
        runs.append(BlockResult(**parts["runs"], inputs=parts["inputs"]) if keep_runs else None)
    return summaries, runs, arrays.get("joint")


def _key_differences(line: bytes, key: dict, index: int) -> str:
    """What differs between a block's key line and this run's key (for the warning)."""
    try:
        found = json.loads(line)
    except ValueError:
        return "unreadable key"
    if not isinstance(found, dict):
        return "unreadable key"
    wanted = {**key, "block": index}
    return "; ".join(f"{name} {found.get(name)!r}, not {value!r}" for name, value in wanted.items()
                     if found.get(name) != value) or "key written differently"


def _read_manifest(directory: Path) -> dict | None:
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise SimulationError(f"{directory / MANIFEST}: unreadable chunk cache manifest ({exc}); "
                              "delete the directory to start afresh") from None
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        raise SimulationError(f"{directory}: not a chunk cache made by negotiate; "
                              "choose a new or empty directory for cache_dir")
    return manifest


def _atomic_write(path: Path, data: bytes, temp_name: str) -> None:
    temp = path.parent / temp_name
    try:
        with open(temp, "wb") as fh:
            fh.write(data)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _remove_cache_files(directory: Path) -> None:
    """Delete the manifest, blocks and temporary files (the caller holds the lock)."""
    if not directory.is_dir():
        return
    for p in directory.iterdir():
        if p.name == MANIFEST or _BLOCK_FILE.fullmatch(p.name) or _TEMP_FILE.fullmatch(p.name):
            p.unlink(missing_ok=True)


def _remove_if_empty(directory: Path) -> None:
    try:
        directory.rmdir()
    except OSError:
        pass  # something else lives there (or another run's lock): leave it


def cached_block_count(directory: str | os.PathLike) -> int:
    """How many block files a chunk cache directory holds (0 if there is none)."""
    directory = Path(directory)
    if not (directory / MANIFEST).is_file():
        return 0
    return sum(1 for p in directory.iterdir() if _BLOCK_FILE.fullmatch(p.name))


def discard_cache(directory: str | os.PathLike) -> bool:
    """Delete the chunk cache in ``directory``, if there is one; ``True`` if one was deleted.

    Raises :class:`SimulationError` if ``directory`` holds something that is not a chunk
    cache, and :class:`~negotiate.results.locks.LockedError` if a run is using it.
    """
    directory = Path(directory)
    if not directory.exists() and not directory.is_symlink():
        return False
    if directory.is_symlink() or not directory.is_dir():
        raise SimulationError(f"{directory}: not a chunk cache made by negotiate; "
                              "move it away or choose another output directory")
    with hold_lock(directory / LOCK, f"chunk cache {directory}"):
        found = _read_manifest(directory) is not None
        if not found and any(not _TEMP_FILE.fullmatch(p.name) and p.name != LOCK for p in directory.iterdir()):
            raise SimulationError(f"{directory}: not a chunk cache made by negotiate; "
                                  "move it away or choose another output directory")
        _remove_cache_files(directory)
    _remove_if_empty(directory)
    return found
