"""The porting order record: a new draft's shape, how the API shows it, its FOC windows.

The operations on orders live beside it: ``order_create`` (create and split), ``order_patch``
with ``patch_sections`` (PATCH), and ``order_confirm`` (confirm and delete).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from porting_batch.simulator import requirements
from porting_batch.simulator.calendar import foc_windows
from porting_batch.simulator.numbers import NumberFacts
from porting_batch.simulator.state import USER_ID, SimState

NUMBERS_SHOWN = 50
ADMIN_KEYS = (
    "entity_name",
    "auth_person_name",
    "billing_phone_number",
    "account_number",
    "pin_passcode",
    "business_identifier",
    "tax_identifier",
)
LOCATION_KEYS = (
    "street_address",
    "extended_address",
    "locality",
    "administrative_area",
    "postal_code",
    "country_code",
)
CONFIG_KEYS = ("connection_id", "messaging_profile_id", "billing_group_id", "emergency_address_id")
DOCUMENT_KINDS = ("loa", "invoice")
DOMESTIC = frozenset({"US", "CA"})
KEEP_NEEDS_NUMBER = "'remaining_numbers_action: keep' requires 'new_billing_phone_number'."


def blank_misc() -> dict[str, Any]:
    """The ``misc`` block of a new order: a full port, nothing said about remaining numbers."""
    return {"type": "full", "remaining_numbers_action": None, "new_billing_phone_number": None}


def new_order(
    state: SimState, body: dict[str, Any], members: list[NumberFacts], *, fast_port: bool
) -> dict[str, Any]:
    """A draft order for one split group of numbers (not yet saved)."""
    now = state.now_iso()
    order_id = state.new_id()
    first = members[0]
    order = {
        "id": order_id,
        "record_type": "porting_order",
        "created_at": now,
        "updated_at": now,
        "customer_reference": body.get("customer_reference"),
        "customer_group_reference": body.get("customer_group_reference"),
        "user_id": USER_ID,
        "description": f"FP {first.carrier_name}" if fast_port else first.carrier_name,
        "old_service_provider_ocn": first.carrier_name,
        "support_key": None,
        "parent_support_key": None,
        "status": {"value": "draft", "details": []},
        "activation_settings": {
            "fast_port_eligible": fast_port,
            "foc_datetime_requested": None,
            "foc_datetime_actual": None,
            "activation_status": None,
        },
        "phone_number_type": first.phone_number_type,
        "porting_phone_numbers_count": len(members),
        **_blank_sections(members),
        "_sim": {
            "numbers": [_number_entry(order_id, facts) for facts in members],
            "country_code": first.country_code,
            "carrier_name": first.carrier_name,
            "spid": first.spid,
            "next_at": None,
            "next_step": None,
        },
    }
    if state.realistic:
        # The docs' opt-in field (NOTES 9.4): every order starts on the scheduled activation.
        order["activation_settings"]["activation_type"] = "scheduled"
    order["requirements"] = requirements.initial_requirements(state, order)
    return order


def _blank_sections(members: list[NumberFacts]) -> dict[str, Any]:
    """The sections a customer fills in by PATCH, empty, in the order the API shows them."""
    return {
        "end_user": {
            "admin": dict.fromkeys(ADMIN_KEYS),
            "location": dict.fromkeys(LOCATION_KEYS),
        },
        "misc": blank_misc(),
        "documents": dict.fromkeys(DOCUMENT_KINDS),
        "requirements": [],
        "requirements_met": False,
        "phone_number_configuration": {**dict.fromkeys(CONFIG_KEYS), "tags": []},
        "messaging": {
            "enable_messaging": False,
            "messaging_capable": all(facts.messaging_capable for facts in members),
            "messaging_port_completed": False,
            "messaging_port_status": "not_applicable",
        },
        "user_feedback": {"user_rating": None, "user_comment": None},
        "webhook_url": None,
        "additional_steps": [],
    }


def _number_entry(order_id: str, facts: NumberFacts) -> dict[str, Any]:
    """One porting phone number of a new order."""
    domestic = facts.country_code in DOMESTIC
    return {
        "phone_number": facts.phone_number,
        "phone_number_type": facts.phone_number_type,
        "portability_status": "pending" if domestic else "provisional",
        "porting_order_id": order_id,
        "porting_order_status": "draft",
        "activation_status": "New",
        "requirements_status": "approved" if domestic else "requirement-info-pending",
        "support_key": "",
        "record_type": "porting_phone_number",
    }


def render(order: dict[str, Any], *, include_phone_numbers: bool = True) -> dict[str, Any]:
    """The order as the API shows it (internal bookkeeping removed).

    It shares its inner values with the stored order: serialise it at once (the responses do),
    or ``plain_copy`` it to keep it.
    """
    shown = {key: value for key, value in order.items() if key != "_sim"}
    if include_phone_numbers:
        shown["phone_numbers"] = order["_sim"]["numbers"][:NUMBERS_SHOWN]
    return shown


def order_meta(order: dict[str, Any]) -> dict[str, Any]:
    """The ``meta`` block of single-order answers."""
    return {
        "phone_numbers_url": f"/v2/porting_phone_numbers?filter[porting_order_id]={order['id']}"
    }


def allowed_windows(state: SimState, order: dict[str, Any]) -> list[tuple[datetime, datetime]]:
    """The order's allowed FOC windows as of simulated now."""
    return foc_windows(state.now(), fast_port=order["activation_settings"]["fast_port_eligible"])
