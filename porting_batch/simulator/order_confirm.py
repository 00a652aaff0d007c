"""Confirm (submit) a porting order, with every gap listed, and delete a draft."""

from __future__ import annotations

from typing import Any

from porting_batch.simulator import associated, requirements
from porting_batch.simulator.calendar import in_windows
from porting_batch.simulator.clock import parse_iso
from porting_batch.simulator.lifecycle import SUBMIT_DELAY_S, SUBMIT_STEP
from porting_batch.simulator.orders import KEEP_NEEDS_NUMBER, allowed_windows
from porting_batch.simulator.problems import error, unprocessable
from porting_batch.simulator.state import SimState

REQUIRED_ADMIN = ("entity_name", "auth_person_name", "billing_phone_number")
REQUIRED_LOCATION = (
    "street_address",
    "locality",
    "administrative_area",
    "postal_code",
    "country_code",
)


def missing_for_confirm(state: SimState, order: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item that keeps the order from being submitted, one error each."""
    return [
        *_end_user_gaps(order),
        *_document_gaps(order),
        *_foc_gaps(state, order),
        *_misc_gaps(order),
        *requirements.unmet_errors(state, order),
        *associated.confirm_errors(state, order),
    ]


def _end_user_gaps(order: dict[str, Any]) -> list[dict[str, Any]]:
    admin = order["end_user"]["admin"]
    location = order["end_user"]["location"]
    return [
        error(
            "10004",
            f"The end user's '{key}' is required to submit the order.",
            pointer=f"/end_user/admin/{key}",
        )
        for key in REQUIRED_ADMIN
        if not admin.get(key)
    ] + [
        error(
            "10004",
            f"The service address '{key}' is required to submit the order.",
            pointer=f"/end_user/location/{key}",
        )
        for key in REQUIRED_LOCATION
        if not location.get(key)
    ]


def _document_gaps(order: dict[str, Any]) -> list[dict[str, Any]]:
    gaps = []
    if not requirements.value_of(order, requirements.LOA):
        gaps.append(error("80008", "A signed LOA document is required.", pointer="/documents/loa"))
    if not requirements.value_of(order, requirements.INVOICE):
        gaps.append(
            error("10004", "A recent invoice document is required.", pointer="/documents/invoice")
        )
    return gaps


def _foc_gaps(state: SimState, order: dict[str, Any]) -> list[dict[str, Any]]:
    foc = order["activation_settings"]["foc_datetime_requested"]
    pointer = "/activation_settings/foc_datetime_requested"
    if not foc:
        return [error("10004", "A requested FOC date is required.", pointer=pointer)]
    if not in_windows(parse_iso(foc), allowed_windows(state, order)):
        return [
            error(
                "80018",
                f"The requested FOC date {foc} is no longer inside an allowed FOC window.",
                pointer=pointer,
            )
        ]
    return []


def _misc_gaps(order: dict[str, Any]) -> list[dict[str, Any]]:
    misc = order["misc"] or {}
    if misc.get("remaining_numbers_action") == "keep" and not misc.get("new_billing_phone_number"):
        return [error("10004", KEEP_NEEDS_NUMBER, pointer="/misc/new_billing_phone_number")]
    return []


def confirm_order(state: SimState, order: dict[str, Any]) -> dict[str, Any]:
    """Submit a draft (or resubmit an exception): draft -> in-process, or 422 with every gap."""
    status = order["status"]["value"]
    if status not in {"draft", "exception"}:
        raise unprocessable(
            [
                error(
                    "10015",
                    f"Only draft or exception orders can be confirmed; this one is '{status}'.",
                    pointer="/",
                )
            ]
        )
    errors = missing_for_confirm(state, order)
    if errors:
        raise unprocessable(errors)
    if order["support_key"] is None:
        order["support_key"] = state.short_key("sr")
        order["parent_support_key"] = state.short_key("pr")
    # Each submission gets its own carrier draws, so a resubmitted order can pass.
    order["_sim"]["submissions"] = order["_sim"].get("submissions", 0) + 1
    order["_sim"].pop("pending_exception", None)
    state.schedule(order, SUBMIT_DELAY_S, SUBMIT_STEP)
    state.set_status(order, "in-process")
    return order


def delete_order(state: SimState, order: dict[str, Any]) -> None:
    """Delete a draft order; anything else is a 422."""
    status = order["status"]["value"]
    if status != "draft":
        raise unprocessable(
            [
                error(
                    "10015",
                    f"Only draft orders can be deleted; this one is '{status}'. Cancel it instead.",
                    pointer="/",
                )
            ]
        )
    now = state.now_iso()
    state.add_event(
        order,
        "porting_order.deleted",
        {
            "id": order["id"],
            "customer_reference": order["customer_reference"] or "",
            "created_at": order["created_at"],
            "updated_at": now,
            "deleted_at": now,
            "record_type": "porting_order",
        },
    )
    state.unindex_order(order)
    state.store.delete("orders", order["id"])
