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
    tmp_path.mkdir(parents=True, exist_ok=True)
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
    assert all(str(reason).startswith("validated only") for reason in reasons)
    assert not any("run again" in str(reason) for reason in reasons)


def test_a_partial_port_with_a_new_btn_gets_no_btn_warning(tmp_path: Path) -> None:
    """Moving the BTN in a partial port is fine once new_billing_phone_number is filled."""
    btn = "+1 312 555 0100"
    base = {"port_type": "partial", "remaining_numbers_action": "keep"}
    warned = _report(tmp_path / "a", [good_row(phone_number=btn, **base)])
    fixed = _report(
        tmp_path / "b",
        [good_row(phone_number=btn, new_billing_phone_number="+1 312 555 0199", **base)],
    )
    assert "partial_includes_btn" in [i["Code"] for i in _issues(warned)]
    assert "partial_includes_btn" not in [i["Code"] for i in _issues(fixed)]


def test_a_four_digit_zip_blames_a_lost_zero_only_where_zips_start_with_zero(
    tmp_path: Path,
) -> None:
    """'0210' in Massachusetts lost a zero; '6060' in Chicago is just a wrong ZIP."""
    chicago = _issues(_report(tmp_path / "a", [good_row(postal_code="6060")]))
    boston = _issues(
        _report(
            tmp_path / "b",
            [good_row(postal_code="2108", locality="Boston", administrative_area="MA")],
        )
    )
    fix = {i["Column"]: i["How to fix"] for i in chicago}["postal_code"]
    assert "leading zero" not in str(fix)
    assert "leading zero" in str({i["Column"]: i["How to fix"] for i in boston}["postal_code"])
