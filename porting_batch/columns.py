"""The input template's column catalogue: one place that says what each column means.

The template writer, the reader, the validation rules and the Instructions sheet all read this
catalogue, so a column is described once. The other headers operators give a column ("TN",
"Zip Code") and the matching of a header to its column live in
:mod:`porting_batch.header_aliases`; ``canonical_column`` and ``header_key`` are importable
from here too.
"""

from __future__ import annotations

from dataclasses import dataclass

from porting_batch.header_aliases import ALIASES, canonical_column, header_key

TEMPLATE_VERSION = "1.0"
NUMBERS_SHEET = "Numbers"
INSTRUCTIONS_SHEET = "Instructions"

#: Telnyx asks for a requested FOC inside its allowed windows; the instructions state the zone.
FOC_TIME_ZONE_NOTE = (
    "Times are UTC unless the cell gives an offset (2026-12-21 15:00-06:00 or ...Z). "
    "A date without a time means 15:00 UTC (09:00 US Central) on that day."
)


@dataclass(frozen=True)
class Column:
    """One template column: its canonical name and everything an operator needs to fill it."""

    name: str
    description: str
    example: str
    required: bool = False
    when_required: str = "optional"
    choices: tuple[str, ...] = ()
    #: "phone", "country", "text", "identifier", "postal", "date", "datetime", "choice", "bool",
    #: "file", "url", "tags"
    kind: str = "text"
    order_level: bool = False
    secret: bool = False
    width: int = 18

    @property
    def text_formatted(self) -> bool:
        """Whether the template formats the column as text so Excel keeps '+' and zeros."""
        return self.kind in {"phone", "identifier", "postal"}


COLUMNS: tuple[Column, ...] = (
    Column(
        "phone_number",
        "The number to port: one per row, any common format, or a range such as "
        "312-555-2000 to 2010 (at most 1,000 numbers).",
        "+1 312 555 0142",
        required=True,
        when_required="always",
        kind="phone",
        width=22,
    ),
    Column(
        "country",
        "ISO country of the number (US, CA...). Empty: taken from the number, US when unclear.",
        "US",
        kind="country",
        width=9,
    ),
    Column(
        "order_ref",
        "Your own label to keep rows in one order group; rows with the same order_ref must "
        "agree on every account-level column.",
        "ACME-2026-01",
    ),
    Column(
        "customer_type",
        "business or residential (empty means business).",
        "business",
        choices=("business", "residential"),
        kind="choice",
        width=13,
    ),
    Column(
        "entity_name",
        "Business or account-holder name exactly as on the losing carrier's bill.",
        "Acme Widgets Inc.",
        required=True,
        when_required="always",
        order_level=True,
        width=28,
    ),
    Column(
        "auth_person_name",
        "The person authorised on the losing account who signs the LOA.",
        "Jane Doe",
        required=True,
        when_required="always",
        order_level=True,
        width=22,
    ),
    Column(
        "account_number",
        "Account number with the losing carrier, exactly as on the bill (kept as text).",
        "00012345",
        when_required="for mobile numbers, and when the losing carrier asks for it",
        kind="identifier",
        order_level=True,
        secret=True,
    ),
    Column(
        "pin_passcode",
        "Port-out PIN or passcode of the losing account (kept as text).",
        "0520",
        when_required="for mobile numbers",
        kind="identifier",
        order_level=True,
        secret=True,
        width=12,
    ),
    Column(
        "billing_phone_number",
        "The account's billing telephone number (BTN/ATN) as on the bill.",
        "+1 312 555 0100",
        required=True,
        when_required="always",
        kind="phone",
        order_level=True,
        width=20,
    ),
    Column(
        "street_address",
        "Service address (where the lines are, not the billing address): number and street.",
        "123 N Main St",
        required=True,
        when_required="always",
        order_level=True,
        width=26,
    ),
    Column(
        "extended_address",
        "Suite, floor or unit of the service address.",
        "Suite 400",
        order_level=True,
    ),
    Column(
        "locality",
        "City of the service address.",
        "Chicago",
        required=True,
        when_required="always",
        order_level=True,
    ),
    Column(
        "administrative_area",
        "State or province: the 2-letter code for US and CA (IL, ON).",
        "IL",
        required=True,
        when_required="always",
        order_level=True,
        width=10,
    ),
    Column(
        "postal_code",
        "ZIP or postal code of the service address: 60601, 60601-1234, M5V 3L9 (kept as text).",
        "60601",
        required=True,
        when_required="always",
        kind="postal",
        order_level=True,
        width=12,
    ),
    Column(
        "country_code",
        "ISO country of the service address (US, CA).",
        "US",
        required=True,
        when_required="always",
        kind="country",
        order_level=True,
        width=12,
    ),
    Column(
        "port_type",
        "full: every number on the account moves; partial: some stay with the losing carrier.",
        "full",
        required=True,
        when_required="always",
        choices=("full", "partial"),
        kind="choice",
        order_level=True,
        width=10,
    ),
    Column(
        "remaining_numbers_action",
        "Partial ports only: keep or disconnect the numbers left on the losing account.",
        "keep",
        when_required="when port_type is partial",
        choices=("keep", "disconnect"),
        kind="choice",
        order_level=True,
    ),
    Column(
        "new_billing_phone_number",
        "Partial ports that keep numbers: the BTN the losing account keeps.",
        "+1 312 555 0199",
        when_required="when port_type is partial and remaining_numbers_action is keep",
        kind="phone",
        order_level=True,
        width=20,
    ),
    Column(
        "requested_foc",
        "Requested port date (FOC), a date or a date and time. "
        + FOC_TIME_ZONE_NOTE
        + " Empty, past or too soon: the earliest allowed window is used.",
        "2026-12-21",
        kind="datetime",
        order_level=True,
        width=18,
    ),
    Column(
        "loa_file",
        "The signed Letter of Authorization: a PDF, PNG or JPEG file name, relative to the "
        "spreadsheet's folder (at most 20 MB).",
        "loa-acme.pdf",
        when_required="to confirm the order (drafts can wait for it)",
        kind="file",
        order_level=True,
        width=22,
    ),
    Column(
        "invoice_file",
        "A recent bill from the losing carrier (30 days or newer), same rules as loa_file.",
        "invoice-acme.pdf",
        when_required="to confirm the order (drafts can wait for it)",
        kind="file",
        order_level=True,
        width=22,
    ),
    Column(
        "invoice_date",
        "Date of the invoice; older than 30 days gets a warning.",
        "2026-11-10",
        kind="date",
        width=12,
    ),
    Column(
        "connection_id",
        "Telnyx connection (SIP trunk) the numbers go to after the port.",
        "1234567890",
        kind="identifier",
        order_level=True,
    ),
    Column(
        "messaging_profile_id",
        "Telnyx messaging profile for the numbers.",
        "400017fd-0000-0000-0000-000000000000",
        order_level=True,
    ),
    Column(
        "emergency_address_id",
        "Telnyx emergency (E911) address id.",
        "1293384261075731499",
        kind="identifier",
        order_level=True,
    ),
    Column(
        "billing_group_id",
        "Telnyx billing group id.",
        "f1486bae-0000-0000-0000-000000000000",
        order_level=True,
    ),
    Column(
        "tags",
        "Tags for the numbers, separated by commas.",
        "chicago,main-office",
        kind="tags",
        order_level=True,
    ),
    Column(
        "enable_messaging",
        "yes to port messaging (SMS) with the numbers, no to leave it.",
        "yes",
        choices=("yes", "no"),
        kind="bool",
        order_level=True,
        width=12,
    ),
    Column(
        "webhook_url",
        "https URL that receives this order's status events.",
        "https://example.com/porting-events",
        kind="url",
        order_level=True,
        width=26,
    ),
    Column(
        "customer_reference",
        "Your reference sent to Telnyx with the order (one per order).",
        "ACME-PORT-1",
        order_level=True,
    ),
    Column(
        "notes",
        "Free text for you; not sent to the carrier.",
        "Front desk lines",
        width=30,
    ),
    Column(
        "action",
        "cancel to cancel this number's order (every number of the order must say cancel; "
        "not within 48 hours of its FOC); empty otherwise.",
        "",
        choices=("cancel",),
        kind="choice",
        width=10,
    ),
)

COLUMN_BY_NAME: dict[str, Column] = {column.name: column for column in COLUMNS}
COLUMN_NAMES: tuple[str, ...] = tuple(column.name for column in COLUMNS)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)
ORDER_LEVEL_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.order_level)
SECRET_COLUMNS: frozenset[str] = frozenset(c.name for c in COLUMNS if c.secret)
#: Columns whose cells should hold text: a number cell may have lost a '+' or leading zeros.
IDENTIFIER_COLUMNS: frozenset[str] = frozenset(c.name for c in COLUMNS if c.text_formatted)
PHONE_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.kind == "phone")
ENUMERATIONS: dict[str, tuple[str, ...]] = {c.name: c.choices for c in COLUMNS if c.choices}

#: Common causes of rejection an operator can check before sending (the Instructions sheet).
REJECTION_CHECKLIST: tuple[str, ...] = (
    "Service address and ZIP exactly as on the losing carrier's record (the most common "
    "rejection): use the service address, not the billing address.",
    "Entity name spelled as on the bill: 'Inc.' versus 'Incorporated' is a mismatch.",
    "Authorized person is the one on the account and the one who signs the LOA.",
    "BTN (billing telephone number) is the account's main number, one per account.",
    "Account number and PIN exactly as on the bill; mobile numbers always need both.",
    "One account per order: rows of different accounts never share an order_ref.",
    "Partial ports: say keep or disconnect for the remaining numbers, and give a new BTN "
    "when the BTN itself moves.",
    "Every number is on the account and active; check typos by dialling them.",
    "No other port or account change for these numbers is in flight.",
    "LOA signed, legible, dated within 90 days and listing every number; toll-free LOAs "
    "carry the Resp Org form.",
    "Invoice from the losing carrier, 30 days old or newer.",
    "No DSL, alarm, elevator or fax lines unless you know they move too.",
    "No unpaid balance or port freeze on the losing account.",
)

__all__ = [
    "ALIASES",
    "COLUMNS",
    "COLUMN_BY_NAME",
    "COLUMN_NAMES",
    "ENUMERATIONS",
    "FOC_TIME_ZONE_NOTE",
    "IDENTIFIER_COLUMNS",
    "INSTRUCTIONS_SHEET",
    "NUMBERS_SHEET",
    "ORDER_LEVEL_COLUMNS",
    "PHONE_COLUMNS",
    "REJECTION_CHECKLIST",
    "REQUIRED_COLUMNS",
    "SECRET_COLUMNS",
    "TEMPLATE_VERSION",
    "Column",
    "canonical_column",
    "header_key",
]
