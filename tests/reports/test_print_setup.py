"""Every sheet of report.xlsx and annotated.xlsx prints like the template: landscape on
Letter, fitted to the page's width, the header row on every page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from porting_batch.reports import write_reports
from porting_batch.reports.printing import PAGE_WIDTH, pages_wide
from porting_batch.results import BatchResult


def _assert_prints_like_the_template(sheet: Any, wide: int = 1) -> None:
    setup = sheet.page_setup
    assert (setup.orientation, int(setup.paperSize)) == ("landscape", 1), sheet.title
    assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (wide, 0), sheet.title
    assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
    assert "&P" in sheet.oddFooter.right.text, sheet.title


def _width(sheet: Any) -> float:
    return sum(d.width for d in sheet.column_dimensions.values() if d.width)


def test_every_report_sheet_prints_landscape_fitted_to_width_with_its_header(
    result: BatchResult, tmp_path: Path
) -> None:
    """Summary and Issues fit one page wide; Numbers and Orders, too wide to read on one, two
    pages wide with their frozen columns repeated; tables repeat their header row."""
    files = write_reports(result, tmp_path / "out")
    book = load_workbook(files.xlsx)
    wide = {sheet.title: 1 for sheet in book.worksheets} | {"Numbers": 2, "Orders": 2}
    for sheet in book.worksheets:
        _assert_prints_like_the_template(sheet, wide[sheet.title])
        # The widths the writer fitted: never below about half size on the page.
        assert _width(sheet) / wide[sheet.title] <= PAGE_WIDTH * 1.2, sheet.title
    titles = {sheet.title: (sheet.print_title_rows, sheet.print_title_cols) for sheet in book}
    assert titles == {
        "Summary": (None, None),
        "Numbers": ("$1:$1", "$A:$C"),
        "Orders": ("$1:$1", "$A:$A"),
        "Issues": ("$1:$1", None),
    }


def test_pages_wide_grows_with_the_columns_beyond_a_page() -> None:
    """A sheet within one page's width prints one page wide; a wider one on as many pages
    as its columns need, the repeated columns counted on each."""
    assert pages_wide([30, 60, 80]) == 1
    assert pages_wide([PAGE_WIDTH / 2] * 4) == 2
    assert pages_wide([50] + [PAGE_WIDTH - 50] * 3, repeated=1) == 3


def test_every_annotated_sheet_prints_with_the_operators_header_row(
    result: BatchResult, tmp_path: Path
) -> None:
    """annotated.xlsx prints as the template does (one page wide); its header row (row 2 of
    this input) repeats on every page."""
    files = write_reports(result, tmp_path / "out")
    assert files.annotated is not None
    book = load_workbook(files.annotated)
    for sheet in book.worksheets:
        _assert_prints_like_the_template(sheet)
    assert book["Numbers"].print_title_rows == "$2:$2"


def test_a_row_with_long_wrapped_text_is_tall_enough_to_show_it(
    result: BatchResult, tmp_path: Path
) -> None:
    """A reason longer than its column is given the lines it needs (Excel and LibreOffice
    keep a streamed row at one line); a row whose text fits keeps the default height."""
    result.numbers[0].reason = "draft order complete"
    result.numbers[1].reason = "the requested time lies beyond the windows Telnyx offers " * 3
    files = write_reports(result, tmp_path / "out")
    sheet = load_workbook(files.xlsx)["Numbers"]
    assert sheet.row_dimensions[3].height >= 3 * 15
    assert sheet.row_dimensions[2].height is None
