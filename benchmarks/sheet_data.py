"""End-user data the simulated losing carrier holds for a number, as spreadsheet columns.

The realistic simulator rejects an order whose end user differs from the carrier's record
(docs/simulator.md, R1 and R4). Batches made for tests, benchmarks and the sample take their
end-user columns from here, so the carrier accepts them unless a row is made to differ on
purpose. This is a generator's helper: the pipeline (``porting_batch`` outside the simulator)
never imports it, since a real batch's data comes from the operator.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from porting_batch.columns import COLUMNS
from porting_batch.simulator.carriers import record_for


def end_user_fields(phone_number: str, seed: int = 0) -> dict[str, str]:
    """The sheet's end-user columns for ``phone_number``: entity, authorised person, BTN,
    account number, PIN and service address, as the carrier's record has them."""
    record = record_for(phone_number, seed)
    return {
        "entity_name": record.entity_name,
        "auth_person_name": record.auth_person_name,
        "billing_phone_number": record.billing_phone_number,
        "account_number": record.account_number,
        "pin_passcode": record.pin,
        "street_address": record.street_address,
        "locality": record.locality,
        "administrative_area": record.administrative_area,
        "postal_code": record.postal_code,
        "country_code": record.country_code,
    }


#: Area codes the generated batches use (US, several carriers each).
AREA_CODES = ("312", "773", "847", "630", "708", "206", "415", "303", "512", "617")
#: Central-office codes phonenumbers accepts (no N11, no 555).
EXCHANGES = [e for e in range(201, 1000) if e % 100 != 11 and e != 555]
#: Thousands digits an account's block may take: never 9, whose lines 9900-9999 the simulator
#: calls not portable.
_THOUSANDS = range(1, 9)
#: Numbers one account (one carrier account: one block of 1000 lines) can hold.
BLOCK_SIZE = 1000
#: Accounts the generated batches can hold before the blocks run out.
MAX_ACCOUNTS = len(AREA_CODES) * len(EXCHANGES) * len(_THOUSANDS)


def account_numbers(account: int, count: int) -> list[str]:
    """``count`` numbers of generated account ``account``: one carrier account's block (the
    numbers share all but their last three digits), so one carrier record holds them all."""
    if not 0 <= account < MAX_ACCOUNTS or not 0 < count <= BLOCK_SIZE:
        raise ValueError(
            f"account {account} of {count} numbers does not fit: at most {MAX_ACCOUNTS} "
            f"accounts of {BLOCK_SIZE} numbers"
        )
    npa = AREA_CODES[account % len(AREA_CODES)]
    rest = account // len(AREA_CODES)
    exchange = EXCHANGES[rest // len(_THOUSANDS)]
    thousands = _THOUSANDS[rest % len(_THOUSANDS)]
    return [f"+1{npa}{exchange:03d}{thousands}{line:03d}" for line in range(count)]


def write_accounts(
    path: Path, accounts: Iterable[tuple[int, list[str]]], requested_foc: str = "2027-02-16"
) -> Path:
    """A CSV batch at ``path``: for each ``(account, numbers)`` one row per number, the end user
    as the carrier has it (every order accepted), and the account's LOA and invoice PDFs beside
    the CSV (``loa-<account>.pdf``, ``invoice-<account>.pdf``), each asking ``requested_foc``."""
    header = [c.name for c in COLUMNS]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for account, numbers in accounts:
            for kind in ("loa", "invoice"):
                pdf = path.parent / f"{kind}-{account}.pdf"
                pdf.write_bytes(b"%PDF-1.4\n% " + f"{kind} {account}".encode() + b"\n%%EOF\n")
            fields = {
                **end_user_fields(numbers[0]),
                "customer_type": "business",
                "port_type": "full",
                "requested_foc": requested_foc,
                "loa_file": f"loa-{account}.pdf",
                "invoice_file": f"invoice-{account}.pdf",
            }
            for number in numbers:
                values = {**fields, "phone_number": number}
                writer.writerow([values.get(name, "") for name in header])
    return path
