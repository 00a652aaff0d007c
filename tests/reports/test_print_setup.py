"""Every sheet of report.xlsx and annotated.xlsx prints like the template: landscape on
Letter, one page wide, the header row on every page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from porting_batch.reports import write_reports
from porting_batch.results import BatchResult


def _assert_prints_like_the_template(sheet: Any) -> None:
    setup = sheet.page_setup
    assert (setup.orientation, int(setup.paperSize)) == ("landscape", 1), sheet.title
    assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0), sheet.title
    assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
    assert "&P" in sheet.oddFooter.right.text, sheet.title


def test_every_report_sheet_prints_landscape_one_page_wide_with_its_header(
    result: BatchResult, tmp_path: Path
) -> None:
    """Summary, Numbers, Orders and Issues: landscape, fit to width; tables repeat row 1."""
    files = write_reports(result, tmp_path / "out")
    book = load_workbook(files.xlsx)
    for sheet in book.worksheets:
        _assert_prints_like_the_template(sheet)
    titles = {sheet.title: sheet.print_title_rows for sheet in book.worksheets}
    assert titles == {"Summary": None, "Numbers": "$1:$1", "Orders": "$1:$1", "Issues": "$1:$1"}


def test_every_annotated_sheet_prints_with_the_operators_header_row(
    result: BatchResult, tmp_path: Path
) -> None:
    """annotated.xlsx prints the same way; its header row (row 2 of this input) repeats."""
    files = write_reports(result, tmp_path / "out")
    assert files.annotated is not None
    book = load_workbook(files.annotated)
    for sheet in book.worksheets:
        _assert_prints_like_the_template(sheet)
    assert book["Numbers"].print_title_rows == "$2:$2"
