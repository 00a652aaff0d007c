"""The data rows under the header, column by column: as typed, cleaned, and their row numbers.

Column-wise because one pass per column is far cheaper than per-cell work across rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress
from pathlib import Path
from typing import Any

from porting_batch.errors import IntakeError
from porting_batch.intake.grid import Grid
from porting_batch.intake.text import column_texts
from porting_batch.numbers import clean_text


@dataclass
class Table:
    """The data rows column by column (index = the header's 0-based column)."""

    raw: list[list[str]]  # as typed
    cleaned: list[list[str]]  # trimmed, control characters and odd spaces gone
    #: column index -> positions of the cells Excel stored as numbers
    numeric: dict[int, list[int]]
    #: the sheet's 1-based row number of each position, once blank rows are dropped
    row_numbers: list[int] = field(default_factory=list)


def take_columns(grid: Grid, header_index: int, width: int) -> list[tuple[Any, ...]]:
    """The cells under the header, column by column, padded or cut to the header's width.

    The grid gives its rows up, so the cells live on in the columns only.
    """
    body = grid.rows[header_index + 1 :]
    grid.rows = []
    if body and min(map(len, body)) < width:
        body = [[*cells, *([""] * (width - len(cells)))] for cells in body]
    if body and max(map(len, body)) > width:
        body = [cells[:width] for cells in body]
    return list(zip(*body, strict=True)) if body else []


def build_table(columns: Sequence[Sequence[Any]], *, text_only: bool) -> Table:
    """Each column as text and cleaned text, noting which cells were stored as numbers."""
    table = Table(raw=[], cleaned=[], numeric={})
    for index, cells in enumerate(columns):
        numeric: list[int] = []
        if text_only:
            texts = list(cells)
        else:
            texts, numeric = column_texts(cells)
        table.raw.append(texts)
        if "".join(texts).isascii():
            table.cleaned.append(list(map(str.strip, texts)))
        else:
            table.cleaned.append([clean_text(text) if text else text for text in texts])
        if numeric:
            table.numeric[index] = numeric
    return table


def drop_blank_rows(table: Table, first_row_number: int, path: Path, sheet: str) -> list[int]:
    """Drop the blank rows and number the others; the row numbers of interior blank rows.

    Trailing blank rows vanish silently. A sheet with no data row is an IntakeError.
    """
    count = len(table.raw[0]) if table.raw else 0
    filled = _filled_positions(table.cleaned, count)
    if not filled:
        raise IntakeError(
            f"{path.name}: sheet '{sheet}' has a header row but no data rows",
            file=str(path),
            sheet=sheet,
            hint="add one row per phone number under the header",
        )
    positions = sorted(filled)
    blank_interior = [
        first_row_number + offset for offset in range(positions[-1] + 1) if offset not in filled
    ]
    if len(positions) != count:
        table.raw = [[texts[i] for i in positions] for texts in table.raw]
        table.cleaned = [[texts[i] for i in positions] for texts in table.cleaned]
        new_position = {old: new for new, old in enumerate(positions)}
        table.numeric = {
            index: [new_position[old] for old in olds if old in new_position]
            for index, olds in table.numeric.items()
        }
    table.row_numbers = [first_row_number + offset for offset in positions]
    return blank_interior


def _filled_positions(cleaned: list[list[str]], count: int) -> set[int]:
    if any(all(texts) for texts in cleaned):
        return set(range(count))  # one column is full, so no row is blank: the usual case
    filled: set[int] = set()
    for texts in cleaned:
        filled.update(compress(range(count), texts))
    return filled
