"""The names the pipeline and the flows import from porting_batch.reports and .safety."""

from __future__ import annotations

import inspect
from pathlib import Path

from openpyxl import load_workbook

import porting_batch.reports as reports
import porting_batch.safety as safety
from porting_batch.reports import write_reports
from porting_batch.results import BatchResult

from .helpers import csv_rows


def test_reports_public_surface_is_pinned() -> None:
    """The contract other modules code against: names and keyword parameters."""
    assert sorted(reports.__all__) == [
        "ANNOTATED_MAX_CELLS",
        "ANNOTATED_MAX_ROWS",
        "ReportFiles",
        "TrackedOrder",
        "report_folder",
        "result_frames",
        "summary_dict",
        "summary_markdown",
        "write_reports",
        "write_tracking_report",
    ]
    assert list(inspect.signature(reports.write_reports).parameters) == [
        "result",
        "folder",
        "masked_headers",
        "annotated_max_rows",
        "annotated_max_cells",
        "annotated_clear_secrets",
    ]
    assert list(inspect.signature(reports.report_folder).parameters) == [
        "out_dir",
        "batch_name",
        "started_at",
    ]
    fields = list(reports.ReportFiles.__dataclass_fields__)
    assert fields[:7] == [
        "folder",
        "xlsx",
        "numbers_csv",
        "orders_csv",
        "issues_csv",
        "summary_json",
        "annotated",
    ]
    for name in ("mask_secret", "safe_text", "csv_safe"):
        assert callable(getattr(safety, name))


def test_an_operator_header_that_looks_like_a_formula_stays_text(
    result: BatchResult, tmp_path: Path
) -> None:
    """A header typed as '=SUM(A1)' is a quoted text cell in XLSX and apostrophed in CSV."""
    for number in result.numbers:
        number.raw = {**number.raw, "=SUM(A1)": "x"}
    result.input_headers = [*result.input_headers, "=SUM(A1)"]
    files = write_reports(result, tmp_path / "out")
    header = load_workbook(files.xlsx)["Numbers"][1]
    [cell] = [cell for cell in header if cell.value == "=SUM(A1)"]
    assert (cell.data_type, cell.quotePrefix) == ("s", True)
    assert csv_rows(files.numbers_csv)[0][cell.column - 1] == "'=SUM(A1)"
