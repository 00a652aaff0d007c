"""The modules of ``flows/`` import each other as a tree: no import circle, even a lazy one."""

from __future__ import annotations

import ast
from pathlib import Path

FLOWS = Path(__file__).resolve().parents[2] / "flows"


def _module_name(path: Path) -> str:
    parts = path.relative_to(FLOWS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(FLOWS.rglob("*.py"))}


def _imported(node: ast.AST, package: str) -> list[str]:
    """The ``flows`` names an import statement asks for (``from x import y`` asks for ``x.y``
    too: ``y`` may be a submodule)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:  # relative: resolved against the importing module's package
        anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join([*anchor, base] if base else anchor)
    return [base, *(f"{base}.{alias.name}" for alias in node.names)]


def import_graph() -> dict[str, set[str]]:
    """Each flows module and the flows modules it imports anywhere in its body, function
    bodies included: a lazy import still closes a circle the first time it runs. Importing
    ``a.b`` from outside package ``a`` imports ``a`` (its ``__init__``) first."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for wanted in _imported(node, package):
                if wanted not in modules or wanted == name:
                    continue
                graph[name].add(wanted)
                parent = wanted.rpartition(".")[0]
                while parent in modules and not (name + ".").startswith(parent + "."):
                    graph[name].add(parent)
                    parent = parent.rpartition(".")[0]
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle of the graph as the path around it, or [] when there is none."""
    state: dict[str, str] = {}
    trail: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        trail.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return [*trail[trail.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        trail.pop()
        state[node] = "done"
        return []

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return []


def test_no_import_circle_among_the_flows_modules():
    """Following every import between flows modules, lazy ones included, never comes back."""
    graph = import_graph()
    assert {"flows.port_in", "flows.inbox", "flows.deployments", "flows.cli"} <= set(graph)
    assert find_cycle(graph) == []


def test_the_shared_helpers_sit_below_the_flows_that_share_them():
    """port_in, inbox and deployments take api_slots and run_logging from flows.runtime,
    which imports none of the flows."""
    graph = import_graph()
    for user in ("flows.port_in", "flows.inbox", "flows.deployments"):
        assert "flows.runtime" in graph[user]
    assert not graph["flows.runtime"]
    assert "flows.cli" not in graph["flows.port_in"]


def test_the_cycle_finder_sees_a_lazy_circle():
    """A circle closed by an import inside a function is reported, path and all."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []
