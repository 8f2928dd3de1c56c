"""Calibrated behaviour: a posterior of shared knobs that a scenario draws its worlds from.

``negotiate calibrate`` fits behavioural parameters shared by every scenario
(the *knobs*: how persistent stances are, how often a party stalls, how long
drafting takes) to the case library and writes the posterior as draws
(docs/validation.md, "Calibration").  A scenario with a ``calibration``
section uses it: each world takes one posterior draw (a row: all knobs
together, so their correlation is kept) and every field a knob names takes
that draw's value, whatever the scenario wrote there.  The package ships the
library's posterior (``posterior: library``); a folder written by
``negotiate calibrate --out DIR`` can be named instead.

A knob's ``path`` is a dotted field path in which ``{party}`` stands for every
actor whose role is ``party``.  A path the scenario does not have
(``talks.drafting.base`` without a ``talks`` section) is skipped: the knob
says nothing about that scenario.

A knob's ``kind`` says how its value sets a field: ``replace`` (the field
takes the value) or ``scale`` (the field's own per-world value, drawn from the
scenario's distribution or the number it wrote, is multiplied by it).  A
posterior written before knobs had kinds reads as ``replace``.

A posterior is trusted only as ``negotiate calibrate`` wrote it: metadata.json
must carry the SHA-256 of its own content (``metadata_sha256``) and of
posterior.csv (in ``files``), and both must match.  Every other file
``files`` lists is checked if it is present; an absent one is accepted,
because the draws are read from posterior.csv and metadata.json alone (the
package ships only those two and summary_skill.csv of its calibration's
output).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from ..digests import Seal, check_files, check_self_digest
from .paths import field_at

__all__ = ["KNOB_KINDS", "LIBRARY", "Posterior", "check_calibration", "knob_fields", "load_posterior",
           "number_field_range", "posterior_folder", "scaled_range_problem"]

#: the name of the posterior shipped with the package
LIBRARY = "library"
PARTY = "{party}"
# the draws are read from posterior.csv (and metadata.json) alone: another file the folder
# lists may be left out of a copy, but one that is there must match its hash
_SEAL = Seal(ValueError, verdict="not used", causes="edited, or copied from another calibration",
             hash_word="SHA-256")
#: how a knob's value sets a field: takes its place, or multiplies the field's own value
KNOB_KINDS = ("replace", "scale")


@dataclass(frozen=True)
class Posterior:
    """Posterior draws of shared knobs: ``names[j]`` sets the fields ``paths[j]`` names;
    ``draws`` is ``(M, J)``, one row per draw; ``sha256`` is the digest of its draws file."""

    source: str
    names: tuple[str, ...]
    paths: tuple[str, ...]
    draws: np.ndarray
    sha256: str
    bounds: tuple[tuple[float, float], ...]  # each knob's prior range [low, high]
    kinds: tuple[str, ...] = ()  # each knob's kind (KNOB_KINDS); empty: every knob replaces
    round_length_days: float | None = None  # the cases' round length; None: not recorded

    def __post_init__(self):
        if not self.kinds:
            object.__setattr__(self, "kinds", ("replace",) * len(self.names))

    def fields(self, scenario, kind: str | None = None) -> dict[str, list[str]]:
        """``{knob name: the scenario's dotted paths it sets}`` (empty list: none), of the
        knobs of ``kind`` only if given."""
        return {n: knob_fields(scenario, p) for n, p, k in zip(self.names, self.paths, self.kinds)
                if kind is None or k == kind}


def knob_fields(scenario, path: str) -> list[str]:
    """The dotted paths a knob's ``path`` sets in ``scenario`` (``{party}``: each party)."""
    if PARTY in path:
        parties = [a for a in scenario.actor_names if scenario.actors[a].role == "party"]
        candidates = [path.replace(PARTY, a) for a in parties]
    else:
        candidates = [path]
    return [p for p in candidates if _has_field(scenario, p)]


def number_field_range(scenario, path: str) -> tuple[float, float]:
    """The range ``(low, high)`` a number field at ``path`` must stay in (``±inf``: no
    bound); ``ValueError`` unless ``path`` names a number (or distribution) of ``scenario``."""
    from .distributions import is_distribution

    value = field_at(scenario, path)  # raises, naming the path, if there is no such field
    if isinstance(value, bool) or not (is_distribution(value) or isinstance(value, (int, float))):
        raise ValueError(f"{path!r} is not a number field of scenario {scenario.name} "
                         f"(it holds a {type(value).__name__})")
    parent, _, key = path.rpartition(".")
    fields = getattr(type(field_at(scenario, parent)), "model_fields", {}) if parent else {}
    info = fields.get(key)
    for meta in (info.metadata if info is not None else ()):
        bounds = getattr(getattr(meta, "func", None), "allowed_range", None)
        if bounds is not None:
            return float(bounds[0]), float(bounds[1])
    return -math.inf, math.inf


def scaled_range_problem(scenario, path: str, low: float, high: float) -> str | None:
    """Why multiplying the field at ``path`` by ``low`` to ``high`` could leave its allowed
    range (at an end of its distribution's support), or ``None`` if it cannot."""
    from .distributions import param_support

    lo, hi = number_field_range(scenario, path)
    first, last = param_support(field_at(scenario, path))
    reach = (min(first * low, first * high), max(last * low, last * high))
    if reach[0] < lo or reach[1] > hi:
        return (f"scales {path} (from {first:g} to {last:g}) by {low:g} to {high:g}, which leaves "
                f"its range [{lo:g}, {hi:g}]: narrow the knob's prior or scale another field")
    return None


def _has_field(scenario, path: str) -> bool:
    try:
        field_at(scenario, path)
    except ValueError:
        return False
    return True


def load_posterior(source: str, *, base: str | Path | None = None) -> Posterior:
    """Read a posterior: ``"library"`` (the one the package ships) or a folder written by
    ``negotiate calibrate --out`` (relative to ``base``, default the working directory).
    Raises ``ValueError`` saying what is wrong with it."""
    if not isinstance(source, str) or not source.strip():
        raise ValueError("posterior must be 'library' or the folder a calibration was saved in")
    return _read(posterior_folder(source, base=base), source)


def posterior_folder(source: str, *, base: str | Path | None = None) -> Path:
    """The folder a posterior named ``source`` lives in (``"library"``: the package's)."""
    if source == LIBRARY:
        return Path(str(resources.files("negotiate") / "data" / "calibration"))
    folder = Path(source)
    if not folder.is_absolute() and base is not None:
        folder = Path(base) / folder
    return folder.resolve()


@functools.lru_cache(maxsize=16)
def _read_cached(folder: Path, stamp: tuple, source: str) -> Posterior:
    meta = _metadata(folder / "metadata.json")
    knobs = meta.get("knobs")
    if not isinstance(knobs, list) or not knobs:
        raise ValueError(f"{folder / 'metadata.json'}: no 'knobs' list (not written by negotiate calibrate?)")
    try:
        names = tuple(str(k["name"]) for k in knobs)
        paths = tuple(str(k["path"]) for k in knobs)
        bounds = [(float(k["low"]), float(k["high"])) for k in knobs]
        kinds = tuple(k.get("kind", "replace") for k in knobs)  # older posteriors: no kind
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ValueError(f"{folder / 'metadata.json'}: each knob needs a name, a path, low and high") from None
    for name, kind, (low, _) in zip(names, kinds, bounds):
        if kind not in KNOB_KINDS:
            raise ValueError(f"{folder / 'metadata.json'}: knob {name}: kind must be one of "
                             f"{', '.join(KNOB_KINDS)}, got {kind!r}")
        if kind == "scale" and not low > 0:
            raise ValueError(f"{folder / 'metadata.json'}: knob {name} is a scale (a multiplier): "
                             f"its low must be > 0, got {low:g}")
    raw = (folder / "posterior.csv").read_bytes()
    draws = _draws(raw, folder / "posterior.csv", names, bounds)
    return Posterior(source, names, paths, draws, hashlib.sha256(raw).hexdigest(), tuple(bounds), kinds,
                     _round_length(meta, folder / "metadata.json"))


def _round_length(meta: dict, path: Path) -> float | None:
    value = meta.get("round_length_days")
    if value is None:  # written before it was recorded, or cases of mixed round lengths
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 366:
        raise ValueError(f"{path}: round_length_days must be a number of days in (0, 366], got {value!r}")
    return float(value)


def _read(folder: Path, source: str) -> Posterior:
    files = [folder / "metadata.json", folder / "posterior.csv"]
    missing = [f.name for f in files if not f.is_file()]
    if missing:
        raise ValueError(f"{folder}: no {' or '.join(missing)} (name a folder written by "
                         f"'negotiate calibrate --out', or 'library')")
    # every file of the folder: a listed report edited since the last read must be re-checked
    stamp = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size)
                  for f in sorted(folder.iterdir()) if f.is_file())
    return _read_cached(folder, stamp, source)


def _metadata(path: Path) -> dict:
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot be read as JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("kind") != "calibration":
        raise ValueError(f"{path}: not the metadata of a calibration (kind must be 'calibration')")
    _check_digests(path.parent, meta)
    return meta


def _check_digests(folder: Path, meta: dict) -> None:
    """Refuse a posterior folder edited after ``negotiate calibrate`` wrote it."""
    path = folder / "metadata.json"
    files, own = meta.get("files"), meta.get("metadata_sha256")
    if not isinstance(files, dict) or not isinstance(own, str):
        raise ValueError(f"{path}: lacks the SHA-256 of its files ('files', 'metadata_sha256'): not "  # noqa: TRY004
                         "written by negotiate calibrate as it is, so it is not trusted")
    check_self_digest(meta, path, _SEAL)
    others = [name for name in files if name != "posterior.csv"]
    check_files(folder, files, ["posterior.csv"], _SEAL, optional=others)


def _draws(raw: bytes, path: Path, names: tuple[str, ...], bounds) -> np.ndarray:
    rows = list(csv.reader(raw.decode("utf-8", errors="replace").splitlines()))
    if not rows or tuple(rows[0]) != names:
        header = rows[0] if rows else []
        raise ValueError(f"{path}: columns {header} do not match the knobs {list(names)} of metadata.json")
    try:
        draws = np.array([[float(v) for v in row] for row in rows[1:]], dtype=float)
    except ValueError:
        raise ValueError(f"{path}: every value must be a number") from None
    if draws.ndim != 2 or draws.shape[0] == 0 or draws.shape[1] != len(names):
        raise ValueError(f"{path}: need at least one row of {len(names)} values")
    for j, (name, (low, high)) in enumerate(zip(names, bounds)):
        column = draws[:, j]
        if not np.all(np.isfinite(column)) or column.min() < low or column.max() > high:
            raise ValueError(f"{path}: knob {name} has values outside its prior [{low:g}, {high:g}]")
    if not all(math.isfinite(b) for pair in bounds for b in pair):
        raise ValueError(f"{path}: knob bounds must be finite")
    draws.setflags(write=False)
    return draws


def _check_round_length(scenario, posterior: Posterior) -> None:
    """The knobs count rounds (stalling, drafting): fitted on weekly rounds they mean other
    durations on rounds of another length, so such a scenario is refused."""
    from ..errors import Problem, ScenarioError
    from .schema import unit_of_length

    fitted, rounds = posterior.round_length_days, scenario.rounds
    here = float(rounds.length_days)
    if fitted is None or math.isclose(fitted, here):
        return
    # named `rounds`, not `rounds.length_days`: the clash is often a unit whose length followed
    raise ScenarioError([Problem("rounds", (
        f"{_rounds_are(rounds.unit, here)}, but the calibration's posterior ({posterior.source}) was "
        f"fitted on rounds that {_rounds_are(unit_of_length(fitted), fitted)}, and its knobs count "
        f"rounds (how long a party stalls, how long drafting takes): use {_rounds_hint(fitted)} and "
        f"rescale to {_rounds_plural(fitted)} every count of rounds (horizon, talks.setup, drafting, "
        f"truce length, event rounds) and every per-round number (patience, war cost, drift, "
        f"hazard), or remove the calibration section"))])


def _days(days: float) -> str:
    return f"{days:g} day{'' if days == 1 else 's'}"


def _rounds_are(unit: str, days: float) -> str:
    """``are months (30.4375 days)``, ``last 10 days``, ``last 3 days (unit 'session')``."""
    from .schema import PLAIN_UNIT, UNIT_DAYS

    name = unit.strip().lower()
    if name in UNIT_DAYS:
        return f"are {name}s ({_days(days)})"
    return f"last {_days(days)}" + ("" if name == PLAIN_UNIT else f" (unit '{unit}')")


def _unit_named(days: float) -> str | None:
    """The unit whose own length is ``days`` (``week`` for 7), or None."""
    from .schema import PLAIN_UNIT, UNIT_DAYS, unit_of_length

    unit = unit_of_length(days)
    return unit if unit != PLAIN_UNIT and math.isclose(UNIT_DAYS[unit][0], days) else None


def _rounds_plural(days: float) -> str:
    """``weeks``, ``months of 30 days``, ``rounds of 10 days``: what rounds of ``days`` are called."""
    from .schema import unit_of_length

    named = _unit_named(days)
    return f"{named}s" if named else f"{unit_of_length(days)}s of {_days(days)}"


def _rounds_hint(days: float) -> str:
    """The ``rounds`` section to write: the unit alone when its own length is ``days`` (a length
    alone would clash with a unit such as month that the scenario keeps)."""
    from .schema import unit_of_length

    named = _unit_named(days)
    if named:
        return f"rounds: {{unit: {named}, horizon: …}}"
    return f"rounds: {{unit: {unit_of_length(days)}, length_days: {days:g}, horizon: …}}"


def _library_hint(source: str) -> str:
    """``calibration: librar`` reads as a folder named librar: say what was likely meant."""
    import difflib

    name = Path(source).name
    if Path(source).exists() or not difflib.get_close_matches(name.lower(), [LIBRARY], n=1, cutoff=0.6):
        return ""
    return f"; did you mean '{LIBRARY}' (the posterior the package ships)?"


def check_calibration(scenario) -> None:
    """Raise :class:`ScenarioError` unless ``scenario.calibration`` names a readable posterior
    (matching its ``sha256`` if pinned) with at least one knob that sets a field here."""
    from ..errors import Problem, ScenarioError

    section = scenario.calibration
    try:
        posterior = load_posterior(section.posterior)
    except (OSError, ValueError) as exc:
        raise ScenarioError([Problem("calibration.posterior", str(exc) + _library_hint(section.posterior))]) from None
    if section.sha256 is not None and section.sha256 != posterior.sha256:
        raise ScenarioError([Problem("calibration.sha256", (
            f"the posterior's posterior.csv has SHA-256 {posterior.sha256}, not the pinned "
            f"{section.sha256}: it was re-fitted or edited since the scenario pinned it"))])
    _check_round_length(scenario, posterior)
    if not any(posterior.fields(scenario).values()):
        knobs = ", ".join(f"{n} ({p})" for n, p in zip(posterior.names, posterior.paths))
        raise ScenarioError([Problem("calibration", (
            f"none of the posterior's knobs sets a field of this scenario: {knobs}"))])
    for (name, paths), kind, (low, high) in zip(posterior.fields(scenario).items(), posterior.kinds,
                                                 posterior.bounds):
        problems = [scaled_range_problem(scenario, p, low, high) for p in paths] if kind == "scale" else []
        if any(problems):
            raise ScenarioError([Problem("calibration", f"the posterior's knob {name} "
                                         + next(p for p in problems if p))])
