"""Reading scenarios: YAML (safe loading only) or a mapping → validated ``Scenario``.

Every failure becomes a :class:`ScenarioError` naming the file, the field path
and, when the YAML file has it, the line.  Nothing else escapes: the YAML
parser's, pydantic's and our own cross-reference errors are all translated,
pydantic's into plain words at the path the user wrote (:mod:`.messages`).
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import Problem, ScenarioError, nearest_line, one_line
from .extends import merge, origins_of
from .field_docs import is_section_name
from .messages import problems_from
from .paths import PathStep, find_item, parse_path
from .references import suggest
from .schema import Scenario, unpair_round

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NODES = 200_000  # nodes after alias expansion: stops "billion laughs" files
MAX_DEPTH = 64

__all__ = ["apply_overrides", "dump_yaml", "load_scenario", "scenario_from_yaml", "yaml_value"]


def load_scenario(source: str | os.PathLike | Mapping[str, Any] | Scenario) -> Scenario:
    """Load and validate a scenario from a YAML file path, a mapping or a ``Scenario``.

    A scenario may start with ``extends: base.yaml`` (see :mod:`.extends`): the
    base file (relative to this file's folder, or to the current folder for a
    mapping) merged with this one's changes, validated as one scenario.
    """
    if isinstance(source, Scenario):
        return source
    if isinstance(source, Mapping):
        data = dict(source)
        if "extends" in data:
            return _extended(data, {}, file=None, size=0)
        return _validate(data, file=None, lines={})
    if not isinstance(source, (str, os.PathLike)):
        raise ScenarioError(
            f"expected a path, a mapping or a Scenario, got {type(source).__name__}"
        )
    if isinstance(source, str) and "\n" in source:
        raise ScenarioError([Problem("", "this looks like YAML text, not a file name; "
                                     "use scenario_from_yaml(text)", file="<string>")])
    return scenario_from_yaml(_read(Path(source)), file=str(source))


def scenario_from_yaml(text: str | bytes, *, file: str | None = None) -> Scenario:
    """Validate a scenario written as YAML text; ``file`` names it in error messages
    (and is the folder an ``extends:`` path is relative to)."""
    data, lines = _document(text, file)
    if "extends" in data:
        return _extended(data, lines, file=file, size=len(text))
    return _validate(data, file=file, lines=lines)


def _document(text: str | bytes, file: str | None) -> tuple[dict[str, Any], dict[str, int]]:
    """One YAML file as a mapping of fields, its line map, its posterior path made absolute."""
    data, lines = _parse_yaml(text, file)
    if not isinstance(data, dict):
        kind = "an empty file" if data is None else f"a {type(data).__name__}"
        raise ScenarioError([Problem("", f"a scenario must be a mapping of fields, got {kind}",
                                     file=file, line=1)])
    if file is not None:
        _anchor_posterior(data, Path(file).parent)
    return data, lines


def _extended(data: dict[str, Any], lines: dict[str, int], *, file: str | None, size: int) -> Scenario:
    """The base file named by ``data["extends"]`` merged with ``data``, validated as one."""

    def fail(message: str) -> ScenarioError:
        return ScenarioError([Problem("extends", message, file=file, line=lines.get("extends"))])

    data = dict(data)
    reference = data.pop("extends")
    if not isinstance(reference, str) or not reference.strip():
        raise fail("must be the path of a base scenario file, such as 'baseline.yaml'")
    folder = Path(file).parent if file is not None else Path.cwd()
    base_file = os.path.normpath(folder / reference)
    if file is not None and _same_file(base_file, file):
        raise fail("a scenario cannot extend itself")
    try:
        raw = _read(Path(base_file))
    except ScenarioError as exc:
        raise fail(f"base file {base_file}: {exc.problems[0].message}") from None
    if size + len(raw) > MAX_FILE_BYTES:
        raise fail(f"this file and its base are larger than {MAX_FILE_BYTES // 1024 // 1024} MiB together")
    base, base_lines = _document(raw, base_file)
    if "extends" in base:
        where = ("it extends this file back: a cycle" if file is not None and
                 _same_file(file, Path(base_file).parent / str(base["extends"]))
                 else "chains of extends are not supported")
        raise ScenarioError([Problem("extends", f"a base file cannot itself use extends ({where}); "
                                     "extend the first base directly", file=base_file,
                                     line=base_lines.get("extends"))])
    merged, origins = merge(base, origins_of(base_lines, base_file), data, origins_of(lines, file))
    return _validate(merged, file=file, lines={}, origins=origins)


def _same_file(a, b) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except (OSError, RuntimeError, ValueError):
        return False


def _anchor_posterior(data: dict[str, Any], folder: Path) -> None:
    """A calibration folder named relative to the scenario file, made absolute (so the
    scenario reads the same posterior from any working directory)."""
    section = data.get("calibration")
    if isinstance(section, str):
        section = data["calibration"] = {"posterior": section}
    if not isinstance(section, dict):
        return
    posterior = section.get("posterior")
    if isinstance(posterior, str) and posterior not in ("", "library") and not Path(posterior).is_absolute():
        section["posterior"] = str((folder / posterior).resolve())


def _read(path: Path) -> bytes:
    def fail(message: str) -> ScenarioError:
        return ScenarioError([Problem("", message, file=str(path))])

    try:
        is_dir = path.is_dir()
    except (OSError, ValueError):
        is_dir = False
    if is_dir:
        raise fail("is a directory, not a scenario file")
    try:
        with path.open("rb") as fh:
            # read one byte past the limit, so a huge file is refused unread
            return fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise fail("file not found") from None
    except OSError as exc:
        raise fail(f"cannot read file: {exc.strerror or exc}") from None
    except ValueError as exc:  # e.g. a NUL byte in the name
        raise fail(f"not a usable file name: {exc}") from None


# --- YAML ---------------------------------------------------------------------

class _Loader(yaml.SafeLoader):
    """Safe loading, plus numbers like ``1e-6`` and ``2.5e4``: YAML 1.1 reads them as
    text (it wants ``1.0e-6``), YAML 1.2 and the editors that check files read numbers."""


class _Dumper(yaml.SafeDumper):
    """Dumps text that ``_Loader`` would read as a number (``"1e5"``) in quotes."""


for _cls in (_Loader, _Dumper):
    _cls.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$"),
        list("-+0123456789."),
    )


def _parse_yaml(text: str | bytes, file: str | None) -> tuple[Any, dict[str, int]]:
    """The YAML document as plain data, and the line of each field path."""

    def fail(msg: str, line: int | None = None, path: str = "") -> ScenarioError:
        return ScenarioError([Problem(path, msg, file=file, line=line)])

    text = _decode(text, fail)
    loader = None
    try:
        loader = _Loader(text)  # may already refuse a control character
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[str, int] = {}
        _index_lines(node, "", lines, [0], 0, fail, loader)
        return loader.construct_document(node), lines
    except ScenarioError:
        raise
    except yaml.MarkedYAMLError as exc:
        raise fail(*_syntax_problem(exc)) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise fail(f"character {exc.character!r} is not allowed in YAML", line) from None
    except yaml.YAMLError as exc:
        raise fail(f"invalid YAML: {str(exc).splitlines()[0]}") from None
    except RecursionError:  # the parser itself gave up: the reader is at the nesting
        line = loader.line + 1 if loader is not None else None
        raise fail(f"nesting deeper than {MAX_DEPTH} levels", line) from None
    except (ValueError, TypeError, ArithmeticError, LookupError, AttributeError) as exc:
        # a constructor failing on a value it cannot read, outside the scalars checked first
        raise fail(f"a value cannot be read: {str(exc).split(';')[0]}") from None
    finally:
        if loader is not None:
            loader.dispose()


def _decode(text: str | bytes, fail) -> str:
    if not isinstance(text, (str, bytes, bytearray)):
        raise fail(f"expected YAML text, got {type(text).__name__}")
    if len(text) > MAX_FILE_BYTES:
        raise fail(f"file is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB")
    if isinstance(text, str):
        return text
    try:
        return bytes(text).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = text[: exc.start].count(b"\n") + 1
        raise fail(f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8", line) from None


def _syntax_problem(exc: yaml.MarkedYAMLError) -> tuple[str, int | None]:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    problem = exc.problem or exc.context or "syntax error"
    if problem.startswith("but ") and exc.context:  # "expected X" + "but found Y"
        problem = f"{exc.context} {problem}"
    if "'\\t'" in problem:
        return "invalid YAML: a tab character; indent with spaces", line
    tag = re.search(r"constructor for the tag '([^']*)'", problem)
    if tag:  # e.g. !!python/object/apply: safe loading refuses to run code
        name = tag.group(1).replace("tag:yaml.org,2002:", "!!")
        return f"YAML tag '{name}' is not allowed: a scenario holds plain data only", line
    column = f" (column {mark.column + 1})" if mark is not None else ""
    return f"invalid YAML: {problem}{column}", line


def _has_aliases(root) -> bool:
    """Whether a node of the document is reached twice (an alias), without expanding them."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack += [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
    return False


def _index_lines(node, path: str, lines: dict[str, int], count: list[int], depth: int,
                 fail, loader, root=None) -> None:
    """Map each field path to its line; refuse duplicate keys, alias bombs, deep nesting
    and scalars their tag cannot read."""
    root = node if root is None else root
    count[0] += 1
    if count[0] > MAX_NODES:
        outer = _outer_field(path)
        why = ("expands to more than {:,} values (too many aliases?)" if _has_aliases(root)
               else "holds more than {:,} values, the most a scenario file may hold")
        raise fail(f"file {why.format(MAX_NODES)}", lines.get(outer), outer)
    if depth > MAX_DEPTH:
        outer = _outer_field(path)
        raise fail(f"nesting deeper than {MAX_DEPTH} levels",
                   lines.get(outer, node.start_mark.line + 1), outer)
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        first_line: dict[str, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            sub = f"{path}.{name}" if path else str(name)
            line = key.start_mark.line + 1
            if name in first_line and name not in ("?", "<<"):
                # plain YAML loaders keep the last one silently; that hides typos
                raise fail(f"duplicate key '{name}' (first on line {first_line[name]})",
                           line, sub)
            first_line[name] = line
            lines.setdefault(sub, line)
            if isinstance(key, yaml.ScalarNode):
                _construct_scalar(key, sub, fail, loader)
            _index_lines(value, sub, lines, count, depth + 1, fail, loader, root)
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            _index_lines(value, f"{path}[{i}]", lines, count, depth + 1, fail, loader, root)
    else:
        _construct_scalar(node, path, fail, loader)


#: tags whose constructors fail with a Python error on text they cannot read (`!!bool x`)
_FRAGILE_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("bool", "int", "float", "timestamp")}


def _construct_scalar(node, path: str, fail, loader) -> None:
    """Build a number, boolean or date now (the loader keeps it for the document), so a
    value its tag cannot read is blamed on its field and line."""
    if node.tag not in _FRAGILE_TAGS:
        return
    try:
        loader.construct_object(node)
    except Exception:  # noqa: BLE001 - KeyError, AttributeError, ValueError... by tag
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        shown = node.value if len(node.value) <= 40 else node.value[:37] + "..."
        raise fail(f"'{shown}' cannot be read as {tag}", node.start_mark.line + 1, path) from None


def _outer_field(path: str, shown: int = 6) -> str:
    """The first few keys of a very deep path: the field the nesting was written under."""
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)[:shown]
    while parts and parts[-1].startswith("["):
        parts.pop()
    return "".join(p if p.startswith("[") or i == 0 else f".{p}" for i, p in enumerate(parts))


# --- validation ---------------------------------------------------------------

def _validate(data: dict[str, Any], *, file: str | None, lines: dict[str, int],
              origins: dict[str, tuple[str | None, int | None]] | None = None) -> Scenario:
    """``origins`` (a merged ``extends:`` document) maps each field path to the
    file and line that wrote it; otherwise every problem is in ``file``."""

    def located(exc: ScenarioError) -> ScenarioError:
        return exc.located(file, lines) if origins is None else _located_by_origin(exc, origins, file)

    try:
        return Scenario.model_validate(data)
    except ScenarioError as exc:
        raise located(exc) from None
    except ValidationError as exc:
        raise located(ScenarioError(problems_from(exc))) from None
    except RecursionError:
        raise ScenarioError([Problem("", "structure nested too deeply", file=file)]) from None
    except ArithmeticError as exc:  # a parameter so extreme that its support overflows
        raise ScenarioError([Problem("", f"a value is out of range ({exc})", file=file)]) from None


def _located_by_origin(exc: ScenarioError, origins: dict, file: str | None) -> ScenarioError:
    """Each problem in the file (and at the line) that wrote the nearest field to it."""
    out = []
    for p in exc.problems:
        if p.file is not None:
            out.append(p)
            continue
        where_file, line = nearest_line(p.path, origins) or (file, None)
        out.append(Problem(p.path, p.message, file=where_file, line=p.line if p.line is not None else line))
    return ScenarioError(out)


# --- overrides and dumping ---------------------------------------------------

def apply_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """Replace values at dotted paths (``actors.X.patience``, ``war.events[0].start``,
    ``war.events[us_aid_pause].probability``); the scenario keeps its name unless
    ``name`` is among the overrides (see :meth:`Scenario.with_overrides`)."""
    data = copy.deepcopy(scenario.to_dict())
    changed = [k for k in ("unit", "length_days") if f"rounds.{k}" in overrides]
    if len(changed) == 1 and isinstance(data.get("rounds"), dict):
        unpair_round(data["rounds"], changed[0])  # the other follows it, as in a file
    for dotted, value in overrides.items():
        _set_path(data, str(dotted), copy.deepcopy(value))
    return _validate(data, file="<overrides>", lines={})


def _set_path(data: Any, dotted: str, value: Any) -> None:
    def fail(message: str) -> ScenarioError:
        return ScenarioError([Problem(dotted, message, file="<overrides>")])

    steps = parse_path(dotted)
    if steps is None:
        raise fail("not a field path like 'actors.NAME.patience', 'war.events[0].start' "
                   "or 'war.events[NAME].start'")
    target = data
    walked = ""
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        if step.key is None:
            if not isinstance(target, list):
                raise fail(f"'{walked}' is not a list")
            idx = _list_position(target, step, walked, fail)
            if last:
                target[idx] = value
            else:
                target = target[idx]
            walked += str(step)
            continue
        key = step.key
        if not isinstance(target, dict):
            raise fail(f"'{walked}' is not a mapping")
        if last:
            target[key] = value  # a new key is fine here: validation names it if unknown
            return
        if key not in target:
            here = walked or "(top level)"
            if is_section_name(key):   # a section the file leaves out, not a misspelling
                raise fail(f"the scenario has no '{key}' section under '{here}' to set a field in; "
                           f"set the whole section instead, e.g. --set "
                           f"'{walked + '.' if walked else ''}{key}={{...}}'")
            raise fail(f"no field '{key}' under '{here}'{suggest(key, list(target))}")
        target = target[key]
        walked = f"{walked}.{key}" if walked else key


def _list_position(items: list, step: PathStep, walked: str, fail) -> int:
    if step.index is None:
        try:
            return find_item(items, step.name, walked)
        except ValueError as exc:
            raise fail(str(exc)) from None
    if step.index >= len(items):
        raise fail(f"'{walked}' has {len(items)} items, no [{step.index}]")
    return step.index


def yaml_value(text: str) -> Any:
    """One value written in YAML (``0.95``, ``1e-3``, ``{dist: normal, mean: 0, sd: 0.01}``),
    read as a scenario file is (safe loading, size, nesting and alias limits);
    ValueError if it is not a value a scenario can hold."""
    try:
        return _parse_yaml(text, None)[0]
    except ScenarioError as exc:
        message = exc.problems[0].message if exc.problems else str(exc)
        raise ValueError(f"not a YAML value: {one_line(message)}") from None


def dump_yaml(scenario: Scenario) -> str:
    """YAML text that :func:`scenario_from_yaml` loads back to an equal scenario."""
    return yaml.dump(scenario.to_dict(), Dumper=_Dumper, sort_keys=False, allow_unicode=True)
