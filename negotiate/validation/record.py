"""``record.yaml``: what happened in a case, as a strict pydantic model, and its reader.

The format is described in ``cases/README.md``.  Unknown keys are refused,
every field must be given (``null`` where the format allows it), and the
rounds must agree with the outcome class by the engine's rule.  Problems are
reported as ``file:line: field: what is wrong`` (a
:class:`~negotiate.ScenarioError`, as for scenarios).
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    model_validator,
)

from ..errors import Problem, ScenarioError
from ..model.outcomes import OUTCOMES
from ..scenario.messages import plain_message
from ..scenario.references import suggest

__all__ = ["Ceasefire", "Event", "Record", "RecordSource", "load_record", "read_record"]

TRUCES = ("temporary_truce", "conditional_truce")
MAX_RECORD_BYTES = 1024 * 1024


def _iso_date(value: Any) -> Any:
    """A date YAML read as a date (unquoted ``1995-08-14``) becomes its text."""
    return value.isoformat() if isinstance(value, _dt.date) else value


Date = Annotated[str, BeforeValidator(_iso_date), Field(pattern=r"^\d{4}-\d{2}(-\d{2})?$")]
Year = Annotated[str, BeforeValidator(_iso_date), Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]
Round = Annotated[int, Strict(), Field(ge=1)]
Flag = Annotated[bool, Strict()]
Text = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Ceasefire(_Strict):
    """The first ceasefire within the horizon, in the ETH/PRIO ceasefire terms."""

    date: Date
    parties: Literal["bilateral", "unilateral"]
    scope: Literal["general", "partial"]
    description: Text


class Event(_Strict):
    date: Date
    what: Text
    source: Text


class RecordSource(_Strict):
    id: Text
    title: Text
    author: str | None = None
    date: Year | None = None
    url: str | None = None
    path: str | None = None


class Record(_Strict):
    """What happened in a case (``record.yaml``): data for scoring only.

    Rounds are 1-based weeks after ``as_of`` and lie in ``1..horizon``.  The
    outcome follows the engine's rule: ``comprehensive_agreement`` exactly
    when an agreement was signed within the horizon (``agreement_round``),
    otherwise the kind of the first truce (``first_truce_round`` set), otherwise
    ``no_agreement`` (no truce and no agreement).
    """

    case: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-\.]*$")
    as_of: Date
    horizon: Round
    outcome: Literal[OUTCOMES]  # type: ignore[valid-type]
    first_truce_round: Round | None
    agreement_round: Round | None
    truce_collapsed: Flag
    victory: Flag
    ceasefire: Ceasefire | None
    events: list[Event]
    classification_note: Text
    sources: list[RecordSource] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self):
        problems = _round_problems(self) + _outcome_problems(self) + _source_problems(self)
        if problems:
            raise ScenarioError(problems)
        return self

    @property
    def first_agreement_round(self) -> int | None:
        """Round of the first agreement of any kind (truce or settlement), or None."""
        rounds = [r for r in (self.first_truce_round, self.agreement_round) if r is not None]
        return min(rounds) if rounds else None


def _round_problems(r: Record) -> list[Problem]:
    return [Problem(name, f"must be between 1 and the horizon {r.horizon}, got {value}")
            for name in ("first_truce_round", "agreement_round")
            if (value := getattr(r, name)) is not None and value > r.horizon]


def _outcome_problems(r: Record) -> list[Problem]:
    out = []
    comprehensive = r.outcome == "comprehensive_agreement"
    if comprehensive and r.agreement_round is None:
        out.append(Problem("agreement_round", "is null, but outcome is comprehensive_agreement: "
                                              "give the round the agreement was signed"))
    if not comprehensive and r.agreement_round is not None:
        out.append(Problem("agreement_round", f"must be null when outcome is {r.outcome}: an agreement "
                                              "signed within the horizon makes the outcome "
                                              "comprehensive_agreement"))
    if r.outcome in TRUCES and r.first_truce_round is None:
        out.append(Problem("first_truce_round", f"is null, but outcome is {r.outcome}: give the round "
                                                "of the first agreed truce"))
    if r.outcome == "no_agreement" and r.first_truce_round is not None:
        out.append(Problem("first_truce_round", "must be null when outcome is no_agreement: a truce "
                                                "agreed within the horizon makes the outcome its kind"))
    if (r.first_truce_round is not None and r.agreement_round is not None
            and r.first_truce_round > r.agreement_round):
        out.append(Problem("first_truce_round", f"{r.first_truce_round} is after agreement_round "
                                                f"{r.agreement_round}: the engine agrees no truce "
                                                "after a settlement"))
    if r.truce_collapsed and r.first_truce_round is None:
        out.append(Problem("truce_collapsed", "is true, but first_truce_round is null"))
    return out


def _source_problems(r: Record) -> list[Problem]:
    out, ids = [], [s.id for s in r.sources]
    for i, name in enumerate(ids):
        if name in ids[:i]:
            out.append(Problem(f"sources[{i}].id", f"'{name}' is listed twice"))
    for i, event in enumerate(r.events):
        if event.source not in ids:
            out.append(Problem(f"events[{i}].source",
                               f"'{event.source}' is not in sources{suggest(event.source, ids)}"))
    return out


# --- reading record.yaml ------------------------------------------------------------

def load_record(path: str | os.PathLike) -> Record:
    """Read and validate a ``record.yaml``; problems name the file, line and field."""
    return read_record(path)[0]


def read_record(path: str | os.PathLike) -> tuple[Record, dict[str, int]]:
    """The record and the line of each of its field paths (for later messages)."""
    path = Path(path)
    file = str(path)
    data, lines = _parse(_read_bytes(path), file)
    if not isinstance(data, dict):
        raise ScenarioError([Problem("", "a record must be a mapping of fields", file=file, line=1)])
    try:
        return Record.model_validate(data), lines
    except ValidationError as exc:
        raise ScenarioError(_problems(exc)).located(file, lines) from None


def _problems(exc: ValidationError) -> list[Problem]:
    """Pydantic's errors as problems; a misspelt field is one problem ("did you mean"),
    not also a missing one."""
    problems = [p for err in exc.errors(include_url=False) for p in _explain(err)]
    meant = {_sibling(p.path, m.group(1)) for p in problems
             if (m := re.search(r"did you mean '([^']+)'", p.message))}
    return [p for p in problems if not (p.message.startswith("missing") and p.path in meant)]


def _sibling(path: str, name: str) -> str:
    """``a.b`` and ``c`` → ``a.c``."""
    parent = path.rpartition(".")[0]
    return f"{parent}.{name}" if parent else name


def _read_bytes(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(MAX_RECORD_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError([Problem("", "file not found", file=str(path))]) from None
    except OSError as exc:
        raise ScenarioError([Problem("", f"cannot read file: {exc.strerror or exc}",
                                     file=str(path))]) from None


def _parse(text: bytes, file: str) -> tuple[Any, dict[str, int]]:
    """The YAML document (safe loading) and the line of each field path."""
    def fail(message: str, line: int | None = None, path: str = "") -> ScenarioError:
        return ScenarioError([Problem(path, message, file=file, line=line)])

    if len(text) > MAX_RECORD_BYTES:
        raise fail(f"file is larger than {MAX_RECORD_BYTES // 1024} KiB")
    try:
        loader = yaml.SafeLoader(text.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise fail(f"not valid UTF-8 (byte {exc.start})") from None
    try:
        node = loader.get_single_node()
        lines: dict[str, int] = {}
        if node is not None:
            _index_lines(node, "", lines, fail)
        return (loader.construct_document(node) if node is not None else None), lines
    except ScenarioError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise fail(f"invalid YAML: {exc.problem}", mark.line + 1 if mark else None) from None
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        raise fail(f"invalid YAML: {str(exc).splitlines()[0]}") from None
    finally:
        loader.dispose()


def _index_lines(node, path: str, lines: dict[str, int], fail) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            sub = f"{path}.{key.value}" if path else str(key.value)
            if key.value in seen:
                raise fail(f"duplicate key '{key.value}'", key.start_mark.line + 1, sub)
            seen.add(key.value)
            lines.setdefault(sub, key.start_mark.line + 1)
            _index_lines(value, sub, lines, fail)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, f"{path}[{i}]", lines, fail)


def _explain(err: dict) -> list[Problem]:
    """A pydantic error as problems at the path the user wrote."""
    loc = list(err["loc"])  # field names and list indices: no unions of models here
    path = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p))
                   for i, p in enumerate(loc))
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, ScenarioError):  # the consistency checks: each keeps its own field
        return [Problem(f"{path}.{p.path}" if path else p.path, p.message) for p in cause.problems]
    if err["type"] == "extra_forbidden":
        model = _model_at(loc[:-1])
        fields = list(model.model_fields) if model is not None else []
        return [Problem(path, f"unknown field '{loc[-1]}'{suggest(str(loc[-1]), fields)}")]
    if err["type"] == "missing":
        return [Problem(path, "missing: a record must give this field")]
    if err["type"] == "string_pattern_mismatch" and r"\d{4}" in str((err.get("ctx") or {}).get("pattern")):
        return [Problem(path, f"expected a date written YYYY-MM-DD (or YYYY-MM), got {err.get('input')!r}")]
    if err["type"] == "value_error":  # a check of its own: its message is already plain words
        return [Problem(path, err["msg"].removeprefix("Value error, "))]
    return [Problem(path, plain_message(err, Record))]  # the scenario's wording, one translator


def _model_at(loc: list) -> type[BaseModel] | None:
    model: Any = Record
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        model = _inner_model(field.annotation) if field is not None else None
    return model


def _inner_model(annotation) -> type[BaseModel] | None:
    """The model inside ``X``, ``X | None`` or ``list[X]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
