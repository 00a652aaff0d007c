"""The input template: an XLSX workbook (Numbers + Instructions) or a CSV with the same columns."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

import xlsxwriter

from porting_batch.columns import (
    COLUMN_NAMES,
    COLUMNS,
    FOC_TIME_ZONE_NOTE,
    INSTRUCTIONS_SHEET,
    NUMBERS_SHEET,
    REJECTION_CHECKLIST,
    TEMPLATE_VERSION,
)
from porting_batch.errors import IntakeError
from porting_batch.files import atomic_path

#: Rows that get drop-downs and text formatting in the template (Excel's limit is 1,048,576).
FORMATTED_ROWS = 100_000
VERSION_NAME = "TemplateVersion"


def write_template(path: Path, *, overwrite: bool = False) -> Path:
    """Write an empty template to ``path``: XLSX or CSV, chosen by the file's extension.

    An existing file is never replaced unless ``overwrite``: it may hold an operator's rows.
    """
    return write_batch(path, [], overwrite=overwrite)


def write_batch(
    path: Path,
    rows: Iterable[Mapping[str, str]],
    *,
    created: datetime | None = None,
    overwrite: bool = True,
) -> Path:
    """Write the template filled with ``rows`` (canonical column -> text), XLSX or CSV.

    ``created`` fixes the workbook's creation time, so a generated file is byte-for-byte
    reproducible. With ``overwrite`` False an existing file is refused (``IntakeError``).

    The file is written next to its final name and renamed into place, so a failure never
    leaves half a file behind.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".xlsx", ".csv"}:
        raise IntakeError(
            f"{path.name}: the template can be written as .xlsx or .csv, not '{suffix}'",
            file=str(path),
            hint="give a file name ending in .xlsx or .csv",
        )
    if not overwrite and path.exists():
        raise IntakeError(
            f"{path}: already exists; it was left as it is",
            file=str(path),
            hint="give a new file name, or add --force to replace it",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as partial:
        if suffix == ".csv":
            _write_csv(partial, rows)
        else:
            _write_xlsx(partial, rows, created)
        if not overwrite:
            # link() fails if the name appeared meanwhile: no race replaces an operator's file.
            # Once linked, atomic_path's rename of one link onto the other changes nothing.
            try:
                os.link(partial, path)
            except FileExistsError:
                raise IntakeError(
                    f"{path}: already exists; it was left as it is",
                    file=str(path),
                    hint="give a new file name, or add --force to replace it",
                ) from None
    return path


def _write_csv(path: Path, rows: Iterable[Mapping[str, str]]) -> None:
    # utf-8-sig: Excel only reads non-ASCII names correctly from a CSV that starts with a BOM
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMN_NAMES)
        for row in rows:
            writer.writerow([row.get(name, "") for name in COLUMN_NAMES])


def _write_xlsx(path: Path, rows: Iterable[Mapping[str, str]], created: datetime | None) -> None:
    workbook = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    workbook.set_properties({"title": "Telnyx bulk porting", "created": created or datetime.now()})
    try:
        _numbers_sheet(workbook, rows)
        _instructions_sheet(workbook)
    finally:
        workbook.close()


def _numbers_sheet(workbook: xlsxwriter.Workbook, rows: Iterable[Mapping[str, str]]) -> None:
    sheet = workbook.add_worksheet(NUMBERS_SHEET)
    header = workbook.add_format(
        {"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF", "border": 1}
    )
    required_header = workbook.add_format(
        {"bold": True, "bg_color": "#C00000", "font_color": "#FFFFFF", "border": 1}
    )
    text = workbook.add_format({"num_format": "@"})
    general = workbook.add_format({})
    sheet.freeze_panes(1, 0)
    for index, column in enumerate(COLUMNS):
        fmt = text if column.text_formatted else general
        sheet.set_column(index, index, column.width, fmt)
        sheet.write_string(0, index, column.name, required_header if column.required else header)
        message = f"{column.description} Example: {column.example}"
        if column.required:
            message = "Required. " + message
        elif column.when_required != "optional":
            message = f"Required {column.when_required}. " + message
        validation: dict[str, object] = {
            "input_title": column.name[:32],
            "input_message": message[:255],
        }
        if column.choices:
            validation |= {
                "validate": "list",
                "source": list(column.choices),
                "error_title": "Not in the list",
                "error_message": f"Choose one of: {', '.join(column.choices)}",
            }
        else:
            validation["validate"] = "any"
        sheet.data_validation(1, index, FORMATTED_ROWS, index, validation)
    for row_index, row in enumerate(rows, start=1):
        for index, name in enumerate(COLUMN_NAMES):
            value = row.get(name, "")
            if value:
                sheet.write_string(
                    row_index, index, value, text if COLUMNS[index].text_formatted else general
                )
    sheet.autofilter(0, 0, 0, len(COLUMNS) - 1)


def _instructions_sheet(workbook: xlsxwriter.Workbook) -> None:
    sheet = workbook.add_worksheet(INSTRUCTIONS_SHEET)
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "font_size": 14})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 70)
    sheet.set_column(2, 3, 34)
    sheet.write_string(0, 0, "Telnyx bulk porting template", title)
    sheet.write_string(1, 0, "Template version", bold)
    sheet.write_string(1, 1, TEMPLATE_VERSION)
    workbook.define_name(VERSION_NAME, f"='{INSTRUCTIONS_SHEET}'!$B$2")
    lines = (
        f"Fill in the '{NUMBERS_SHEET}' sheet: one row per phone number (or one range such as "
        "312-555-2000 to 2010). Repeat the account's values (name, address, BTN...) on every "
        "row of that account.",
        "Red headers are required on every row. Phone numbers, PINs, account numbers and "
        "postal codes are text cells: keep them as text so Excel keeps '+' and leading zeros.",
        "requested_foc time zone: " + FOC_TIME_ZONE_NOTE,
        "Dates: 2026-12-21 (year-month-day) is safest; 12/21/2026 is read as US month/day, and "
        "a date like 03/04/2026 that could be either is refused.",
        "LOA and invoice files go in the same folder as this workbook; give their file names.",
        "Check it with: porting-batch validate PATH",
    )
    row = 3
    for line in lines:
        sheet.write_string(row, 0, "•")
        sheet.write_string(row, 1, line, wrap)
        row += 1
    row += 1
    for index, label in enumerate(("Column", "Meaning", "When required", "Example")):
        sheet.write_string(row, index, label, bold)
    row += 1
    for column in COLUMNS:
        sheet.write_string(row, 0, column.name, bold)
        meaning = column.description
        if column.choices:
            meaning += f" Allowed: {', '.join(column.choices)}."
        sheet.write_string(row, 1, meaning, wrap)
        sheet.write_string(row, 2, column.when_required, wrap)
        sheet.write_string(row, 3, column.example)
        row += 1
    row += 1
    sheet.write_string(row, 0, "Before you submit: common rejection causes", bold)
    row += 1
    for item in REJECTION_CHECKLIST:
        sheet.write_string(row, 0, "☐")
        sheet.write_string(row, 1, item, wrap)
        row += 1
