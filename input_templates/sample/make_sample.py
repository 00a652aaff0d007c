"""Build the sample batch: sample-batch.xlsx plus the LOA and invoice PDFs it names.

Deterministic: fixed data, dates relative to the fixed BASE_DATE (2026-11-26). Run it from the
repository root with ``.venv/bin/python input_templates/sample/make_sample.py``; it rewrites the
files next to itself.

The batch has no errors. It holds eight accounts (seven US, one Canadian), local and toll-free
numbers, messy formats, one range, and one number the built-in simulator reports as not
portable (its last four digits are 9900-9999). Each account's numbers share one account at
their losing carrier, and its end-user columns are that carrier's record
(``benchmarks/sheet_data.py``, from ``porting_batch.simulator.carriers.record_for`` with seed
0), written the way people type them (``Rd`` for ``Road``, a BTN in brackets), which the
carrier forgives. Two accounts differ from the record on purpose, so a confirmed run shows how
a carrier's rejection is reported (README, "The sample batch"):

- ``maple`` (Canadian numbers) gives its Toronto service address, which the record does not
  hold: the carrier answers LOCATION_MISMATCH and POSTAL_CODE_MISMATCH.
- ``bluebird-logistics`` gives a PIN the carrier does not know: PASSCODE_PIN_INVALID.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from benchmarks.sheet_data import end_user_fields  # noqa: E402
from porting_batch.simulator.loa import render_pdf  # noqa: E402
from porting_batch.template import write_batch  # noqa: E402

BASE_DATE = date(2026, 11, 26)
INVOICE_DATE = (BASE_DATE - timedelta(days=9)).isoformat()
#: A messaging profile for the accounts that port messaging (Telnyx needs one to enable it).
MESSAGING_PROFILE = "400017fd-5a1c-4c2e-9f3b-6d2a7e1c0b11"
#: The RespOrg of each toll-free number: a per-row column, empty on the local numbers' rows.
RESP_ORGS = {"+1 800 555 0199": "TWC01", "1 (800) 555-0198": "TWC01", "800-555-0197": "TWC01"}

#: Per account: the slug naming its PDFs, the number whose carrier record fills the end-user
#: columns, the order-level columns the operator chooses, the numbers as typed, and the
#: columns that differ from the record on purpose.
ACCOUNTS: list[dict[str, object]] = [
    {
        "slug": "bluebird-bakery",
        "record_of": "+13125550100",
        "fields": {
            "customer_type": "business",
            "billing_phone_number": "(312) 555-0000",
            "street_address": "6015 Market Road",
            "port_type": "full",
            "requested_foc": "2026-12-21",
            "foc_time_zone": "America/Chicago",
            "tags": "chicago,hq",
            "enable_messaging": "yes",
            "messaging_profile_id": MESSAGING_PROFILE,
            "customer_reference": "BLUEBIRD-PORT-1",
        },
        "numbers": [
            "312-555-0100",
            "312-555-0120 to 0125",
            "(312) 555-0142",
            "1-312-555-0143",
            "+1.312.555.0144",
            "312 555 0145",
            "312-555-9950",  # deliberately not portable in the simulator (last four 9900-9999)
        ],
    },
    {
        "slug": "lakeview",
        "record_of": "+17732080170",
        "fields": {
            "customer_type": "business",
            "port_type": "full",
            "requested_foc": "2026-12-21",
            "customer_reference": "LAKEVIEW-PORT-1",
        },
        "numbers": ["773-208-0170", "773-208-0171", "773.208.0172"],
    },
    {
        "slug": "keystone",
        "record_of": "+18005550199",
        "fields": {
            "customer_type": "business",
            "port_type": "full",
            "requested_foc": "2026-12-21",
            "customer_reference": "KEYSTONE-PORT-1",
        },
        "numbers": ["+1 800 555 0199", "1 (800) 555-0198", "800-555-0197"],
    },
    {
        "slug": "ironwood",
        "record_of": "+18472090120",
        "fields": {
            "customer_type": "business",
            "port_type": "partial",
            "remaining_numbers_action": "keep",
            "new_billing_phone_number": "847-209-0111",
            "requested_foc": "2026-12-28",
            "enable_messaging": "no",
            "customer_reference": "IRONWOOD-PORT-1",
        },
        "numbers": [
            "847-209-0120",
            "847-209-0121",
            "(847) 209-0122",
            "847.209.0123",
            "847-209-0124",
            "847-209-0125",
            "1 847 209 0126",
        ],
    },
    {
        "slug": "dockside",
        "record_of": "+12062130100",
        "fields": {
            "customer_type": "business",
            "port_type": "full",
            "requested_foc": "2027-01-04",
            "tags": "seattle",
            "enable_messaging": "yes",
            "messaging_profile_id": MESSAGING_PROFILE,
            "customer_reference": "DOCKSIDE-PORT-1",
        },
        "numbers": ["206-213-0100", "206-213-0101", "206-213-0102", "(206) 213-0103"],
    },
    {
        "slug": "juniper",
        "record_of": "+14252140104",
        "fields": {
            "customer_type": "business",
            "port_type": "full",
            "requested_foc": "2027-01-04",
            "customer_reference": "JUNIPER-PORT-1",
        },
        "numbers": ["425-214-0104", "425-214-0105", "425-214-0106", "425-214-0107"],
    },
    {
        "slug": "maple",
        "record_of": "+14162150100",
        "fields": {
            "customer_type": "business",
            "port_type": "full",
            "requested_foc": "2027-01-19",
            "customer_reference": "MAPLE-PORT-1",
        },
        # On purpose: the Toronto address the carrier's record does not hold.
        "differs": {
            "street_address": "100 King St W",
            "extended_address": "Floor 12",
            "locality": "Toronto",
            "administrative_area": "ON",
            "postal_code": "M5X 1A9",
            "country_code": "CA",
        },
        "numbers": [
            "416-215-0100",
            "416-215-0101",
            "416-215-0102",
            "+1 416 215 0120",
            "416-215-0121",
            "(416) 215-0131",
            "416 215 0132",
        ],
    },
    {
        "slug": "bluebird-logistics",
        "record_of": "+15032160100",
        "fields": {
            "customer_type": "business",
            "port_type": "full",
            "requested_foc": "2027-02-01",
            "enable_messaging": "yes",
            "messaging_profile_id": MESSAGING_PROFILE,
            "customer_reference": "BLUEBIRD-LOGISTICS-PORT-1",
        },
        # On purpose: a PIN the carrier (which asks for one) does not know.
        "differs": {"pin_passcode": "7719"},
        "numbers": ["503-216-0100", "503-216-0101", "503-216-0102", "503-216-0103"],
    },
]


def account_fields(account: dict[str, object]) -> dict[str, str]:
    """The order-level columns of one account: the carrier's record, the operator's choices,
    then the columns that differ on purpose."""
    record = end_user_fields(str(account["record_of"]))
    chosen = dict(account["fields"])  # type: ignore[call-overload]
    differs = dict(account.get("differs", {}))  # type: ignore[call-overload]
    return {**record, **chosen, **differs}


def pdf_bytes(title: str, lines: list[str]) -> bytes:
    """A minimal valid PDF showing the title and the lines (the simulator's LOA writer)."""
    return render_pdf([title, "", *lines])


def build(folder: Path = HERE) -> Path:
    """Write the sample workbook and its documents into ``folder``; return the workbook path."""
    rows: list[dict[str, str]] = []
    for account in ACCOUNTS:
        slug = str(account["slug"])
        fields = account_fields(account)
        numbers = list(account["numbers"])  # type: ignore[call-overload]
        loa, invoice = f"loa-{slug}.pdf", f"invoice-{slug}.pdf"
        entity = str(fields["entity_name"])
        (folder / loa).write_bytes(
            pdf_bytes(
                "Letter of Authorization",
                [
                    f"Customer: {entity}",
                    f"Authorized person: {fields['auth_person_name']}",
                    f"Service address: {fields['street_address']}, {fields['locality']}, "
                    f"{fields['administrative_area']} {fields['postal_code']}",
                    "I authorize Telnyx to port the following numbers:",
                    *numbers,
                    f"Signed: {fields['auth_person_name']}   Date: {BASE_DATE.isoformat()}",
                    "SAMPLE DOCUMENT - fictional data for testing porting-batch",
                ],
            )
        )
        (folder / invoice).write_bytes(
            pdf_bytes(
                "Invoice",
                [
                    f"Bill to: {entity}",
                    f"Invoice date: {INVOICE_DATE}",
                    f"Billing telephone number: {fields['billing_phone_number']}",
                    f"Lines on this account: {len(numbers)} or more",
                    "SAMPLE DOCUMENT - fictional data for testing porting-batch",
                ],
            )
        )
        for number in numbers:
            rows.append(
                {
                    **{key: str(value) for key, value in fields.items()},
                    "phone_number": number,
                    "resp_org": RESP_ORGS.get(number, ""),
                    "loa_file": loa,
                    "invoice_file": invoice,
                    "invoice_date": INVOICE_DATE,
                    "notes": "sample data",
                }
            )
    return write_batch(
        folder / "sample-batch.xlsx",
        rows,
        created=datetime.combine(BASE_DATE, time(12)),
        # API names as headers: the tests edit its cells by them, and it shows they still read
        api_headers=True,
    )


if __name__ == "__main__":
    print(build())
