"""The case library: historical negotiations with a known outcome.

A case is a folder ``<id>/`` holding ``scenario.yaml`` (an ordinary scenario,
written as of the date the talks began) and ``record.yaml`` (what happened;
the format is described in ``cases/README.md``).  :func:`load_case` reads
one, :func:`load_cases` a list of them or a whole library folder.

The two files are read separately and never mixed: the scenario goes through
:func:`negotiate.load_scenario` exactly as any other scenario file, and the
record is only compared with it afterwards (same name, ``as_of`` and
horizon).  Every problem is a :class:`~negotiate.ScenarioError` whose lines
read ``file:line: field: what is wrong``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import Problem, ScenarioError
from ..model.outcomes import OUTCOMES
from ..scenario import Scenario, load_scenario
from .record import Record, read_record
from .scores import time_bin

__all__ = ["Case", "checked_cases", "load_case", "load_cases"]

SCENARIO_FILE = "scenario.yaml"
RECORD_FILE = "record.yaml"


@dataclass(frozen=True)
class Case:
    """One case: its id (the folder's name), scenario and, unless asked otherwise, record."""

    id: str
    scenario_path: Path
    scenario: Scenario
    record: Record | None = None

    @property
    def folder(self) -> Path:
        return self.scenario_path.parent


def load_case(folder: str | os.PathLike, *, record: bool = True) -> Case:
    """Load the case in ``folder`` (``scenario.yaml``, and ``record.yaml`` if ``record``).

    Checks that the scenario has ``as_of`` and is named as the folder, and that
    the record's ``case``, ``as_of`` and ``horizon`` agree with the scenario.
    With ``record=False`` the record file is not opened at all.
    """
    folder = Path(folder)
    _check_folder(folder)
    scenario_path = folder / SCENARIO_FILE
    if not scenario_path.is_file():
        raise ScenarioError([Problem("", "not found: a case folder needs a scenario.yaml",
                                     file=str(scenario_path))])
    scenario = load_scenario(scenario_path)
    problems = _scenario_problems(folder, scenario, str(scenario_path))
    found = None
    if record:
        found, lines = read_record(folder / RECORD_FILE)
        problems += _record_problems(folder, scenario, found, str(folder / RECORD_FILE), lines)
    if problems:
        raise ScenarioError(problems)
    return Case(folder.name, scenario_path, scenario, found)


def _check_folder(folder: Path) -> None:
    if not folder.exists():
        raise ScenarioError([Problem("", "folder not found", file=str(folder))])
    if not folder.is_dir():
        raise ScenarioError([Problem("", "is a file, not a case folder", file=str(folder))])


def _scenario_problems(folder: Path, scenario: Scenario, file: str) -> list[Problem]:
    out = []
    if scenario.name != folder.name:
        out.append(Problem("name", f"'{scenario.name}' is not the case folder's name '{folder.name}'",
                           file=file, line=_top_level_line(Path(file), "name")))
    if scenario.as_of is None:
        out.append(Problem("as_of", "missing: a case's scenario gives the date the talks began",
                           file=file))
    return out


def _top_level_line(path: Path, key: str) -> int | None:
    """The line of ``key:`` at the top of ``path`` (None when another file, e.g. a base
    the scenario extends, wrote it): the loaded scenario does not keep its lines."""
    pattern = re.compile(rf"^{re.escape(key)}\s*:")
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if pattern.match(line):
            return number
    return None


def _record_problems(folder: Path, scenario: Scenario, rec: Record, file: str,
                     lines: dict[str, int]) -> list[Problem]:
    checks = [("case", rec.case, folder.name, "the case folder's name"),
              ("as_of", rec.as_of, scenario.as_of, "the scenario's as_of"),
              ("horizon", rec.horizon, scenario.rounds.horizon, "the scenario's rounds.horizon")]
    return [Problem(name, f"{got!r} is not {what} {want!r}", file=file, line=lines.get(name))
            for name, got, want, what in checks if want is not None and got != want]


def load_cases(paths: str | os.PathLike | Iterable[str | os.PathLike], *,
               record: bool = True) -> list[Case]:
    """Load case folders and library folders (every subfolder with a ``scenario.yaml``).

    Reports the problems of every case at once (one :class:`~negotiate.ScenarioError`).
    Cases keep the order given; a library's cases are sorted by id.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    folders, problems = _case_folders(list(paths))
    cases: dict[str, Case] = {}
    for folder in folders:
        try:
            case = load_case(folder, record=record)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        if case.id in cases:
            problems.append(Problem("", f"case '{case.id}' is also in {cases[case.id].folder}",
                                    file=str(folder)))
        cases[case.id] = case
    if problems:
        raise ScenarioError(problems)
    return list(cases.values())


def _case_folders(paths: list) -> tuple[list[Path], list[Problem]]:
    if not paths:
        raise ValueError("no case folders given")
    folders: list[Path] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    for path in map(Path, paths):
        try:
            _check_folder(path)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        found = ([path] if (path / SCENARIO_FILE).exists() else
                 sorted(p for p in path.iterdir() if (p / SCENARIO_FILE).is_file()))
        # a half-written case (a record without its scenario) is never skipped silently
        halves = ([path] if (path / RECORD_FILE).is_file() and path not in found else
                  [p for p in sorted(path.iterdir()) if p.is_dir() and (p / RECORD_FILE).is_file()
                   and not (p / SCENARIO_FILE).exists()])
        for half in halves:
            problems.append(Problem("", f"{RECORD_FILE} found but no {SCENARIO_FILE}: a case "
                                        "needs both", file=str(half)))
        if not found and not halves:
            problems.append(Problem("", "no scenario.yaml here nor in any subfolder: not a case "
                                        "folder or a case library", file=str(path)))
        for folder in found:
            if folder.resolve() not in seen:  # the same folder given twice counts once
                seen.add(folder.resolve())
                folders.append(folder)
    return folders, problems


def checked_cases(cases, purpose: str = "backtest") -> list[Case]:
    """``cases`` as a list of :class:`Case` objects with their records, ids unique:
    ``Case`` objects are kept, folders are loaded (:func:`load_cases`)."""
    if isinstance(cases, (str, os.PathLike)):
        cases = [cases]
    if not isinstance(cases, Iterable):
        raise TypeError(f"expected cases or case folders, got {type(cases).__name__}")
    cases = list(cases)
    if cases and all(isinstance(c, (str, os.PathLike)) for c in cases):
        cases = load_cases(cases)
    if not cases:
        raise ValueError(f"{purpose} needs at least one case")
    for c in cases:
        if not isinstance(c, Case):
            raise TypeError(f"expected Case objects or case folders, got {type(c).__name__}")
        if c.record is None:
            raise ValueError(f"case '{c.id}' was loaded without its record; load it with record=True")
    ids = [c.id for c in cases]
    if len(set(ids)) != len(ids):
        raise ValueError(f"case ids must be unique: {sorted({i for i in ids if ids.count(i) > 1})}")
    return cases


def observed_outcomes(cases) -> np.ndarray:
    """Index into ``OUTCOMES`` of each case's recorded outcome (cases with records)."""
    return np.array([OUTCOMES.index(c.record.outcome) for c in cases], dtype=np.int64)


def observed_time_bins(cases) -> np.ndarray:
    """Index into ``TIME_BINS`` of each case's recorded first agreement (cases with records)."""
    return time_bin(np.array([c.record.first_agreement_round or 0 for c in cases], dtype=np.int64))
