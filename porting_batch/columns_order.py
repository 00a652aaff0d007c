"""The template's order columns: the port itself, its documents and the Telnyx settings.

Part of the catalogue :mod:`porting_batch.columns` assembles; see there for the whole list.
"""

from __future__ import annotations

from porting_batch.column_spec import Column

#: Telnyx asks for a requested FOC inside its allowed windows; the instructions state the zone.
FOC_TIME_ZONE_NOTE = (
    "The time is read in the FOC time zone column (America/Chicago...); with no zone, in UTC, "
    "unless the cell gives an offset (2026-12-21 15:00-06:00 or ...Z). A date without a time "
    "means 09:00 in that zone, or 15:00 UTC (09:00 US Central) when no zone is given."
)
#: The FOC time zone drop-down: the zones of the countries Telnyx ports in North America
#: first, then UTC. Any other IANA name is accepted too (with a warning from Excel only).
TIME_ZONES: tuple[str, ...] = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "America/St_Johns",
    "America/Halifax",
    "America/Toronto",
    "America/Winnipeg",
    "America/Regina",
    "America/Edmonton",
    "America/Vancouver",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "Australia/Sydney",
    "UTC",
)

ORDER_COLUMNS: tuple[Column, ...] = (
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
        header="Port type",
    ),
    Column(
        "remaining_numbers_action",
        "Partial ports only: keep or disconnect the numbers left on the losing account.",
        "keep",
        when_required="when the port type is partial",
        choices=("keep", "disconnect"),
        kind="choice",
        order_level=True,
        header="Remaining numbers",
    ),
    Column(
        "new_billing_phone_number",
        "Partial ports that keep numbers: the BTN the losing account keeps.",
        "+1 312 555 0199",
        when_required="when the port type is partial and the remaining numbers are kept",
        kind="phone",
        order_level=True,
        width=20,
        header="New BTN",
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
        header="Requested port date (FOC)",
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
        header="LOA file",
    ),
    Column(
        "invoice_file",
        "A recent bill from the losing carrier (30 days or newer), same rules as the LOA file.",
        "invoice-acme.pdf",
        when_required="to confirm the order (drafts can wait for it)",
        kind="file",
        order_level=True,
        width=22,
        header="Invoice file",
    ),
    Column(
        "invoice_date",
        "Date of the invoice; older than 30 days gets a warning.",
        "2026-11-10",
        kind="date",
        width=12,
        header="Invoice date",
    ),
    Column(
        "connection_id",
        "Telnyx connection (SIP trunk) the numbers go to after the port.",
        "1234567890",
        kind="identifier",
        order_level=True,
        header="Telnyx connection ID",
    ),
    Column(
        "messaging_profile_id",
        "Telnyx messaging profile for the numbers.",
        "400017fd-0000-0000-0000-000000000000",
        order_level=True,
        header="Messaging profile ID",
    ),
    Column(
        "emergency_address_id",
        "Telnyx emergency (E911) address id.",
        "1293384261075731499",
        kind="identifier",
        order_level=True,
        header="E911 address ID",
    ),
    Column(
        "billing_group_id",
        "Telnyx billing group id.",
        "f1486bae-0000-0000-0000-000000000000",
        order_level=True,
        header="Billing group ID",
    ),
    Column(
        "tags",
        "Tags for the numbers, separated by commas.",
        "chicago,main-office",
        kind="tags",
        order_level=True,
        header="Tags",
    ),
    Column(
        "enable_messaging",
        "yes to port messaging (SMS) with the numbers, no to leave it.",
        "yes",
        choices=("yes", "no"),
        kind="bool",
        order_level=True,
        width=12,
        header="Port messaging (SMS)",
    ),
    Column(
        "webhook_url",
        "https URL that receives this order's status events.",
        "https://example.com/porting-events",
        kind="url",
        order_level=True,
        width=26,
        header="Status webhook URL",
    ),
    Column(
        "customer_reference",
        "Your reference sent to Telnyx with the order (one per order).",
        "ACME-PORT-1",
        order_level=True,
        header="Your order reference",
    ),
    Column(
        "notes",
        "Free text for you; not sent to the carrier.",
        "Front desk lines",
        width=30,
        header="Notes",
    ),
    Column(
        "action",
        "cancel to cancel this number's order (every number of the order must say cancel; "
        "not within 48 hours of its FOC); empty otherwise.",
        "",
        choices=("cancel",),
        kind="choice",
        width=10,
        header="Action",
    ),
)
