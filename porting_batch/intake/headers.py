"""The header row: where it is, which template column each header names, and the raw keys."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from porting_batch.cells import column_letter
from porting_batch.columns import REQUIRED_COLUMNS, canonical_column
from porting_batch.errors import IntakeError
from porting_batch.intake.grid import Grid

#: The header row is looked for among this many rows at the top of the sheet.
HEADER_SCAN_ROWS = 10


def find_header(grid: Grid) -> int:
    """The header row: among the first rows, the one naming most template columns."""
    best, best_count, best_has_phone = -1, 0, False
    for index, cells in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
        names = {canonical_column(str(cell)) for cell in cells if isinstance(cell, str) and cell}
        names.discard(None)
        has_phone = "phone_number" in names
        if (has_phone, len(names)) > (best_has_phone, best_count):
            best, best_count, best_has_phone = index, len(names), has_phone
    if best < 0:
        if not any(any(cell != "" for cell in cells) for cells in grid.rows):
            raise IntakeError(
                f"sheet '{grid.sheet}' is empty",
                sheet=grid.sheet,
                hint="fill in the Numbers sheet of the template",
            )
        raise IntakeError(
            f"sheet '{grid.sheet}' has no header row naming the template's columns",
            sheet=grid.sheet,
            hint="put the template's header (phone_number, entity_name, ...) in row 1; "
            "`porting-batch template PATH` writes one",
        )
    return best


def map_headers(path: Path, sheet: str, headers: list[str]) -> tuple[dict[str, int], list[str]]:
    """Canonical column -> its 0-based index, and the headers that name no template column.

    Two headers meaning one column, or a required column missing, is an IntakeError.
    """
    mapping: dict[str, int] = {}
    unknown: list[str] = []
    clashes: list[str] = []
    for index, header in enumerate(headers):
        if not header:
            continue
        name = canonical_column(header)
        if name is None:
            unknown.append(header)
        elif name in mapping:
            first = mapping[name]
            clashes.append(
                f"{column_letter(first)} '{headers[first]}' and {column_letter(index)} "
                f"'{header}' both mean {name}"
            )
        else:
            mapping[name] = index
    if clashes:
        raise IntakeError(
            f"{path.name}, sheet '{sheet}': " + "; ".join(clashes),
            file=str(path),
            sheet=sheet,
            hint="keep one of each pair, or rename the other",
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in mapping]
    if missing:
        raise IntakeError(
            f"{path.name}, sheet '{sheet}': required column(s) missing: {', '.join(missing)}",
            file=str(path),
            sheet=sheet,
            hint="add them to the header row (see the template's Instructions sheet)",
        )
    return mapping, unknown


def unique_keys(headers: list[str]) -> list[str]:
    """Keys for ``raw``: the operator's headers, a blank one by its letter, a repeat with it."""
    keys: list[str] = []
    seen: set[str] = set()
    for index, header in enumerate(headers):
        key = header or column_letter(index)
        if key in seen:
            key = f"{key} ({column_letter(index)})"
        seen.add(key)
        keys.append(key)
    return keys


def name_at(mapping: Mapping[str, int], index: int) -> str:
    """The canonical column at a 0-based index, or '' when the header names none."""
    for name, position in mapping.items():
        if position == index:
            return name
    return ""
