"""No import cycles in the package, read statically from the source (issue 15, item 7).

An edge ``a -> b`` is a module-level import in ``a`` that loads ``b`` (and so
every package above ``b``: importing ``negotiate.run.aggregate`` runs
``negotiate/run/__init__.py``).  Imports inside functions and under
``if TYPE_CHECKING:`` load nothing when ``a`` is imported and are no edges.
"""

from __future__ import annotations

import ast
from pathlib import Path

import negotiate

ROOT = Path(negotiate.__file__).parent


def _modules(root: Path) -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if package else parts)] = (path, package)
    return found


def _top_level_imports(nodes):
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                yield from _top_level_imports(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            yield from _top_level_imports(node.body + node.orelse + node.finalbody
                                          + [n for h in node.handlers for n in h.body])


def _targets(node, package: str, modules) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        parts = package.split(".")
        base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
    return [base] + [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules]


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    modules = _modules(root)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, (path, package) in modules.items():
        here = name if package else name.rpartition(".")[0]
        for node in _top_level_imports(ast.parse(path.read_text(encoding="utf-8")).body):
            for target in _targets(node, here, modules):
                parts = target.split(".")
                for k in range(1, len(parts) + 1):  # the target and every package above it
                    loaded = ".".join(parts[:k])
                    # a module's own packages are loaded before it: not a dependency
                    if loaded in modules and loaded != name and not name.startswith(loaded + "."):
                        graph[name].add(loaded)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_package_has_no_import_cycle():
    assert cycles(import_graph()) == []


def test_results_and_the_runner_are_in_the_graph():
    # the check reads the real modules: the runner loads the results, never the other way round
    graph = import_graph()
    assert "negotiate.results" in graph["negotiate.run.blocks"]
    assert not [m for name in graph if name.startswith("negotiate.results") for m in graph[name]
                if m == "negotiate.run" or m.startswith("negotiate.run.")]
    assert "negotiate.run.blocks" in graph["negotiate.run.simulate"]
    assert "negotiate.run.batch" in graph["negotiate.run.blocks"]


def test_a_cycle_through_a_package_init_is_found():
    # mutation check: the results importing a leaf of run/ (as results.py once imported
    # run.aggregate), which loads run/__init__ and so the runner, which imports the results
    graph = import_graph()
    graph["negotiate.results.core"].add("negotiate.run")
    found = cycles(graph)
    assert any({"negotiate.results", "negotiate.run", "negotiate.run.blocks"} <= set(c) for c in found)


def test_no_private_name_is_imported_from_another_module():
    offenders = []
    for name, (path, _) in _modules(ROOT).items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module not in (None, "__future__"):
                offenders += [f"{name}: {a.name} from {node.module}" for a in node.names
                              if a.name.startswith("_") and not a.name.startswith("__")
                              and name.split(".")[1:2] in (["run"], ["analysis"], ["validation"])]
    assert offenders == []
