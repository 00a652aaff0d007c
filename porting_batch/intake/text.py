"""A cell as the text the operator typed, whatever type the reader gave it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta


def cell_text(cell: object) -> tuple[str, bool]:
    """A cell as the text the operator typed, and whether Excel stored it as a number."""
    if isinstance(cell, str):
        return cell, False
    if cell is None:
        return "", False
    if isinstance(cell, bool):
        return ("TRUE" if cell else "FALSE"), False
    if isinstance(cell, float):
        if cell.is_integer():
            # digits beyond the 15th are already lost; at least never show an exponent
            return str(int(cell)), True
        return repr(cell), True
    if isinstance(cell, int):
        return str(cell), True
    if isinstance(cell, datetime):
        if cell.time() == time(0):
            return cell.date().isoformat(), False
        return cell.isoformat(sep=" "), False
    if isinstance(cell, date | time):
        return cell.isoformat(), False
    if isinstance(cell, timedelta):
        return str(cell), False
    return str(cell), False


def column_texts(cells: Sequence[object]) -> tuple[list[str], list[int]]:
    """One column's cells as text, and the positions of cells that were stored as numbers."""
    if set(map(type, cells)) <= {str}:
        return list(cells), []  # type: ignore[arg-type]
    texts: list[str] = []
    numeric: list[int] = []
    for position, cell in enumerate(cells):
        text, is_number = cell_text(cell)
        texts.append(text)
        if is_number:
            numeric.append(position)
    return texts, numeric
