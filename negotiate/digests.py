"""The SHA-256 digests that vouch for written folders (results, calibrations).

Standard library only: the scenario loader checks a calibration folder's digests
(``calibration: library``) with these, and importing :mod:`negotiate.results`
for them would load the model, pandas and matplotlib into every
``negotiate validate``.  :mod:`negotiate.results.check` and
:mod:`negotiate.scenario.calibration` check their folders with
:func:`check_files` and :func:`check_self_digest`, each with its own
:class:`Seal` (the exception it raises, how its refusals end, and whether a
listed file may be absent).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Seal", "check_files", "check_self_digest", "file_sha256", "metadata_digest", "sealed"]


@dataclass(frozen=True)
class Seal:
    """How one kind of folder's digests are checked, and its refusals worded.

    ``error`` is raised (with one message naming the file); ``verdict`` ends a
    refusal ("not loaded"); ``causes`` says what a file whose content does not
    match its hash likely was; ``hash_word`` names the hash a ``files`` entry
    lacks.  A folder kind whose readers do not need every file it lists (a
    calibration: the draws are read from posterior.csv alone) passes the
    others as ``optional`` to :func:`check_files`.
    """

    error: type[Exception]
    verdict: str
    causes: str
    hash_word: str = "hash"


def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes, read 1 MiB at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def metadata_digest(meta: dict) -> str:
    """SHA-256 of the canonical JSON of ``meta`` without its ``metadata_sha256`` field."""
    body = {k: v for k, v in meta.items() if k != "metadata_sha256"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sealed(meta: dict, paths) -> dict:
    """``meta`` with the SHA-256 of each of ``paths`` (its ``files``, by file name) and its
    own (``metadata_sha256``), as every folder negotiate writes is sealed."""
    meta = {**meta, "files": {Path(p).name: file_sha256(p) for p in paths}}
    meta["metadata_sha256"] = metadata_digest(meta)
    return meta


def check_files(directory: Path, files: dict, names, seal: Seal, *, optional=()) -> None:
    """Raise ``seal.error`` unless each of ``names`` has a hash in ``files`` (metadata.json's
    ``files``), exists and matches it; each of ``optional`` is checked only if it exists."""
    for name in names:
        wanted = files.get(name)
        if not isinstance(wanted, str):
            raise seal.error(f"{directory / 'metadata.json'}: files has no {seal.hash_word} for {name}")
        _check_file(directory / name, wanted, seal)
    for name in optional:
        if (directory / str(name)).is_file():  # absent: a copy that left out a report or figure
            _check_file(directory / str(name), files.get(name), seal)


def _check_file(path: Path, wanted, seal: Seal) -> None:
    try:
        found = file_sha256(path)
    except FileNotFoundError:
        raise seal.error(f"{path}: missing (metadata.json lists it)") from None
    except OSError as exc:
        raise seal.error(f"{path}: cannot be read: {exc.strerror}") from None
    if found != wanted:
        raise seal.error(f"{path}: its content does not match the SHA-256 in metadata.json "
                         f"({seal.causes}); {seal.verdict}")


def check_self_digest(meta: dict, path: Path, seal: Seal) -> None:
    """Raise ``seal.error`` unless metadata.json at ``path`` (read as ``meta``) matches its own
    ``metadata_sha256``."""
    if metadata_digest(meta) != meta["metadata_sha256"]:
        raise seal.error(f"{path}: edited after it was written (its metadata_sha256 does not "
                         f"match its content); {seal.verdict}")
