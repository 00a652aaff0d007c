"""Routes for porting events: list, read, and republish to the order's webhook."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from porting_batch.simulator.clock import parse_iso
from porting_batch.simulator.handlers import handles_problems, parse_bound, sim_of
from porting_batch.simulator.http import JSON, filters, page_params, paginate, split_values
from porting_batch.simulator.problems import not_found


@handles_problems
async def list_events(request: Request) -> Response:
    """GET /porting/events."""
    state = sim_of(request)
    number, size = page_params(request)
    found = filters(request)
    types = split_values(found.get("type"))
    order_ids = split_values(found.get("porting_order_id"))
    gte = found.get("created_at.gte")
    lte = found.get("created_at.lte")
    low = parse_bound(gte[-1], "filter[created_at][gte]") if gte else None
    high = parse_bound(lte[-1], "filter[created_at][lte]") if lte else None
    items = []
    for event in state.store.all("events"):
        if types is not None and event["event_type"] not in types:
            continue
        if order_ids is not None and event["porting_order_id"] not in order_ids:
            continue
        created = parse_iso(event["created_at"])
        if (low is not None and created < low) or (high is not None and created > high):
            continue
        items.append(event)
    page, meta = paginate(items, number, size)
    return JSON({"data": page, "meta": meta})


@handles_problems
async def get_event(request: Request) -> Response:
    """GET /porting/events/{id}."""
    ident = request.path_params["id"]
    event = sim_of(request).store.get("events", ident)
    if event is None:
        raise not_found("porting event", ident)
    return JSON({"data": event})


@handles_problems
async def republish_event(request: Request) -> Response:
    """POST /porting/events/{id}/republish: resend to the order's loopback webhook."""
    state = sim_of(request)
    ident = request.path_params["id"]
    event = state.store.get("events", ident)
    if event is None:
        raise not_found("porting event", ident)
    order = state.order_or_none(event["porting_order_id"])
    if order is not None and order.get("webhook_url") and state.webhook_sink is not None:
        state.webhook_sink(
            order["webhook_url"],
            {
                "data": {
                    "event_type": event["event_type"],
                    "id": event["id"],
                    "occurred_at": event["created_at"],
                    "record_type": "event",
                    "payload": event["payload"],
                },
                "meta": {"attempt": 1, "delivered_to": order["webhook_url"]},
            },
        )
    return Response(status_code=204)
