"""annotated.xlsx: the operator's own workbook, with a result per row and the bad cells marked.

openpyxl is the only library here that can edit a workbook in place, and it is slow (about
13x calamine to read, and as slow again to save), so inputs over :data:`ANNOTATED_MAX_ROWS`
rows get no annotated copy; the Summary sheet says so. A CSV input is first turned into a
workbook, every value kept as text. openpyxl keeps values, styles, merged cells, widths and
comments; it drops charts, images and macros, which is acceptable for a copy to correct from.

The copy masks the PINs and account numbers of the operator's own cells (a PIN entirely, an
account number but its last four characters), since it travels further than the input: the
operator asks for the clear copy with ``clear_secrets=True``. An input the run could not read
is never opened again here (a file refused as too large once took 2 GB to annotate).
"""

from __future__ import annotations

import csv
import re
import warnings
import zipfile
from collections import defaultdict
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from porting_batch.columns import canonical_column
from porting_batch.errors import IntakeError
from porting_batch.files import atomic_path
from porting_batch.intake.delimited import csv_lines, csv_text
from porting_batch.issues import Issue
from porting_batch.media import ZIP_MAGIC
from porting_batch.outcomes import Outcome
from porting_batch.reports.printing import set_print_setup
from porting_batch.reports.tables import Tables
from porting_batch.results import BatchResult, NumberResult
from porting_batch.safety import cap_text, looks_like_formula, safe_text

#: Above this many input rows no annotated workbook is written (openpyxl's speed).
ANNOTATED_MAX_ROWS = 20_000
#: ...nor above this many input cells: openpyxl's time and memory grow with cells. 12,500 rows
#: of 12 columns (150,000 cells) took 5.4 s CPU and 90 MB for the whole report, 20,000 rows
#: took 8.7 s and 137 MB (benchmarks/bench_reports.py --with-input).
ANNOTATED_MAX_CELLS = 150_000

RESULT_HEADER = "porting_batch_result"
COMMENT_AUTHOR = "porting-batch"
# Comments hold far less than a cell before Excel truncates them in its own way.
COMMENT_LIMIT = 4_000

ERROR_FILL = PatternFill(fill_type="solid", start_color="FFFFC7CE", end_color="FFFFC7CE")
WARNING_FILL = PatternFill(fill_type="solid", start_color="FFFFEB9C", end_color="FFFFEB9C")
SUCCESS_FILL = PatternFill(fill_type="solid", start_color="FFC6EFCE", end_color="FFC6EFCE")

_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_SHEET_NAME_BAD = str.maketrans({c: "_" for c in "[]:*?/\\"})
_HEADER_SCAN_ROWS = 30
_COLUMN_LETTERS = re.compile(r"[A-Z]{1,3}")
#: The user:pass@ part of a URL (a webhook cell may carry one).
_URL_CREDENTIALS = re.compile(r"^(\s*[A-Za-z][A-Za-z0-9+.-]*://)[^/?#@]*@")
_ACCOUNT_WORD = re.compile(r"\b(account|acct)", re.IGNORECASE)
#: What stands for the hidden characters of a masked cell; a PIN is all of it.
MASK = "••••"
#: The most an account number shows of its end.
ACCOUNT_SHOWN = 4


@dataclass
class _Marks:
    """What goes on one cell: the worst severity and the comment lines."""

    error: bool = False
    lines: list[str] = field(default_factory=list)


def write_annotated(
    result: BatchResult,
    tables: Tables,
    path: Path,
    *,
    max_rows: int = ANNOTATED_MAX_ROWS,
    max_cells: int = ANNOTATED_MAX_CELLS,
    clear_secrets: bool = False,
) -> str:
    """Write annotated.xlsx at ``path``; return "" when written, else why it was not.

    PINs and account numbers in the operator's cells are masked unless ``clear_secrets``.
    Only problems with the input (too big, gone, unreadable, of a kind openpyxl cannot open)
    are returned as a note; a failure to write ``path`` itself raises.
    """
    note = _refusal(result, tables, max_rows=max_rows, max_cells=max_cells)
    if note:
        return note
    opened = _open_input(result)
    if isinstance(opened, str):
        return opened
    book, from_csv = opened
    _annotate(book, result, tables, from_csv=from_csv)
    if not clear_secrets:
        _mask_secrets(book, result, tables)
    with atomic_path(path) as temp:
        book.save(temp)
    return ""


def _refusal(result: BatchResult, tables: Tables, *, max_rows: int, max_cells: int) -> str:
    """Why the input is not to be opened at all (never read, too big, gone), or ""."""
    if not result.numbers and not any(issue.row > 0 for issue in result.issues):
        # Nothing was read from the input (intake refused it): nothing to mark, and a file
        # refused as too large or hostile must not be loaded whole to find that out.
        return (
            "annotated.xlsx was not written: the input file could not be read, so there is "
            "nothing to mark in it."
        )
    rows = tables.input_rows
    width = max(len(tables.raw_headers), 1)
    limit = min(max_rows, max_cells // width)
    if rows > limit:
        return (
            f"annotated.xlsx was not written: the input has {rows:,} rows, more than "
            f"{limit:,} (for {width} columns), and editing a workbook that big takes too "
            "long; use the Numbers and Issues sheets of report.xlsx instead."
        )
    source = Path(result.input_path)
    if not source.is_file():
        return f"annotated.xlsx was not written: the input file {source} is no longer there."
    setting = result.settings.get("max_input_mb")
    limit_mb = float(setting) if isinstance(setting, int | float | str) and setting else 0.0
    if limit_mb and source.stat().st_size > limit_mb * 1024 * 1024:
        return (
            f"annotated.xlsx was not written: {source.name} is now larger than the "
            f"{limit_mb:g} MB the run reads."
        )
    return ""


def _open_input(result: BatchResult) -> tuple[Any, bool] | str:
    """The input as an openpyxl workbook and whether it was a CSV, or why it cannot be."""
    source = Path(result.input_path)
    suffix = source.suffix.casefold()
    with source.open("rb") as handle:
        zipped = handle.read(len(ZIP_MAGIC)) == ZIP_MAGIC
    try:
        if suffix in _EXCEL_SUFFIXES or (suffix in _CSV_SUFFIXES and zipped):
            with warnings.catch_warnings(), source.open("rb") as handle:
                # openpyxl warns about every extension it does not keep; they add nothing here.
                warnings.simplefilter("ignore", UserWarning)
                # A handle, not the name: a workbook named .csv is opened for what it is.
                return load_workbook(handle), False
        if suffix in _CSV_SUFFIXES:
            return _workbook_from_csv(source, _sheet_names(result)), True
    except (
        IntakeError,
        InvalidFileException,
        zipfile.BadZipFile,
        UnicodeDecodeError,
        KeyError,
        ValueError,
    ) as exc:
        return f"annotated.xlsx was not written: {source.name} could not be opened again ({exc})."
    return (
        f"annotated.xlsx was not written: {source.suffix or 'this'} files cannot be "
        "annotated; only .xlsx, .xlsm and .csv can."
    )


def _annotate(book: Any, result: BatchResult, tables: Tables, *, from_csv: bool) -> None:
    default_sheet = book.active.title if book.active is not None else book.sheetnames[0]

    def sheet_name(name: str) -> str | None:
        # A CSV became one sheet, whatever name the rows carry (its title is capped at 31).
        if from_csv or not name:
            return default_sheet
        return name if name in book.sheetnames else None

    by_row: dict[tuple[str, int], list[NumberResult]] = defaultdict(list)
    for number in result.numbers:
        name = sheet_name(number.sheet)
        if number.row > 0 and name:
            by_row[(name, number.row)].append(number)
    marks: dict[tuple[str, str], _Marks] = defaultdict(_Marks)
    row_marks: dict[tuple[str, int], _Marks] = defaultdict(_Marks)
    for issue in result.issues:
        name = sheet_name(issue.sheet)
        if issue.row <= 0 or not name:
            continue
        target = row_marks[(name, issue.row)]
        if _COLUMN_LETTERS.fullmatch(issue.column_letter or ""):
            cell = book[name][f"{issue.column_letter}{issue.row}"]
            # A merged cell takes no comment: its range's top-left cell speaks for it.
            if not isinstance(cell, MergedCell):
                target = marks[(name, cell.coordinate)]
        target.error = target.error or issue.is_error
        target.lines.append(_comment_line(issue, tables))

    for worksheet in book.worksheets:
        set_print_setup(worksheet)
    result_columns: dict[str, int] = {}
    used = {name for name, _ in by_row} | {name for name, _ in marks} | {n for n, _ in row_marks}
    for name in sorted(used):
        sheet = book[name]
        column = (sheet.max_column or 0) + 1
        result_columns[name] = column
        rows = [row for (sheet_of, row) in by_row if sheet_of == name]
        header_row = _header_row(sheet, result, min(rows) if rows else 2)
        _add_result_header(sheet, header_row, column)
        set_print_setup(sheet, header_row)

    for (name, row), numbers in by_row.items():
        cell = book[name].cell(
            row=row, column=result_columns[name], value=_row_result(numbers, tables)
        )
        cell.fill = SUCCESS_FILL if all(n.outcome.is_success for n in numbers) else WARNING_FILL
        if any(n.outcome in {Outcome.INVALID_INPUT, Outcome.NOT_PORTABLE} for n in numbers):
            cell.fill = ERROR_FILL

    for (name, row), mark in row_marks.items():
        _mark(book[name].cell(row=row, column=result_columns[name]), mark)
    for (name, ref), mark in marks.items():
        _mark(book[name][ref], mark)


def _add_result_header(sheet: Any, header_row: int, column: int) -> None:
    """The result column's header, styled like the operator's last header and inside their
    auto-filter, so filtering by result works and the column looks like one of theirs."""
    cell = sheet.cell(row=header_row, column=column, value=RESULT_HEADER)
    neighbour = sheet.cell(row=header_row, column=column - 1) if column > 1 else None
    if neighbour is not None and neighbour.has_style and neighbour.value is not None:
        cell._style = copy(neighbour._style)
    font = copy(cell.font)
    font.b = True
    cell.font = font
    sheet.column_dimensions[get_column_letter(column)].width = 60
    ref = sheet.auto_filter.ref
    if ref:
        first, _, last = ref.partition(":")
        last = last or first
        end_row = "".join(ch for ch in last if ch.isdigit())
        sheet.auto_filter.ref = f"{first}:{get_column_letter(column)}{end_row}"


def _mask_secrets(book: Any, result: BatchResult, tables: Tables) -> None:
    """Mask the PIN and account-number cells below each sheet's header row, and the
    credentials of webhook URLs."""
    masked = tables.masked_headers
    first_rows: dict[str, int] = {}
    for number in result.numbers:
        if number.row > 0:
            name = number.sheet if number.sheet in book.sheetnames else book.sheetnames[0]
            first_rows[name] = min(first_rows.get(name, number.row), number.row)
    for name in book.sheetnames:
        sheet = book[name]
        header_row = _header_row(sheet, result, first_rows.get(name, 2))
        for cells in sheet.iter_rows(min_row=header_row, max_row=header_row):
            for header_cell in cells:
                header = header_cell.value
                if not isinstance(header, str):
                    continue
                webhook = canonical_column(header) == "webhook_url"
                if not webhook and header.strip() not in masked:
                    continue
                pin = not _is_account_header(header)
                for (cell,) in sheet.iter_rows(
                    min_row=header_row + 1,
                    min_col=header_cell.column,
                    max_col=header_cell.column,
                ):
                    if cell.value is None or isinstance(cell, MergedCell):
                        continue
                    if webhook:
                        cell.value = _URL_CREDENTIALS.sub(r"\1••••@", str(cell.value))
                    else:
                        cell.value = mask_cell(cell.value, pin=pin)


def _is_account_header(header: str) -> bool:
    name = canonical_column(header)
    if name in {"pin_passcode", "account_number"}:
        return name == "account_number"
    return bool(_ACCOUNT_WORD.search(header))


def mask_cell(value: object, *, pin: bool) -> str:
    """A secret cell as the annotated copy shows it: a PIN as ``••••``, an account number as
    ``••••1234`` (its last four characters at most, and never more than half of it)."""
    text = str(value).strip()
    if not text:
        return ""
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    shown = 0 if pin else min(ACCOUNT_SHOWN, len(text) // 2)
    return MASK + (text[-shown:] if shown else "")


def _mark(cell: Any, mark: _Marks) -> None:
    # A warning never paints over the red of an error already on the cell (an invalid row's
    # result, say): the worst news stays visible.
    if mark.error or cell.fill != ERROR_FILL:
        cell.fill = ERROR_FILL if mark.error else WARNING_FILL
    text = "\n".join(line for line in mark.lines if line.strip())
    if cell.comment is not None and cell.comment.text.strip():
        text = f"{cell.comment.text}\n{text}" if text else cell.comment.text
    if not text.strip():
        return
    comment = Comment(cap_text(text, COMMENT_LIMIT), COMMENT_AUTHOR)
    comment.width = 320
    comment.height = min(60 + 30 * len(mark.lines), 400)
    cell.comment = comment


def _comment_line(issue: Issue, tables: Tables) -> str:
    message = tables.scrub_issue_text(issue.message, issue)
    hint = tables.scrub_issue_text(issue.hint, issue)
    if not message.strip() and not hint.strip():
        return ""
    line = f"{issue.severity.value}: {message}"
    return f"{line} Fix: {hint}" if hint else line


def _row_result(numbers: list[NumberResult], tables: Tables) -> str:
    """``outcome: reason`` for the row, or a count per outcome when a range split it."""
    if len(numbers) == 1:
        number = numbers[0]
        reason = tables.scrub_row_text(number.reason, number.sheet, number.row)
        return safe_text(f"{number.outcome.value}: {reason}" if reason else number.outcome.value)
    counts: dict[str, int] = {}
    reasons: list[str] = []
    for number in numbers:
        counts[number.outcome.value] = counts.get(number.outcome.value, 0) + 1
        if number.reason and not number.outcome.is_success:
            reason = tables.scrub_row_text(number.reason, number.sheet, number.row)
            line = f"{number.phone_number or number.input_value}: {reason}"
            if line not in reasons:
                reasons.append(line)
    text = ", ".join(f"{count} {outcome}" for outcome, count in counts.items())
    if reasons:
        text += "; " + "; ".join(reasons)
    return safe_text(text)


def _header_row(sheet: Any, result: BatchResult, first_data: int) -> int:
    """The row holding the operator's headers: the one naming most of them near the top."""
    headers = {header.strip() for header in result.input_headers if header.strip()}
    if headers:
        best, best_row = 0, 0
        limit = min(first_data - 1, _HEADER_SCAN_ROWS)
        for index, values in enumerate(sheet.iter_rows(max_row=limit, values_only=True), start=1):
            found = sum(
                1 for value in values if isinstance(value, str) and value.strip() in headers
            )
            if found > best:
                best, best_row = found, index
        if best_row:
            return best_row
    return max(first_data - 1, 1)


def _sheet_names(result: BatchResult) -> list[str]:
    names = [number.sheet for number in result.numbers if number.sheet]
    names += [issue.sheet for issue in result.issues if issue.sheet]
    return names


def _workbook_from_csv(source: Path, sheet_names: list[str]) -> Any:
    """The CSV as a one-sheet workbook, every value text (a '+' or leading zero survives)."""
    # Decoded and split as intake read it, so each row is where intake numbered it and each
    # value in the column whose secrets are masked.
    text, delimiter = csv_text(source, source.read_bytes())
    book = Workbook()
    sheet = book.active
    title = (sheet_names[0] if sheet_names else source.stem).translate(_SHEET_NAME_BAD)
    sheet.title = title[:31] or "Sheet1"
    for values in csv.reader(csv_lines(text), delimiter=delimiter):
        sheet.append([safe_text(value) for value in values])
    for row in sheet.iter_rows():
        for cell in row:
            # openpyxl takes a string starting with '=' for a formula: keep it the text it was.
            if isinstance(cell.value, str) and looks_like_formula(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True
    return book
