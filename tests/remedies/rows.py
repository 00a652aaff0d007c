"""Input rows as the intake makes them, for a sheet whose columns sit at known letters."""

from __future__ import annotations

from porting_batch.cells import column_letter
from porting_batch.intake.rows import InputRow

#: The operator's sheet: canonical column -> the header typed in row 1, in column order.
HEADERS = {
    "phone_number": "Phone Number",
    "entity_name": "Company",
    "auth_person_name": "Authorized Person",
    "account_number": "Account #",
    "pin_passcode": "PIN",
    "billing_phone_number": "BTN",
    "street_address": "Street",
    "locality": "City",
    "administrative_area": "State",
    "postal_code": "ZIP",
    "port_type": "Port Type",
    "requested_foc": "FOC",
    "order_ref": "Order Ref",
}
LETTERS = {column: column_letter(i) for i, column in enumerate(HEADERS)}
ACCOUNT = "55500123"
PIN = "904217"

TYPED = {
    "phone_number": "+13125550142",
    "entity_name": "Acme Widgets",
    "auth_person_name": "Jane Doe",
    "account_number": ACCOUNT,
    "pin_passcode": PIN,
    "billing_phone_number": "+13125550100",
    "street_address": "12 Main St",
    "locality": "Chicago",
    "administrative_area": "IL",
    "postal_code": "60601",
    "port_type": "full",
    "requested_foc": "2026-12-21",
    "order_ref": "ACME-1",
}


def input_row(row: int, *, sheet: str = "Numbers", without: str = "", **typed: str) -> InputRow:
    """A row of the sheet at ``row`` with the typed values (``without`` drops a column)."""
    values = {**TYPED, **typed}
    columns = [c for c in HEADERS if c != without]
    letters = {c: column_letter(i) for i, c in enumerate(columns)}
    raw = {HEADERS[c]: values[c] for c in columns}
    return InputRow(
        sheet,
        row,
        raw,
        {c: v for c, v in values.items() if c != without},
        [values["phone_number"]],
        letters=letters,
    )
