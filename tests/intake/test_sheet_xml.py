"""The sheet's XML is parsed, not pattern-matched: a namespace prefix on every element, or
attributes in another order, read exactly like the XML Excel writes."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from porting_batch.intake.extent import Extent, scan_cells
from porting_batch.intake.formulas import formula_problems
from porting_batch.issues import Issue
from porting_batch.settings import Settings

from .conftest import GOOD_ROW, Reader, documents
from .hostile import MAIN_NS, REL_NS, cell_ref, write_workbook

HEADERS = list(GOOD_ROW)
ENTITY = HEADERS.index("entity_name") + 1
LOCALITY = HEADERS.index("locality") + 1
NO_VALUE = "the cell holds a formula with no calculated value"
NA_ERROR = "the cell shows the error #N/A"

#: (prefix, reordered attributes): Excel's own form first.
VARIANTS = [("", False), ("x", False), ("", True), ("x", True)]
VARIANT_IDS = ["excel", "x-prefixed", "reordered", "x-prefixed-and-reordered"]


def _tag(prefix: str, name: str, attributes: list[tuple[str, str]], body: str | None) -> str:
    name = f"{prefix}:{name}" if prefix else name
    text = "".join(f' {key}="{escape(value)}"' for key, value in attributes)
    return f"<{name}{text}/>" if body is None else f"<{name}{text}>{body}</{name}>"


def _cell(prefix: str, reordered: bool, column: int, row: int, text: str) -> str:
    """A text cell, or for the two marked cells a formula with no value and a cached #N/A."""
    kind, body = "inlineStr", _tag(prefix, "is", [], _tag(prefix, "t", [], escape(text)))
    if (row, column) == (2, ENTITY):
        kind, body = "str", _tag(prefix, "f", [], 'UPPER("acme")')
    elif (row, column) == (3, LOCALITY):
        kind = "e"
        body = _tag(prefix, "f", [], "NA()") + _tag(prefix, "v", [], "#N/A")
    attributes = [("r", cell_ref(column, row)), ("s", "0"), ("t", kind)]
    return _tag(prefix, "c", attributes[::-1] if reordered else attributes, body)


def _workbook(path: Path, prefix: str, reordered: bool) -> Path:
    """A header row and three GOOD_ROW rows (three numbers), hand-written; B2 and G3 are the
    formula cells."""
    records = [HEADERS] + [
        [
            f"+1 312 555 014{row}" if name == "phone_number" else str(GOOD_ROW[name])
            for name in HEADERS
        ]
        for row in range(3)
    ]
    rows = []
    for number, values in enumerate(records, 1):
        cells = "".join(
            _cell(prefix, reordered, column, number, value)
            for column, value in enumerate(values, 1)
        )
        attributes = [("r", str(number)), ("spans", f"1:{len(HEADERS)}")]
        rows.append(_tag(prefix, "row", attributes[::-1] if reordered else attributes, cells))
    namespace = f"xmlns:{prefix}" if prefix else "xmlns"
    sheet = _tag(
        prefix,
        "worksheet",
        [(namespace, MAIN_NS)],
        _tag(prefix, "sheetData", [], "".join(rows)),
    )
    write_workbook(path, '<?xml version="1.0" encoding="UTF-8"?>' + sheet)
    if prefix:
        _prefix_workbook_part(path, prefix)
    documents(path.parent)
    return path


def _prefix_workbook_part(path: Path, prefix: str) -> None:
    """Rewrite xl/workbook.xml with the prefix on its elements too."""
    sheet = _tag(prefix, "sheet", [("name", "Numbers"), ("sheetId", "1"), ("r:id", "rId1")], None)
    workbook = _tag(
        prefix,
        "workbook",
        [(f"xmlns:{prefix}", MAIN_NS), ("xmlns:r", REL_NS)],
        _tag(prefix, "sheets", [], sheet),
    )
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["xl/workbook.xml"] = ('<?xml version="1.0" encoding="UTF-8"?>' + workbook).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


@pytest.mark.parametrize(("prefix", "reordered"), VARIANTS, ids=VARIANT_IDS)
def test_formula_scan_finds_the_same_cells_whatever_the_prefix_or_attribute_order(
    tmp_path: Path, prefix: str, reordered: bool
) -> None:
    """The formula with no value (B2) and the cached #N/A (G3) are found in every variant."""
    path = _workbook(tmp_path / "b.xlsx", prefix, reordered)
    problems = formula_problems(path.read_bytes(), "Numbers")
    assert problems == {(1, ENTITY - 1): NO_VALUE, (2, LOCALITY - 1): NA_ERROR}


@pytest.mark.parametrize(("prefix", "reordered"), VARIANTS, ids=VARIANT_IDS)
def test_extent_scan_locates_the_same_cells_whatever_the_prefix_or_attribute_order(
    tmp_path: Path, prefix: str, reordered: bool
) -> None:
    """Every cell is counted and the last one located at its address in every variant."""
    path = _workbook(tmp_path / "b.xlsx", prefix, reordered)
    with zipfile.ZipFile(path) as archive:
        extent = scan_cells(path, archive, "Numbers", "xl/worksheets/sheet1.xml", Settings())
    assert extent == Extent(last_row=4, last_column=len(HEADERS), cells=4 * len(HEADERS))


@pytest.mark.parametrize(("prefix", "reordered"), VARIANTS, ids=VARIANT_IDS)
def test_reading_gives_the_same_issues_whatever_the_prefix_or_attribute_order(
    tmp_path: Path, read: Reader, prefix: str, reordered: bool
) -> None:
    """read_batch gives Excel's form's issues, formula errors on B2 and G3 included."""
    (tmp_path / "excel").mkdir()
    (tmp_path / "variant").mkdir()
    expected = read(_workbook(tmp_path / "excel" / "b.xlsx", "", False))
    intake = read(_workbook(tmp_path / "variant" / "b.xlsx", prefix, reordered))

    def seen(issues: list[Issue]) -> list[tuple[int, str, str, str]]:
        return [(i.row, i.code, i.column_letter, i.message) for i in issues]

    assert seen(intake.issues) == seen(expected.issues)
    assert [row.values for row in intake.rows] == [row.values for row in expected.rows]
    formula = [
        (row, letter, message)
        for row, code, letter, message in seen(intake.issues)
        if code == "formula_without_value"
    ]
    assert formula == [(2, "B", NO_VALUE), (3, "G", NA_ERROR)]
