"""Reading a batch spreadsheet (XLSX or CSV) into normalised, validated rows."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

from porting_batch import validation
from porting_batch.cells import column_letter
from porting_batch.errors import IntakeError
from porting_batch.intake.delimited import load_csv
from porting_batch.intake.example_rows import blank_example_rows
from porting_batch.intake.grid import Grid
from porting_batch.intake.headers import find_header, map_headers, unique_keys
from porting_batch.intake.rows import InputRow, Intake
from porting_batch.intake.sheet_issues import (
    blank_row_issues,
    formula_issues,
    numeric_cell_issues,
    unknown_column_issues,
)
from porting_batch.intake.source import (
    CSV_SUFFIXES,
    OTHER_KINDS,
    SPREADSHEET_SUFFIXES,
    XLSX_SUFFIXES,
    is_xlsx_package,
    read_bytes,
)
from porting_batch.intake.table import Table, build_table, drop_blank_rows, take_columns
from porting_batch.intake.text import cell_text
from porting_batch.intake.xlsx import load_workbook
from porting_batch.issues import Issue, Severity
from porting_batch.settings import Settings


def read_batch(path: Path, settings: Settings, *, today: date | None = None) -> Intake:
    """Read, normalise and validate a batch spreadsheet; IntakeError when it cannot be read."""
    # Millions of short-lived containers and no cycles: the cyclic collector would rescan the
    # growing heap again and again (about a third of the run time at 100k rows).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read_batch(Path(path), settings, today)
    finally:
        if collecting:
            gc.enable()


def second_pass(intake: Intake, answers: Mapping[str, Mapping[str, object]]) -> list[Issue]:
    """Rules that need the portability answers (keyed by E.164), e.g. mobile needs a PIN."""
    return validation.second_pass(intake, answers)


def _read_batch(path: Path, settings: Settings, today: date | None) -> Intake:
    data = read_bytes(path, settings)
    grid = load_grid(path, data, settings)
    sheet = grid.sheet
    header_index = find_header(grid)
    headers = [cell_text(cell)[0].strip() for cell in grid.rows[header_index]]
    mapping, unknown = map_headers(path, sheet, headers)
    table = build_table(take_columns(grid, header_index, len(headers)), text_only=grid.text_only)
    examples = blank_example_rows(table, mapping["phone_number"], header_index + 2)
    blank_interior = [
        number
        for number in drop_blank_rows(table, header_index + 2, path, sheet)
        if number not in examples
    ]
    letters = {name: column_letter(index) for name, index in mapping.items()}
    issues = [
        *grid.notes,
        *unknown_column_issues(sheet, header_index + 1, headers, unknown),
        *blank_row_issues(sheet, blank_interior),
        *numeric_cell_issues(sheet, table, mapping, letters),
        *formula_issues(sheet, grid.bad_cells, mapping, table.row_numbers),
    ]
    cleaned = {name: table.cleaned[index] for name, index in mapping.items()}
    rows = _input_rows(table, sheet, headers, letters)
    error_rows = {issue.row for issue in issues if issue.is_error}
    for row in rows:
        if row.row in error_rows:
            row.errors = True
    issues.extend(
        validation.validate(
            rows,
            cleaned,
            settings=settings,
            folder=path.resolve().parent,
            today=today or datetime.now().astimezone().date(),
        )
    )
    # Row by row, then left to right: the order an operator fixes a sheet in
    issues.sort(key=lambda issue: (issue.row, issue.column_letter.rjust(3)))
    return Intake(
        path=path,
        sheet=sheet,
        content_hash=hashlib.sha256(data).hexdigest(),
        headers=headers,
        columns=letters,
        unknown_columns=unknown,
        rows=rows,
        issues=issues,
    )


def _input_rows(
    table: Table, sheet: str, headers: list[str], letters: dict[str, str]
) -> list[InputRow]:
    """One InputRow per data row, ``raw`` keyed by the operator's headers; frees table.raw."""
    raw_headers = unique_keys(headers)
    raws = [dict(zip(raw_headers, texts, strict=False)) for texts in zip(*table.raw, strict=True)]
    table.raw = []
    return [
        InputRow(sheet, number, raw, {}, [], None, None, False, letters)
        for number, raw in zip(table.row_numbers, raws, strict=True)
    ]


def load_grid(path: Path, data: bytes, settings: Settings) -> Grid:
    """The file's cells, read as what it is: a workbook (even one named .csv) or a CSV."""
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        if is_xlsx_package(data):
            return _misnamed_workbook(path, data, settings)
        return load_csv(path, data, settings)
    if suffix in XLSX_SUFFIXES:
        return load_workbook(path, data, settings)
    raise IntakeError(
        f"{path.name}: '{suffix or 'no extension'}' is not a spreadsheet type this tool reads "
        f"({', '.join(sorted(SPREADSHEET_SUFFIXES))})",
        file=str(path),
        hint=OTHER_KINDS.get(suffix, "save it as .xlsx (Excel workbook) or .csv"),
    )


def _misnamed_workbook(path: Path, data: bytes, settings: Settings) -> Grid:
    # Renamed, or saved by a tool that picked the wrong extension: read what it is.
    grid = load_workbook(path, data, settings)
    grid.notes.append(
        Issue(
            Severity.WARNING,
            f"{path.name} is an Excel workbook named .csv; it was read as the workbook it is",
            hint=f"rename it to {path.stem}.xlsx",
            sheet=grid.sheet,
            value=path.name,
            code="misnamed_file",
        )
    )
    return grid
