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
    base = {"port_type": "partial", "remaining_numbers_action": "keep", "billing_phone_number": btn}
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


def _numbers(folder: Path) -> list[dict[str, object]]:
    header, *rows = load_workbook(folder / "report.xlsx")["Numbers"].iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_one_mistake_in_an_account_is_one_error_naming_its_rows(tmp_path: Path) -> None:
    """An empty business name across an 11-row account and a misspelt state across a 10-row
    one are two errors, not 21; every row of both is invalid, its reason pointing at the cell."""
    btn = {"billing_phone_number": "+1 312 555 0200"}
    nameless = [
        good_row(phone_number=f"+1 312 555 {200 + n:04d}", entity_name=None, **btn)
        for n in range(11)
    ]
    other = {"account_number": "ZZ-77", "billing_phone_number": "+1 312 555 0300"}
    misspelt = [
        good_row(phone_number=f"+1 312 555 {300 + n:04d}", administrative_area="Ilinois", **other)
        for n in range(10)
    ]
    folder = _report(tmp_path, [*nameless, *misspelt])
    issues = [i for i in _issues(folder) if i["Severity"] == "error"]
    assert [(i["Input cell"], i["Column"]) for i in issues] == [
        ("Numbers!E2", "entity_name"),
        ("Numbers!M13", "administrative_area"),
    ]
    assert "rows 3-12" in str(issues[0]["Message"])
    assert "rows 14-22" in str(issues[1]["Message"])
    numbers = _numbers(folder)
    assert [n["Outcome"] for n in numbers] == ["invalid_input"] * 21
    assert all("Numbers!E2" in str(n["Reason"]) for n in numbers[:11])
    assert all("Numbers!M13" in str(n["Reason"]) for n in numbers[11:])


def test_a_full_port_whose_btn_is_not_among_its_numbers_is_flagged_once(tmp_path: Path) -> None:
    """A full port moves the BTN too: one warning on the account's BTN cell, by its name."""
    btn = {"billing_phone_number": "+1 312 555 0199"}
    rows = [good_row(**btn), good_row(phone_number="+1 312 555 0143", **btn)]
    flagged = [i for i in _issues(_report(tmp_path / "a", rows)) if i["Severity"] == "warning"]
    assert [(i["Code"], i["Input cell"]) for i in flagged] == [
        ("full_port_without_btn", "Numbers!I2")
    ]
    assert "'Acme Widgets Inc.'" in str(flagged[0]["Message"]) and "rows 2-3" in str(
        flagged[0]["Message"]
    )
    included = _issues(_report(tmp_path / "b", [good_row(), good_row(phone_number="3125550143")]))
    assert included == []


def test_a_number_with_a_service_address_in_another_country_is_an_error(
    tmp_path: Path,
) -> None:
    """A Toronto number with a Chicago address is refused before Telnyx would; a toll-free
    number may be served from either country."""
    toronto = good_row(phone_number="+1 416 555 0142", billing_phone_number="+1 416 555 0142")
    toll_free = good_row(
        phone_number="+1 800 555 0142",
        billing_phone_number="+1 800 555 0142",
        country_code="CA",
        administrative_area="ON",
        postal_code="M5V 3L9",
        account_number="TF-1",
    )
    folder = _report(tmp_path, [toronto, toll_free])
    errors = [i for i in _issues(folder) if i["Severity"] == "error"]
    assert [(i["Code"], i["Input cell"]) for i in errors] == [
        ("address_country_mismatch", "Numbers!O2")
    ]
    assert "in CA but the service address is in US" in str(errors[0]["Message"])
    assert [n["Outcome"] for n in _numbers(folder)] == ["invalid_input", "not_processed"]
