"""The PATCH body built from a group's cells, and pointers mapped back to columns."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from porting_batch.order_patch import build_patch, column_for_pointer

FIELDS = {
    "entity_name": "Acme Widgets Inc.",
    "auth_person_name": "Jane Roe",
    "billing_phone_number": "+13125550100",
    "account_number": "ACC-1001",
    "pin_passcode": "4321",
    "street_address": "100 Main St",
    "extended_address": "",
    "locality": "Chicago",
    "administrative_area": "IL",
    "postal_code": "60601",
    "country_code": "US",
    "port_type": "partial",
    "remaining_numbers_action": "keep",
    "new_billing_phone_number": "+13125550199",
    "connection_id": "1234",
    "tags": "east; vip",
    "enable_messaging": "yes",
    "webhook_url": "",
    "loa_file": "loa.pdf",
}


def test_build_patch_maps_every_section():
    """End user, location, misc, FOC, configuration, messaging, documents and references."""
    body = build_patch(
        FIELDS,
        customer_reference="ref-1",
        customer_group_reference="batch",
        foc=datetime(2026, 12, 9, 15, tzinfo=UTC),
        documents={"loa": "doc-1", "invoice": "doc-2"},
    )
    assert body == {
        "customer_reference": "ref-1",
        "customer_group_reference": "batch",
        "end_user": {
            "admin": {
                "entity_name": "Acme Widgets Inc.",
                "auth_person_name": "Jane Roe",
                "billing_phone_number": "+13125550100",
                "account_number": "ACC-1001",
                "pin_passcode": "4321",
            },
            "location": {
                "street_address": "100 Main St",
                "locality": "Chicago",
                "administrative_area": "IL",
                "postal_code": "60601",
                "country_code": "US",
            },
        },
        "misc": {
            "type": "partial",
            "remaining_numbers_action": "keep",
            "new_billing_phone_number": "+13125550199",
        },
        "phone_number_configuration": {"connection_id": "1234", "tags": ["east", "vip"]},
        "documents": {"loa": "doc-1", "invoice": "doc-2"},
        "activation_settings": {"foc_datetime_requested": "2026-12-09T15:00:00Z"},
        "messaging": {"enable_messaging": True},
    }


def test_build_patch_for_full_port_sends_only_the_type():
    """A full port sends misc.type alone, as the spec asks."""
    body = build_patch(
        {**FIELDS, "port_type": "Full"},
        customer_reference="r",
        customer_group_reference="b",
        foc=None,
        documents={},
    )
    assert body["misc"] == {"type": "full"}
    assert "activation_settings" not in body
    assert "documents" not in body


@pytest.mark.parametrize(
    ("pointer", "column"),
    [
        ("/end_user/admin/billing_phone_number", "billing_phone_number"),
        ("/end_user/location/postal_code", "postal_code"),
        ("/activation_settings/foc_datetime_requested", "requested_foc"),
        ("/documents/loa", "loa_file"),
        ("/phone_numbers/3", "phone_number"),
        ("/phone_numbers/3/phone_number", "phone_number"),
        ("/phone_number_configuration/tags/0", "tags"),
        ("/", ""),
        (None, ""),
        ("/something/new", ""),
    ],
)
def test_column_for_pointer_finds_the_source_column(pointer, column):
    """Every pointer the API may send leads back to the column that supplied the value."""
    assert column_for_pointer(pointer) == column
