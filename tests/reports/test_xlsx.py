"""The streaming XLSX writer, read back by openpyxl and by calamine."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from porting_batch.cells import column_letter
from porting_batch.reports.xlsx import DEFAULT, Style, XlsxWriter, excel_serial
from porting_batch.safety import EXCEL_CELL_LIMIT, TRUNCATION_MARKER

TEXTS = [
    "+13125552486",
    "01234",
    "a & b < c > d \"quoted\" 'single'",
    "  padded  ",
    "\nnew line first",
    "line one\nline two\r\nthree\tfour",
    "Société Générale — ½ 😀",
    "\u00a0nbsp\u00a0",
    "Acme\x0bCorp\x00",
]


def _write(path: Path, rows: list[list[object]], **sheet: object) -> Path:
    with XlsxWriter(path) as book, book.sheet("Data", **sheet) as data:  # type: ignore[arg-type]
        for row in rows:
            data.add_fast_row(row, [0] * len(row))
        data.filter_ref = f"A1:{column_letter(len(rows[0]) - 1)}{len(rows)}"
    return path


def test_every_part_is_well_formed_xml_and_declared(tmp_path: Path) -> None:
    """Each XML part parses, and [Content_Types].xml declares each sheet, workbook and styles."""
    path = _write(tmp_path / "t.xlsx", [["a", 1], ["b", 2]], widths=(10, 10), freeze_header=True)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        for name in names:
            ElementTree.fromstring(archive.read(name))
        types = archive.read("[Content_Types].xml").decode()
    assert sorted(names) == sorted(
        [
            "[Content_Types].xml",
            "_rels/.rels",
            "docProps/core.xml",
            "docProps/app.xml",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "xl/worksheets/sheet1.xml",
        ]
    )
    for part in names:
        if part.endswith(".xml") and part != "[Content_Types].xml":
            assert f'PartName="/{part}"' in types
    assert load_workbook(path).properties.creator == "porting-batch"


def test_text_round_trips_exactly_through_openpyxl_and_calamine(tmp_path: Path) -> None:
    """Escapes, spaces, line breaks, non-ASCII and leading zeros survive; control chars go."""
    path = _write(tmp_path / "t.xlsx", [[text] for text in TEXTS])
    expected = [*TEXTS[:-1], "AcmeCorp"]
    book = load_workbook(path)
    assert [row[0] for row in book["Data"].iter_rows(values_only=True)] == expected
    assert all(cell.data_type == "s" for (cell,) in book["Data"].iter_rows())
    calamine = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Data").to_python()
    assert [row[0] for row in calamine] == expected


def test_typed_cells_read_back_as_numbers_and_dates(tmp_path: Path) -> None:
    """Ints, floats and naive date-times are numbers and dates; None and '' leave gaps."""
    when = datetime(2026, 12, 3, 15, 30)
    path = _write(tmp_path / "t.xlsx", [[7, 2.5, when, None, "", "end"]])
    assert next(load_workbook(path)["Data"].iter_rows(values_only=True)) == (
        7, 2.5, when, None, None, "end",
    )  # fmt: skip
    assert excel_serial(datetime(1900, 3, 1)) == 61


def test_long_text_is_capped_at_the_excel_limit(tmp_path: Path) -> None:
    """A 40,000-character value reads back 32,767 long, ending with the marker."""
    path = _write(tmp_path / "t.xlsx", [["z" * 40_000]])
    value = load_workbook(path)["Data"]["A1"].value
    assert len(value) == EXCEL_CELL_LIMIT and value.endswith(TRUNCATION_MARKER)


def test_formula_looking_text_gets_the_quote_prefix_and_phones_do_not(tmp_path: Path) -> None:
    """'=1+2' and '@x' are text with quotePrefix; '+1 312 555 2486' is text without it."""
    path = _write(tmp_path / "t.xlsx", [["=1+2", "@x", "+1 312 555 2486", "-", "plain"]])
    cells = next(load_workbook(path)["Data"].iter_rows())
    assert [(c.value, c.data_type, bool(c.quotePrefix)) for c in cells] == [
        ("=1+2", "s", True),
        ("@x", "s", True),
        ("+1 312 555 2486", "s", False),
        ("-", "s", True),
        ("plain", "s", False),
    ]


def test_sheet_layout_freezes_filters_and_sizes_columns(tmp_path: Path) -> None:
    """Frozen first row, auto-filter over the data, widths and column formats as asked."""
    text = Style(text_format=True)
    rows: list[list[object]] = [["h"] * 30, ["v"] * 30, ["w"] * 30]
    path = _write(
        tmp_path / "t.xlsx",
        rows,
        widths=[12.5] * 30,
        column_styles=[text] + [None] * 29,
        freeze_header=True,
    )
    sheet = load_workbook(path)["Data"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:AD3"
    assert sheet.column_dimensions["AD"].width == 12.5
    assert sheet["AD3"].value == "w"


def test_styles_give_fills_fonts_and_number_formats(tmp_path: Path) -> None:
    """A registered style reads back with its fill, bold font and number format."""
    red = Style(bold=True, fill="FFC7CE", color="9C0006")
    date = Style(num_fmt="yyyy-mm-dd hh:mm")
    path = tmp_path / "t.xlsx"
    with XlsxWriter(path) as book, book.sheet("S") as sheet:
        sheet.add_row(["bad", datetime(2026, 1, 2, 3, 4)], [red, date])
        sheet.add_row(["ok"], [DEFAULT])
    cells = load_workbook(path)["S"]
    assert cells["A1"].fill.fgColor.rgb == "FFFFC7CE"
    assert cells["A1"].font.b and cells["A1"].font.color.rgb == "FF9C0006"
    assert cells["B1"].number_format == "yyyy-mm-dd hh:mm"
    assert cells["A2"].fill.fill_type is None


def test_time_zones_and_bad_sheet_names_are_refused(tmp_path: Path) -> None:
    """Aware date-times and names Excel refuses raise instead of writing a broken file."""
    with (
        XlsxWriter(tmp_path / "a.xlsx") as book,
        book.sheet("S") as sheet,
        pytest.raises(ValueError, match="time zones"),
    ):
        sheet.add_row([datetime(2026, 1, 1, tzinfo=UTC)])
    with XlsxWriter(tmp_path / "b.xlsx") as book:
        with pytest.raises(ValueError, match="sheet name"), book.sheet("a/b"):
            pass
        with book.sheet("ok"):
            pass


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letters_follow_excel(index: int, letters: str) -> None:
    """Column numbers become Excel's letters."""
    assert column_letter(index) == letters


def test_edge_carriage_returns_and_excel_escapes_survive_as_excel_reads_them(
    tmp_path: Path,
) -> None:
    """A CR at either end keeps xml:space, and '_x0041_' stays literal rather than 'A'."""
    texts = ["\r", "\rlead", "trail\r", "_x0041_", "a_x000D_b"]
    path = _write(tmp_path / "t.xlsx", [texts])
    calamine = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Data").to_python()
    assert calamine[0] == texts
    # openpyxl does not decode Excel's escapes, so it shows the escape that keeps them literal.
    assert list(next(load_workbook(path)["Data"].iter_rows(values_only=True)))[3:] == [
        "_x005F_x0041_",
        "a_x005F_x000D_b",
    ]


def test_a_value_of_control_characters_only_leaves_the_cell_blank_on_either_path(
    tmp_path: Path,
) -> None:
    """add_row and add_fast_row agree: nothing left to show is no cell, not an empty string."""
    path = tmp_path / "t.xlsx"
    with XlsxWriter(path) as book, book.sheet("S") as sheet:
        sheet.add_row(["\x00\x1f", "x"])
        sheet.add_fast_row(["\x00\x1f", "x"], [0, 0])
    rows = list(load_workbook(path)["S"].iter_rows(values_only=True))
    assert rows == [(None, "x"), (None, "x")]
