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
header line, the SHA-256 of the payload and the payload (an ``.npz``); it is
written to a temporary name and renamed, so a reader sees a whole file or
none, and a damaged one (truncated, edited) fails its checksum and is
simulated again rather than trusted.  A cache made for another run is never
reused: opening it raises :class:`SimulationError` naming what differs.
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

import numpy as np

from ..errors import SimulationError
from ..model.outcomes import BlockResult
from .aggregate import Aggregates

__all__ = ["CacheMismatchError", "CacheWarning", "ChunkCache", "cached_block_count", "discard_cache"]

CACHE_FORMAT = 1
KIND = "chunk-cache"
MANIFEST = "manifest.json"
_HEADER = b"negotiate block cache 1\n"
_DIGEST_BYTES = 64  # hex SHA-256 of the payload, after the header
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
        self._open()

    # --- opening -----------------------------------------------------------------
    def _open(self) -> None:
        d = self.directory
        if d.exists() and not d.is_dir():
            raise SimulationError(f"{d}: cache_dir exists and is not a directory")
        if not d.exists():
            try:
                d.mkdir(parents=True)
            except OSError as exc:
                raise SimulationError(f"{d}: cannot create the chunk cache: {exc}") from exc
        manifest = _read_manifest(d)
        if manifest is None:
            strangers = [p.name for p in d.iterdir() if not _TEMP_FILE.fullmatch(p.name)]
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

    def store(self, index: int, arrays: dict[str, np.ndarray]) -> None:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        payload = buffer.getvalue()
        digest = hashlib.sha256(payload).hexdigest().encode("ascii")
        _atomic_write(self.directory / _block_name(index), _HEADER + digest + payload,
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
        start = len(_HEADER) + _DIGEST_BYTES
        if not data.startswith(_HEADER) or len(data) < start:
            return self._damaged(path, "not a block file, or truncated")
        payload = data[start:]
        if hashlib.sha256(payload).hexdigest().encode("ascii") != data[len(_HEADER):start]:
            return self._damaged(path, "checksum mismatch (truncated or modified)")
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
    if not directory.is_dir():
        return
    for p in directory.iterdir():
        if p.name == MANIFEST or _BLOCK_FILE.fullmatch(p.name) or _TEMP_FILE.fullmatch(p.name):
            p.unlink(missing_ok=True)
    try:
        directory.rmdir()
    except OSError:
        pass  # something else lives there: leave it


def cached_block_count(directory: str | os.PathLike) -> int:
    """How many block files a chunk cache directory holds (0 if there is none)."""
    directory = Path(directory)
    if not (directory / MANIFEST).is_file():
        return 0
    return sum(1 for p in directory.iterdir() if _BLOCK_FILE.fullmatch(p.name))


def discard_cache(directory: str | os.PathLike) -> bool:
    """Delete the chunk cache in ``directory``, if there is one; ``True`` if one was deleted.

    Raises :class:`SimulationError` if ``directory`` holds something that is not a chunk cache.
    """
    directory = Path(directory)
    if not directory.exists():
        return False
    if not directory.is_dir() or _read_manifest(directory) is None:
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()
            return False
        raise SimulationError(f"{directory}: not a chunk cache made by negotiate; "
                              "move it away or choose another output directory")
    _remove_cache_files(directory)
    return True
