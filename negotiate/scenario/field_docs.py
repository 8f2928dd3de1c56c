"""The field descriptions of the scenario format, read from docs/scenario-format.md.

docs/scenario-format.md is the one text: each table row ``| `field` | type |
default | range | what it is |`` under a heading naming a model (``(`Actor`)``)
or a path (``war.events``), or after a line ``A **Body**:``, describes that field.  :func:`read_field_docs`
turns the tables into ``{"Model.field": text}``; the JSON Schema
(:mod:`.jsonschema`) puts each text on its field, so an editor shows on hover
what the docs say.  The package carries the texts as ``field_texts.py``
(installed copies have no docs folder), regenerated from the docs with::

    python -m negotiate.scenario.field_docs docs/scenario-format.md

and a test checks that the copy is the docs' text.
"""

from __future__ import annotations

import re
import sys
import typing
from pathlib import Path

from pydantic import BaseModel

from .schema import Scenario

__all__ = ["model_classes", "read_field_docs"]

HEADING = re.compile(r"^#{2,4} (.*)$")
CLASS_IN_HEADING = re.compile(r"\(`([A-Z]\w*)`\)")
PATH_IN_HEADING = re.compile(r"^`([a-z_.*]+)`")
MODEL_LINE = re.compile(r"^An? \*\*([A-Z]\w*)\*\*:$")   # "A **Body**:" before a table of its own
FIELD_CELL = re.compile(r"^`([a-z_][a-z0-9_.]*)`$")
LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def model_classes() -> dict[str, type[BaseModel]]:
    """Every model of the scenario format, by class name."""
    found: dict[str, type[BaseModel]] = {}

    def visit(model: type[BaseModel]) -> None:
        if model.__name__ in found:
            return
        found[model.__name__] = model
        for field in model.model_fields.values():
            for sub in _models_in(field.annotation):
                visit(sub)

    visit(Scenario)
    return found


def is_section_name(key: str) -> bool:
    """Whether ``key`` names a section (a field holding fields) somewhere in the format."""
    return any(_field_model(model, key) is not None for model in model_classes().values())


def _models_in(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def _field_model(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    field = model.model_fields.get(name)
    models = [] if field is None else _models_in(field.annotation)
    return models[0] if models else None


def _section_model(heading: str, classes: dict[str, type[BaseModel]]) -> type[BaseModel] | None:
    named = CLASS_IN_HEADING.search(heading)
    if named:
        return classes.get(named.group(1))
    path = PATH_IN_HEADING.match(heading)
    model: type[BaseModel] | None = Scenario
    for part in path.group(1).split(".") if path else ["?"]:
        if part != "*":
            model = None if model is None else _field_model(model, part)
    return model


def read_field_docs(text: str) -> dict[str, str]:
    """``{"Model.field": description}`` from the field tables of scenario-format.md."""
    classes = model_classes()
    out: dict[str, str] = {}
    model, in_table = None, False
    for line in text.splitlines():
        heading = HEADING.match(line)
        if heading:
            model, in_table = _section_model(heading.group(1), classes), False
            continue
        named = MODEL_LINE.match(line)
        if named:
            model, in_table = classes.get(named.group(1)), False
            continue
        if line.startswith("| field |"):
            in_table = True
            continue
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        name = FIELD_CELL.match(cells[0]) if in_table and cells else None
        if model is None or name is None or line.startswith("|---"):
            continue
        owner, field = _owner(model, name.group(1))
        if owner is not None and field in owner.model_fields:
            out[f"{owner.__name__}.{field}"] = _plain(cells[-1])
    return out


def _owner(model: type[BaseModel], dotted: str) -> tuple[type[BaseModel] | None, str]:
    """The model holding ``a.b.c`` relative to ``model``, and the last name."""
    *path, last = dotted.split(".")
    for part in path:
        model = _field_model(model, part)
        if model is None:
            return None, last
    return model, last


def _plain(cell: str) -> str:
    return LINK.sub(r"\1", cell).replace("\\|", "|")


def _write(docs: Path) -> Path:
    texts = read_field_docs(docs.read_text(encoding="utf-8"))
    target = Path(__file__).with_name("field_texts.py")
    body = "".join(f"    {key!r}: {value!r},\n" for key, value in sorted(texts.items()))
    target.write_text('"""Generated from docs/scenario-format.md by negotiate.scenario.field_docs: '
                      'do not edit."""\n\nFIELD_TEXTS = {\n' + body + "}\n", encoding="utf-8")
    return target


if __name__ == "__main__":
    print(f"wrote {_write(Path(sys.argv[1] if len(sys.argv) > 1 else 'docs/scenario-format.md'))}")
