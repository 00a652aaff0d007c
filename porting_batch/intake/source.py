"""What a spreadsheet file is, and the checks its bytes pass before anything parses them.

A small zip can unpack to gigabytes, so before anything reads a workbook its zip members are
really unpacked, streamed and without trusting the sizes the zip declares (they can lie, and a
checksum can be forged to match the lie); the file is refused once they pass
``Settings.max_unpacked_mb``.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

from porting_batch.errors import IntakeError
from porting_batch.media import ZIP_MAGIC
from porting_batch.settings import Settings

#: The kinds of file a batch can be: ``run FILE``, a folder run and the inbox take these only.
SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".csv"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
CSV_SUFFIXES = frozenset({".csv"})
#: Spreadsheet kinds this tool does not read, and what to do instead.
OTHER_KINDS = {
    ".xls": "it is an old-style Excel file: open it in Excel and save it as Excel Workbook (.xlsx)",
    ".xlsb": "open it in Excel and save it as Excel Workbook (.xlsx)",
    ".ods": "open it and save it as Excel Workbook (.xlsx)",
    ".numbers": "export it from Numbers as Excel (.xlsx)",
    ".tsv": "save it as .xlsx, or as CSV (.csv)",
    ".txt": "save it as .xlsx, or as CSV (.csv)",
}
#: Old-style Excel (.xls) and password-protected workbooks are OLE compound files.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_CHUNK = 1 << 16
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")


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


def read_bytes(path: Path, settings: Settings) -> bytes:
    """The file's bytes, once it is known to be a file within max_input_mb and not empty."""
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
