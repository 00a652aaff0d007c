"""A workbook's XML read with a real parser: its sheets, a sheet's dimension claim, its cells.

Everything here streams with :func:`xml.etree.ElementTree.iterparse` and knows elements by
their local name and attributes by their name, so a sheet written with a namespace prefix
(``<x:c>``, ``<x:f>``) or with its attributes in another order reads exactly like Excel's own.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, iterparse

from porting_batch.cells import column_index
from porting_batch.columns import NUMBERS_SHEET
from porting_batch.errors import IntakeError

#: Why the stdlib parser is safe here: ElementTree never fetches external entities, and the
#: bundled expat (2.5+) refuses entity expansion bombs ("billion laughs") on its own.
XML_SAFETY = "expat>=2.4 amplification limits; no external entities"
#: A cell address as ``r`` holds it: column letters, then the row number.
CELL_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})")


@dataclass(frozen=True)
class SheetEntry:
    """One sheet as workbook.xml lists it."""

    name: str
    visible: bool
    part: str  # its XML inside the zip, e.g. "xl/worksheets/sheet1.xml"
    worksheet: bool  # False for chart sheets and dialog sheets


class BadReference(ValueError):
    """A cell's ``r`` attribute is not a cell address."""

    def __init__(self, reference: str) -> None:
        super().__init__(reference)
        self.reference = reference


def local_name(tag: str) -> str:
    """An element's name without its namespace: ``{...main}c`` -> ``c``."""
    return tag.rpartition("}")[2]


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
        for _, element in iterparse(stream, events=("end",)):  # noqa: S314 - see XML_SAFETY
            if local_name(element.tag) == local:
                yield element


def choose_sheet(path: Path, sheets: list[SheetEntry]) -> SheetEntry:
    """The sheet that holds the batch: the one named Numbers, else the only visible one."""
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


def declared_dimension(archive: zipfile.ZipFile, part: str) -> tuple[int, int] | None:
    """The last (row, column) of the sheet's ``<dimension ref>`` claim, None without one.

    Only the XML before ``<sheetData>`` is read.
    """
    with archive.open(part) as stream:
        for _, element in iterparse(stream, events=("start",)):  # noqa: S314 - see XML_SAFETY
            name = local_name(element.tag)
            if name == "sheetData":
                return None
            if name == "dimension":
                last = element.get("ref", "").rpartition(":")[2]
                found = CELL_REF.fullmatch(last.replace("$", ""))
                if not found:
                    return None
                return int(found.group(2)), column_index(found.group(1)) + 1
    return None


def iter_cells(stream: IO[bytes]) -> Iterator[tuple[int, int, Element]]:
    """The sheet's cells as (1-based row, 1-based column, element), in document order.

    The address comes from the cell's ``r`` attribute; a cell without one follows the cell
    before it, and a row without ``r`` the row before it. Each cell is complete (its ``f``,
    ``v`` children parsed) when yielded, and dropped once the caller moves on: a row of
    millions of empty cells must not pile up in memory. Raises :class:`BadReference` for an
    ``r`` that is no address, and ``ParseError`` for damaged XML.
    """
    row_number = 0
    column = 0
    row_element: Element | None = None
    names: dict[str, str] = {}  # a sheet has few distinct tags and millions of elements
    for event, element in iterparse(stream, events=("start", "end")):  # noqa: S314 - see XML_SAFETY
        tag = element.tag
        name = names.get(tag) or names.setdefault(tag, local_name(tag))
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
        found = CELL_REF.fullmatch(reference) if reference else None
        if reference and not found:
            raise BadReference(reference)
        if found:
            row_number = int(found.group(2))
            column = column_index(found.group(1)) + 1
        else:
            column += 1
        yield row_number, column, element
        if row_element is not None and len(row_element) and row_element[-1] is element:
            row_element.remove(element)
        else:
            element.clear()
