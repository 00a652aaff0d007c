"""Reading a CSV batch: its encoding, its delimiter, and lines no spreadsheet would write.

Named ``delimited`` so it never shadows the standard library's ``csv``.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from porting_batch.cells import column_letter
from porting_batch.errors import IntakeError
from porting_batch.intake.grid import Grid
from porting_batch.settings import Settings

#: Excel's last row: a CSV with more lines (blank ones included) came from no spreadsheet.
_CSV_MAX_LINES = 1_048_576
#: No spreadsheet row is written as a line this long (256 columns of 16,384 characters).
_CSV_LINE_LIMIT = 1 << 22


#: Byte-order marks of the wide encodings (UTF-32's first, as UTF-16 LE's is its prefix):
#: Excel's "Unicode Text" and Windows PowerShell's ``>`` write UTF-16 with one.
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def load_csv(path: Path, data: bytes, settings: Settings) -> Grid:
    """The CSV file as a grid of text cells, within max_rows and max_columns."""
    text, delimiter = csv_text(path, data)
    sheet = path.stem
    _check_line_lengths(path, text)
    try:
        rows = _csv_rows(path, text, delimiter, settings)
    except csv.Error as exc:
        raise IntakeError(
            f"{path.name} is not a readable CSV file ({exc})",
            file=str(path),
            hint="export the sheet again as CSV UTF-8",
        ) from exc
    return Grid(sheet=sheet, rows=rows, text_only=True)


def csv_text(path: Path, data: bytes) -> tuple[str, str]:
    """The CSV's text and delimiter, as every reader of the file must take them (intake and the
    annotated copy): decoded by its byte-order mark, else UTF-8, else cp1252; an Excel
    ``sep=`` line taken off, since Excel hides it and the rows keep their numbers."""
    text = _decode(path, data)
    if "\x00" in text[:4096]:
        raise IntakeError(
            f"{path.name} is not a text CSV file (it holds binary data)",
            file=str(path),
            hint="export the sheet as CSV UTF-8, or give the .xlsx itself",
        )
    first_line = text.split("\n", 1)[0]
    hinted = re.fullmatch(r"sep=(.)\r?", first_line)
    if hinted:
        delimiter = hinted.group(1)
        text = text.split("\n", 1)[1] if "\n" in text else ""
    else:
        delimiter = max((",", ";", "\t"), key=first_line.count)
        if not first_line.count(delimiter):
            delimiter = ","
    return text, delimiter


def _decode(path: Path, data: bytes) -> str:
    for bom, codec in _WIDE_BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise IntakeError(
                    f"{path.name} starts as {codec.upper()} text but is cut short or damaged "
                    f"at byte {exc.start:,}",
                    file=str(path),
                    hint="export the sheet again, as CSV UTF-8",
                ) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Excel's plain "CSV" on Windows writes cp1252; latin-1 never fails as the last resort
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _check_line_lengths(path: Path, text: str) -> None:
    """Refuse a line of millions of characters before csv splits it into as many cells.

    A line of _CSV_LINE_LIMIT characters or more holds a window of half that without a line
    break; looking for one every half window costs a few ``str.find`` calls.
    """
    window = _CSV_LINE_LIMIT // 2
    for start in range(0, max(len(text) - window, 0), window):
        if text.find("\n", start, start + window) < 0:
            line = text.count("\n", 0, start) + 1
            raise IntakeError(
                f"{path.name}, line {line:,}: a line of over {window:,} characters, far more "
                "than a spreadsheet row holds",
                file=str(path),
                sheet=path.stem,
                hint="export the sheet again as CSV UTF-8 from Excel",
            )


def _csv_rows(path: Path, text: str, delimiter: str, settings: Settings) -> list[list[Any]]:
    """The CSV's rows within max_rows and max_columns; blank rows at the end are dropped.

    A blank row is kept only once a later row has a value, so a file of a million empty
    lines (what Excel writes for formatted rows) costs no memory and is no error.
    """
    rows: list[list[Any]] = []
    blank: list[Any] = []
    pending = 0
    for number, cells in enumerate(csv.reader(csv_lines(text), delimiter=delimiter), 1):
        if number > _CSV_MAX_LINES:
            raise IntakeError(
                f"{path.name}: more than {_CSV_MAX_LINES:,} lines, more than any spreadsheet holds",
                file=str(path),
                sheet=path.stem,
                hint="remove the empty lines at the end, or split the batch",
            )
        if not any(cells):
            pending += 1
            continue
        if len(cells) > settings.max_columns:
            last = max(index for index, cell in enumerate(cells) if cell) + 1
            if last > settings.max_columns:
                raise IntakeError(
                    f"{path.name}, row {number}, column {column_letter(last - 1)} "
                    f"({_shown(cells[last - 1])}): a value beyond the last column read (at "
                    f"most {settings.max_columns:,} columns)",
                    file=str(path),
                    sheet=path.stem,
                    hint="delete the columns to the right of the data, or raise "
                    "PORTING_MAX_COLUMNS",
                )
            del cells[last:]
        if number > settings.max_rows:
            raise IntakeError(
                f"{path.name}, row {number:,} ({_shown(delimiter.join(cells))}): more than the "
                f"{settings.max_rows:,} rows one batch may have",
                file=str(path),
                sheet=path.stem,
                hint="split the batch into smaller files, or raise PORTING_MAX_ROWS",
            )
        if pending:
            rows.extend([blank] * pending)
            pending = 0
        rows.append(cells)
    return rows


def csv_lines(text: str) -> Iterator[str]:
    """The text's lines with their ends, as csv wants them, without a copy of the whole text.

    io.StringIO would hold the text again at four bytes a character (200 MB for a 50 MB file).
    A text with lone '\r' line ends (classic Mac) still goes through StringIO, which splits
    on them.
    """
    if text.count("\r") != text.count("\r\n"):
        yield from io.StringIO(text, newline="")
        return
    find = text.find
    start = 0
    while (end := find("\n", start)) >= 0:
        yield text[start : end + 1]
        start = end + 1
    if start < len(text):
        yield text[start:]


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:37] + "...")
