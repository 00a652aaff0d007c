"""The columns template 2.0 added (issue 18): the FOC's time zone, the losing carrier as the
operator knows it, the toll-free RespOrg, the EU identifiers and the customer group reference.

They come after the first template's columns, so a sheet filled from template 1.0 keeps every
column letter it had (issues and annotated copies name cells by letter).
"""

from __future__ import annotations

from porting_batch.column_spec import Column

#: Telnyx reads the tax and business identifiers only for addresses in the European Union.
EU_ONLY = "for EU addresses, when Telnyx asks for them"

EXTRA_COLUMNS: tuple[Column, ...] = (
    Column(
        "foc_time_zone",
        "The time zone of the requested FOC, as an IANA name (America/Chicago, "
        "America/Toronto). Empty: UTC.",
        "America/Chicago",
        kind="zone",
        order_level=True,
        width=20,
        header="FOC time zone",
    ),
    Column(
        "losing_carrier",
        "The losing carrier as you know it (the name on the bill). Checked against the "
        "carrier the portability check names; not sent to Telnyx.",
        "AT&T",
        order_level=True,
        width=20,
        header="Current carrier",
    ),
    Column(
        "resp_org",
        "Toll-free numbers only: the 5-character RespOrg ID that controls them today. It goes "
        "on the Resp Org form of the toll-free LOA; the API has no field for it.",
        "TWC01",
        when_required="for toll-free numbers (the LOA's Resp Org form)",
        kind="identifier",
        width=12,
        header="RespOrg ID",
    ),
    Column(
        "tax_identifier",
        "The account holder's tax identification number (VAT number). Telnyx uses it in the "
        "European Union only.",
        "DE123456789",
        when_required=EU_ONLY,
        kind="identifier",
        order_level=True,
        header="Tax ID (EU)",
    ),
    Column(
        "business_identifier",
        "The business registration number of the account holder. Telnyx uses it in the "
        "European Union only.",
        "HRB 12345",
        when_required=EU_ONLY,
        kind="identifier",
        order_level=True,
        header="Business ID (EU)",
    ),
    Column(
        "customer_group_reference",
        "Optional: your reference for a group of orders, sent to Telnyx as the order's "
        "customer group reference (one per account). Empty: the batch id.",
        "ACME-2026-Q4",
        order_level=True,
        width=22,
        header="Customer group reference",
    ),
)
