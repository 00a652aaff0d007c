"""Hand-built batch results for the report tests, with an operator workbook they came from."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from porting_batch.issues import Issue, Severity
from porting_batch.outcomes import Outcome
from porting_batch.results import BatchResult, NumberResult, OrderResult

HEADERS = ["Phone Number", "Entity", "Account #", "PIN", "BTN", "Notes"]
PIN = "904217"
ACCOUNT = "88001234"
FORMULA = '=HYPERLINK("http://evil.example","click")'
STARTED = datetime(2026, 11, 26, 17, 0, 5, tzinfo=UTC)
FOC = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


def raw_row(phone: str, notes: str = "") -> dict[str, str]:
    """A row of the operator's sheet as typed."""
    return {
        "Phone Number": phone,
        "Entity": "Acme Inc",
        "Account #": ACCOUNT,
        "PIN": PIN,
        "BTN": "+13125550100",
        "Notes": notes,
    }


def input_workbook(path: Path, rows: list[dict[str, str]]) -> Path:
    """The operator's workbook: a title row, the header on row 2, data from row 3."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Numbers"
    sheet.append(["Port request for Acme"])
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row[header] for header in HEADERS])
    for cells in sheet.iter_rows(min_row=3):
        for cell in cells:
            cell.data_type = "s"
    book.save(path)
    return path


def drafted(row: int, typed: str, phone: str, raw: dict[str, str]) -> NumberResult:
    """A number that went into the draft order ord_0001."""
    return NumberResult(
        "Numbers",
        row,
        typed,
        phone,
        Outcome.READY_AS_DRAFT,
        raw=raw,
        account=ACCOUNT,
        order_id="ord_0001",
        order_status="draft",
        customer_reference="pb-acme-1",
        phone_number_type="local",
        carrier="Bell Local",
        fast_portable=True,
        portable=True,
        foc_chosen=FOC,
        foc_reason="earliest allowed",
    )


def make_result(tmp_path: Path, *, complete: bool = True, failure: str = "") -> BatchResult:
    """Five input rows: two numbers drafted, one range of two, one invalid, one not portable."""
    rows = [
        raw_row("+13125552486"),
        raw_row("312-555-2487", notes=FORMULA),
        raw_row("+1 312 555 2490 to 2491"),
        raw_row("+1 555", notes="-5 days"),
        raw_row("+13125552499", notes="@SUM(1,2)"),
    ]
    source = input_workbook(tmp_path / "acme.xlsx", rows)
    order = OrderResult(
        order_id="ord_0001",
        customer_reference="pb-acme-1",
        account=ACCOUNT,
        country="US",
        phone_number_type="local",
        carrier="Bell Local",
        fast_port=True,
        phone_numbers=["+13125552486", "+13125552487", "+13125552490", "+13125552491"],
        status="draft",
        foc_requested=FOC,
        foc_chosen=FOC,
        foc_reason="earliest allowed",
        documents={"loa": "doc_loa_1", "invoice": "doc_inv_1"},
        attention="",
        support_key="sr_1",
    )
    numbers = [
        drafted(3, "+13125552486", "+13125552486", rows[0]),
        drafted(4, "312-555-2487", "+13125552487", rows[1]),
        drafted(5, rows[2]["Phone Number"], "+13125552490", rows[2]),
        drafted(5, rows[2]["Phone Number"], "+13125552491", rows[2]),
        NumberResult(
            "Numbers",
            6,
            "+1 555",
            "",
            Outcome.INVALID_INPUT,
            reason="'+1 555' is not a phone number",
            raw=rows[3],
            account=ACCOUNT,
        ),
        NumberResult(
            "Numbers",
            7,
            "+13125552499",
            "+13125552499",
            Outcome.NOT_PORTABLE,
            reason=f"carrier refuses: account {ACCOUNT} closed",
            raw=rows[4],
            account=ACCOUNT,
            portable=False,
        ),
    ]
    issues = [
        Issue(
            Severity.ERROR,
            "'+1 555' is not a valid phone number",
            hint="write it as +1 312 555 2486",
            sheet="Numbers",
            row=6,
            column="phone_number",
            column_letter="A",
            value="+1 555",
            code="PHONE_INVALID",
        ),
        Issue(
            Severity.WARNING,
            f"PIN {PIN} looks like a date",
            hint="check the PIN with the losing carrier",
            sheet="Numbers",
            row=3,
            column="pin_passcode",
            column_letter="D",
            value=PIN,
            code="PIN_SUSPICIOUS",
        ),
        Issue(
            Severity.ERROR,
            "the carrier says this number is not portable",
            sheet="Numbers",
            row=7,
            column="phone_number",
            column_letter="A",
            value="+13125552499",
            code="NOT_PORTABLE",
            source="portability",
        ),
        Issue(Severity.WARNING, "the file has a hidden sheet 'Lookup'", code="HIDDEN_SHEET"),
    ]
    return BatchResult(
        batch_id="b_123",
        name="acme ports",
        input_path=source,
        content_hash="ab" * 32,
        started_at=STARTED,
        finished_at=datetime(2026, 11, 26, 17, 1, 0, tzinfo=UTC),
        numbers=numbers,
        orders=[order],
        issues=issues,
        settings={
            "api": "simulator",
            "api_key": "KEYsecret123",
            "check_chunk_size": 100,
            "requests_per_second": 20.0,
        },
        complete=complete,
        failure=failure,
        input_headers=list(HEADERS),
    )


@pytest.fixture
def result(tmp_path: Path) -> BatchResult:
    """A complete run of the five-row workbook."""
    return make_result(tmp_path)
