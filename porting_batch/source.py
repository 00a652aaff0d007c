"""What a spreadsheet file is, and the checks it passes before and while a reader reads it.

A hostile or merely huge workbook must never take the process down: one cell at XFD1048576
makes calamine allocate the whole 16,384 x 1,048,576 grid (512 GiB, then a Rust abort that no
``except`` can catch), and a small zip can unpack to gigabytes. So:

* before anything reads a workbook, its zip members are really unpacked, streamed and without
  trusting the sizes the zip declares (they can lie, and a checksum can be forged to match the
  lie); the file is refused once they pass ``Settings.max_unpacked_mb``;
* the sheet's declared dimension (``<dimension ref=...>``) is read. It is only a claim. When it
  reaches past ``Settings.max_rows`` or ``Settings.max_columns`` and the sheet's XML is small
  (:data:`SCAN_FIRST_BYTES`, the few-KB hostile file), the XML is streamed with
  :func:`xml.etree.ElementTree.iterparse` (tags matched by local name, so an ``x:`` prefix does
  not escape) up to the first real cell beyond the bounds, refused by its address and value;
* calamine then runs in a child process with an address-space limit (:data:`READER_MEMORY_MB`)
  and checks the sheet's real extent (which it computes from the cells, never from the claim)
  before it builds any Python list. A claim of A1:Z1048576 over ten real rows reads as the ten
  rows it is, at calamine's speed.

Why a child process rather than a proof that the checks bound calamine's allocations: the claim
can lie small (A1:B2 over a cell at XFD1048576), so such a proof needs a full scan of the
sheet's XML in Python, which costs about three times calamine's whole read (6 s against 2 s per
100,000 rows, more for a million formatted empty rows). The child costs about 0.4 s per
100,000 rows and also survives what no check foresees (a panic, an allocation that aborts).
When the child fails or finds the sheet too big, the scan runs then, to name the cell.
"""

from __future__ import annotations

import contextlib
import io
import pickle
import posixpath
import re
import struct
import subprocess
import sys
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError, iterparse

from porting_batch.cells import column_index, column_letter
from porting_batch.errors import IntakeError
from porting_batch.media import ZIP_MAGIC
from porting_batch.settings import Settings

#: The kinds of file a batch can be: ``run FILE``, a folder run and the inbox take these only.
SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".csv"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
CSV_SUFFIXES = frozenset({".csv"})
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

#: Address space the reader process may use. A legitimate 250,000-row sheet of the template's
#: 31 columns needs about 1 GB; the hostile files this guards against ask for hundreds of GB.
READER_MEMORY_MB = 2048
#: A sheet whose claim passes the bounds is scanned before the reader when its XML is at most
#: this big (about 0.2 s of scanning); the reader process copes with the bigger ones.
SCAN_FIRST_BYTES = 4 << 20
#: Rows per message from the reader process: small enough to overlap, big enough to be cheap.
_BATCH_ROWS = 4096
#: A reader still busy after this long is stopped (the bounds above keep real reads far below).
READER_TIMEOUT_S = 300.0

#: Why the stdlib parser is safe here: ElementTree never fetches external entities, and the
#: bundled expat (2.5+) refuses entity expansion bombs ("billion laughs") on its own.
_XML_SAFETY = "expat>=2.4 amplification limits; no external entities"
_CHUNK = 1 << 16
_CELL_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})")
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_MAIN_REL = "officeDocument/2006/relationships"
_LIMITS_HINT = (
    "delete the cells beyond the data (select the empty rows below it and the empty columns "
    "to its right, Delete, save), or split the batch; the limits are PORTING_MAX_ROWS and "
    "PORTING_MAX_COLUMNS"
)


def is_spreadsheet(path: Path) -> bool:
    """Whether a file's name makes it a batch spreadsheet (an Office lock file ``~$`` is not)."""
    name = Path(path).name
    return Path(name).suffix.lower() in SPREADSHEET_SUFFIXES and not name.startswith("~$")


def is_xlsx_package(data: bytes) -> bool:
    """Whether bytes are an Excel workbook (a zip holding xl/workbook.xml), whatever its name."""
    if not data.startswith(ZIP_MAGIC):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.getinfo("xl/workbook.xml")
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class SheetEntry:
    """One sheet as workbook.xml lists it."""

    name: str
    visible: bool
    part: str  # its XML inside the zip, e.g. "xl/worksheets/sheet1.xml"
    worksheet: bool  # False for chart sheets and dialog sheets


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _attribute(element: Element, name: str) -> str:
    """An attribute by local name, with or without a namespace."""
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return ""


def check_package(path: Path, data: bytes, settings: Settings) -> zipfile.ZipFile:
    """The workbook's zip, once every member has been unpacked within max_unpacked_mb.

    The unpacking is real (zlib on the raw member data), not the sizes the zip declares: those
    can lie, and a checksum can be forged to match the lie.
    """
    limit = int(settings.max_unpacked_mb * 1024 * 1024)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        total = 0
        for info in archive.infolist():
            if info.flag_bits & 0x1:
                raise IntakeError(
                    f"{path.name} is password-protected (its part {info.filename} is encrypted)",
                    file=str(path),
                    hint="open it in Excel, remove the password and save it again",
                )
            total += _unpacked_size(data, info, limit - total)
            if total > limit:
                raise IntakeError(
                    f"{path.name} unpacks to more than {settings.max_unpacked_mb:g} MB "
                    f"(stopped in its part {info.filename}): it is too large, or built to "
                    "exhaust memory",
                    file=str(path),
                    hint="save it again from Excel, remove what the batch does not need, or "
                    "split the batch; the limit is PORTING_MAX_UNPACKED_MB",
                )
    except IntakeError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error, struct.error) as exc:
        raise IntakeError(
            f"{path.name} could not be read as a spreadsheet (a damaged zip: {exc})",
            file=str(path),
            hint="open it in Excel and save it again as .xlsx",
        ) from exc
    return archive


def _unpacked_size(data: bytes, info: zipfile.ZipInfo, budget: int) -> int:
    """The real unpacked size of one member, counted only up to just past ``budget``."""
    fields = _LOCAL_HEADER.unpack_from(data, info.header_offset)
    if fields[0] != ZIP_MAGIC:
        raise zipfile.BadZipFile(f"no local header for {info.filename}")
    start = info.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10]
    raw = memoryview(data)[start : start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        return len(raw)
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise zipfile.BadZipFile(
            f"its part {info.filename} uses a compression Excel does not write"
        )
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    produced = 0
    for offset in range(0, len(raw), _CHUNK):
        pending = raw[offset : offset + _CHUNK].tobytes()
        while pending:
            produced += len(inflater.decompress(pending, _CHUNK))
            if produced > budget:
                return produced
            pending = inflater.unconsumed_tail
        if inflater.eof:
            break
    return produced


def workbook_sheets(archive: zipfile.ZipFile) -> list[SheetEntry]:
    """The sheets workbook.xml lists, in order, with their XML part and visibility."""
    targets: dict[str, tuple[str, bool]] = {}
    for element in _elements(archive, "xl/_rels/workbook.xml.rels", "Relationship"):
        target = element.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        part = posixpath.normpath(part)  # "xl/../xl/worksheets/sheet1.xml" names a member too
        kind = element.get("Type", "")
        targets[element.get("Id", "")] = (part, kind.endswith("/worksheet"))
    sheets: list[SheetEntry] = []
    for element in _elements(archive, "xl/workbook.xml", "sheet"):
        rel_id = next(
            (value for key, value in element.attrib.items() if key.endswith("}id")),
            element.get("id", ""),
        )
        part, worksheet = targets.get(rel_id, ("", False))
        state = element.get("state", "visible")
        sheets.append(SheetEntry(element.get("name", ""), state == "visible", part, worksheet))
    return sheets


def _elements(archive: zipfile.ZipFile, part: str, local: str) -> Iterator[Element]:
    with archive.open(part) as stream:
        for _, element in iterparse(stream, events=("end",)):  # noqa: S314 - see _XML_SAFETY
            if _local(element.tag) == local:
                yield element


def declared_dimension(archive: zipfile.ZipFile, part: str) -> tuple[int, int] | None:
    """The last (row, column) of the sheet's ``<dimension ref>`` claim, None without one.

    Only the XML before ``<sheetData>`` is read.
    """
    with archive.open(part) as stream:
        for _, element in iterparse(stream, events=("start",)):  # noqa: S314 - see _XML_SAFETY
            name = _local(element.tag)
            if name == "sheetData":
                return None
            if name == "dimension":
                last = element.get("ref", "").rpartition(":")[2]
                found = _CELL_REF.fullmatch(last.replace("$", ""))
                if not found:
                    return None
                return int(found.group(2)), column_index(found.group(1)) + 1
    return None


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
    row_number = 0
    column = 0
    row_element: Element | None = None
    try:
        with archive.open(part) as stream:
            for event, element in iterparse(  # noqa: S314 - see _XML_SAFETY
                stream, events=("start", "end")
            ):
                name = _local(element.tag)
                if event == "start":
                    if name == "row":
                        given = element.get("r", "")
                        row_number = int(given) if given.isdigit() else row_number + 1
                        column = 0
                        row_element = element
                    continue
                if name != "c":
                    if name == "row":
                        element.clear()
                    continue
                reference = element.get("r", "")
                found = _CELL_REF.fullmatch(reference) if reference else None
                if reference and not found:
                    raise IntakeError(
                        f"{path.name}, sheet '{sheet}': '{reference[:40]}' is not a cell address",
                        file=str(path),
                        sheet=sheet,
                        hint="open it in Excel and save it again as .xlsx",
                    )
                if found:
                    row_number = int(found.group(2))
                    column = column_index(found.group(1)) + 1
                else:
                    column += 1
                if len(element):
                    if row_number > settings.max_rows or column > settings.max_columns:
                        _refuse_cell(path, sheet, row_number, column, element, settings)
                    extent.cells += 1
                    extent.last_row = max(extent.last_row, row_number)
                    extent.last_column = max(extent.last_column, column)
                # A row of millions of empty cells must not pile up in memory.
                if row_element is not None and len(row_element) and row_element[-1] is element:
                    row_element.remove(element)
                else:
                    element.clear()
    except ParseError as exc:
        raise IntakeError(
            f"{path.name}, sheet '{sheet}': the sheet's XML is damaged ({exc})",
            file=str(path),
            sheet=sheet,
            hint="open it in Excel and save it again as .xlsx",
        ) from exc
    return extent


def _refuse_cell(
    path: Path, sheet: str, row: int, column: int, cell: Element, settings: Settings
) -> None:
    value = "".join(
        text
        for child in cell.iter()
        if _local(child.tag) in {"v", "t", "f"}
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
            hint="open it in Excel and save it again as .xlsx",
        ) from exc
    # No claim, or one within bounds: a lie that hides far cells is the reader process's to
    # survive, and the full scan then names them.
    if claim is None or (claim[0] <= settings.max_rows and claim[1] <= settings.max_columns):
        return
    if archive.getinfo(sheet.part).file_size > SCAN_FIRST_BYTES:
        return
    scan_cells(path, archive, sheet.name, sheet.part, settings)


# ---------------------------------------------------------------------------------------------
# The reader process

#: The program the child runs: only the standard library and python_calamine, so it starts in
#: a few tens of milliseconds. It reads the workbook from stdin and writes one pickle.
_CHILD = r"""
import io, pickle, resource, sys
limit, max_rows, max_columns, batch = map(int, sys.argv[1:5])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
data = sys.stdin.buffer.read()
out = sys.stdout.buffer

def send(message):
    blob = pickle.dumps(message, protocol=5)
    out.write(len(blob).to_bytes(8, "little"))
    out.write(blob)
    out.flush()

try:
    import python_calamine
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheet = book.get_sheet_by_name(sys.argv[5])
    # calamine sizes its grid from the real cells, never from the dimension claim
    last_row, last_column = (sheet.end[0] + 1, sheet.end[1] + 1) if sheet.end else (0, 0)
    if last_row > max_rows or last_column > max_columns:
        send(("extent", last_row, last_column))
    else:
        # iter_rows starts at row 1 but at the first used column: pad to column A, as
        # to_python(skip_empty_area=False) does
        pad = [""] * (sheet.start[1] if sheet.start else 0)
        rows = []
        for row in sheet.iter_rows():
            rows.append(pad + row if pad else row)
            if len(rows) == batch:
                send(("rows", rows))
                rows = []
        send(("rows", rows))
        send(("end",))
except MemoryError:
    send(("memory",))
except BaseException as exc:
    send(("error", type(exc).__name__, str(exc)[:500]))
"""

_ALLOWED_GLOBALS = {("datetime", name) for name in ("datetime", "date", "time", "timedelta")}


class _CellUnpickler(pickle.Unpickler):
    """Only plain values and datetime types: the child parsed untrusted bytes."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"unexpected {module}.{name} from the reader")


class ReaderFailed(Exception):
    """The reader process did not read the sheet: ``kind`` is extent (too big), memory,
    crash, timeout or error."""

    def __init__(self, kind: str, detail: str = "", error_type: str = "") -> None:
        super().__init__(detail or kind)
        self.kind = kind
        self.detail = detail
        self.error_type = error_type


def read_sheet_isolated(
    data: bytes, sheet: str, settings: Settings, *, memory_mb: int = READER_MEMORY_MB
) -> list[list[Any]]:
    """The sheet's rows as calamine's ``to_python`` gives them, read in a child process with a
    memory limit.

    The rows come back in batches while the child is still converting, so unpickling here
    overlaps the child's work. Raises :class:`ReaderFailed` when the child finds the sheet too
    big, runs out of memory, dies or reports an error.
    """
    limit = memory_mb * 1024 * 1024
    command = [
        sys.executable,
        "-P",  # the working folder is not searched for modules; PYTHONPATH still is
        "-c",
        _CHILD,
        str(limit),
        str(settings.max_rows),
        str(settings.max_columns),
        str(_BATCH_ROWS),
        sheet,
    ]
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and program
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors
        )
        timed_out = threading.Event()

        def expire() -> None:
            timed_out.set()
            child.kill()

        deadline = threading.Timer(READER_TIMEOUT_S, expire)
        deadline.start()
        try:
            message = _receive(child, data)
        finally:
            deadline.cancel()
            if child.poll() is None:
                child.kill()
            child.wait()
            for pipe in (child.stdin, child.stdout):
                with contextlib.suppress(OSError):
                    pipe.close()  # type: ignore[union-attr]
        if message is None:
            errors.seek(0)
            said = errors.read(1 << 16)
            if timed_out.is_set():
                raise ReaderFailed("timeout", f"no answer in {READER_TIMEOUT_S:g} s")
            memory = b"memory allocation" in said or b"MemoryError" in said
            raise ReaderFailed("memory" if memory else "crash", f"exit status {child.returncode}")
    if message[0] == "end":
        return message[1]
    if message[0] == "memory":
        raise ReaderFailed("memory")
    if message[0] == "extent":
        raise ReaderFailed("extent", f"A1:{column_letter(message[2] - 1)}{message[1]}")
    raise ReaderFailed("error", message[2], message[1])


def _receive(child: subprocess.Popen[bytes], data: bytes) -> tuple[Any, ...] | None:
    """Feed the workbook to the child and collect its answer; None when it died first."""
    assert child.stdin is not None and child.stdout is not None
    try:
        child.stdin.write(data)
        child.stdin.close()
    except BrokenPipeError:
        return None
    rows: list[list[Any]] = []
    while True:
        head = child.stdout.read(8)
        if len(head) < 8:
            return None
        size = int.from_bytes(head, "little")
        blob = child.stdout.read(size)
        if len(blob) < size:
            return None
        try:
            message = _CellUnpickler(io.BytesIO(blob)).load()
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError) as exc:
            raise ReaderFailed("crash", f"unreadable answer ({exc})") from exc
        if not isinstance(message, tuple) or not message:
            raise ReaderFailed("crash", "unreadable answer")
        if message[0] == "rows":
            rows.extend(message[1])
        elif message[0] == "end":
            return ("end", rows)
        else:
            return tuple(message)
