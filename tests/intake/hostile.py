"""Builders of hostile and huge spreadsheets, written byte by byte into a folder.

Shared by tests/intake/test_hostile.py and benchmarks/bench_hostile.py: each file is a few KB
on disk and stands for what the issue saw take the process down.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from porting_batch.cells import column_letter

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_NS}">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
_WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_NS}">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>'
)


def cell_ref(column: int, row: int) -> str:
    """Excel's address of a 1-based column and row: (1, 1) -> A1."""
    return f"{column_letter(column - 1)}{row}"


def sheet_xml(
    rows: Mapping[int, Mapping[int, str]],
    *,
    dimension: str | None = None,
    prefix: str = "",
    empty_rows: range = range(0),
) -> str:
    """A worksheet of inline-string cells ({row: {column: text}}), with an optional claim.

    ``prefix`` writes every tag as ``x:tag`` with the main namespace bound to ``x``;
    ``empty_rows`` adds formatted rows with no value, as Excel writes for formatted areas.
    """
    p = f"{prefix}:" if prefix else ""
    ns = f' xmlns:{prefix}="{MAIN_NS}"' if prefix else f' xmlns="{MAIN_NS}"'
    parts = [f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet{ns}>']
    if dimension:
        parts.append(f'<{p}dimension ref="{dimension}"/>')
    parts.append(f"<{p}sheetData>")
    numbers = sorted({*rows, *empty_rows})
    for number in numbers:
        parts.append(f'<{p}row r="{number}">')
        for column, text in sorted(rows.get(number, {}).items()):
            parts.append(
                f'<{p}c r="{cell_ref(column, number)}" t="inlineStr"><{p}is><{p}t>'
                f"{escape(text)}</{p}t></{p}is></{p}c>"
            )
        if number not in rows:
            parts.append(f'<{p}c r="A{number}" s="1"/>')
        parts.append(f"</{p}row>")
    parts.append(f"</{p}sheetData></{p}worksheet>")
    return "".join(parts)


def write_workbook(
    path: Path, sheet: str, *, extra: Mapping[str, int] | None = None, name: str = "Numbers"
) -> Path:
    """A minimal XLSX with one worksheet; ``extra`` adds members of that many zero bytes."""
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" '
        f'xmlns:r="{REL_NS}"><sheets><sheet name="{escape(name)}" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for member, size in (extra or {}).items():
            block = bytes(1 << 20)
            with archive.open(member, "w", force_zip64=True) as stream:
                for _ in range(size >> 20):
                    stream.write(block)
                stream.write(bytes(size & ((1 << 20) - 1)))
    return path


def table(
    headers: Sequence[str], records: Sequence[Mapping[str, object]]
) -> dict[int, dict[int, str]]:
    """A header row and records as {row: {column: text}}, starting at A1."""
    rows = {1: {index: header for index, header in enumerate(headers, 1)}}
    for number, record in enumerate(records, 2):
        rows[number] = {
            index: str(record[header])
            for index, header in enumerate(headers, 1)
            if record.get(header) not in (None, "")
        }
    return rows


def far_cell_workbook(
    path: Path, headers: Sequence[str], *, prefix: str = "", claim: str = "A1:XFD1048576"
) -> Path:
    """The 4.8 KB file of the issue: a header row and one cell at XFD1048576."""
    rows = table(headers, [])
    rows[1_048_576] = {16_384: "boom"}
    return write_workbook(path, sheet_xml(rows, dimension=claim, prefix=prefix))


def zip_bomb_workbook(path: Path, headers: Sequence[str], unpacked_mb: int) -> Path:
    """A few hundred KB that unpack to ``unpacked_mb`` MB (a member of zeros)."""
    return write_workbook(
        path, sheet_xml(table(headers, [])), extra={"xl/media/image1.bin": unpacked_mb << 20}
    )


def tall_claim_workbook(
    path: Path,
    headers: Sequence[str],
    records: Sequence[Mapping[str, object]],
    *,
    formatted_rows: int = 0,
) -> Path:
    """Rows claimed down to 1,048,576 (A1:Z1048576) over a few real ones.

    ``formatted_rows`` adds that many formatted empty rows below the data, as Excel writes them.
    """
    start = len(records) + 2
    return write_workbook(
        path,
        sheet_xml(
            table(headers, records),
            dimension="A1:Z1048576",
            empty_rows=range(start, start + formatted_rows),
        ),
    )


def sparse_file(path: Path, size: int, head: bytes = b"phone_number,entity_name\n") -> Path:
    """A file of ``size`` bytes that takes no disk and no time to write (a hole after ``head``)."""
    with path.open("wb") as handle:
        handle.write(head)
        handle.truncate(size)
    return path
