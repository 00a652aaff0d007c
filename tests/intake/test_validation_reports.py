"""What ``porting-batch validate`` tells the operator, read back from the files it writes."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from porting_batch.intake import read_batch
from porting_batch.reports import write_reports
from porting_batch.runner import validation_result
from porting_batch.settings import Settings

from .conftest import TODAY, good_row, write_xlsx


def _report(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    settings = Settings(out_dir=tmp_path / "reports")
    intake = read_batch(write_xlsx(tmp_path / "b.xlsx", rows), settings, today=TODAY)
    return write_reports(validation_result(settings, intake), tmp_path / "out").folder


def _summary(folder: Path) -> dict[str, object]:
    sheet = load_workbook(folder / "report.xlsx")["Summary"]
    found: dict[str, object] = {}
    for row in sheet.iter_rows(values_only=True):
        if row and row[0]:
            found.setdefault(str(row[0]), row[1])
    return found


def _issues(folder: Path) -> list[dict[str, object]]:
    header, *rows = load_workbook(folder / "report.xlsx")["Issues"].iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_a_validate_only_run_says_it_was_a_check_and_what_a_run_would_do(
    tmp_path: Path,
) -> None:
    """Status 'Checked', mode 'validate only', valid rows told what a run would do."""
    folder = _report(tmp_path, [good_row(), good_row(phone_number="+1 312 555 0143")])
    summary = _summary(folder)
    assert str(summary["Status"]).startswith("Checked")
    assert "Complete" not in str(summary["Status"])
    assert str(summary["Mode"]).startswith("validate only")
    data = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert (data["status"], data["mode"]) == ("checked", "validate")
    header, *rows = load_workbook(folder / "report.xlsx")["Numbers"].iter_rows(values_only=True)
    reasons = [dict(zip(header, row, strict=True))["Reason"] for row in rows]
    assert all(str(reason).startswith("checked only") for reason in reasons)
    assert not any("run again" in str(reason) for reason in reasons)
