"""How far a sheet's real cells reach, checked against max_rows and max_columns.

The sheet's ``<dimension ref>`` is only a claim. When it reaches past the bounds and the
sheet's XML is small (:data:`SCAN_FIRST_BYTES`, the few-KB hostile file), the XML is streamed
up to the first real cell beyond the bounds, which is refused by its address and value. A big
sheet goes to the reader process instead, and is scanned only to name the cell once that fails.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

from porting_batch.cells import column_letter
from porting_batch.errors import IntakeError
from porting_batch.intake.sheets import (
    BadReference,
    SheetEntry,
    declared_dimension,
    iter_cells,
    local_name,
)
from porting_batch.settings import Settings

#: A sheet whose claim passes the bounds is scanned before the reader when its XML is at most
#: this big (about 0.2 s of scanning); the reader process copes with the bigger ones.
SCAN_FIRST_BYTES = 4 << 20
_LIMITS_HINT = (
    "delete the cells beyond the data (select the empty rows below it and the empty columns "
    "to its right, Delete, save), or split the batch; the limits are PORTING_MAX_ROWS and "
    "PORTING_MAX_COLUMNS"
)
_RESAVE_HINT = "open it in Excel and save it again as .xlsx"


@dataclass
class Extent:
    """How far a sheet's real cells (those holding a value or a formula) reach."""

    last_row: int = 0
    last_column: int = 0
    cells: int = 0


def scan_cells(
    path: Path, archive: zipfile.ZipFile, sheet: str, part: str, settings: Settings
) -> Extent:
    """Stream the sheet's XML and refuse at its first real cell beyond max_rows/max_columns.

    Empty cells (a format and no value) do not count: Excel writes them for formatted rows,
    and calamine does not read them.
    """
    extent = Extent()
    try:
        with archive.open(part) as stream:
            for row, column, element in iter_cells(stream):
                if not len(element):
                    continue
                if row > settings.max_rows or column > settings.max_columns:
                    _refuse_cell(path, sheet, row, column, element, settings)
                extent.cells += 1
                extent.last_row = max(extent.last_row, row)
                extent.last_column = max(extent.last_column, column)
    except BadReference as bad:
        raise IntakeError(
            f"{path.name}, sheet '{sheet}': '{bad.reference[:40]}' is not a cell address",
            file=str(path),
            sheet=sheet,
            hint=_RESAVE_HINT,
        ) from None
    except ParseError as exc:
        raise IntakeError(
            f"{path.name}, sheet '{sheet}': the sheet's XML is damaged ({exc})",
            file=str(path),
            sheet=sheet,
            hint=_RESAVE_HINT,
        ) from exc
    return extent


def _refuse_cell(
    path: Path, sheet: str, row: int, column: int, cell: Element, settings: Settings
) -> None:
    value = "".join(
        text
        for child in cell.iter()
        if local_name(child.tag) in {"v", "t", "f"}
        for text in [child.text or ""]
    )
    shown = value if len(value) <= 40 else value[:37] + "..."
    where = " and ".join(
        name
        for name, over in (
            ("row", row > settings.max_rows),
            ("column", column > settings.max_columns),
        )
        if over
    )
    raise IntakeError(
        f"{path.name}, sheet '{sheet}', cell {column_letter(column - 1)}{row} ({shown!r}): a value "
        f"beyond the last {where} read (at most {settings.max_rows:,} rows and "
        f"{settings.max_columns:,} columns)",
        file=str(path),
        sheet=sheet,
        hint=_LIMITS_HINT,
    )


def check_sheet(
    path: Path, archive: zipfile.ZipFile, sheet: SheetEntry, settings: Settings
) -> None:
    """Refuse a small sheet whose claim and real cells reach beyond the bounds.

    Only a sheet whose XML is small enough to scan in a blink is scanned here (the hostile
    one-cell file); a big one goes to the reader process, which measures the real extent
    faster than Python can, and is scanned only to name the cell once that fails.
    """
    try:
        claim = declared_dimension(archive, sheet.part)
    except (KeyError, ParseError, zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise IntakeError(
            f"{path.name}, sheet '{sheet.name}' could not be read ({exc})",
            file=str(path),
            sheet=sheet.name,
            hint=_RESAVE_HINT,
        ) from exc
    # No claim, or one within bounds: a lie that hides far cells is the reader process's to
    # survive, and the full scan then names them.
    if claim is None or (claim[0] <= settings.max_rows and claim[1] <= settings.max_columns):
        return
    if archive.getinfo(sheet.part).file_size > SCAN_FIRST_BYTES:
        return
    scan_cells(path, archive, sheet.name, sheet.part, settings)
