"""Reading an XLSX batch: the package checks, the sheet, the reader process and the formula scan.

Nothing parses the workbook before :func:`porting_batch.intake.source.check_package` has
unpacked it within its limit; calamine reads it in a child process with a memory limit
(:mod:`porting_batch.intake.reader`), so a hostile file is one IntakeError, never a dead process.
"""

from __future__ import annotations

import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NoReturn
from xml.etree.ElementTree import ParseError

from porting_batch.cells import column_letter
from porting_batch.errors import IntakeError
from porting_batch.intake.extent import check_sheet, scan_cells
from porting_batch.intake.formulas import formula_problems
from porting_batch.intake.grid import Grid
from porting_batch.intake.reader import ReaderFailed, read_sheet_isolated
from porting_batch.intake.sheets import SheetEntry, choose_sheet, workbook_sheets
from porting_batch.intake.source import OLE_MAGIC, check_package
from porting_batch.media import ZIP_MAGIC
from porting_batch.settings import Settings

_RESAVE_HINT = "open it in Excel and save it again as .xlsx"


def load_workbook(path: Path, data: bytes, settings: Settings) -> Grid:
    """The batch sheet of a workbook as calamine reads it, and its formula cells with no value."""
    _check_magic(path, data)
    archive = check_package(path, data, settings)
    try:
        sheets = workbook_sheets(archive)
    except (KeyError, ParseError, zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise IntakeError(
            f"{path.name} could not be read as a spreadsheet (no readable workbook inside: {exc})",
            file=str(path),
            hint=_RESAVE_HINT,
        ) from exc
    sheet = choose_sheet(path, sheets)
    check_sheet(path, archive, sheet, settings)
    # The formula scan runs here while the reader process parses the sheet.
    with ThreadPoolExecutor(max_workers=1) as pool:
        scan = pool.submit(formula_problems, data, sheet.name)
        try:
            rows = read_sheet_isolated(data, sheet.name, settings)
        except ReaderFailed as failed:
            scan.cancel()
            _explain_failure(path, archive, sheet, settings, failed)
        bad_cells = scan.result()
    _check_size(path, sheet.name, rows, settings)
    return Grid(sheet=sheet.name, rows=rows, bad_cells=bad_cells)


def _check_magic(path: Path, data: bytes) -> None:
    """Refuse what is no zip: an old-style or password-protected (OLE) file, or anything else."""
    if data.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise IntakeError(
                f"{path.name} is password-protected",
                file=str(path),
                hint="open it in Excel, remove the password (File > Info > Protect Workbook) "
                "and save it again",
            )
        raise IntakeError(
            f"{path.name} is an old-style Excel file, not an .xlsx workbook",
            file=str(path),
            hint="open it in Excel and save it as Excel Workbook (.xlsx)",
        )
    if not data.startswith(ZIP_MAGIC):
        raise IntakeError(
            f"{path.name} is not a spreadsheet: the file is not an Excel workbook inside",
            file=str(path),
            hint="open it in Excel and save it as Excel Workbook (.xlsx), or export CSV",
        )


def _explain_failure(
    path: Path,
    archive: zipfile.ZipFile,
    sheet: SheetEntry,
    settings: Settings,
    failed: ReaderFailed,
) -> NoReturn:
    """Turn a failed read into one IntakeError, naming the far cell when that was the cause."""
    if failed.error_type == "PasswordError":
        raise IntakeError(
            f"{path.name} is password-protected",
            file=str(path),
            hint="remove the password in Excel and save it again",
        )
    if failed.kind == "error":
        raise IntakeError(
            f"{path.name} could not be read as a spreadsheet ({failed.error_type}: "
            f"{failed.detail})",
            file=str(path),
            hint="open it in Excel and save it again as .xlsx",
        )
    # Too far, out of memory or killed: a cell far away is the usual cause; the scan names it.
    extent = scan_cells(path, archive, sheet.name, sheet.part, settings)
    span = (
        f"its cells span A1:{column_letter(extent.last_column - 1)}{extent.last_row}"
        if extent.cells
        else "it holds no cell"
    )
    if failed.kind == "extent":
        span = f"its cells span {failed.detail}"
    raise IntakeError(
        f"{path.name}, sheet '{sheet.name}' could not be read within the reader's limits "
        f"({failed.kind}; {span})",
        file=str(path),
        sheet=sheet.name,
        hint="delete the empty rows and columns around the data in Excel and save it again, "
        "or split the batch",
    )


def _check_size(path: Path, sheet: str, rows: list[list[Any]], settings: Settings) -> None:
    """The rows and columns read are within max_rows and max_columns."""
    if len(rows) > settings.max_rows:
        raise IntakeError(
            f"{path.name}, sheet '{sheet}': {len(rows):,} rows, more than the "
            f"{settings.max_rows:,} one batch may have (the last is row {len(rows):,})",
            file=str(path),
            sheet=sheet,
            hint="split the batch into smaller files, or raise PORTING_MAX_ROWS",
        )
    width = max(map(len, rows), default=0)
    if width > settings.max_columns:
        raise IntakeError(
            f"{path.name}, sheet '{sheet}': {width:,} columns (to column "
            f"{column_letter(width - 1)}), more than the {settings.max_columns:,} read",
            file=str(path),
            sheet=sheet,
            hint="delete the columns to the right of the data, or raise PORTING_MAX_COLUMNS",
        )
