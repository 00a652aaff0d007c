"""The shape of the code: module and function sizes against the house's limits.

Run ``python tools/code_shape.py`` to print the figures (exit 1 past a limit). Complexity is
checked by ruff (``C901``, ``max-complexity`` in ``pyproject.toml``); this counts lines, which
ruff does not. ``tests/common/test_code_shape.py`` holds the same limits.
"""

from __future__ import annotations

import ast
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("porting_batch", "flows")
MAX_MODULE_LINES = 400
MAX_MEDIAN_MODULE_LINES = 200
MAX_FUNCTION_LINES = 60


@dataclass(frozen=True)
class Shape:
    """Line counts of the code: every module, and the functions over the limit."""

    modules: dict[str, int]
    long_functions: dict[str, int]

    @property
    def median(self) -> float:
        """The median module length in lines."""
        return statistics.median(self.modules.values())

    def problems(self) -> list[str]:
        """One line per limit exceeded; empty when the code is in shape."""
        found = [
            f"{name}: {lines} lines (limit {MAX_MODULE_LINES})"
            for name, lines in sorted(self.modules.items())
            if lines > MAX_MODULE_LINES
        ]
        found += [
            f"{name}: {lines} lines (limit {MAX_FUNCTION_LINES})"
            for name, lines in sorted(self.long_functions.items())
        ]
        if self.median >= MAX_MEDIAN_MODULE_LINES:
            found.append(f"median module {self.median:.0f} lines (limit {MAX_MEDIAN_MODULE_LINES})")
        return found


def measure(root: Path = ROOT) -> Shape:
    """Count the lines of every module of the packages and of every long function in them."""
    modules: dict[str, int] = {}
    long_functions: dict[str, int] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            name = path.relative_to(root).as_posix()
            source = path.read_text(encoding="utf-8")
            modules[name] = len(source.splitlines())
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                    lines = (node.end_lineno or node.lineno) - first + 1
                    if lines > MAX_FUNCTION_LINES:
                        long_functions[f"{name}:{node.lineno} {node.name}"] = lines
    return Shape(modules, long_functions)


def main() -> int:
    """Print the figures and every limit exceeded."""
    shape = measure()
    largest = max(shape.modules.items(), key=lambda item: item[1])
    print(
        f"{len(shape.modules)} modules, median {shape.median:.0f} lines, "
        f"largest {largest[0]} ({largest[1]} lines), "
        f"{len(shape.long_functions)} functions over {MAX_FUNCTION_LINES} lines"
    )
    problems = shape.problems()
    for line in problems:
        print(f"  {line}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
