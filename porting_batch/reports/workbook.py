"""report.xlsx: Summary, Numbers, Orders and Issues, written by xlsxwriter row by row.

``constant_memory`` keeps memory flat however many rows there are, but drops any write to a
row above the last one written, so every sheet is written strictly top to bottom.
``strings_to_formulas``, ``strings_to_urls`` and ``strings_to_numbers`` are off: every string
is stored as text, and formula-looking text also gets Excel's quote prefix so that editing the
cell does not turn it into a formula.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from porting_batch.issues import Severity
from porting_batch.outcomes import Outcome
from porting_batch.reports.tables import (
    ISSUES_COLUMNS,
    ORDERS_COLUMNS,
    Cell,
    Col,
    Tables,
)
from porting_batch.safety import looks_like_formula, safe_text

WORKBOOK_OPTIONS: dict[str, Any] = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "default_date_format": "yyyy-mm-dd hh:mm",
}

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

# Outcome colours: green where the number is where the run wanted it, amber where the
# operator must act, red where the number is out of the run, grey where nothing happened.
OUTCOME_COLOURS: dict[Outcome, tuple[str, str]] = {
    Outcome.PLANNED: ("#E2EFDA", "#375623"),
    Outcome.READY_AS_DRAFT: ("#C6EFCE", "#006100"),
    Outcome.CONFIRMED: ("#A9D08E", "#003300"),
    Outcome.NOT_PORTABLE: ("#FFC7CE", "#9C0006"),
    Outcome.INVALID_INPUT: ("#FFC7CE", "#9C0006"),
    Outcome.DUPLICATE: ("#FCE4D6", "#833C0B"),
    Outcome.NEEDS_ATTENTION: ("#FFEB9C", "#9C5700"),
    Outcome.ALREADY_IN_ORDER: ("#DDEBF7", "#1F4E78"),
    Outcome.NOT_PROCESSED: ("#EDEDED", "#404040"),
}
SEVERITY_COLOURS: dict[Severity, tuple[str, str]] = {
    Severity.ERROR: ("#FFC7CE", "#9C0006"),
    Severity.WARNING: ("#FFEB9C", "#9C5700"),
}


class _Formats:
    """The workbook's cell formats, made once (xlsxwriter keeps every format it is given)."""

    def __init__(self, book: Any) -> None:
        self.header = book.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.section = book.add_format({"bold": True, "font_size": 12, "bottom": 1})
        self.label = book.add_format({"bold": True, "valign": "top"})
        self.datetime = book.add_format({"num_format": DATETIME_FORMAT, "align": "left"})
        self.text = book.add_format({"num_format": "@"})
        self.quoted = book.add_format({"quote_prefix": True})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.complete = book.add_format(
            {"bold": True, "bg_color": "#C6EFCE", "font_color": "#006100"}
        )
        self.incomplete = book.add_format(
            {"bold": True, "bg_color": "#FFC7CE", "font_color": "#9C0006", "text_wrap": True}
        )
        self.outcome = {
            outcome.value: book.add_format({"bg_color": bg, "font_color": fg})
            for outcome, (bg, fg) in OUTCOME_COLOURS.items()
        }
        self.severity = {
            severity.value: book.add_format({"bg_color": bg, "font_color": fg})
            for severity, (bg, fg) in SEVERITY_COLOURS.items()
        }


def write_workbook(
    path: Path,
    tables: Tables,
    summary_rows: Sequence[tuple[str, Sequence[Cell]]],
) -> None:
    """Write report.xlsx at ``path`` (the caller makes that path temporary and renames it).

    ``summary_rows`` are (style, cells) pairs for the Summary sheet, style being one of
    "title", "section", "header", "complete", "incomplete" or "" for a plain label/value row.
    """
    book = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
    try:
        formats = _Formats(book)
        _write_summary(book.add_worksheet("Summary"), formats, summary_rows)
        _write_table(
            book.add_worksheet("Numbers"),
            formats,
            tables.numbers_columns,
            tables.number_rows(),
            len(tables.result.numbers),
        )
        _write_table(
            book.add_worksheet("Orders"),
            formats,
            ORDERS_COLUMNS,
            tables.order_rows(),
            len(tables.result.orders),
        )
        _write_table(
            book.add_worksheet("Issues"),
            formats,
            ISSUES_COLUMNS,
            tables.issue_rows(),
            len(tables.result.issues),
        )
    finally:
        book.close()


def _write_summary(
    sheet: Any, formats: _Formats, rows: Sequence[tuple[str, Sequence[Cell]]]
) -> None:
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 1, 60)
    sheet.set_column(2, 2, 80)
    styles = {
        "title": formats.title,
        "section": formats.section,
        "header": formats.header,
        "complete": formats.complete,
        "incomplete": formats.incomplete,
    }
    for index, (style, cells) in enumerate(rows):
        for col, value in enumerate(cells):
            if style in styles and (style in {"title", "section", "header"} or col == 1):
                fmt = styles[style]
            elif style == "outcome" and col == 0:
                fmt = formats.outcome.get(str(value))
            elif col == 0:
                fmt = formats.label
            else:
                fmt = formats.wrap if isinstance(value, str) and len(value) > 60 else None
            _write_cell(sheet, index, col, value, fmt, formats)


def _write_table(
    sheet: Any,
    formats: _Formats,
    columns: Sequence[Col],
    rows: Iterable[Sequence[Cell]],
    count: int,
) -> None:
    """A table sheet: frozen header row, filters over every row, widths, typed cells."""
    for col, column in enumerate(columns):
        sheet.set_column(col, col, column.width, _column_format(column, formats))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(count, 1), len(columns) - 1)
    sheet.set_row(0, 30)
    for col, column in enumerate(columns):
        sheet.write_string(0, col, column.header, formats.header)

    # Column roles resolved once: per-cell branching on Col objects is the hot path.
    styled = {
        col: (formats.outcome if column.kind == "outcome" else formats.severity)
        for col, column in enumerate(columns)
        if column.kind in {"outcome", "severity"}
    }
    write_string = sheet.write_string
    write_number = sheet.write_number
    write_datetime = sheet.write_datetime
    datetime_format = formats.datetime
    quoted = formats.quoted
    for index, cells in enumerate(rows, start=1):
        for col, value in enumerate(cells):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                if col in styled:
                    write_string(index, col, value, styled[col].get(value))
                elif looks_like_formula(value):
                    write_string(index, col, value, quoted)
                else:
                    write_string(index, col, value)
            elif isinstance(value, datetime):
                write_datetime(index, col, value, datetime_format)
            else:
                write_number(index, col, value)


def _column_format(column: Col, formats: _Formats) -> Any:
    # Text format on the column means a number typed there later by hand stays text too.
    if column.kind == "phone":
        return formats.text
    if column.kind == "datetime":
        return formats.datetime
    return None


def _write_cell(sheet: Any, row: int, col: int, value: Cell, fmt: Any, formats: _Formats) -> None:
    if value is None:
        if fmt is not None:
            sheet.write_blank(row, col, None, fmt)
        return
    if isinstance(value, datetime):
        sheet.write_datetime(row, col, value, formats.datetime)
    elif isinstance(value, bool):
        sheet.write_string(row, col, "yes" if value else "no", fmt)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, fmt)
    else:
        text = safe_text(value)
        if fmt is None and looks_like_formula(text):
            fmt = formats.quoted
        sheet.write_string(row, col, text, fmt)
