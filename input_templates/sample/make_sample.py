"""Build the sample batch: sample-batch.xlsx plus the LOA and invoice PDFs it names.

Deterministic: fixed data, dates relative to the fixed BASE_DATE (2026-11-26). Run it from the
repository root with ``.venv/bin/python input_templates/sample/make_sample.py``; it rewrites the
files next to itself.

The batch has no errors. It holds five accounts (four US, one Canadian), local and toll-free
numbers, messy formats, one range, and one number the built-in simulator reports as not
portable (its last four digits are 9900-9999).
"""

from __future__ import annotations

import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from porting_batch.simulator.loa import render_pdf  # noqa: E402
from porting_batch.template import write_batch  # noqa: E402

BASE_DATE = date(2026, 11, 26)
INVOICE_DATE = (BASE_DATE - timedelta(days=9)).isoformat()
#: The RespOrg of each toll-free number: a per-row column, empty on the local numbers' rows.
RESP_ORGS = {"+1 800 555 0199": "TWC01", "877-555-0150": "ATX01", "1 (888) 555-0123": "ATX01"}

ACCOUNTS: list[dict[str, object]] = [
    {
        "slug": "acme",
        "fields": {
            "customer_type": "business",
            "entity_name": "Acme Widgets Inc.",
            "auth_person_name": "Jane Doe",
            "account_number": "ACM-0042-7781",
            "pin_passcode": "0520",
            "billing_phone_number": "(312) 555-0100",
            "street_address": "123 N Wacker Dr",
            "extended_address": "Suite 400",
            "locality": "Chicago",
            "administrative_area": "IL",
            "postal_code": "60606",
            "country_code": "US",
            "port_type": "full",
            "requested_foc": "2026-12-21",
            "foc_time_zone": "America/Chicago",
            "tags": "chicago,hq",
            "enable_messaging": "yes",
            "customer_reference": "ACME-PORT-1",
        },
        "numbers": [
            "312-555-0100",
            "312-555-2000 to 2005",
            "(312) 555-0142",
            "1-312-555-0143",
            "+1.312.556.0144",
            "312 556 0145",
            "773-208-0170",
            "773-208-0171",
            "+1 800 555 0199",
            "312-555-9950",  # deliberately not portable in the simulator (last four 9900-9999)
        ],
    },
    {
        "slug": "lakeside",
        "fields": {
            "customer_type": "business",
            "entity_name": "Lakeside Dental Group LLC",
            "auth_person_name": "Robert Chen",
            "account_number": "8273-1190-55",
            "billing_phone_number": "847-555-0110",
            "street_address": "1800 Sherman Ave",
            "locality": "Evanston",
            "administrative_area": "IL",
            "postal_code": "60201",
            "country_code": "US",
            "port_type": "partial",
            "remaining_numbers_action": "keep",
            "new_billing_phone_number": "847-555-0111",
            "requested_foc": "2026-12-28",
            "enable_messaging": "no",
            "customer_reference": "LAKESIDE-PORT-1",
        },
        "numbers": [
            "847-209-0120",
            "847-209-0121",
            "(847) 209-0122",
            "847.209.0123",
            "847-555-0124",
            "847-555-0125",
            "224-213-0126",
        ],
    },
    {
        "slug": "harbor",
        "fields": {
            "customer_type": "business",
            "entity_name": "Harbor Logistics Corp",
            "auth_person_name": "Maria Alvarez",
            "account_number": "000918273",
            "billing_phone_number": "+1 206 213 0100",
            "street_address": "2200 Alaskan Way",
            "extended_address": "Pier 66",
            "locality": "Seattle",
            "administrative_area": "WA",
            "postal_code": "98121",
            "country_code": "US",
            "port_type": "full",
            "requested_foc": "2027-01-04",
            "tags": "seattle",
            "enable_messaging": "yes",
            "customer_reference": "HARBOR-PORT-1",
        },
        "numbers": [
            "206-213-0100",
            "206-213-0101",
            "206-213-0102",
            "(206) 213-0103",
            "425-214-0104",
            "425-214-0105",
            "425-214-0106",
            "877-555-0150",
            "1 (888) 555-0123",
        ],
    },
    {
        "slug": "maple",
        "fields": {
            "customer_type": "business",
            "entity_name": "Maple Leaf Consulting Ltd.",
            "auth_person_name": "Olivia Tremblay",
            "account_number": "CA-55120-88",
            "billing_phone_number": "416-215-0100",
            "street_address": "100 King St W",
            "extended_address": "Floor 12",
            "locality": "Toronto",
            "administrative_area": "ON",
            "postal_code": "M5X 1A9",
            "country_code": "CA",
            "port_type": "full",
            "requested_foc": "2027-01-19",
            "customer_reference": "MAPLE-PORT-1",
        },
        "numbers": [
            "416-215-0100",
            "416-215-0101",
            "416-215-0102",
            "+1 647 555 0120",
            "647-555-0121",
            "604-210-0130",
            "(604) 210-0131",
            "604 210 0132",
        ],
    },
    {
        "slug": "brightside",
        "fields": {
            "customer_type": "business",
            "entity_name": "Brightside Bakery & Cafe",
            "auth_person_name": "Samuel Okafor",
            "account_number": "44-1029-3847",
            "pin_passcode": "7719",
            "billing_phone_number": "503-216-0100",
            "street_address": "415 SW Morrison St",
            "locality": "Portland",
            "administrative_area": "OR",
            "postal_code": "97204",
            "country_code": "US",
            "port_type": "full",
            "requested_foc": "2027-02-01",
            "enable_messaging": "yes",
            "customer_reference": "BRIGHTSIDE-PORT-1",
        },
        "numbers": [
            "503-216-0100",
            "503-216-0101",
            "503-217-0102",
            "503-217-0103",
            "971-218-0104",
        ],
    },
]


def pdf_bytes(title: str, lines: list[str]) -> bytes:
    """A minimal valid PDF showing the title and the lines (the simulator's LOA writer)."""
    return render_pdf([title, "", *lines])


def build(folder: Path = HERE) -> Path:
    """Write the sample workbook and its documents into ``folder``; return the workbook path."""
    rows: list[dict[str, str]] = []
    for account in ACCOUNTS:
        slug = str(account["slug"])
        fields = dict(account["fields"])  # type: ignore[call-overload]
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
