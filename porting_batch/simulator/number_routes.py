"""Routes listing porting phone numbers and their phone number configurations."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from porting_batch.simulator.filter_checks import (
    CONFIGURATION_FILTERS,
    PHONE_NUMBER_FILTERS,
    check_filters,
)
from porting_batch.simulator.handlers import handles_problems, public, sim_of
from porting_batch.simulator.http import JSON, filters, page_params, paginate, split_values


@handles_problems
async def list_porting_phone_numbers(request: Request) -> Response:
    """GET /porting_phone_numbers."""
    state = sim_of(request)
    number, size = page_params(request)
    found = filters(request)
    if state.realistic:
        check_filters(found, PHONE_NUMBER_FILTERS)
    statuses = split_values(found.get("porting_order_status"))
    order_ids = split_values(found.get("porting_order_id"))
    phone_numbers = split_values(found.get("phone_number"))
    items = []
    for order in state.store.all("orders"):
        if order_ids is not None and order["id"] not in order_ids:
            continue
        if statuses is not None and order["status"]["value"] not in statuses:
            continue
        for entry in order["_sim"]["numbers"]:
            if phone_numbers is None or entry["phone_number"] in phone_numbers:
                items.append(entry)
    page, meta = paginate(items, number, size)
    if "text/csv" in request.headers.get("accept", ""):
        columns = (
            "phone_number",
            "phone_number_type",
            "porting_order_id",
            "support_key",
            "porting_order_status",
        )
        lines = [",".join(columns)] + [",".join(str(n[c]) for c in columns) for n in page]
        return Response("\r\n".join(lines) + "\r\n", media_type="text/csv")
    return JSON({"data": page, "meta": meta})


@handles_problems
async def list_phone_number_configurations(request: Request) -> Response:
    """GET /porting_orders/phone_number_configurations: its own operation, not an order id."""
    state = sim_of(request)
    number, size = page_params(request)
    found = filters(request)
    if state.realistic:
        check_filters(found, CONFIGURATION_FILTERS)
    statuses = split_values(found.get("porting_order.status"))
    number_ids = split_values(found.get("porting_phone_number"))
    bundles = split_values(found.get("user_bundle_id"))
    items = []
    for item in state.store.all("phone_number_configurations"):
        if statuses is not None:
            order = state.order_or_none(item.get("_order_id", ""))
            if order is None or order["status"]["value"] not in statuses:
                continue
        if number_ids is not None and item["porting_phone_number_id"] not in number_ids:
            continue
        if bundles is not None and item["user_bundle_id"] not in bundles:
            continue
        items.append(public(item))
    page, meta = paginate(items, number, size)
    return JSON({"data": page, "meta": meta})
