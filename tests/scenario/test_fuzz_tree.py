"""Fuzzing at the level of the parsed YAML tree: take a valid scenario, change one
node (delete it, give it another type, an out-of-range or non-finite number, a
huge list, a deeply nested structure, a wrong actor or issue name, rename or
retype a key), write it to a file and load it.

Whatever the change, loading either gives a scenario (some changes are valid)
or raises a :class:`ScenarioError` whose every problem names the file, a field
path and a line, and, where the change decides where the mistake is, names
the changed field (or its model, or a sibling a model rule blames).  Nothing
else may escape.

Example counts: ``scaled(n)`` (``tests/profiles.py``) is ``n`` under the
``ci`` and ``dev`` profiles and 20 × ``n`` under ``nightly``
(``HYPOTHESIS_PROFILE=nightly``).  The helpers here are shared with
``tests/run/test_cli_fuzz.py``.
"""

from __future__ import annotations

import copy
import functools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negotiate import Scenario, ScenarioError, load_scenario
from negotiate.scenario import load as load_module
from tests.profiles import scaled
from tests.scenario.strategies import scenario_data

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "ukraine_march_2025.yaml"
SMALL_FILES = [
    ROOT / "tests" / "scenario" / "data" / "minimal.yaml",
    ROOT / "tests" / "run" / "data" / "varied.yaml",
    ROOT / "tests" / "model" / "data" / "mechanics.yaml",
    ROOT / "tests" / "model" / "data" / "truce_cycle.yaml",
    ROOT / "tests" / "model" / "data" / "alternating.yaml",
    ROOT / "tests" / "model" / "data" / "contract3_durable.yaml",
    ROOT / "scenarios" / "hypothetical_three_actors.yaml",
]


def fuzz(n: int) -> settings:
    """Settings of a fuzz test with ``scaled(n)`` examples."""
    return settings(max_examples=scaled(n), deadline=None, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])

# --- the tree and its paths -------------------------------------------------------

NodePath = tuple  # keys (str) and list indices (int) from the root

#: mappings whose keys are names the user chooses (everything else is a model's fields)
NAMED = ["issues", "actors", "actors.*.positions", "truce.hazard_effects",
         "settlement.power_effects", "recognition.probabilities"]
#: fields whose value names an actor or an issue
REFERENCE_VALUES = {
    "leverage[*].by": "actor", "leverage[*].target": "actor", "recognition.order[*]": "actor",
    "issues.*.controllers[*]": "actor", "leverage[*].issue": "issue",
    "war.battlefield_issue": "issue", "truce.regeneration_issue": "issue",
}
#: mappings whose keys name an actor or an issue
REFERENCE_KEYS = {
    "actors.*.positions": "issue", "truce.hazard_effects": "issue",
    "settlement.power_effects": "issue", "recognition.probabilities": "actor",
}
#: a change at the left may, by a rule of the format, be reported at a field on the right
CROSS_FIELD = [
    ("rounds.horizon", "war.events[*].start"),           # events must start by the horizon
    ("rounds", "war.events[*].start"),
    ("rounds.horizon", "talks.setup"),                    # talks must be able to open by then
    ("rounds", "talks.setup"),
    ("actors.*.role", "actors"),                          # at least two parties
    ("actors.*.role", "recognition.mediator_share"),      # set, but no mediator
    ("actors.*", "recognition.mediator_share"),
    ("actors.*.positions*", "actors.*.positions"),        # salience zero everywhere
    ("issues.*.group", "truce.regeneration_issue"),       # must be a truce issue
    ("issues.*.controllers*", "leverage[*].by"),          # a side payment's payer controls it
    ("leverage[*].kind", "leverage[*].by"),
    ("recognition.mode", "recognition.mediator_share"),
    ("recognition.probabilities*", "recognition.mediator_share"),
    ("war.battlefield_issue", "issues.*.follows_front"),  # no front without a battlefield issue
    ("war", "issues.*.follows_front"),
]


def matches(text: str, glob: str) -> bool:
    """Whether ``text`` fits ``glob``, where only ``*`` is special (``[*]`` is any index)."""
    return _compiled(glob).fullmatch(text) is not None


@functools.cache
def _compiled(glob: str) -> re.Pattern:
    return re.compile(re.escape(glob).replace(r"\*", ".*"))


def dotted(path: NodePath) -> str:
    """``('actors', 'A', 'positions')`` → ``actors.A.positions``; indices as ``[i]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def pattern(path: NodePath) -> str:
    """The path with user-chosen names and list indices replaced by ``*``."""
    parts: list[str] = []
    for i, part in enumerate(path):
        parent = _glob(parts)
        if isinstance(part, int):
            parts.append("[*]")
        elif any(matches(parent, named) for named in NAMED) and i > 0:
            parts.append("*")
        else:
            parts.append(str(part))
    return _glob(parts)


def _glob(parts: list[str]) -> str:
    return "".join(p if p.startswith("[") else (f".{p}" if i else p) for i, p in enumerate(parts))


def all_paths(tree: Any, prefix: NodePath = ()) -> list[NodePath]:
    """Every node's path (the root excluded), parents before children."""
    out = []
    children = tree.items() if isinstance(tree, dict) else \
        enumerate(tree) if isinstance(tree, list) else ()
    for key, value in children:
        out.append((*prefix, key))
        out.extend(all_paths(value, (*prefix, key)))
    return out


def node_at(tree: Any, path: NodePath) -> Any:
    for part in path:
        tree = tree[part]
    return tree


@dataclass(frozen=True)
class Base:
    """A valid scenario as plain data, with what the mutations need to know about it."""

    name: str
    tree: dict
    paths: list = field(hash=False)
    actors: tuple
    issues: tuple
    references: list = field(hash=False)  # paths of values and keys that name an actor or issue

    @classmethod
    def of(cls, name: str, tree: dict) -> Base:
        paths = all_paths(tree)
        references = [p for p in paths if _reference_kind(pattern(p))
                      or pattern(p).rpartition(".")[0] in REFERENCE_KEYS]
        return cls(name, tree, paths, tuple(tree["actors"]), tuple(tree["issues"]), references)


def read_base(file: Path) -> Base:
    return Base.of(file.name, yaml.safe_load(file.read_text(encoding="utf-8")))


# --- mutations ----------------------------------------------------------------------

@dataclass(frozen=True)
class Mutation:
    """One change to one node: ``delete``, ``replace`` its value, ``rename`` its key."""

    kind: str          # delete | replace | rename
    path: NodePath
    value: Any = None  # replace: the new value; rename: the new key
    category: str = ""  # what sort of value (wrong_type, non_finite, deep, reference, ...)

    def apply(self, tree: dict) -> dict:
        out = copy.deepcopy(tree)
        parent = node_at(out, self.path[:-1])
        last = self.path[-1]
        if self.kind == "delete":
            del parent[last]
        elif self.kind == "replace":
            parent[last] = copy.deepcopy(self.value)
        else:  # rename, keeping the key's place
            items = [(self.value if k == last else k, v) for k, v in parent.items()]
            parent.clear()
            parent.update(items)
        return out

    @property
    def where(self) -> str:
        """The path a problem about this change would name."""
        if self.kind == "rename":
            return dotted(self.path[:-1]) + ("." if len(self.path) > 1 else "") + str(self.value)
        return dotted(self.path)

    def __str__(self) -> str:
        value = repr(self.value)
        return f"{self.kind} {dotted(self.path)} [{self.category}] {value[:80]}"


NON_FINITE = [math.nan, math.inf, -math.inf]
OUT_OF_RANGE = [-1, -0.5, -1e-9, 0, 1.0000001, 1.5, 2, 3, 366.5, 10_001, 1e6 + 1, 10**20,
                -10**20, 2**63, 1e308, -1e308, 5e-324]
WRONG_TYPE = ["soon", "", "high", "[1, 2]", True, False, None, [], {}, [0.5],
              {"x": 1}, {"dist": "beta"}, {"dist": "gamma", "a": 1}, {"dist": "normal"},
              "é ü 中", "0x1G"]
NEW_KEYS = ["patiense", "extra", "Dist", "x" * 200, "a.b", "a[0]", " ", "", 1, 2.5, True, None]


def nested(depth: int, kind: str) -> Any:
    value: Any = 0.5
    for _ in range(depth):
        value = [value] if kind == "list" else {"k": value}
    return value


@st.composite
def mutations(draw, base: Base) -> Mutation:
    # a quarter of the changes go to names of actors and issues, which are few but matter
    use_reference = base.references and draw(st.integers(0, 3)) == 0
    path = draw(st.sampled_from(base.references if use_reference else base.paths))
    current = node_at(base.tree, path)
    parent = node_at(base.tree, path[:-1])
    where = pattern(path)
    kinds = ["delete", "replace", "replace", "replace"]
    if isinstance(parent, dict):
        kinds.append("rename")
    kind = draw(st.sampled_from(kinds))
    if kind == "delete":
        return Mutation("delete", path, category="delete")
    if kind == "rename":
        if where.rpartition(".")[0] in REFERENCE_KEYS:  # the key names an actor or issue
            new = draw(_wrong_names(base, REFERENCE_KEYS[where.rpartition(".")[0]],
                                    str(path[-1])))
            category = "reference"
        else:
            new = draw(st.sampled_from(NEW_KEYS) | _typos(str(path[-1])))
            category = "key"
        if new in parent:
            new = f"{new}_new"
        return Mutation("rename", path, new, category)
    categories = ["wrong_type", "out_of_range", "non_finite", "huge_list", "deep"]
    ref = _reference_kind(where)
    if ref:
        categories += ["reference"] * 5
    category = draw(st.sampled_from(categories))
    if category == "wrong_type":
        value = draw(st.sampled_from(WRONG_TYPE))
    elif category == "out_of_range":
        value = draw(st.sampled_from(OUT_OF_RANGE))
    elif category == "non_finite":
        value = draw(st.sampled_from(NON_FINITE))
    elif category == "huge_list":
        size = draw(st.integers(1001, 1100))  # just past every max_length but one
        item = draw(st.sampled_from([0.5, "A", current]))
        value = [item] * size
    elif category == "deep":
        value = nested(draw(st.integers(3, 90)), draw(st.sampled_from(["list", "dict"])))
    else:
        value = draw(_wrong_names(base, ref, str(current)))
    return Mutation("replace", path, value, category)


def _reference_kind(where: str) -> str | None:
    return next((kind for pat, kind in REFERENCE_VALUES.items()
                 if matches(where, pat)), None)


def _wrong_names(base: Base, kind: str, current: str) -> st.SearchStrategy[str]:
    """Names that are not a defined actor (issue): typos, strangers, the other kind's names."""
    others = base.issues if kind == "actor" else base.actors
    return _typos(current) | st.sampled_from(["Nobody", "nowhere", *others])


def _typos(name: str) -> st.SearchStrategy[str]:
    if not name:
        return st.just("x")
    return st.sampled_from([name + "x", name[:-1] or "x", name.swapcase(), name.upper() + "_"])


# --- loading and checking -----------------------------------------------------------

class _FastDumper(yaml.CSafeDumper):
    """The C dumper (the fuzz pays for loading, not for writing the file) quoting what the
    scenario loader reads as a number (``"1e100"``), as ``dump_yaml`` does."""

    yaml_implicit_resolvers = load_module._Dumper.yaml_implicit_resolvers


def write(tree: Any, file: Path) -> None:
    file.write_text(yaml.dump(tree, Dumper=_FastDumper, sort_keys=False, allow_unicode=True),
                    encoding="utf-8")


def load_mutated(base: Base, mutation: Mutation, file: Path) -> Scenario | ScenarioError:
    """Load ``base`` changed by ``mutation`` from ``file``; a ScenarioError is returned."""
    write(mutation.apply(base.tree), file)
    try:
        return load_scenario(file)
    except ScenarioError as exc:
        return exc


def check_error_is_well_formed(exc: ScenarioError, file: Path) -> None:
    """Every problem is one line naming the file, a line of it, a field path and what is wrong."""
    n_lines = file.read_text(encoding="utf-8").count("\n") + 1
    assert exc.problems
    for problem in exc.problems:
        text = str(problem)
        assert "\n" not in text and "Traceback" not in text
        assert problem.file == str(file), text
        assert problem.line is not None and 1 <= problem.line <= n_lines, text
        # a top-level key written as '' or read as a number has no path; the message says it
        assert problem.path or re.search(r"field ''|field names", problem.message), \
            f"names no field: {text}"
        assert problem.message.strip(), text
        assert text.startswith(f"{file}:{problem.line}: {problem.path or '(top level)'}: "), text
    assert str(exc).splitlines() == [str(p) for p in exc.problems]


def related(problem_path: str, mutation: Mutation, base: Base) -> bool:
    """Whether a problem at ``problem_path`` is about the node ``mutation`` changed."""
    where = mutation.where
    parent = dotted(mutation.path[:-1])
    if _same_or_nested(problem_path, where) or _same_or_nested(where, problem_path):
        return True
    if parent and _same_or_nested(problem_path, parent):  # a model rule blaming a sibling
        return True
    if mutation.kind == "rename" and problem_path in (dotted(mutation.path), parent):
        return True  # the old name, now a required field that is missing; a key not text
    changed, reported = pattern(mutation.path), _pattern_of(problem_path, base)
    return any(matches(changed, left) and matches(reported, right)
               for left, right in CROSS_FIELD)


def _same_or_nested(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


def _pattern_of(dotted_path: str, base: Base) -> str:
    parts: list = []
    for match in re.finditer(r"([^.\[\]]+)|\[(\d+)\]", dotted_path):
        parts.append(int(match.group(2)) if match.group(2) else match.group(1))
    return pattern(tuple(parts))


def check_outcome(base: Base, mutation: Mutation, outcome: Any, file: Path) -> None:
    """The property every mutation must keep."""
    if isinstance(outcome, Scenario):
        # a non-finite number or a structure nested three deep is never a valid value
        assert mutation.category not in ("non_finite", "deep"), f"accepted: {mutation}"
        if mutation.category == "reference" and _defined(base, mutation) is False:
            raise AssertionError(f"unknown name accepted: {mutation}")
        return
    assert isinstance(outcome, ScenarioError), type(outcome)
    check_error_is_well_formed(outcome, file)
    paths = [p.path for p in outcome.problems]
    if mutation.kind in ("delete", "rename") and _is_named_entry(mutation):
        # deleting or renaming an actor or issue breaks references to it wherever they are
        name = str(mutation.path[-1])
        assert any(related(p.path, mutation, base) or f"'{name}'" in p.message
                   for p in outcome.problems), f"{mutation}: {paths}"
        return
    assert any(related(p, mutation, base) for p in paths), \
        f"{mutation} reported elsewhere: {outcome}"
    if mutation.category == "reference" and _defined(base, mutation) is False:
        assert mutation.where in paths, f"{mutation}: {outcome}"


def _is_named_entry(mutation: Mutation) -> bool:
    parent = pattern(mutation.path[:-1]) if len(mutation.path) > 1 else ""
    return any(matches(parent, named) for named in NAMED)


def _defined(base: Base, mutation: Mutation) -> bool | None:
    """Whether the name a reference mutation writes is defined (None: not a name)."""
    where = pattern(mutation.path)
    kind = _reference_kind(where) if mutation.kind == "replace" else \
        REFERENCE_KEYS.get(where.rpartition(".")[0])
    if kind is None or not isinstance(mutation.value, str):
        return None
    return mutation.value in (base.actors if kind == "actor" else base.issues)


# --- the tests ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory) -> Path:
    """One file, rewritten by every example (hypothesis runs examples one at a time)."""
    return tmp_path_factory.mktemp("fuzz") / "mutated.yaml"


BASELINE_TREE = read_base(BASELINE)
SMALL_TREES = [read_base(f) for f in SMALL_FILES]


def test_the_bases_are_valid():
    for base in [BASELINE_TREE, *SMALL_TREES]:
        assert isinstance(load_scenario(base.tree), Scenario), base.name


@fuzz(200)
@given(st.data())
def test_baseline_mutations_give_a_scenario_or_a_located_error(fuzz_file, data):
    mutation = data.draw(mutations(BASELINE_TREE), label="mutation")
    outcome = load_mutated(BASELINE_TREE, mutation, fuzz_file)
    check_outcome(BASELINE_TREE, mutation, outcome, fuzz_file)


@fuzz(800)
@given(st.sampled_from(SMALL_TREES), st.data())
def test_small_file_mutations_give_a_scenario_or_a_located_error(fuzz_file, base, data):
    mutation = data.draw(mutations(base), label="mutation")
    outcome = load_mutated(base, mutation, fuzz_file)
    check_outcome(base, mutation, outcome, fuzz_file)


@fuzz(300)
@given(scenario_data(max_actors=3, max_issues=3), st.data())
def test_generated_scenario_mutations_give_a_scenario_or_a_located_error(fuzz_file, tree, data):
    base = Base.of("generated", tree)
    mutation = data.draw(mutations(base), label="mutation")
    outcome = load_mutated(base, mutation, fuzz_file)
    check_outcome(base, mutation, outcome, fuzz_file)


# --- what the fuzz found, pinned ------------------------------------------------------

@pytest.mark.parametrize(("path", "value"), [
    (("rounds", "horizon"), True), (("war", "balance"), False), (("monte_carlo", "runs"), True),
    (("bargaining", "utility_exponent"), True), (("actors", "A", "capability", "a"), True),
    (("actors", "A", "positions", "share", "salience"), False),
])
def test_a_yaml_boolean_is_not_a_number(fuzz_file, path, value):
    # `horizon: yes` used to load as a one-round horizon, `balance: no` as 0
    base = SMALL_TREES[0]
    tree = copy.deepcopy(base.tree)
    tree.setdefault(path[0], {})
    outcome = load_mutated(Base.of("minimal", tree), Mutation("replace", path, value), fuzz_file)
    assert isinstance(outcome, ScenarioError)
    [problem] = outcome.problems
    assert problem.path == dotted(path)
    assert problem.message.startswith(f"expected a number, got {str(value).lower()}")


@pytest.mark.parametrize("key", [1, True, None, 2.5])
def test_a_key_that_is_not_text_is_blamed_on_its_mapping(fuzz_file, key):
    mutation = Mutation("rename", ("actors", "A", "role"), key)
    outcome = load_mutated(SMALL_TREES[0], mutation, fuzz_file)
    assert isinstance(outcome, ScenarioError)
    messages = {p.path: p.message for p in outcome.problems}
    assert messages["actors.A"].startswith("field names must be text, got ")
    assert messages["actors.A.role"] == "required field is missing"


def test_nesting_too_deep_names_the_field_it_is_under(fuzz_file):
    mutation = Mutation("replace", ("actors", "B", "noise"), nested(80, "list"))
    outcome = load_mutated(SMALL_TREES[0], mutation, fuzz_file)
    assert isinstance(outcome, ScenarioError)
    [problem] = outcome.problems
    assert (problem.path, problem.message) == ("actors.B.noise", "nesting deeper than 64 levels")
    lines = fuzz_file.read_text().splitlines()
    assert lines[problem.line - 1].strip().startswith("noise:")
