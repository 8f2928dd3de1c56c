"""``negotiate validate`` and ``negotiate schema``."""

from __future__ import annotations

import argparse
import sys

from ..errors import ScenarioError
from ..scenario.calibrated_fields import calibration_note
from ..scenario.closed_agendas import closed_agenda_notes
from ..scenario.jsonschema import scenario_json_schema_text
from .options import EXIT_OK
from .variants import add_set_option, load_with_sets


def add_commands(commands) -> None:
    _add_validate(commands)
    _add_schema(commands)


def _add_validate(commands) -> None:
    p = commands.add_parser(
        "validate",
        help="check scenario files",
        description="Check scenario files: prints 'ok: FILE (N actors, M issues)' for each "
                    "valid one and one line per problem (FILE:LINE: field: what is wrong) "
                    "on stderr. Exit code 0 if all are valid, 2 otherwise. Notes on stderr say what a "
                    "valid scenario may not mean: the fields a calibration replaces, and agendas "
                    "closed in every world (signs, clashing red lines).",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML file")
    add_set_option(p, applies_to="every file")
    p.set_defaults(handler=_validate)


def _validate(args: argparse.Namespace) -> int:
    problems = []
    for file in args.files:
        try:
            scenario = load_with_sets(file, args)
        except ScenarioError as exc:
            problems.extend(exc.problems)  # keep going: report every file
            continue
        print(f"ok: {file} ({_count(scenario.actors, 'actor')}, "
              f"{_count(scenario.issues, 'issue')})")
        note = calibration_note(scenario)
        if note is not None:  # the fields it replaces are not used: say so before anything runs
            print(f"negotiate: note: {file}: {note}", file=sys.stderr)
        for note in closed_agenda_notes(scenario):  # well formed, but no agreement possible there
            print(f"negotiate: note: {file}: {note}", file=sys.stderr)
    if problems:
        raise ScenarioError(problems)
    return EXIT_OK


def _count(items, noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _add_schema(commands) -> None:
    p = commands.add_parser(
        "schema",
        help="print the JSON Schema of scenario files",
        description="Print the JSON Schema of scenario files (for editors). "
                    "Regenerate the committed copy with "
                    "`negotiate schema > scenarios/scenario.schema.json`.",
    )
    p.set_defaults(handler=_schema)


def _schema(args: argparse.Namespace) -> int:
    sys.stdout.write(scenario_json_schema_text())
    return EXIT_OK
