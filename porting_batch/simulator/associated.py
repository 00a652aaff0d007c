"""GB partial ports: the ``associated_phone_numbers`` additional step and its endpoints.

A partial port of GB local numbers must say what happens to the numbers left at the losing
carrier (docs: porting additional steps). The order's ``additional_steps`` names the step until
one range is given; the realistic profile refuses to confirm before that (rule R18).
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from starlette.requests import Request
from starlette.responses import Response

from porting_batch.simulator.handlers import handles_problems, order_from, public, sim_of
from porting_batch.simulator.http import JSON, filters, json_body, page_params, paginate
from porting_batch.simulator.problems import bad_field, error, not_found, unprocessable
from porting_batch.simulator.state import SimState

STEP = "associated_phone_numbers"
KIND = "associated_numbers"
ACTIONS = ("keep", "disconnect")
#: The docs' "GB local" numbers: rule 1 types GB geographic (fixed-line) numbers ``landline``.
GEOGRAPHIC = frozenset({"local", "landline"})
_RANGE_END = re.compile(r"^\+\d{7,15}$")
#: Ranges can change only while the order can (rule 11's editable statuses).
OPEN_STATUSES = frozenset({"draft", "in-process", "submitted", "exception", "foc-date-confirmed"})


def needs_step(order: dict[str, Any]) -> bool:
    """Whether the order is a partial port of GB local numbers."""
    misc = order.get("misc") or {}
    return (
        order["_sim"]["country_code"] == "GB"
        and order["phone_number_type"] in GEOGRAPHIC
        and misc.get("type") == "partial"
    )


def ranges_of(state: SimState, order_id: str) -> list[dict[str, Any]]:
    """The associated number ranges given for an order."""
    return [item for item in state.store.all(KIND) if item["porting_order_id"] == order_id]


def refresh_steps(state: SimState, order: dict[str, Any]) -> None:
    """Set ``additional_steps``: the associated numbers step while it is needed and not done."""
    open_step = needs_step(order) and not ranges_of(state, order["id"])
    order["additional_steps"] = [STEP] if open_step else []


def confirm_errors(state: SimState, order: dict[str, Any]) -> list[dict[str, Any]]:
    """Realistic confirm: an open additional step is a 422 naming it."""
    if not state.realistic or STEP not in order.get("additional_steps", []):
        return []
    return [
        error(
            "10004",
            "This partial port of GB local numbers needs its associated phone numbers: POST "
            f"them to /porting_orders/{order['id']}/associated_phone_numbers.",
            pointer="/additional_steps",
        )
    ]


def _range_errors(body: Any) -> list[dict[str, Any]]:
    """Shape errors of a create body: the action and both ends of the range."""
    if not isinstance(body, dict):
        return [error("10015", "The request body must be a JSON object.")]
    errors = []
    if "action" not in body:
        errors.append(error("10004", "The 'action' parameter is required.", pointer="/action"))
    elif body["action"] not in ACTIONS:
        errors.append(bad_field("/action", "action must be one of keep, disconnect."))
    span = body.get("phone_number_range")
    if not isinstance(span, dict):
        pointer = "/phone_number_range"
        errors.append(
            error("10004", "The 'phone_number_range' parameter is required.", pointer=pointer)
        )
        return errors
    for end in ("start_at", "end_at"):
        value = span.get(end)
        if not isinstance(value, str) or not _RANGE_END.match(value):
            errors.append(bad_field(f"/phone_number_range/{end}"))
    if not errors and (
        len(span["start_at"]) != len(span["end_at"]) or span["start_at"] > span["end_at"]
    ):
        errors.append(
            bad_field("/phone_number_range", "start_at must not come after end_at (same length).")
        )
    return errors


def _order_errors(state: SimState, order: dict[str, Any], body: dict[str, Any]) -> list[Any]:
    """Errors that depend on the order: its status, its own numbers, and (realistic) the rules."""
    status = order["status"]["value"]
    if status not in OPEN_STATUSES:
        return [error("10015", f"The porting order is '{status}'.", pointer="/")]
    start, end = body["phone_number_range"]["start_at"], body["phone_number_range"]["end_at"]
    numbers = [n["phone_number"] for n in order["_sim"]["numbers"]]
    inside = [n for n in numbers if len(n) == len(start) and start <= n <= end]
    if inside:
        detail = f"{inside[0]} ports in this order: associated numbers are the ones that stay."
        return [bad_field("/phone_number_range", detail)]
    if not state.realistic:
        return []
    if not needs_step(order):
        detail = "Associated phone numbers are only for partial ports of GB local numbers."
        return [error("10015", detail, pointer="/")]
    btn = order["end_user"]["admin"].get("billing_phone_number")
    if body["action"] == "keep" and btn in numbers:
        detail = (
            "The billing number ports in this order: the other numbers can only be disconnected."
        )
        return [bad_field("/action", detail)]
    return []


@handles_problems
async def create_associated(request: Request) -> Response:
    """POST /porting_orders/{porting_order_id}/associated_phone_numbers."""
    state = sim_of(request)
    order = order_from(request, "porting_order_id")
    body = await json_body(request)
    errors = _range_errors(body) or _order_errors(state, order, body)
    if errors:
        raise unprocessable(errors)
    now = state.now_iso()
    start = body["phone_number_range"]["start_at"]
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(start, None))
    except phonenumbers.NumberParseException:
        region = None
    item = {
        "id": state.new_id(),
        "porting_order_id": order["id"],
        "country_code": region or order["_sim"]["country_code"],
        "phone_number_type": order["phone_number_type"],
        "phone_number_range": {"start_at": start, "end_at": body["phone_number_range"]["end_at"]},
        "action": body["action"],
        "record_type": "porting_associated_phone_number",
        "created_at": now,
        "updated_at": now,
    }
    state.store.put(KIND, item)
    refresh_steps(state, order)
    state.save_order(order)
    return JSON({"data": item}, status_code=201)


@handles_problems
async def list_associated(request: Request) -> Response:
    """GET /porting_orders/{porting_order_id}/associated_phone_numbers."""
    state = sim_of(request)
    order = order_from(request, "porting_order_id")
    found = filters(request)
    items = [public(item) for item in ranges_of(state, order["id"])]
    if found.get("action"):
        items = [item for item in items if item["action"] in found["action"]]
    for wanted in found.get("phone_number", []):
        items = [item for item in items if _covers(item, wanted)]
    sort = request.query_params.get("sort[value]", "-created_at")
    if sort not in ("created_at", "-created_at"):
        raise unprocessable(
            [error("10015", "sort[value] must be ±created_at.", parameter="sort[value]")]
        )
    items.sort(key=lambda item: item["created_at"], reverse=sort.startswith("-"))
    number, size = page_params(request)
    page, meta = paginate(items, number, size)
    return JSON({"data": page, "meta": meta})


def _covers(item: dict[str, Any], number: str) -> bool:
    span = item["phone_number_range"]
    return len(number) == len(span["start_at"]) and span["start_at"] <= number <= span["end_at"]


@handles_problems
async def delete_associated(request: Request) -> Response:
    """DELETE /porting_orders/{porting_order_id}/associated_phone_numbers/{id}: 200, the item."""
    state = sim_of(request)
    order = order_from(request, "porting_order_id")
    ident = request.path_params["id"]
    item = state.store.get(KIND, ident)
    if item is None or item["porting_order_id"] != order["id"]:
        raise not_found("associated phone number", ident)
    status = order["status"]["value"]
    if status not in OPEN_STATUSES:
        raise unprocessable([error("10015", f"The porting order is '{status}'.", pointer="/")])
    state.store.delete(KIND, ident)
    refresh_steps(state, order)
    state.save_order(order)
    return JSON({"data": public(item)})
