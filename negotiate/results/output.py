"""The results contract: every result object saves its files the same way.

:class:`Saved` is the one ``save(directory, *, plots=True, force=False) ->
list[Path]`` of :class:`~negotiate.results.Results`, comparisons, sweeps,
sensitivity, discovery, backtests and calibrations.  Each result class says
only what is its own:

* ``KIND`` (``"results"``, ``"sweep"``…) and, if not 1, ``FORMAT``;
* :meth:`Saved._write_tables`: its data files, written into a directory;
* :meth:`Saved._figures`: its figures, as :class:`FigureFile` (drawn only
  with ``plots=True``);
* :meth:`Saved._metadata_body`: what its metadata.json holds besides the
  common header.

and :meth:`Saved.save` does the rest, identically for all: the directory is
written atomically (:func:`~negotiate.results.storage.atomic_directory`: the old
output stays until the new one is complete; a directory holding files
negotiate did not write is refused unless ``force=True``), and metadata.json
is written last with the common header (``producer``, ``format``, ``kind``,
``saved_utc``, ``versions``), the result's own fields, the SHA-256 of every
other file (``files``) and of itself (``metadata_sha256``).

This module imports nothing that imports the results, so ``negotiate.results``
and the runners in ``negotiate.run`` depend on it, never the other way round.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata as _metadata
from pathlib import Path
from typing import ClassVar

from ..digests import sealed
from .storage import PRODUCER, atomic_directory

__all__ = ["DPI", "FORMAT_VERSION", "FigureFile", "Saved", "library_versions", "on_axes",
           "scenario_digest"]

#: Format of the outputs other than Results (which use ``results.check.RESULTS_FORMAT``).
FORMAT_VERSION = 1
DPI = 150
METADATA = "metadata.json"
_LIBRARIES = ("negotiate", "numpy", "scipy", "mesa", "pandas", "pyarrow", "matplotlib", "scikit-learn")


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape a result (and of Python)."""
    out = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            out[name] = _metadata.version(name)
        except _metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def scenario_digest(scenario) -> str:
    """sha256 of the canonical JSON of a scenario (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(scenario.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class FigureFile:
    """A PNG file of an output: ``draw(figure)`` fills a matplotlib Figure of ``size`` inches."""

    name: str
    draw: Callable
    size: tuple[float, float] = (7, 4.5)

    def write(self, directory: Path) -> Path:
        from matplotlib.figure import Figure  # no pyplot: no global figure state, no display

        fig = Figure(figsize=self.size, layout="constrained")
        self.draw(fig)
        path = directory / self.name
        fig.savefig(path, dpi=DPI)
        return path


def on_axes(plot: Callable) -> Callable:
    """A :class:`FigureFile` drawing for a ``plot(ax=...)`` method: one axes filling the figure."""
    return lambda fig: plot(ax=fig.add_subplot())


class Saved:
    """Mixin: the common ``save`` (see the module docstring)."""

    KIND: ClassVar[str]
    FORMAT: ClassVar[int] = FORMAT_VERSION

    def _write_tables(self, directory: Path) -> list[Path]:
        raise NotImplementedError

    def _figures(self) -> list[FigureFile]:
        return []

    def _metadata_body(self) -> dict:
        return {}

    def metadata(self) -> dict:
        """What metadata.json holds, except ``files`` and ``metadata_sha256`` (added when saving)."""
        versions = getattr(self, "versions", None) or library_versions()  # those of the run, if kept
        header = {"producer": PRODUCER, "format": self.FORMAT, "kind": self.KIND,
                  "saved_utc": datetime.now(UTC).isoformat(timespec="seconds"), "versions": versions}
        return {**header, **self._metadata_body()}

    def save(self, directory, *, plots: bool = True, force: bool = False) -> list[Path]:
        """Write this result's tables, its figures (with ``plots``) and metadata.json into
        ``directory``, replacing an earlier output only once all are written; returns the paths.

        A directory holding files negotiate did not write, or the output of
        another kind of result (a sweep's over a run's), is refused
        (:class:`~negotiate.errors.OutputError`) unless ``force=True``; files
        negotiate did not write are then kept (see
        :func:`~negotiate.results.storage.atomic_directory`).
        """
        directory = Path(directory)
        with atomic_directory(directory, force=force, kind=self.KIND) as tmp:
            paths = self._write_tables(tmp)
            if plots:
                paths += [figure.write(tmp) for figure in self._figures()]
            # metadata last: a directory with metadata.json is a complete one, and it
            # holds the hash of every other file (checked by load_results)
            meta = sealed(self.metadata(), paths)
            paths.append(tmp / METADATA)
            paths[-1].write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
        return [directory / p.name for p in paths]
