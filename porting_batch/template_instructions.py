"""The template's Instructions sheet: the legend, how to fill the Numbers sheet, every column
with its API field, and the checklist of common rejection causes."""

from __future__ import annotations

import math

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from porting_batch.column_spec import MARKS
from porting_batch.columns import (
    COLUMNS,
    EXAMPLE_MARK,
    FOC_TIME_ZONE_NOTE,
    INSTRUCTIONS_SHEET,
    NUMBERS_SHEET,
    REJECTION_CHECKLIST,
    TEMPLATE_VERSION,
)
from porting_batch.template_numbers import HEADER_COLOURS

VERSION_NAME = "TemplateVersion"
#: Column widths of the Instructions sheet, in characters.
WIDTHS = (30, 26, 62, 34, 24)
#: Points per wrapped line at the default 11-point font, and a little air around them.
LINE_HEIGHT = 15
ROW_PADDING = 3

LEGEND = (
    ("required", f"Required on every row: the header is red and ends with '{MARKS['required']}'."),
    (
        "conditional",
        f"Required in some cases (brown header ending with '{MARKS['conditional'].strip()}'): "
        "account number and PIN for mobile numbers, LOA and invoice to confirm the order, "
        "remaining numbers for partial ports, RespOrg ID for toll-free numbers.",
    ),
    ("optional", "Optional: blue header."),
)

LINES = (
    f"Fill in the '{NUMBERS_SHEET}' sheet: one row per phone number (or one range such as "
    "312-555-2000 to 2010). Repeat the account's values (name, address, BTN...) on every "
    "row of that account.",
    f"Row 2 is a greyed example: its first cell starts with {EXAMPLE_MARK}, and the tool "
    "ignores that row. Type over it or leave it.",
    "Each header's comment and each cell's prompt give the API field, the meaning and an "
    "example. Older sheets with the API names as headers (entity_name...) still read.",
    "Phone numbers, PINs, account numbers and postal codes are text cells: keep them as "
    "text so Excel keeps '+' and leading zeros.",
    "Requested port date (FOC): " + FOC_TIME_ZONE_NOTE,
    "Dates: 2026-12-21 (year-month-day) is safest; 12/21/2026 is read as US month/day, and "
    "a date like 03/04/2026 that could be either is refused.",
    "LOA and invoice files go in the same folder as this workbook; give their file names.",
    "Check it with: porting-batch validate PATH",
)


def row_height(texts: tuple[str, ...], widths: tuple[int, ...]) -> float:
    """A height that shows every wrapped text of a row in full at its column's width."""
    lines = 1
    for text, chars in zip(texts, widths, strict=False):
        # words wrap before the edge: count a line as a little less than the column's width
        per_line = max(chars - 4, 1)
        lines = max(lines, sum(math.ceil(max(len(p), 1) / per_line) for p in text.split("\n")))
    return lines * LINE_HEIGHT + ROW_PADDING


def instructions_sheet(workbook: xlsxwriter.Workbook) -> None:
    """The Instructions sheet, with row heights that keep wrapped texts from overlapping."""
    sheet = workbook.add_worksheet(INSTRUCTIONS_SHEET)
    bold = workbook.add_format({"bold": True, "valign": "top"})
    title = workbook.add_format({"bold": True, "font_size": 14})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    for index, chars in enumerate(WIDTHS):
        sheet.set_column(index, index, chars)
    sheet.write_string(0, 0, "Telnyx bulk porting template", title)
    sheet.write_string(1, 0, "Template version", bold)
    sheet.write_string(1, 1, TEMPLATE_VERSION)
    workbook.define_name(VERSION_NAME, f"='{INSTRUCTIONS_SHEET}'!$B$2")
    row = 3
    sheet.write_string(row, 0, "Legend", bold)
    for level, text in LEGEND:
        row += 1
        swatch = workbook.add_format(
            {"bg_color": HEADER_COLOURS[level], "font_color": "#FFFFFF", "bold": True}
        )
        sheet.write_string(row, 0, level.capitalize() + MARKS[level], swatch)
        _wide(sheet, row, text, wrap)
    row += 2
    for line in LINES:
        sheet.write_string(row, 0, "•", bold)
        _wide(sheet, row, line, wrap)
        row += 1
    row = _column_table(sheet, row + 1, bold, wrap)
    sheet.write_string(row + 1, 0, "Before you submit: common rejection causes", bold)
    for offset, item in enumerate(REJECTION_CHECKLIST, start=row + 2):
        sheet.write_string(offset, 0, "☐", bold)
        _wide(sheet, offset, item, wrap)
    sheet.set_landscape()
    sheet.set_paper(1)
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)


def _wide(sheet: Worksheet, row: int, text: str, wrap: object) -> None:
    """``text`` across columns B to E, with the height its wrapping needs."""
    sheet.merge_range(row, 1, row, len(WIDTHS) - 1, text, wrap)
    sheet.set_row(row, row_height((text,), (sum(WIDTHS[1:]),)))


def _column_table(sheet: Worksheet, row: int, bold: object, wrap: object) -> int:
    """The table of columns from ``row``; the row after it."""
    labels = ("Column (header)", "API field", "Meaning", "When required", "Example")
    for index, label in enumerate(labels):
        sheet.write_string(row, index, label, bold)
    sheet.repeat_rows(row)
    for column in COLUMNS:
        row += 1
        meaning = column.description
        if column.choices:
            meaning += f" Allowed: {', '.join(column.choices)}."
        texts = (column.title, column.name, meaning, column.when_required, column.example)
        for index, text in enumerate(texts):
            sheet.write_string(row, index, text, bold if index == 0 else wrap)
        sheet.set_row(row, row_height(texts, WIDTHS))
    return row + 1
