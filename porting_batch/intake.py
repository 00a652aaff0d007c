"""Reading a batch spreadsheet (XLSX or CSV) into normalised, validated rows.

File-level problems (not a spreadsheet, empty, password-protected, too large, required columns
missing) raise ``IntakeError`` with one clear message. Row-level problems become ``Issue`` values;
no row is ever dropped (fully blank rows excepted).

The kinds read are :data:`SPREADSHEET_SUFFIXES`, the one list the inbox and folder runs use
too. A workbook passes ``porting_batch.source``'s checks (unpacked size, claimed and real
extent) before calamine reads it, and calamine reads it in a child process with a memory
limit, so a hostile file is one IntakeError, never a dead process.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import compress
from pathlib import Path
from typing import Any, NoReturn
from xml.etree.ElementTree import ParseError

from porting_batch import validation
from porting_batch.cells import column_letter
from porting_batch.columns import (
    IDENTIFIER_COLUMNS,
    NUMBERS_SHEET,
    REQUIRED_COLUMNS,
    canonical_column,
)
from porting_batch.errors import IntakeError
from porting_batch.issues import Issue, Severity
from porting_batch.media import ZIP_MAGIC
from porting_batch.numbers import clean_text
from porting_batch.settings import Settings
from porting_batch.source import (
    CSV_SUFFIXES,
    OLE_MAGIC,
    SPREADSHEET_SUFFIXES,
    XLSX_SUFFIXES,
    ReaderFailed,
    SheetEntry,
    check_package,
    check_sheet,
    is_spreadsheet,
    is_xlsx_package,
    read_sheet_isolated,
    scan_cells,
    workbook_sheets,
)

_HEADER_SCAN_ROWS = 10
#: Excel's last row: a CSV with more lines (blank ones included) came from no spreadsheet.
_CSV_MAX_LINES = 1_048_576
#: No spreadsheet row is written as a line this long (256 columns of 16,384 characters).
_CSV_LINE_LIMIT = 1 << 22
#: Spreadsheet kinds this tool does not read, and what to do instead.
_OTHER_KINDS = {
    ".xls": "it is an old-style Excel file: open it in Excel and save it as Excel Workbook (.xlsx)",
    ".xlsb": "open it in Excel and save it as Excel Workbook (.xlsx)",
    ".ods": "open it and save it as Excel Workbook (.xlsx)",
    ".numbers": "export it from Numbers as Excel (.xlsx)",
    ".tsv": "save it as .xlsx, or as CSV (.csv)",
    ".txt": "save it as .xlsx, or as CSV (.csv)",
}


@dataclass
class InputRow:
    """One data row of the operator's sheet, as typed and as normalised.

    ``values`` holds every canonical column ("" when empty or absent), trimmed, and in one
    form per kind: phone columns in E.164 (``phone_number`` keeps the typed text when it is a
    range; ``phone_numbers`` has the expansion), choices lower-case, ``enable_messaging``
    "true"/"false", ``country``/``country_code`` upper-case (``country`` taken from the number
    when empty), US/CA states upper-case, Canadian postal codes as "A1A 1A1",
    ``requested_foc`` as "YYYY-MM-DDTHH:MM:SSZ", ``invoice_date`` as "YYYY-MM-DD", tags
    comma-separated, ``customer_type`` "business" when empty, and ``loa_file``/``invoice_file``
    as the checked document's path relative to the spreadsheet's folder, with '/' separators
    ("loa-acme.pdf", "docs/loa.pdf"). A value that failed its rule stays as typed.
    """

    sheet: str
    row: int
    raw: dict[str, str]
    values: dict[str, str]
    phone_numbers: list[str] = field(default_factory=list)
    requested_foc: datetime | None = None
    invoice_date: date | None = None
    errors: bool = False
    letters: Mapping[str, str] = field(default_factory=dict, repr=False)

    def letter(self, column: str) -> str:
        """The operator's column letter for a canonical column ("" if the sheet lacks it)."""
        return self.letters.get(column, "")

    def header(self, column: str) -> str:
        """The operator's own header text of a canonical column ("" if the sheet lacks it)."""
        letter = self.letter(column)
        if not letter:
            return ""
        index = 0
        for char in letter:
            index = index * 26 + (ord(char) - 64)
        headers = list(self.raw)
        return headers[index - 1] if 0 < index <= len(headers) else ""


@dataclass
class Intake:
    """A whole spreadsheet read: its rows, where its columns are, and every issue found."""

    path: Path
    sheet: str
    content_hash: str
    headers: list[str]
    columns: dict[str, str]
    unknown_columns: list[str]
    rows: list[InputRow]
    issues: list[Issue]

    @property
    def valid_rows(self) -> list[InputRow]:
        """The rows no error keeps out of the run."""
        return [row for row in self.rows if not row.errors]


@dataclass
class _Grid:
    """The chosen sheet as cells, plus what the XML says that calamine does not."""

    sheet: str
    rows: list[list[Any]]
    #: (0-based row, 0-based column) -> why the cell has no usable value (formula problems)
    bad_cells: dict[tuple[int, int], str] = field(default_factory=dict)
    text_only: bool = False  # every cell is already a str (CSV)
    notes: list[Issue] = field(default_factory=list)  # file-level warnings


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


def _read_batch(path: Path, settings: Settings, today: date | None) -> Intake:

    data = _read_bytes(path, settings)
    grid = _load_grid(path, data, settings)
    header_index = _find_header(grid)
    header_cells = grid.rows[header_index]
    headers = [_cell_text(cell)[0].strip() for cell in header_cells]
    mapping, unknown = _map_headers(path, grid.sheet, headers)
    body = grid.rows[header_index + 1 :]
    grid.rows = []  # the cells live on in body only, so memory is freed as columns are built
    first_row_number = header_index + 2
    width = len(headers)

    # Column-wise: one pass per column is far cheaper than per-cell work across rows.
    if body and min(map(len, body)) < width:
        body = [[*cells, *([""] * (width - len(cells)))] for cells in body]
    if body and max(map(len, body)) > width:
        body = [cells[:width] for cells in body]
    columns_cells = list(zip(*body, strict=True)) if body else []
    del body
    raw_columns: list[list[str]] = []
    cleaned_columns: list[list[str]] = []
    numeric_rows: dict[int, list[int]] = {}
    for index, column_cells in enumerate(columns_cells):
        numeric: list[int] = []
        if grid.text_only:
            texts = list(column_cells)
        else:
            texts, numeric = _column_texts(column_cells)
        raw_columns.append(texts)
        if "".join(texts).isascii():
            cleaned_texts = list(map(str.strip, texts))
        else:
            cleaned_texts = [clean_text(text) if text else text for text in texts]
        cleaned_columns.append(cleaned_texts)
        if numeric:
            numeric_rows[index] = numeric
    del columns_cells
    count = len(raw_columns[0]) if raw_columns else 0
    if any(all(texts) for texts in cleaned_columns):
        filled = set(range(count))  # one column is full, so no row is blank: the usual case
    else:
        filled = set()
        for texts in cleaned_columns:
            filled.update(compress(range(count), texts))
    if not filled:
        raise IntakeError(
            f"{path.name}: sheet '{grid.sheet}' has a header row but no data rows",
            file=str(path),
            sheet=grid.sheet,
            hint="add one row per phone number under the header",
        )
    # Blank rows carry nothing: trailing ones vanish silently, interior ones get one warning.
    positions = sorted(filled)
    blank_interior = [
        first_row_number + offset for offset in range(positions[-1] + 1) if offset not in filled
    ]
    if len(positions) != count:
        raw_columns = [[texts[i] for i in positions] for texts in raw_columns]
        cleaned_columns = [[texts[i] for i in positions] for texts in cleaned_columns]
        new_position = {old: new for new, old in enumerate(positions)}
        numeric_rows = {
            index: [new_position[old] for old in olds if old in new_position]
            for index, olds in numeric_rows.items()
        }
    row_numbers = [first_row_number + offset for offset in positions]

    letters = {name: column_letter(index) for name, index in mapping.items()}
    sheet = grid.sheet
    issues: list[Issue] = list(grid.notes)
    for header in unknown:
        index = headers.index(header)
        issues.append(
            Issue(
                Severity.WARNING,
                f"column '{header}' is not a template column; it is kept in the report "
                "but not used",
                hint="rename it to a template column name if it was meant as one",
                sheet=sheet,
                row=header_index + 1,
                column_letter=column_letter(index),
                value=header,
                code="unknown_column",
            )
        )
    if blank_interior:
        issues.append(
            Issue(
                Severity.WARNING,
                f"{len(blank_interior)} blank row(s) skipped: "
                + validation.row_list(blank_interior),
                hint="nothing to do; blank rows carry no numbers",
                sheet=sheet,
                row=blank_interior[0],
                code="blank_row",
            )
        )

    raw_headers = _unique_keys(headers)
    cleaned = {name: cleaned_columns[index] for name, index in mapping.items()}
    for index, rows_idx in numeric_rows.items():
        name = _name_at(mapping, index) or ""
        if name in IDENTIFIER_COLUMNS:
            for position in rows_idx:
                issues.append(
                    validation.numeric_cell_issue(
                        sheet,
                        row_numbers[position],
                        name,
                        letters[name],
                        cleaned[name][position],
                    )
                )
    position_of = {number: position for position, number in enumerate(row_numbers)}
    for (row_index, col_index), why in sorted(grid.bad_cells.items()):
        if row_index + 1 not in position_of:
            continue
        name = _name_at(mapping, col_index) or ""
        issues.append(
            Issue(
                Severity.ERROR,
                why,
                hint="open the file in Excel, let it calculate and save it, or type the value",
                sheet=sheet,
                row=row_index + 1,
                column=name,
                column_letter=column_letter(col_index),
                code="formula_without_value",
            )
        )

    raws = [dict(zip(raw_headers, texts, strict=False)) for texts in zip(*raw_columns, strict=True)]
    del raw_columns
    rows = [
        InputRow(sheet, number, raw, {}, [], None, None, False, letters)
        for number, raw in zip(row_numbers, raws, strict=True)
    ]
    del raws
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


def second_pass(intake: Intake, answers: Mapping[str, Mapping[str, object]]) -> list[Issue]:
    """Rules that need the portability answers (keyed by E.164), e.g. mobile needs a PIN."""
    return validation.second_pass(intake, answers)


def _unique_keys(headers: list[str]) -> list[str]:
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


def _name_at(mapping: Mapping[str, int], index: int) -> str | None:
    for name, position in mapping.items():
        if position == index:
            return name
    return None


def _read_bytes(path: Path, settings: Settings) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise IntakeError(
            f"{path}: no such file", file=str(path), hint="check the path and the file name"
        ) from None
    except OSError as exc:
        raise IntakeError(f"{path}: cannot be read ({exc.strerror})", file=str(path)) from exc
    if path.is_dir():
        raise IntakeError(
            f"{path} is a folder, not a spreadsheet",
            file=str(path),
            hint="give the path of the .xlsx or .csv file",
        )
    limit = int(settings.max_input_mb * 1024 * 1024)
    if size > limit:
        raise IntakeError(
            f"{path.name} is {size / 1024 / 1024:.1f} MB, larger than the "
            f"{settings.max_input_mb:g} MB limit",
            file=str(path),
            hint="split the batch into smaller files, or raise PORTING_MAX_INPUT_MB",
        )
    if size == 0:
        raise IntakeError(
            f"{path.name} is empty (0 bytes)",
            file=str(path),
            hint="save the spreadsheet again, or use `porting-batch template`",
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise IntakeError(f"{path}: cannot be read ({exc.strerror})", file=str(path)) from exc


def _load_grid(path: Path, data: bytes, settings: Settings) -> _Grid:
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        if is_xlsx_package(data):
            # Renamed, or saved by a tool that picked the wrong extension: read what it is.
            grid = _load_workbook(path, data, settings)
            grid.notes.append(
                Issue(
                    Severity.WARNING,
                    f"{path.name} is an Excel workbook named .csv; it was read as the "
                    "workbook it is",
                    hint=f"rename it to {path.stem}.xlsx",
                    sheet=grid.sheet,
                    value=path.name,
                    code="misnamed_file",
                )
            )
            return grid
        return _load_csv(path, data, settings)
    if suffix in XLSX_SUFFIXES:
        return _load_workbook(path, data, settings)
    raise IntakeError(
        f"{path.name}: '{suffix or 'no extension'}' is not a spreadsheet type this tool reads "
        f"({', '.join(sorted(SPREADSHEET_SUFFIXES))})",
        file=str(path),
        hint=_OTHER_KINDS.get(suffix, "save it as .xlsx (Excel workbook) or .csv"),
    )


def _load_workbook(path: Path, data: bytes, settings: Settings) -> _Grid:
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
    # Nothing reads the workbook before these checks: see porting_batch.source.
    archive = check_package(path, data, settings)
    try:
        sheets = workbook_sheets(archive)
    except (KeyError, ParseError, zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise IntakeError(
            f"{path.name} could not be read as a spreadsheet (no readable workbook inside: {exc})",
            file=str(path),
            hint="open it in Excel and save it again as .xlsx",
        ) from exc
    sheet = _choose_sheet(path, sheets)
    check_sheet(path, archive, sheet, settings)
    # The formula scan runs here while the reader process parses the sheet.
    with ThreadPoolExecutor(max_workers=1) as pool:
        scan = pool.submit(_formula_problems, data, sheet.name)
        try:
            rows = read_sheet_isolated(data, sheet.name, settings)
        except ReaderFailed as failed:
            scan.cancel()
            _explain_failure(path, archive, sheet, settings, failed)
        bad_cells = scan.result()
    _check_size(path, sheet.name, rows, settings)
    return _Grid(sheet=sheet.name, rows=rows, bad_cells=bad_cells)


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


def _choose_sheet(path: Path, sheets: list[SheetEntry]) -> SheetEntry:
    visible = [sheet for sheet in sheets if sheet.visible and sheet.worksheet and sheet.part]
    for sheet in visible:
        if sheet.name.strip().casefold() == NUMBERS_SHEET.casefold():
            return sheet
    if len(visible) == 1:
        return visible[0]
    if not visible:
        raise IntakeError(
            f"{path.name} has no visible worksheet",
            file=str(path),
            hint="unhide the sheet that holds the numbers",
        )
    raise IntakeError(
        f"{path.name} has several sheets ({', '.join(s.name for s in visible)}) and none is "
        f"named '{NUMBERS_SHEET}'",
        file=str(path),
        hint=f"rename the sheet with the numbers to '{NUMBERS_SHEET}'",
    )


_CELL_XML = re.compile(rb"<c r=\"([A-Z]+)(\d+)\"([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_VALUE_XML = re.compile(rb"<v>(.*?)</v>", re.S)


def _formula_problems(data: bytes, sheet_name: str) -> dict[tuple[int, int], str]:
    """Formula cells with no cached value, and cached errors (#N/A), which calamine reads as ''."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            part = _sheet_part(archive, sheet_name)
            if part is None:
                return {}
            if not _has_formula_or_error(archive, part):
                return {}
            xml = archive.read(part)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error):
        return {}
    problems: dict[tuple[int, int], str] = {}
    for match in _CELL_XML.finditer(xml):
        attributes, content = match.group(3), match.group(4) or b""
        # "<f>" or "<f t=...>": not "<formula1>", which data validations use
        has_formula = b"<f>" in content or b"<f " in content
        value = _VALUE_XML.search(content)
        if b't="e"' in attributes:
            shown = value.group(1).decode("utf-8", "replace") if value else "#ERROR"
            why = f"the cell shows the error {shown}"
        elif has_formula and (value is None or value.group(1) == b""):
            why = "the cell holds a formula with no calculated value"
        else:
            continue
        col_letters = match.group(1).decode()
        col = 0
        for char in col_letters:
            col = col * 26 + (ord(char) - 64)
        problems[(int(match.group(2)) - 1, col - 1)] = why
    return problems


def _has_formula_or_error(archive: zipfile.ZipFile, part: str) -> bool:
    """Whether the sheet's XML holds a formula or an error cell, read in chunks (it can be
    over 100 MB for 100k rows, and usually holds neither)."""
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(1 << 22):
            window = tail + chunk
            if b"<f>" in window or b"<f " in window or b't="e"' in window:
                return True
            tail = window[-8:]
    return False


def _sheet_part(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    workbook = archive.read("xl/workbook.xml")
    rels = archive.read("xl/_rels/workbook.xml.rels")
    rel_id = None
    for match in re.finditer(rb"<sheet\b[^>]*>", workbook):
        tag = match.group(0)
        name = re.search(rb'name="([^"]*)"', tag)
        rid = re.search(rb'r:id="([^"]*)"', tag) or re.search(rb'\bid="([^"]*)"', tag)
        if name and rid and _xml_unescape(name.group(1).decode()) == sheet_name:
            rel_id = rid.group(1)
            break
    if rel_id is None:
        return None
    for match in re.finditer(rb"<Relationship\b[^>]*>", rels):
        tag = match.group(0)
        if re.search(rb'Id="' + re.escape(rel_id) + rb'"', tag):
            target = re.search(rb'Target="([^"]*)"', tag)
            if target:
                text = target.group(1).decode()
                return text.lstrip("/") if text.startswith("/") else "xl/" + text
    return None


def _xml_unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def _load_csv(path: Path, data: bytes, settings: Settings) -> _Grid:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's plain "CSV" on Windows writes cp1252; latin-1 never fails as the last resort
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    if "\x00" in text[:4096]:
        raise IntakeError(
            f"{path.name} is not a text CSV file (it holds binary data)",
            file=str(path),
            hint="export the sheet as CSV UTF-8, or give the .xlsx itself",
        )
    first_line = text.split("\n", 1)[0]
    hinted = re.fullmatch(r"sep=(.)\r?", first_line)
    if hinted:
        # Excel's "sep=;" line names the delimiter; Excel hides it, so rows keep their numbers
        delimiter = hinted.group(1)
        text = text.split("\n", 1)[1] if "\n" in text else ""
    else:
        delimiter = max((",", ";", "\t"), key=first_line.count)
        if not first_line.count(delimiter):
            delimiter = ","
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
    return _Grid(sheet=sheet, rows=rows, text_only=True)


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
    for number, cells in enumerate(csv.reader(_lines(text), delimiter=delimiter), 1):
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


def _lines(text: str) -> Iterator[str]:
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


def _find_header(grid: _Grid) -> int:
    """The header row: among the first rows, the one naming most template columns."""
    best, best_count, best_has_phone = -1, 0, False
    for index, cells in enumerate(grid.rows[:_HEADER_SCAN_ROWS]):
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


def _map_headers(path: Path, sheet: str, headers: list[str]) -> tuple[dict[str, int], list[str]]:
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


def _cell_text(cell: object) -> tuple[str, bool]:
    """A cell as the text the operator typed, and whether Excel stored it as a number."""
    if isinstance(cell, str):
        return cell, False
    if cell is None:
        return "", False
    if isinstance(cell, bool):
        return ("TRUE" if cell else "FALSE"), False
    if isinstance(cell, float):
        if cell.is_integer():
            # digits beyond the 15th are already lost; at least never show an exponent
            return str(int(cell)), True
        return repr(cell), True
    if isinstance(cell, int):
        return str(cell), True
    if isinstance(cell, datetime):
        if cell.time() == time(0):
            return cell.date().isoformat(), False
        return cell.isoformat(sep=" "), False
    if isinstance(cell, date):
        return cell.isoformat(), False
    if isinstance(cell, time):
        return cell.isoformat(), False
    if isinstance(cell, timedelta):
        return str(cell), False
    return str(cell), False


def _column_texts(cells: Sequence[object]) -> tuple[list[str], list[int]]:
    """One column's cells as text, and the positions of cells that were stored as numbers."""
    if set(map(type, cells)) <= {str}:
        return list(cells), []  # type: ignore[arg-type]
    texts: list[str] = []
    numeric: list[int] = []
    for position, cell in enumerate(cells):
        text, is_number = _cell_text(cell)
        texts.append(text)
        if is_number:
            numeric.append(position)
    return texts, numeric


__all__ = [
    "SPREADSHEET_SUFFIXES",
    "InputRow",
    "Intake",
    "column_letter",
    "is_spreadsheet",
    "read_batch",
    "second_pass",
]
