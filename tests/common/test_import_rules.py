"""The house's import rules, read from the code: layering holds, no module imports in a circle."""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("porting_batch", "flows")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.cache
def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")
    }


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(
    tree: ast.AST, module: str, *, top_level_only: bool, typing_only: bool = True
) -> Iterator[str]:
    """Absolute names imported by a module: with ``top_level_only``, only those run at import
    time; without ``typing_only``, not those under ``if TYPE_CHECKING:`` (never run at all)."""
    package = module if _is_package(module) else module.rpartition(".")[0]
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if top_level_only and isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            ):
                continue
            if (
                (top_level_only or not typing_only)
                and isinstance(child, ast.If)
                and (_is_type_checking(child))
            ):
                stack.extend(child.orelse)
                continue
            if isinstance(child, ast.Import):
                yield from (alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                yield base
                yield from (f"{base}.{alias.name}" for alias in child.names)
            stack.append(child)


def _is_package(module: str) -> bool:
    return _modules()[module].name == "__init__.py"


def _graph(*, top_level_only: bool, typing_only: bool = True) -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = set(_imports(tree, module, top_level_only=top_level_only, typing_only=typing_only))
        graph[module] = names
    return graph


def _internal(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    known = set(graph)
    return {
        module: {name for name in names if name in known and name != module}
        for module, names in graph.items()
    }


def _offenders(prefix: str, forbidden: tuple[str, ...]) -> list[str]:
    graph = _graph(top_level_only=False)
    return sorted(
        f"{module} imports {name}"
        for module, names in graph.items()
        if module == prefix or module.startswith(prefix + ".")
        for name in names
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    )


def test_library_never_imports_prefect_or_flows() -> None:
    """No module of porting_batch imports Prefect or flows, not even inside a function."""
    assert _offenders("porting_batch", ("prefect", "flows")) == []


@pytest.mark.parametrize(
    ("package", "other"),
    [
        ("porting_batch.client", "porting_batch.simulator"),
        ("porting_batch.simulator", "porting_batch.client"),
    ],
)
def test_client_and_simulator_never_import_each_other(package: str, other: str) -> None:
    """The client and the simulator stay two independent readings of the spec."""
    assert _offenders(package, (other,)) == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _without_parent_packages(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Drop a package's edges to the modules inside it that its own ``__init__`` re-exports.

    Importing ``a.b`` runs ``a/__init__`` first, so a submodule importing its package's
    ``__init__`` that re-exports it is Python's normal package layout, not a circle between two
    modules a reader has to untangle.
    """
    return {
        module: {
            name
            for name in names
            if not (name.startswith(module + ".") or module.startswith(name + "."))
        }
        for module, names in graph.items()
    }


def test_no_module_imports_in_a_circle() -> None:
    """Imports that run, at module level or deferred inside a function, form no cycle: a
    deferred import hides a circle from Python, not from the reader."""
    graph = _without_parent_packages(_internal(_graph(top_level_only=False, typing_only=False)))
    assert _cycles(graph) == []


def test_cycle_finder_reports_a_circle() -> None:
    """The cycle finder sees a three-module circle and ignores a chain."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
