"""The column catalogue: header matching and the order-level set."""

from __future__ import annotations

import pytest

from porting_batch.columns import (
    ALIASES,
    COLUMN_NAMES,
    ORDER_LEVEL_COLUMNS,
    REQUIRED_COLUMNS,
    canonical_column,
)


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("phone_number", "phone_number"),
        (" Phone Number ", "phone_number"),
        ("PHONE-NUMBER", "phone_number"),
        ("Phone\u00a0Number", "phone_number"),
        ("TN", "phone_number"),
        ("BTN", "billing_phone_number"),
        ("Billing Telephone Number", "billing_phone_number"),
        ("Zip", "postal_code"),
        ("ZIP Code", "postal_code"),
        ("State", "administrative_area"),
        ("Province", "administrative_area"),
        ("City", "locality"),
        ("Account #", "account_number"),
        ("Acct No.", "account_number"),
        ("PIN", "pin_passcode"),
        ("New BTN", "new_billing_phone_number"),
        ("FOC Date", "requested_foc"),
        ("LOA", "loa_file"),
        ("Business Name", "entity_name"),
        ("Authorized Person", "auth_person_name"),
        ("Address Line 2", "extended_address"),
    ],
    ids=lambda value: str(value).strip().replace(" ", "-").replace("\u00a0", "-nbsp-"),
)
def test_headers_match_regardless_of_case_spacing_and_synonyms(header: str, name: str) -> None:
    """Headers match the canonical column whatever their case, spacing or common synonym."""
    assert canonical_column(header) == name


def test_unknown_header_matches_nothing() -> None:
    """A header that is not a template column is not guessed."""
    assert canonical_column("Favourite colour") is None


def test_aliases_name_exactly_the_catalogue_columns() -> None:
    """Every column has its aliases entry, and no entry names a column the catalogue lacks."""
    assert tuple(ALIASES) == COLUMN_NAMES


def test_every_alias_and_column_name_matches_its_own_column() -> None:
    """Each column's name and each of its aliases match that column and no other."""
    for name, aliases in ALIASES.items():
        for header in (name, *aliases):
            assert canonical_column(header) == name, header


def test_catalogue_has_every_issue_column_in_order() -> None:
    """The template's columns are exactly the issue's list, in its order."""
    assert COLUMN_NAMES == (
        "phone_number",
        "country",
        "order_ref",
        "customer_type",
        "entity_name",
        "auth_person_name",
        "account_number",
        "pin_passcode",
        "billing_phone_number",
        "street_address",
        "extended_address",
        "locality",
        "administrative_area",
        "postal_code",
        "country_code",
        "port_type",
        "remaining_numbers_action",
        "new_billing_phone_number",
        "requested_foc",
        "loa_file",
        "invoice_file",
        "invoice_date",
        "connection_id",
        "messaging_profile_id",
        "emergency_address_id",
        "billing_group_id",
        "tags",
        "enable_messaging",
        "webhook_url",
        "customer_reference",
        "notes",
        "action",  # issue 16 item 4: cancel from the sheet
        "foc_time_zone",  # issue 18 item 4
        "losing_carrier",  # issue 18 item 5: the carrier as the operator knows it
        "resp_org",  # issue 18 item 5: toll-free
        "tax_identifier",  # issue 18 item 5: EU identifiers
        "business_identifier",
        "customer_group_reference",  # issue 18 item 5: the operator's group reference
    )


def test_order_level_columns_cover_the_order_payload() -> None:
    """Every column that ends up in an order's PATCH must agree within an order group."""
    for name in (
        "entity_name",
        "billing_phone_number",
        "postal_code",
        "port_type",
        "requested_foc",
        "loa_file",
        "connection_id",
        "enable_messaging",
        "webhook_url",
        "customer_reference",
    ):
        assert name in ORDER_LEVEL_COLUMNS
    for name in ("phone_number", "country", "order_ref", "notes"):
        assert name not in ORDER_LEVEL_COLUMNS
    assert "phone_number" in REQUIRED_COLUMNS
