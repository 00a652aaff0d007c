"""The example row the reader skips, and the fields template 2.0 added (issue 18 items 4-5):
FOC time zone, RespOrg, EU identifiers, the losing carrier, and what reaches the PATCH."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from porting_batch.columns import COLUMN_NAMES
from porting_batch.errors import IntakeError
from porting_batch.intake import second_pass
from porting_batch.issues import Severity
from porting_batch.order_patch import build_patch, column_for_pointer
from porting_batch.template import example_row, write_batch, write_template
from porting_batch.validation.template_fields import same_carrier

from .conftest import Reader, codes, documents, good_row, write_xlsx


def _texts(row: dict[str, object]) -> dict[str, str]:
    return {key: str(value) for key, value in row.items()}


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_reader_skips_the_example_row_and_only_it(
    tmp_path: Path, read: Reader, suffix: str
) -> None:
    """The example row is not read; the rows under it are, with their own row numbers."""
    documents(tmp_path)
    rows = [_texts(good_row()), _texts(good_row(phone_number="+1 312 555 0143"))]
    path = write_batch(tmp_path / f"b{suffix}", rows, example=True)
    intake = read(path)
    assert intake.issues == []
    assert [row.row for row in intake.rows] == [3, 4]
    assert [row.phone_numbers for row in intake.rows] == [["+13125550142"], ["+13125550143"]]


def test_blank_template_reads_as_having_no_rows(tmp_path: Path, read: Reader) -> None:
    """The example row alone is no data: the empty template is refused as empty."""
    with pytest.raises(IntakeError, match="no data rows"):
        read(write_template(tmp_path / "t.xlsx"))


def test_a_row_mentioning_example_elsewhere_is_read(tmp_path: Path, read: Reader) -> None:
    """Only a first cell starting EXAMPLE marks the example: a note saying so does not."""
    path = write_xlsx(tmp_path / "b.xlsx", [good_row(notes="EXAMPLE customer")])
    intake = read(path)
    assert [row.phone_numbers for row in intake.rows] == [["+13125550142"]]


def test_example_row_as_written_is_a_valid_row_once_unmarked(tmp_path: Path, read: Reader) -> None:
    """The example shows values the rules accept: without its mark it reads cleanly."""
    row = example_row()
    row["phone_number"] = row["phone_number"].removeprefix("EXAMPLE: ")
    row.update(loa_file="loa.pdf", invoice_file="invoice.pdf", invoice_date="")
    row.update(requested_foc="2026-12-21", webhook_url="")
    documents(tmp_path)
    intake = read(write_batch(tmp_path / "b.xlsx", [row]))
    assert [i.code for i in intake.issues if i.severity is Severity.ERROR] == []


@pytest.mark.parametrize(
    ("foc", "zone", "expected"),
    [
        ("2026-12-21", "", "2026-12-21T15:00:00Z"),  # no zone: as before, 15:00 UTC
        ("2026-12-21", "America/Chicago", "2026-12-21T15:00:00Z"),  # 09:00 CST
        ("2026-12-21", "America/New_York", "2026-12-21T14:00:00Z"),
        ("2026-12-21 08:00", "america/los_angeles", "2026-12-21T16:00:00Z"),
        ("2027-07-05 09:00", "America/Toronto", "2027-07-05T13:00:00Z"),  # daylight time
        ("2026-12-21 15:00Z", "America/Chicago", "2026-12-21T15:00:00Z"),  # own zone wins
    ],
)
def test_requested_foc_is_read_in_the_rows_time_zone(
    tmp_path: Path, read: Reader, foc: str, zone: str, expected: str
) -> None:
    """A time (or a bare date, 09:00) is local to the FOC time zone; UTC when none is given."""
    intake = read(
        write_xlsx(tmp_path / "b.xlsx", [good_row(requested_foc=foc, foc_time_zone=zone)])
    )
    [row] = intake.rows
    assert row.values["requested_foc"] == expected
    assert row.requested_foc == datetime.fromisoformat(expected.replace("Z", "+00:00"))


def test_unknown_time_zone_is_an_error_on_its_cell(tmp_path: Path, read: Reader) -> None:
    """A zone that is not an IANA name is refused, naming the cell."""
    intake = read(write_xlsx(tmp_path / "b.xlsx", [good_row(foc_time_zone="Central")]))
    [issue] = intake.issues
    assert (issue.code, issue.column, issue.severity) == (
        "unknown_time_zone",
        "foc_time_zone",
        Severity.ERROR,
    )


@pytest.mark.parametrize(
    ("phone", "resp_org", "expected"),
    [
        ("+1 800 555 0199", "twc01", []),
        ("+1 800 555 0199", "TWC0", ["invalid_resp_org"]),
        ("+1 800 555 0199", "TWC-01!", ["invalid_resp_org"]),
        ("+1 312 555 0142", "TWC01", ["resp_org_not_toll_free"]),
    ],
)
def test_resp_org_is_five_characters_and_for_toll_free_numbers(
    tmp_path: Path, read: Reader, phone: str, resp_org: str, expected: list[str]
) -> None:
    """A RespOrg ID has 5 letters or digits, and a local number has none."""
    row = good_row(phone_number=phone, billing_phone_number=phone, resp_org=resp_org)
    intake = read(write_xlsx(tmp_path / "b.xlsx", [row]))
    assert codes(intake) == expected
    if not expected:
        assert intake.rows[0].values["resp_org"] == resp_org.upper()


def test_eu_identifiers_warn_outside_the_eu_and_reach_the_patch(
    tmp_path: Path, read: Reader
) -> None:
    """Tax and business IDs go to end_user.admin; on a US address they get a warning."""
    row = good_row(tax_identifier="DE123456789", business_identifier="HRB 12345")
    intake = read(write_xlsx(tmp_path / "b.xlsx", [row]))
    assert codes(intake) == ["identifier_outside_eu", "identifier_outside_eu"]
    body = build_patch(
        intake.rows[0].values,
        customer_reference="r",
        customer_group_reference="g",
        foc=None,
        documents={},
    )
    admin = body["end_user"]["admin"]
    assert (admin["tax_identifier"], admin["business_identifier"]) == ("DE123456789", "HRB 12345")
    assert column_for_pointer("/end_user/admin/tax_identifier") == "tax_identifier"


def test_fields_the_api_lacks_stay_out_of_the_patch(tmp_path: Path, read: Reader) -> None:
    """The losing carrier, RespOrg and time zone are the sheet's own: no PATCH field holds
    them (the zone is already in the FOC's UTC moment)."""
    row = good_row(
        phone_number="+1 800 555 0199",
        resp_org="TWC01",
        losing_carrier="AT&T",
        foc_time_zone="America/Chicago",
    )
    intake = read(write_xlsx(tmp_path / "b.xlsx", [row]))
    values = intake.rows[0].values
    body = build_patch(
        values, customer_reference="r", customer_group_reference="g", foc=None, documents={}
    )
    text = str(body)
    for value in ("TWC01", "AT&T", "America/Chicago"):
        assert value not in text


@pytest.mark.parametrize(
    ("ours", "theirs", "same"),
    [
        ("AT&T", "AT&T Corp.", True),
        ("Verizon", "Cellco Partnership dba Verizon Wireless", True),
        ("Comcast", "COMCAST CABLE COMMUNICATIONS, LLC", True),
        ("AT&T", "Verizon Wireless", False),
        ("Inc.", "Verizon", False),
    ],
)
def test_carrier_names_match_across_spellings(ours: str, theirs: str, same: bool) -> None:
    """Legal suffixes, case and punctuation do not make two names different carriers."""
    assert same_carrier(ours, theirs) is same


def test_losing_carrier_unlike_the_portability_answer_is_a_warning(
    tmp_path: Path, read: Reader
) -> None:
    """When the check names another carrier, the cell gets a warning (the row still runs)."""
    intake = read(write_xlsx(tmp_path / "b.xlsx", [good_row(losing_carrier="AT&T")]))
    answer = {"phone_number_type": "local", "carrier_name": "Verizon Wireless"}
    [issue] = second_pass(intake, {"+13125550142": answer})
    assert (issue.code, issue.severity, issue.column) == (
        "losing_carrier_mismatch",
        Severity.WARNING,
        "losing_carrier",
    )
    assert issue.column_letter == openpyxl.utils.get_column_letter(
        COLUMN_NAMES.index("losing_carrier") + 1
    )
    same = {"phone_number_type": "local", "carrier_name": "AT&T Corp"}
    assert second_pass(intake, {"+13125550142": same}) == []


def test_customer_group_reference_is_an_optional_template_column_read_under_its_names(
    tmp_path: Path, read: Reader
) -> None:
    """The template has an optional "Customer group reference" column whose comment names the
    API field; the Instructions list it; a sheet filled under that header or the API name
    reads the value (tests/pipeline/test_group_reference.py follows it to Telnyx)."""
    book = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    numbers, instructions = book["Numbers"], book["Instructions"]
    [header] = [cell for cell in numbers[1] if cell.value == "Customer group reference"]
    assert header.comment is not None and "customer_group_reference" in header.comment.text
    assert any(
        "customer_group_reference" in str(cell.value)
        for row in instructions.iter_rows()
        for cell in row
    )
    for header in ("Customer group reference", "customer_group_reference"):
        named = [header if name == "customer_group_reference" else name for name in COLUMN_NAMES]
        values = {**good_row(), header: "ACME-Q4"}
        intake = read(write_xlsx(tmp_path / f"{header}.xlsx", [values], named))
        assert not codes(intake)
        assert intake.rows[0].values["customer_group_reference"] == "ACME-Q4"
    assert column_for_pointer("/customer_group_reference") == "customer_group_reference"
