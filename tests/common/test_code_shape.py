"""The house's size limits hold: small modules, short functions (complexity is ruff's C901)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import code_shape  # noqa: E402


def test_no_module_or_function_is_past_the_limits() -> None:
    """No module over 400 lines, median under 200, no function over 60 lines."""
    shape = code_shape.measure(ROOT)
    assert shape.problems() == []


def test_the_measure_sees_a_long_module_and_a_long_function(tmp_path: Path) -> None:
    """The measure itself reports a module and a function past the limits."""
    package = tmp_path / "porting_batch"
    package.mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(70))
    (package / "big.py").write_text("def long():\n" + body + "\n" + "\n" * 400)
    (tmp_path / "flows").mkdir()
    shape = code_shape.measure(tmp_path)
    problems = shape.problems()
    assert any("porting_batch/big.py:" in line and "long" in line for line in problems)
    assert any(line.startswith("porting_batch/big.py: ") for line in problems)
