"""The SHA-256 digests that vouch for written folders (results, calibrations).

Standard library only: the scenario loader checks a calibration folder's digests
(``calibration: library``) with these, and importing :mod:`negotiate.results`
for them would load the model, pandas and matplotlib into every
``negotiate validate``.  :mod:`negotiate.results.check` and
:mod:`negotiate.results.storage` export them too.
"""

from __future__ import annotations

import hashlib
import json
import os

__all__ = ["file_sha256", "metadata_digest"]


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
