"""The one PATCH an order gets, built from its group's row values, and the way back from an
API error's ``source.pointer`` to the spreadsheet column it came from."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

TRUE_WORDS = frozenset({"yes", "y", "true", "1", "x"})

#: JSON pointer of a PATCH field -> the template column that supplied it.
POINTER_COLUMNS: dict[str, str] = {
    "/end_user/admin/entity_name": "entity_name",
    "/end_user/admin/auth_person_name": "auth_person_name",
    "/end_user/admin/billing_phone_number": "billing_phone_number",
    "/end_user/admin/account_number": "account_number",
    "/end_user/admin/pin_passcode": "pin_passcode",
    "/end_user/admin/tax_identifier": "tax_identifier",
    "/end_user/admin/business_identifier": "business_identifier",
    "/end_user/location/street_address": "street_address",
    "/end_user/location/extended_address": "extended_address",
    "/end_user/location/locality": "locality",
    "/end_user/location/administrative_area": "administrative_area",
    "/end_user/location/postal_code": "postal_code",
    "/end_user/location/country_code": "country_code",
    "/misc/type": "port_type",
    "/misc/remaining_numbers_action": "remaining_numbers_action",
    "/misc/new_billing_phone_number": "new_billing_phone_number",
    "/activation_settings/foc_datetime_requested": "requested_foc",
    "/documents/loa": "loa_file",
    "/documents/invoice": "invoice_file",
    "/phone_number_configuration/connection_id": "connection_id",
    "/phone_number_configuration/messaging_profile_id": "messaging_profile_id",
    "/phone_number_configuration/emergency_address_id": "emergency_address_id",
    "/phone_number_configuration/billing_group_id": "billing_group_id",
    "/phone_number_configuration/tags": "tags",
    "/messaging/enable_messaging": "enable_messaging",
    "/webhook_url": "webhook_url",
    "/customer_reference": "customer_reference",
    "/customer_group_reference": "customer_group_reference",
    "/phone_numbers": "phone_number",
}


def column_for_pointer(pointer: str | None) -> str:
    """The template column a JSON pointer refers to, or "" for the whole order."""
    if not pointer or pointer == "/":
        return ""
    if pointer in POINTER_COLUMNS:
        return POINTER_COLUMNS[pointer]
    # /phone_numbers/3, /phone_number_configuration/tags/0 ...: walk up to a known prefix.
    parts = pointer.rstrip("/").split("/")
    while len(parts) > 1:
        parts.pop()
        candidate = "/".join(parts)
        if candidate in POINTER_COLUMNS:
            return POINTER_COLUMNS[candidate]
    return ""


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in ("", None, [], {})}


#: The order's end user, section by section: the PATCH's field for each column of that name.
_ADMIN_COLUMNS = (
    "entity_name",
    "auth_person_name",
    "billing_phone_number",
    "account_number",
    "pin_passcode",
    # the spec's EU identifiers; the template's other new columns (FOC time zone, losing
    # carrier, RespOrg) have no PATCH field: the zone is already in the FOC's UTC moment
    "tax_identifier",
    "business_identifier",
)
_LOCATION_COLUMNS = (
    "street_address",
    "extended_address",
    "locality",
    "administrative_area",
    "postal_code",
    "country_code",
)
_CONFIGURATION_COLUMNS = (
    "connection_id",
    "messaging_profile_id",
    "emergency_address_id",
    "billing_group_id",
)


def _section(fields: Mapping[str, str], columns: tuple[str, ...]) -> dict[str, Any]:
    return _drop_empty({column: fields.get(column, "") for column in columns})


def _misc(fields: Mapping[str, str]) -> dict[str, Any]:
    port_type = fields.get("port_type", "").lower()
    if port_type == "full":
        return {"type": "full"}
    if port_type == "partial":
        return _drop_empty(
            {
                "type": "partial",
                "remaining_numbers_action": fields.get("remaining_numbers_action", "").lower(),
                "new_billing_phone_number": fields.get("new_billing_phone_number", ""),
            }
        )
    return {}


def build_patch(
    fields: Mapping[str, str],
    *,
    customer_reference: str,
    customer_group_reference: str,
    foc: datetime | None,
    documents: Mapping[str, str],
) -> dict[str, Any]:
    """The PATCH body for one order: end user, location, misc, FOC, configuration, messaging,
    webhook, documents and references. Empty cells are left out, so the order keeps its values."""
    admin = _section(fields, _ADMIN_COLUMNS)
    location = _section(fields, _LOCATION_COLUMNS)
    tags = [t.strip() for t in fields.get("tags", "").replace(";", ",").split(",") if t.strip()]
    configuration = _drop_empty({**_section(fields, _CONFIGURATION_COLUMNS), "tags": tags})
    body: dict[str, Any] = {
        "customer_reference": customer_reference,
        "customer_group_reference": customer_group_reference,
        "end_user": _drop_empty({"admin": admin, "location": location}),
        "misc": _misc(fields),
        "phone_number_configuration": configuration,
        "documents": _drop_empty(dict(documents)),
        "webhook_url": fields.get("webhook_url", ""),
    }
    if foc is not None:
        body["activation_settings"] = {
            "foc_datetime_requested": foc.isoformat().replace("+00:00", "Z")
        }
    messaging = fields.get("enable_messaging", "").strip().lower()
    if messaging:
        body["messaging"] = {"enable_messaging": messaging in TRUE_WORDS}
    return _drop_empty(body)
