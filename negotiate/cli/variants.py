"""Scenario variants on the command line: ``--set PATH=VALUE`` and ``negotiate compare-many``.

``--set`` is added to every command that reads a scenario; its values are
YAML (read safely), so ``--set actors.A.patience=0.95`` and ``--set
'war.drift={dist: normal, mean: 0, sd: 0.01}'`` both work.  A changed
scenario is named after what changed (``baseline+patience``, see
:meth:`~negotiate.Scenario.with_overrides`).  A ``--set`` the scenario refuses
is blamed on the file and the ``--set`` argument at fault
(``scenario.yaml (--set war.drift=abc): war.drift: expected a number…``).
"""

from __future__ import annotations

import argparse
import contextlib
import re
from typing import Any, NamedTuple

from ..errors import Problem, ScenarioError
from ..scenario import load_scenario
from ..scenario.load import yaml_value
from .options import (
    EXIT_OK,
    add_out,
    add_simulation_options,
    difference_table,
    out_held,
    print_notes,
    simulation_kwargs,
    warnings_as_lines,
)

__all__ = ["add_commands", "add_set_option", "blamed_on", "load_with_sets", "mismatch_warnings_as_lines"]


def add_commands(commands) -> None:
    _add_compare_many(commands)


def add_set_option(p: argparse.ArgumentParser, *, applies_to: str = "the scenario") -> None:
    p.add_argument("--set", action="append", type=_set_item, default=[], dest="set_values",
                   metavar="PATH=VALUE",
                   help=f"change a field of {applies_to} (repeat): a dotted path such as "
                        "actors.A.patience or war.events[NAME].probability, and a YAML value")


class SetValue(NamedTuple):
    """One ``--set PATH=VALUE``: the path, the value read as YAML, and the argument as given."""

    path: str
    value: Any
    text: str


def _set_item(text: str) -> SetValue:
    path, sep, value = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise argparse.ArgumentTypeError(
            f"expected PATH=VALUE such as actors.A.patience=0.95, got {text!r}")
    try:
        return SetValue(path, yaml_value(value), text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{path}: {exc}") from None


def overrides_from(args: argparse.Namespace) -> dict[str, Any]:
    """The ``--set`` values as ``{path: value}``; a path given twice is refused."""
    overrides: dict[str, Any] = {}
    for item in getattr(args, "set_values", None) or []:
        if item.path in overrides:
            raise ValueError(f"--set {item.path} is given twice")
        overrides[item.path] = item.value
    return overrides


def load_with_sets(file: str, args: argparse.Namespace):
    """The scenario in ``file``, with the ``--set`` changes if there are any; a change the
    scenario refuses is blamed on ``file`` and the ``--set`` arguments at fault."""
    scenario = load_scenario(file)
    overrides = overrides_from(args)
    if not overrides:
        return scenario
    try:
        return scenario.with_overrides(overrides)
    except ScenarioError as exc:
        raise blamed_on(exc, file, [(s.path, f"--set {s.text}") for s in args.set_values]) from None


def blamed_on(exc: ScenarioError, file: str, changes: list[tuple[str, str]]) -> ScenarioError:
    """``exc``'s problems (found in the changed scenario, so in no file of their own: the
    loader says ``<overrides>``) placed in ``file`` and the arguments (``changes``: each its
    path and how it was written, ``--set P=V``) that touch the field at fault (it, a field
    inside it, or the section holding it); every one if none does (a change can make another
    field wrong: a horizon before talks.setup)."""
    out = []
    for p in exc.problems:
        if p.file not in (None, "<overrides>"):
            out.append(p)
            continue
        blamed = [text for path, text in changes if _touches(path, p.path)] or [t for _, t in changes]
        where = ", ".join(blamed)
        out.append(Problem(p.path, p.message, file=f"{file} ({where})", line=None))
    return ScenarioError(out)


def _touches(set_path: str, field: str) -> bool:
    """Whether the ``--set`` path and the problem's field are the same field or one holds
    the other (list items compared by position: a path may name them, ``[NAME]``)."""
    a, b = (re.sub(r"\[[^\]]*\]", "[]", x) for x in (set_path, field))
    return a == b or not b or a.startswith((b + ".", b + "[")) or b.startswith((a + ".", a + "["))


@contextlib.contextmanager
def mismatch_warnings_as_lines():
    """A comparison of scenarios with other actors or issues, or of a scenario with
    itself: one line on stderr."""
    from ..run import IdenticalScenariosWarning, ScenarioMismatchWarning

    with warnings_as_lines(ScenarioMismatchWarning, IdenticalScenariosWarning):
        yield


def _add_compare_many(commands) -> None:
    p = commands.add_parser(
        "compare-many",
        help="compare several variants with a base scenario on common random numbers",
        description="Run a base scenario and every variant on the same draws (common random "
                    "numbers; the base is simulated once) and print, per variant and outcome, the "
                    "paired difference (variant − base) with a 95% interval; with --out, write "
                    "comparisons.csv, summary.csv, metadata.json and comparisons.png "
                    "(replaced atomically).",
    )
    p.add_argument("base", metavar="BASE", help="scenario YAML file (reference)")
    p.add_argument("variants", nargs="+", metavar="VARIANT",
                   help="scenario YAML files, each compared with BASE")
    add_out(p)
    add_set_option(p, applies_to="every variant")
    add_simulation_options(p)
    p.set_defaults(handler=_compare_many)


def _compare_many(args: argparse.Namespace) -> int:
    from ..run import compare_many

    base = load_scenario(args.base)
    variants = [load_with_sets(file, args) for file in args.variants]
    labels = _labels(args.variants, variants, base.name)
    with out_held(args.out, kind="many-comparison", force=args.force):  # checked and locked before any work
        with mismatch_warnings_as_lines():
            many = compare_many(base, dict(zip(labels, variants)), **simulation_kwargs(args))
        print(f"{len(labels)} variant{'' if len(labels) == 1 else 's'} − {base.name}: {many.runs:,} paired "
              f"runs, seed {many.base.seed}, 95% paired intervals")
        print(difference_table(many.to_frame(), index=False))
        if args.out is not None:
            paths = many.save(args.out, plots=not args.no_plots, force=args.force)
            print(f"wrote {len(paths)} files to {args.out}")
    print_notes([(many.base_label, many.base), *many.variants.items()])
    return EXIT_OK


def _labels(files: list[str], scenarios: list, base_name: str) -> list[str]:
    """The variants' names, or their file names where two share a name or one shares the
    base's (a variant file that ``extends:`` the base without a ``name:`` keeps it)."""
    names = [s.name for s in scenarios]
    if len(set(names)) == len(names) and base_name not in names:
        return names
    twice = sorted({f for f in files if files.count(f) > 1})
    if twice:
        raise ValueError(f"a variant file is given twice: {', '.join(twice)} (give each variant once)")
    return list(files)
