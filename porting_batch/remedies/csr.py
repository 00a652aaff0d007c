"""The losing carrier's record (a CSR) as values by canonical template column."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from porting_batch.safety import safe_text

#: Where each canonical column sits in a CSR result (``admin``/``address``), first match wins.
CSR_PATHS: dict[str, tuple[tuple[str, str], ...]] = {
    "entity_name": (("admin", "name"), ("admin", "entity_name")),
    "auth_person_name": (("admin", "authorized_person_name"), ("admin", "auth_person_name")),
    "account_number": (("admin", "account_number"),),
    "billing_phone_number": (("admin", "billing_phone_number"),),
    "pin_passcode": (("admin", "pin_passcode"), ("admin", "pin")),
    "street_address": (("address", "street_address"), ("location", "street_address")),
    "locality": (("address", "locality"), ("location", "locality")),
    "administrative_area": (
        ("address", "administrative_area"),
        ("location", "administrative_area"),
    ),
    "postal_code": (("address", "postal_code"), ("location", "postal_code")),
    "country_code": (("address", "country_code"), ("location", "country_code")),
}


def csr_body(csr: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The part of a CSR that holds the record: its ``result`` when it has one."""
    if not csr:
        return {}
    result = csr.get("result")
    return result if isinstance(result, Mapping) else csr


def carrier_values(csr: Mapping[str, Any] | None) -> dict[str, str]:
    """The carrier's values by canonical column ("" values left out).

    Takes a CSR as Telnyx returns it (the record, or its ``result``: ``admin.name``,
    ``address.street_address``...), an order-shaped ``admin``/``location`` pair, or a flat
    mapping already keyed by canonical column (``{"entity_name": "ACME INC"}``).
    """
    body = csr_body(csr)
    found: dict[str, str] = {}
    for column, paths in CSR_PATHS.items():
        flat = body.get(column)
        if isinstance(flat, str | int) and str(flat).strip():
            found[column] = safe_text(str(flat)).strip()
            continue
        for section, key in paths:
            part = body.get(section)
            value = part.get(key) if isinstance(part, Mapping) else None
            if isinstance(value, str | int) and str(value).strip():
                found[column] = safe_text(str(value)).strip()
                break
    return found
