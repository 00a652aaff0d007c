"""The validation rules: each names the sheet, row, column, value and the fix."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from porting_batch.columns import REQUIRED_COLUMNS
from porting_batch.intake import Intake, second_pass
from porting_batch.issues import Issue, Severity

from .conftest import Reader, good_row, write_xlsx

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
#: A service address in Toronto and one in London, for numbers there (BTN: the number).
_TORONTO = {
    "billing_phone_number": "+1 416 555 0142",
    "locality": "Toronto",
    "country_code": "CA",
    "administrative_area": "ON",
    "postal_code": "M5V 3L9",
}
_LONDON = {
    "billing_phone_number": "+44 20 7946 0958",
    "locality": "London",
    "country_code": "GB",
    "administrative_area": "London",
    "postal_code": "SW1A 1AA",
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def _read(tmp_path: Path, read: Reader, rows: list[dict[str, object]]) -> Intake:
    return read(write_xlsx(tmp_path / "b.xlsx", rows))


def _issues(intake: Intake, code: str) -> list[Issue]:
    return [i for i in intake.issues if i.code == code]


def _only(intake: Intake, code: str) -> Issue:
    found = _issues(intake, code)
    assert len(found) == 1, [i.describe() for i in intake.issues]
    return found[0]


@pytest.mark.parametrize("column", REQUIRED_COLUMNS)
def test_required_cell_left_empty_is_an_error(tmp_path: Path, read: Reader, column: str) -> None:
    """An empty required cell keeps the row out and names its cell."""
    intake = _read(tmp_path, read, [good_row(**{column: None})])
    issue = _only(intake, "required")
    assert (issue.severity, issue.sheet, issue.row, issue.column) == (
        Severity.ERROR,
        "Numbers",
        2,
        column,
    )
    assert issue.column_letter and issue.hint
    assert intake.rows[0].errors


@pytest.mark.parametrize(
    ("changes", "code", "column", "severity"),
    [
        ({"phone_number": "1-800-FLOWERS"}, "letters", "phone_number", Severity.ERROR),
        ({"phone_number": "312 555 0142 x7"}, "extension", "phone_number", Severity.ERROR),
        ({"phone_number": "123-456-7890"}, "invalid_number", "phone_number", Severity.ERROR),
        ({"phone_number": "+13125550000-3000"}, "range_too_large", "phone_number", Severity.ERROR),
        (
            {"billing_phone_number": "555-0100"},
            "invalid_number",
            "billing_phone_number",
            Severity.ERROR,
        ),
        (
            {"billing_phone_number": "312-555-0100 to 0105"},
            "invalid_number",
            "billing_phone_number",
            Severity.ERROR,
        ),
        (
            {
                "port_type": "partial",
                "remaining_numbers_action": "keep",
                "new_billing_phone_number": "12345",
            },
            "invalid_number",
            "new_billing_phone_number",
            Severity.ERROR,
        ),
        ({"postal_code": "6060"}, "invalid_postal_code", "postal_code", Severity.ERROR),
        ({"postal_code": "60606-12"}, "invalid_postal_code", "postal_code", Severity.ERROR),
        (
            {"administrative_area": "Illinois"},
            "invalid_state",
            "administrative_area",
            Severity.ERROR,
        ),
        (
            {"country_code": "CA", "administrative_area": "IL", "postal_code": "M5V 3L9"},
            "invalid_state",
            "administrative_area",
            Severity.ERROR,
        ),
        (
            {"country_code": "CA", "administrative_area": "ON", "postal_code": "60606"},
            "invalid_postal_code",
            "postal_code",
            Severity.ERROR,
        ),
        ({"country_code": "USA"}, "invalid_country", "country_code", Severity.ERROR),
        ({"country": "XX"}, "invalid_country", "country", Severity.ERROR),
        ({"country": "CA"}, "country_mismatch", "country", Severity.WARNING),
        ({"port_type": "complete"}, "invalid_choice", "port_type", Severity.ERROR),
        ({"customer_type": "corporate"}, "invalid_choice", "customer_type", Severity.ERROR),
        (
            {"port_type": "partial", "remaining_numbers_action": "sell"},
            "invalid_choice",
            "remaining_numbers_action",
            Severity.ERROR,
        ),
        ({"enable_messaging": "maybe"}, "invalid_choice", "enable_messaging", Severity.ERROR),
        (
            {"port_type": "partial"},
            "partial_needs_action",
            "remaining_numbers_action",
            Severity.ERROR,
        ),
        (
            {"port_type": "partial", "remaining_numbers_action": "keep"},
            "partial_keep_needs_new_btn",
            "new_billing_phone_number",
            Severity.ERROR,
        ),
        (
            {"remaining_numbers_action": "keep"},
            "ignored_for_full_port",
            "remaining_numbers_action",
            Severity.WARNING,
        ),
        ({"requested_foc": "2026-11-20"}, "foc_in_past", "requested_foc", Severity.WARNING),
        ({"requested_foc": "2026-12-01"}, "foc_too_soon", "requested_foc", Severity.WARNING),
        (
            {"requested_foc": "2027-01-09"},
            "foc_not_business_day",
            "requested_foc",
            Severity.WARNING,
        ),
        ({"requested_foc": "next Friday"}, "invalid_date", "requested_foc", Severity.ERROR),
        ({"requested_foc": "2026-02-30"}, "invalid_date", "requested_foc", Severity.ERROR),
        ({"invoice_date": "2026-09-01"}, "invoice_old", "invoice_date", Severity.WARNING),
        ({"invoice_date": "2027-01-01"}, "invoice_in_future", "invoice_date", Severity.WARNING),
        ({"invoice_date": "soon"}, "invalid_date", "invoice_date", Severity.ERROR),
        ({"webhook_url": "example.com/hook"}, "invalid_url", "webhook_url", Severity.ERROR),
        ({"loa_file": "missing.pdf"}, "file_missing", "loa_file", Severity.ERROR),
        ({"invoice_file": "../outside.pdf"}, "file_outside_batch", "invoice_file", Severity.ERROR),
        ({"loa_file": "/etc/passwd"}, "file_outside_batch", "loa_file", Severity.ERROR),
        ({"loa_file": None}, "no_loa", "loa_file", Severity.WARNING),
        ({"invoice_file": None}, "no_invoice", "invoice_file", Severity.WARNING),
        (
            {"account_number": "1 (312) 555-0142"},
            "account_is_btn",
            "account_number",
            Severity.WARNING,
        ),
    ],
    ids=[
        "letters",
        "extension",
        "impossible-number",
        "range-over-limit",
        "btn-too-short",
        "btn-range",
        "new-btn-invalid",
        "zip-four-digits",
        "zip-plus-two",
        "state-name",
        "us-state-in-canada",
        "us-zip-in-canada",
        "country-code-alpha3",
        "country-unknown",
        "country-disagrees-with-number",
        "port-type-unknown",
        "customer-type-unknown",
        "remaining-action-unknown",
        "messaging-not-yes-no",
        "partial-without-action",
        "partial-keep-without-new-btn",
        "full-with-action",
        "foc-in-past",
        "foc-in-lead-time",
        "foc-on-saturday",
        "foc-words",
        "foc-impossible-date",
        "invoice-old",
        "invoice-future",
        "invoice-date-words",
        "webhook-not-url",
        "loa-missing",
        "invoice-dot-dot",
        "loa-absolute-outside",
        "no-loa",
        "no-invoice",
        "account-is-btn",
    ],
)
def test_rule_reports_the_cell_and_the_fix(
    tmp_path: Path,
    read: Reader,
    changes: dict[str, object],
    code: str,
    column: str,
    severity: Severity,
) -> None:
    """Each rule raises one issue of its severity naming the row, column, letter and a hint."""
    (tmp_path.parent / "outside.pdf").write_bytes(PDF)
    intake = _read(tmp_path, read, [good_row(**changes)])
    issue = _only(intake, code)
    assert (issue.severity, issue.row, issue.column) == (severity, 2, column)
    assert issue.column_letter == intake.rows[0].letter(column)
    assert issue.hint and issue.message
    assert issue.value or code.startswith(("partial", "no_"))
    assert intake.rows[0].errors is (severity is Severity.ERROR)


@pytest.mark.parametrize(
    ("changes", "column", "expected"),
    [
        ({"administrative_area": "il"}, "administrative_area", "IL"),
        ({"postal_code": "60606-1234"}, "postal_code", "60606-1234"),
        (
            {
                "phone_number": "+1 416 555 0142",
                "billing_phone_number": "+1 416 555 0142",
                "country_code": "ca",
                "administrative_area": "on",
                "postal_code": "m5v3l9",
            },
            "postal_code",
            "M5V 3L9",
        ),
        (
            {"port_type": "Partial", "remaining_numbers_action": "Disconnect"},
            "port_type",
            "partial",
        ),
        ({"enable_messaging": "Yes"}, "enable_messaging", "true"),
        ({"enable_messaging": "no"}, "enable_messaging", "false"),
        ({"tags": " a ; b,,c "}, "tags", "a,b,c"),
        ({"customer_type": None}, "customer_type", "business"),
        ({"country": None}, "country", "US"),
        ({**_TORONTO, "phone_number": "+1 416 555 0142", "country": None}, "country", "CA"),
        (
            {**_TORONTO, "phone_number": "416 555 0142", "country": "CA"},
            "phone_number",
            "+14165550142",
        ),
        ({"requested_foc": "2026-12-21 10:00-05:00"}, "requested_foc", "2026-12-21T15:00:00Z"),
        (
            {**_LONDON, "phone_number": "020 7946 0958", "country": "gb"},
            "phone_number",
            "+442079460958",
        ),
    ],
    ids=[
        "state-upper",
        "zip-plus-four",
        "canadian-postal-spaced",
        "choices-lowercase",
        "messaging-yes",
        "messaging-no",
        "tags-cleaned",
        "customer-type-default",
        "country-from-number-us",
        "country-from-number-ca",
        "canadian-number",
        "foc-in-utc",
        "row-country-is-the-default-region",
    ],
)
def test_values_are_normalised(
    tmp_path: Path, read: Reader, changes: dict[str, object], column: str, expected: str
) -> None:
    """Accepted values come out in one canonical form, with no issue."""
    intake = _read(tmp_path, read, [good_row(**changes)])
    assert [i.describe() for i in intake.issues if i.is_error] == []
    assert intake.rows[0].values[column] == expected


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (PDF, "loa.pdf", ""),
        (PNG, "loa.png", ""),
        (JPEG, "loa.jpg", ""),
        (PDF, "sub/loa.pdf", ""),
        (b"just text", "loa.pdf", "file_type"),
        (PNG, "loa.pdf", ""),
        (b"", "loa.pdf", "file_empty"),
        (None, "loa.pdf", "file_too_large"),
    ],
    ids=[
        "pdf",
        "png",
        "jpeg",
        "subfolder",
        "text-named-pdf",
        "png-named-pdf",
        "empty",
        "over-20-mb",
    ],
)
def test_documents_are_judged_by_content_and_size(
    tmp_path: Path, read: Reader, content: bytes | None, name: str, code: str
) -> None:
    """LOA files must be PDF, PNG or JPEG by content, not empty, and at most 20 MB."""
    target = tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if content is None:
        with target.open("wb") as handle:
            handle.write(PDF)
            handle.truncate(20 * 1024 * 1024 + 1)  # sparse: no 20 MB actually written
    else:
        target.write_bytes(content)
    intake = _read(tmp_path, read, [good_row(loa_file=name)])
    if code:
        assert _only(intake, code).column == "loa_file"
    else:
        assert intake.issues == []
        assert intake.rows[0].values["loa_file"] == name
        assert (tmp_path / intake.rows[0].values["loa_file"]).read_bytes() == target.read_bytes()


def test_symlink_leading_out_of_the_batch_folder_is_refused(tmp_path: Path, read: Reader) -> None:
    """A link inside the folder that points outside it does not smuggle a file in."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.pdf").write_bytes(PDF)
    batch = tmp_path / "batch"
    batch.mkdir()
    os.symlink(outside / "secret.pdf", batch / "loa.pdf")
    intake = read(write_xlsx(batch / "b.xlsx", [good_row(loa_file="loa.pdf")]))
    assert _only(intake, "file_outside_batch").row == 2


def test_duplicate_number_keeps_the_first_row(tmp_path: Path, read: Reader) -> None:
    """A number typed twice: the first row keeps it, the later row is an error naming it."""
    intake = _read(tmp_path, read, [good_row(), good_row(phone_number="(312) 555-0142")])
    issue = _only(intake, "duplicate")
    assert (issue.row, issue.severity) == (3, Severity.ERROR)
    assert "row 2" in issue.message
    assert [r.errors for r in intake.rows] == [False, True]


def test_range_overlapping_an_earlier_row_drops_only_the_repeats(
    tmp_path: Path, read: Reader
) -> None:
    """A range that repeats some earlier numbers keeps the rest, with a warning."""
    intake = _read(
        tmp_path,
        read,
        [good_row(phone_number="312-555-0142"), good_row(phone_number="312-555-0140 to 0143")],
    )
    issue = _only(intake, "duplicate")
    assert (issue.row, issue.severity) == (3, Severity.WARNING)
    assert intake.rows[1].phone_numbers == ["+13125550140", "+13125550141", "+13125550143"]


@pytest.mark.parametrize(
    ("column", "other"),
    [
        ("billing_phone_number", "+1 312 555 0199"),
        ("entity_name", "Acme Widgets Incorporated"),
        ("auth_person_name", "John Doe"),
        ("street_address", "125 N Wacker Dr"),
        ("postal_code", "60601"),
        ("customer_group_reference", "ACME-OTHER-GROUP"),
    ],
    ids=["btn", "entity-name", "auth-person", "street", "zip", "group-reference"],
)
def test_one_account_with_two_values_is_one_error_keeping_every_row_out(
    tmp_path: Path, read: Reader, column: str, other: str
) -> None:
    """The same account number with two BTNs, names or addresses: one error, on the first
    cell that differs, naming both values and their rows; all rows are kept out."""
    rows = [
        good_row(),
        good_row(phone_number="3125550143"),
        good_row(phone_number="3125550144", **{column: other}),
    ]
    intake = _read(tmp_path, read, rows)
    issue = _only(intake, "account_mismatch")
    assert (issue.row, issue.column, issue.rows) == (4, column, (2, 3))
    assert "rows 2-3" in issue.message and "row 4" in issue.message
    assert "'Acme Widgets Inc" in issue.message
    assert "ACM-0042" not in " ".join(i.describe() for i in intake.issues)
    assert all(r.errors for r in intake.rows)


def test_order_ref_rows_must_agree_on_order_level_columns(tmp_path: Path, read: Reader) -> None:
    """Rows sharing an order_ref with different requested FOCs: one error on the row that
    differs, naming the order by its reference; another order_ref is untouched."""
    rows = [
        good_row(order_ref="G1", account_number=None, requested_foc="2027-01-04"),
        good_row(
            order_ref="G1",
            account_number=None,
            phone_number="3125550143",
            requested_foc="2027-01-11",
        ),
        good_row(
            order_ref="G2",
            account_number=None,
            phone_number="3125550144",
            requested_foc="2027-01-11",
        ),
    ]
    intake = _read(tmp_path, read, rows)
    issue = _only(intake, "order_ref_mismatch")
    assert (issue.row, issue.column, issue.rows) == (3, "requested_foc", (2,))
    assert "'G1'" in issue.message
    assert [r.errors for r in intake.rows] == [True, True, False]


def test_partial_port_that_includes_the_btn_warns(tmp_path: Path, read: Reader) -> None:
    """A partial port whose numbers include the BTN, with no new BTN given, gets a warning on
    that row."""
    partial = {"port_type": "partial", "remaining_numbers_action": "disconnect"}
    intake = _read(
        tmp_path,
        read,
        [good_row(phone_number="312-555-0143", **partial), good_row(**partial)],
    )
    issue = _only(intake, "partial_includes_btn")
    assert (issue.row, issue.severity) == (3, Severity.WARNING)
    assert not any(r.errors for r in intake.rows)


def test_secrets_never_appear_in_issues(tmp_path: Path, read: Reader) -> None:
    """PINs and account numbers are masked in every issue's value and message."""
    rows = [
        good_row(pin_passcode=987654, account_number=123456789012),
        good_row(
            phone_number="3125550143",
            pin_passcode="111111",
            account_number=123456789012,
            entity_name="Acme Two",
        ),
    ]
    intake = _read(tmp_path, read, rows)
    text = " ".join(f"{i.describe()} {i.value}" for i in intake.issues)
    assert _issues(intake, "numeric_cell") and _issues(intake, "account_mismatch")
    for secret in ("987654", "123456789012", "111111"):
        assert secret not in text


def test_errors_leave_rows_out_and_warnings_do_not(tmp_path: Path, read: Reader) -> None:
    """Only rows with an error are kept out of the run."""
    rows = [
        good_row(),
        good_row(phone_number="3125550143", requested_foc="2020-01-01"),
        good_row(phone_number="not a number"),
    ]
    intake = _read(tmp_path, read, rows)
    assert [r.row for r in intake.valid_rows] == [2, 3]
    assert intake.rows[2].phone_numbers == []


@pytest.mark.parametrize(
    ("answer", "filled", "expected"),
    [
        ({"phone_number_type": "mobile"}, {}, ["mobile_needs_pin", "mobile_needs_account"]),
        ({"phone_number_type": "mobile"}, {"pin_passcode": "1234"}, ["mobile_needs_account"]),
        ({"phone_number_type": "mobile"}, {"pin_passcode": "1234", "account_number": "A1"}, []),
        ({"phone_number_type": "local"}, {}, []),
        ({}, {}, []),
    ],
    ids=["mobile-without-both", "mobile-without-account", "mobile-complete", "local", "no-answer"],
)
def test_second_pass_requires_pin_and_account_for_mobile_numbers(
    tmp_path: Path,
    read: Reader,
    answer: dict[str, object],
    filled: dict[str, str],
    expected: list[str],
) -> None:
    """Once the portability answer says mobile, a missing PIN or account number is an error."""
    row = good_row(**{"account_number": None, **filled})
    intake = _read(tmp_path, read, [row])
    issues = second_pass(intake, {"+13125550142": answer} if answer else {})
    assert [i.code for i in issues] == expected
    for issue in issues:
        assert (issue.severity, issue.row, issue.source) == (Severity.ERROR, 2, "portability")
        assert issue.column_letter and issue.hint


def test_second_pass_names_a_mobile_accounts_missing_pin_once(tmp_path: Path, read: Reader) -> None:
    """Three mobile rows of one account without a PIN: one error, naming the other rows."""
    rows = [good_row(phone_number=f"+1 312 555 {142 + n:04d}") for n in range(3)]
    intake = _read(tmp_path, read, rows)
    mobile = {"phone_number_type": "mobile", "portable": True}
    issues = second_pass(intake, {n: mobile for r in intake.rows for n in r.phone_numbers})
    [issue] = issues
    assert (issue.code, issue.row, issue.rows) == ("mobile_needs_pin", 2, (3, 4))
    assert "rows 3-4" in issue.message


@pytest.mark.parametrize(
    ("phone", "country", "warned"),
    [
        ("+1 800 555 0199", "CA", False),
        ("800-555-0199", "CA", False),
        ("312-555-0142", "CA", True),
        ("+1 312 555 0142", "GB", True),
        ("+1 416 555 0142", "CA", False),
        ("312-555-0142", "XX", False),
    ],
    ids=[
        "toll-free-plus",
        "toll-free-plain",
        "us-number-ca",
        "us-number-gb",
        "ca-number-ca",
        "invalid-country-not-compared",
    ],
)
def test_country_disagreeing_with_the_number_warns_except_toll_free(
    tmp_path: Path, read: Reader, phone: str, country: str, warned: bool
) -> None:
    """A country that is not the number's warns; toll-free numbers belong to all of NANP."""
    intake = _read(tmp_path, read, [good_row(phone_number=phone, country=country)])
    assert bool(_issues(intake, "country_mismatch")) is warned
    assert intake.rows[0].phone_numbers


@pytest.mark.parametrize(
    "name",
    ["x" * 300 + ".pdf", "."],
    ids=["name-too-long", "the-folder-itself"],
)
def test_document_name_the_system_cannot_open_is_an_error_not_a_crash(
    tmp_path: Path, read: Reader, name: str
) -> None:
    """A file name the operating system refuses becomes an issue on its cell."""
    from .conftest import write_csv

    intake = read(write_csv(tmp_path / "b.csv", [good_row(loa_file=name)]))
    [issue] = [i for i in intake.issues if i.column == "loa_file"]
    assert issue.code == "file_unreadable"
    assert intake.rows[0].errors


def test_every_issue_names_its_place_and_its_fix_and_no_row_is_lost(
    tmp_path: Path, read: Reader
) -> None:
    """A file full of problems: every row is kept and every issue says where and how to fix."""
    rows = [
        good_row(phone_number="abc", postal_code="6", port_type="half"),
        good_row(phone_number=None, entity_name=None, requested_foc="13/13/2026"),
        good_row(phone_number="3125550142", loa_file="nope.pdf", webhook_url="ftp://x"),
        good_row(phone_number="3125550142", country_code="ZZ", invoice_date="1999-01-01"),
        good_row(phone_number="312-555-0150 to 0140", billing_phone_number="x"),
    ]
    intake = _read(tmp_path, read, rows)
    assert [row.row for row in intake.rows] == [2, 3, 4, 5, 6]
    assert len(intake.issues) >= 12
    for issue in intake.issues:
        assert issue.sheet == "Numbers" and issue.row in {2, 3, 4, 5, 6}
        assert issue.column and issue.column_letter and issue.message and issue.hint
        assert issue.code


def test_rows_without_documents_get_one_warning_naming_them(tmp_path: Path, read: Reader) -> None:
    """Rows with no LOA are listed in one warning, not one per row."""
    rows = [good_row(phone_number=f"312555015{n}", loa_file=None) for n in range(2, 6)]
    intake = _read(tmp_path, read, [good_row(), *rows])
    issue = _only(intake, "no_loa")
    assert (issue.row, issue.severity) == (3, Severity.WARNING)
    assert "rows 3-6" in issue.message


def test_account_split_across_the_sheet_is_still_compared(tmp_path: Path, read: Reader) -> None:
    """Rows of one account far apart, with another account between, must still agree."""
    other = {"account_number": "ZZ-9", "billing_phone_number": "+1 312 555 0177"}
    rows = [
        good_row(),
        good_row(phone_number="3125550150", **other),
        good_row(phone_number="3125550151", **other),
        good_row(phone_number="3125550143", locality="Evanston"),
    ]
    intake = _read(tmp_path, read, rows)
    issue = _only(intake, "account_mismatch")
    assert (issue.row, issue.column, issue.rows) == (5, "locality", (2,))
    assert not intake.rows[1].errors
