"""Formula cells calamine reads as empty: no cached value, or a cached error such as #N/A.

The sheet is parsed with :func:`porting_batch.intake.sheets.iter_cells` (``iterparse``, elements
by local name), so ``<x:c t="e" r="B2">`` is found as surely as ``<c r="B2" t="e">``. A sheet's
XML can be over 100 MB for 100k rows and usually holds neither a formula nor an error, so a
byte gate looks first; it can only say "maybe", and the parser decides.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from xml.etree.ElementTree import Element, ParseError

from porting_batch.intake.sheets import BadReference, iter_cells, local_name, workbook_sheets

_GATE_CHUNK = 1 << 22
#: An element named f, with or without a prefix, starts "<f" or ":f" and goes on with one of
#: these; "<formula1>" (data validations) does not.
_FORMULA_STARTS = (b"<f", b":f")
_AFTER_NAME = frozenset(b"> /\t\n\r")
#: A UTF-16 sheet (legal XML, never written by Excel) hides every byte pattern: parse it.
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def formula_problems(data: bytes, sheet_name: str) -> dict[tuple[int, int], str]:
    """(0-based row, 0-based column) -> why the cell has no usable value, for formula cells
    with no cached value and cached errors (#N/A), which calamine reads as ''."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            part = next(
                (sheet.part for sheet in workbook_sheets(archive) if sheet.name == sheet_name),
                None,
            )
            if not part or not _may_hold_formula_or_error(archive, part):
                return {}
            return _scan(archive, part)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error, ParseError):
        # The reader reports a damaged workbook in its own words.
        return {}


def _scan(archive: zipfile.ZipFile, part: str) -> dict[tuple[int, int], str]:
    problems: dict[tuple[int, int], str] = {}
    with archive.open(part) as stream:
        try:
            for row, column, cell in iter_cells(stream):
                why = _why(cell)
                if why:
                    problems[(row - 1, column - 1)] = why
        except BadReference:
            pass  # the reader refuses such a sheet; what was found so far stands
    return problems


def _why(cell: Element) -> str:
    """Why a cell has no usable value, or '' when it has one."""
    formula = False
    value: str | None = None
    for child in cell:
        name = local_name(child.tag)
        if name == "f":
            formula = True
        elif name == "v":
            value = child.text or ""
    if cell.get("t") == "e":
        return f"the cell shows the error {value or '#ERROR'}"
    if formula and not value:
        return "the cell holds a formula with no calculated value"
    return ""


def _may_hold_formula_or_error(archive: zipfile.ZipFile, part: str) -> bool:
    """Whether the sheet's XML may hold a formula or an error cell, read in chunks.

    False only when no ``f`` element and no ``"e"`` value (an error cell's ``t="e"``) can be
    there, whatever the prefixes and the order of the attributes.
    """
    with archive.open(part) as stream:
        chunk = stream.read(_GATE_CHUNK)
        if chunk.startswith(_UTF16_BOMS):
            return True
        tail = b""
        while chunk:
            window = tail + chunk
            if b'"e"' in window or (b"'" in window and b"'e'" in window):
                return True
            if any(_has_formula_start(window, start) for start in _FORMULA_STARTS):
                return True
            tail = window[-8:]
            chunk = stream.read(_GATE_CHUNK)
    return False


def _has_formula_start(window: bytes, start: bytes) -> bool:
    found = window.find(start)
    while found >= 0:
        after = found + len(start)
        # At the window's end the next byte is unknown: say "maybe".
        if after == len(window) or window[after] in _AFTER_NAME:
            return True
        found = window.find(start, after)
    return False
