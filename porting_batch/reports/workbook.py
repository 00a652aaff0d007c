"""report.xlsx (Summary, Numbers, Orders, Issues) and the CSV twins, written in one pass.

Each table's rows are built once and go to its sheet and its CSV together, so the cost of
making a row safe (masking, control characters, caps) is paid once per row, not twice.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from porting_batch.cells import column_letter
from porting_batch.issues import Severity
from porting_batch.outcomes import Outcome
from porting_batch.reports.files import CSV_ENCODING, csv_row
from porting_batch.reports.tables import (
    ISSUES_COLUMNS,
    NUMBERS_FROZEN_COLUMNS,
    ORDERS_COLUMNS,
    ORDERS_FROZEN_COLUMNS,
    Cell,
    Col,
    Tables,
)
from porting_batch.reports.xlsx import MAX_ROWS, ZIP64_LIMIT, Sheet, Style, XlsxWriter
from porting_batch.safety import csv_safe, looks_like_formula

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
#: A generous guess at the XML one table cell takes; a sheet whose rows x columns x this passes
#: 2 GiB is written as ZIP64 (a 100,000-row Numbers sheet is about 100 MB of XML).
_CELL_BYTES_GUESS = 200

# Outcome colours: green where the number is where the run wanted it, amber where the
# operator must act, red where the number is out of the run, grey where nothing happened.
OUTCOME_COLOURS: dict[Outcome, tuple[str, str]] = {
    Outcome.PLANNED: ("E2EFDA", "375623"),
    Outcome.READY_AS_DRAFT: ("C6EFCE", "006100"),
    Outcome.CONFIRMED: ("A9D08E", "003300"),
    Outcome.NOT_PORTABLE: ("FFC7CE", "9C0006"),
    Outcome.INVALID_INPUT: ("FFC7CE", "9C0006"),
    Outcome.DUPLICATE: ("FCE4D6", "833C0B"),
    Outcome.NEEDS_ATTENTION: ("FFEB9C", "9C5700"),
    Outcome.ALREADY_IN_ORDER: ("DDEBF7", "1F4E78"),
    Outcome.NOT_PROCESSED: ("EDEDED", "404040"),
}
SEVERITY_COLOURS: dict[Severity, tuple[str, str]] = {
    Severity.ERROR: ("FFC7CE", "9C0006"),
    Severity.WARNING: ("FFEB9C", "9C5700"),
}

HEADER = Style(bold=True, fill="D9E1F2", border=True, wrap=True, top=True)
HEADER_QUOTED = Style(bold=True, fill="D9E1F2", border=True, wrap=True, top=True, quote_prefix=True)
TITLE = Style(bold=True, size=14)
SECTION = Style(bold=True, size=12, bottom_border=True)
LABEL = Style(bold=True, top=True)
WRAP = Style(wrap=True, top=True)
DATETIME = Style(num_fmt=DATETIME_FORMAT)
TEXT = Style(text_format=True)
QUOTED = Style(quote_prefix=True)
ATTENTION = Style(fill="FFEB9C", color="9C5700", wrap=True, top=True)
COMPLETE = Style(bold=True, fill="C6EFCE", color="006100")
INCOMPLETE = Style(bold=True, fill="FFC7CE", color="9C0006", wrap=True, top=True)
OUTCOME_STYLES = {o.value: Style(fill=bg, color=fg) for o, (bg, fg) in OUTCOME_COLOURS.items()}
SEVERITY_STYLES = {s.value: Style(fill=bg, color=fg) for s, (bg, fg) in SEVERITY_COLOURS.items()}
_SUMMARY_STYLES = {
    "title": TITLE,
    "section": SECTION,
    "header": HEADER,
    "complete": COMPLETE,
    "incomplete": INCOMPLETE,
}


def write_report_files(
    xlsx_path: Path,
    csv_paths: tuple[Path, Path, Path],
    tables: Tables,
    summary_rows: Sequence[tuple[str, Sequence[Cell]]],
    *,
    sheet_max_rows: int = MAX_ROWS,
) -> None:
    """Write report.xlsx and numbers/orders/issues CSVs at the given (temporary) paths.

    ``summary_rows`` are (style, cells) pairs for the Summary sheet, style being one of
    "title", "section", "header", "complete", "incomplete", "outcome" or "" (label, value).
    A table longer than ``sheet_max_rows`` (Excel's limit) fills its sheet and goes on in
    its CSV only; :func:`overflow_notes` words the note for the Summary.
    """
    with XlsxWriter(xlsx_path) as book:
        with book.sheet("Summary", widths=_SUMMARY_WIDTHS) as sheet:
            _write_summary(sheet, summary_rows)
        result = tables.result
        tables_out = (
            ("Numbers", tables.numbers_columns, tables.number_rows(), len(result.numbers)),
            ("Orders", ORDERS_COLUMNS, tables.order_rows(), len(result.orders)),
            ("Issues", ISSUES_COLUMNS, tables.issue_rows(), len(result.issues)),
        )
        frozen_columns = {"Numbers": NUMBERS_FROZEN_COLUMNS, "Orders": ORDERS_FROZEN_COLUMNS}
        for (name, columns, rows, count), csv_path in zip(tables_out, csv_paths, strict=True):
            frozen = frozen_columns.get(name, 0)
            table = _Table(name, columns, min(count, sheet_max_rows - 1), frozen)
            _write_table(book, table, rows, csv_path, sheet_max_rows)


def overflow_notes(tables: Tables, sheet_max_rows: int = MAX_ROWS) -> list[str]:
    """Summary notes for tables too long for one Excel sheet (their CSV holds every line)."""
    sizes = {
        ("Numbers", "numbers.csv"): len(tables.result.numbers),
        ("Orders", "orders.csv"): len(tables.result.orders),
        ("Issues", "issues.csv"): len(tables.result.issues),
    }
    return [
        f"The {sheet} sheet holds the first {sheet_max_rows - 1:,} of {count:,} lines, "
        f"Excel's limit; {csv_name} holds them all."
        for (sheet, csv_name), count in sizes.items()
        if count >= sheet_max_rows
    ]


#: The Summary's columns: labels, values (a SHA-256 fits on one line), meanings and notes.
_SUMMARY_WIDTHS = (30, 68, 80)
_SUMMARY_WRAPPED = [(1, int(68 * 1.2)), (2, int(80 * 1.2))]


def _write_summary(sheet: Sheet, rows: Sequence[tuple[str, Sequence[Cell]]]) -> None:
    for style, cells in rows:
        styles: list[Style | None] = []
        for col, value in enumerate(cells):
            chosen: Style | None
            if style in {"title", "section", "header"} or (style in _SUMMARY_STYLES and col == 1):
                chosen = _SUMMARY_STYLES[style]
            elif style == "outcome" and col == 0:
                chosen = OUTCOME_STYLES.get(str(value))
            elif col == 0:
                chosen = LABEL
            elif isinstance(value, datetime):
                chosen = DATETIME
            elif isinstance(value, str) and looks_like_formula(value):
                chosen = QUOTED
            elif isinstance(value, str) and len(value) > 60:
                chosen = WRAP
            else:
                chosen = None
            styles.append(chosen)
        # A long value (a failure, a note) wraps: its row says how tall, as a table row does.
        height = row_height(cells, _SUMMARY_WRAPPED) if style in {"", "incomplete"} else 0
        sheet.add_row(list(cells), styles, height=height or None)


@dataclass(frozen=True)
class _Table:
    """A table sheet's shape: its columns, how many data rows it shows, what stays frozen."""

    name: str
    columns: Sequence[Col]
    shown_rows: int
    frozen_columns: int = 0


def _write_table(
    book: XlsxWriter,
    table: _Table,
    rows: Iterable[Sequence[Cell]],
    csv_path: Path,
    max_rows: int,
) -> None:
    """A table sheet (frozen header, filters, widths, typed cells) and its CSV, in one pass."""
    columns = table.columns
    column_styles = [_column_style(column) for column in columns]
    extent = (table.shown_rows + 1, len(columns))
    with (
        book.sheet(
            table.name,
            widths=[column.width for column in columns],
            column_styles=column_styles,
            freeze_header=True,
            freeze_columns=table.frozen_columns,
            extent=extent,
            large=extent[0] * extent[1] * _CELL_BYTES_GUESS > ZIP64_LIMIT,
            title_rows=1,
        ) as sheet,
        csv_path.open("w", encoding=CSV_ENCODING, newline="") as handle,
    ):
        writer = csv.writer(handle)
        headers = [column.header for column in columns]
        writer.writerow([csv_safe(header) for header in headers])
        # An operator's header is their text too: one that looks like a formula stays text.
        header_styles = [HEADER_QUOTED if looks_like_formula(h) else HEADER for h in headers]
        sheet.add_row(headers, header_styles, height=30)

        base, variants = _cell_styles(book, columns, column_styles)
        add_row = sheet.add_fast_row
        write_csv_row = writer.writerow
        wrapped = wrapped_columns(columns)
        for cells in rows:
            if sheet.rows_written < max_rows:
                ids = base
                for index, by_value in variants:
                    ids = by_value.get(cells[index], ids)  # type: ignore[arg-type]
                add_row(cells, ids, row_height(cells, wrapped))
            write_csv_row(csv_row(cells))
        last_row = max(sheet.rows_written, 2)
        sheet.filter_ref = f"A1:{column_letter(len(columns) - 1)}{last_row}"


def _cell_styles(
    book: XlsxWriter, columns: Sequence[Col], column_styles: Sequence[Style | None]
) -> tuple[list[int], list[tuple[int, dict[str, list[int]]]]]:
    """The style ids of a table's cells: one per column, and for each coloured column (outcome,
    severity) a ready list per value."""
    # The column's own style, or amber for a filled-in "needs attention" cell (only cells with
    # a value are written, so empty ones stay plain); all at the top of their cell, level with
    # the first line of a wrapped neighbour.
    base = [
        book.style_id(_at_top(ATTENTION if column.kind == "attention" else style))
        for column, style in zip(columns, column_styles, strict=True)
    ]
    variants: list[tuple[int, dict[str, list[int]]]] = []
    for index, column in enumerate(columns):
        palette = {"outcome": OUTCOME_STYLES, "severity": SEVERITY_STYLES}.get(column.kind)
        if palette:
            by_value = {}
            for value, style in palette.items():
                ids = list(base)
                ids[index] = book.style_id(_at_top(style))
                by_value[value] = ids
            variants.append((index, by_value))
    return base, variants


#: Characters of ordinary text a column of width 1 holds (its unit is the width of a '0').
_CHARS_PER_WIDTH = 1.2
#: Points per line of 11-point text, and the most lines a row is given (the rest stays in the
#: cell, seen when it is selected).
_LINE_POINTS = 15
_MOST_LINES = 6


def wrapped_columns(columns: Sequence[Col]) -> list[tuple[int, int]]:
    """(index, characters per line) of each column whose text wraps."""
    return [(i, max(int(c.width * _CHARS_PER_WIDTH), 1)) for i, c in enumerate(columns) if c.wrap]


def row_height(cells: Sequence[Cell], wrapped: Sequence[tuple[int, int]]) -> float:
    """The height (points) a row's wrapped text needs, or 0 when one line holds it.

    Excel and LibreOffice keep a streamed row at one line whatever its text, so wrapped text
    is cut (Excel) or drawn over the rows below (LibreOffice) unless the row says its height.
    The count is an estimate by characters, which ordinary text does not outrun.
    """
    lines = 1
    size = len(cells)
    for index, per_line in wrapped:
        text = cells[index] if index < size else None
        if text.__class__ is str and len(text) > per_line:
            lines = max(lines, -(-len(text) // per_line))
    return _LINE_POINTS * min(lines, _MOST_LINES) if lines > 1 else 0


def _at_top(style: Style | None) -> Style:
    return dataclasses.replace(style, top=True) if style is not None else Style(top=True)


def _column_style(column: Col) -> Style | None:
    # Text format on phone columns: a number typed there later by hand stays text too.
    if column.kind == "phone":
        return TEXT
    if column.kind == "datetime":
        return DATETIME
    if column.wrap:
        return WRAP
    return None
