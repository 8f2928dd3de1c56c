"""What :func:`negotiate.load_results` checks before trusting a results directory.

``Results.save`` writes metadata.json last, with the SHA-256 of every other
file it wrote (``files``) and of its own content (``metadata_sha256``, over
its canonical JSON without that field).  On load, every file read must match
its hash, the scenario must match ``scenario_sha256``, and the run count must
match the summaries and the per-run table; anything else (a flipped byte, a
``runs.parquet`` copied from another run, an edited ``runs``, a missing key,
a missing or truncated ``aggregates.npz``) raises
:class:`~negotiate.errors.ResultsFileError` naming the file.

Directories written before the hashes existed (format 1) still load, with an
:class:`UncheckedResultsWarning`: their scenario hash and run counts are
checked, but a damaged or swapped file may go unnoticed; re-running the
command writes a checked directory.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from .. import digests
from ..digests import metadata_digest
from ..errors import ResultsFileError

__all__ = ["LEGACY_FORMAT", "RESULTS_FORMAT", "UncheckedResultsWarning", "check_files",
           "check_metadata", "check_self_digest", "metadata_digest"]

#: Format of a results directory: 2 adds the content hashes.
RESULTS_FORMAT = 2
LEGACY_FORMAT = 1
_REQUIRED = {"scenario": dict, "scenario_sha256": str, "seed": int, "runs": int,
             "wall_time_seconds": (int, float), "keep_runs": bool}
_REQUIRED_NOW = {"files": dict, "metadata_sha256": str}
# every file a results directory lists is read on load: none may be missing
_SEAL = digests.Seal(ResultsFileError, verdict="not loaded",
                     causes="damaged, edited, or copied from another run")


class UncheckedResultsWarning(UserWarning):
    """A results directory written before content hashes existed: loaded unchecked."""


def check_metadata(meta: dict, path: Path) -> bool:
    """Raise :class:`ResultsFileError` unless ``meta`` has every key, of the right type;
    ``True`` if it carries content hashes (format 2), ``False`` for format 1 (with a warning)."""
    legacy = meta.get("format") == LEGACY_FORMAT
    required = _REQUIRED if legacy else {**_REQUIRED, **_REQUIRED_NOW}
    missing = sorted(k for k in required if k not in meta)
    if missing:
        raise ResultsFileError(f"{path}: lacks {', '.join(missing)}; it was not written by "
                               "Results.save as it is, so it is not trusted")
    for key, kind in required.items():
        value = meta[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ResultsFileError(f"{path}: {key} is {value!r}, not a {_kind_name(kind)}")
    if meta["runs"] < 1:
        raise ResultsFileError(f"{path}: runs is {meta['runs']}, not a whole number >= 1")
    if legacy:
        warnings.warn(f"{path.parent}: written by an earlier version without content hashes, so a "
                      "damaged or swapped file cannot be detected; run the command again to "
                      "write a checked copy", UncheckedResultsWarning, stacklevel=3)
    return not legacy


def _kind_name(kind) -> str:
    names = {dict: "mapping", str: "text", int: "whole number", bool: "true/false"}
    return names.get(kind, "number")


def check_files(directory: Path, meta: dict, names: list[str]) -> None:
    """Raise :class:`ResultsFileError` unless each of ``names`` exists and matches its hash."""
    digests.check_files(directory, meta["files"], names, _SEAL)


def check_self_digest(meta: dict, path: Path) -> None:
    """Raise :class:`ResultsFileError` unless metadata.json matches its ``metadata_sha256``."""
    digests.check_self_digest(meta, path, _SEAL)
