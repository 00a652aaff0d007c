"""Routes for portability checks and porting orders: create, list, read, PATCH, actions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from porting_batch.simulator import lifecycle, order_confirm, order_create, order_patch, orders
from porting_batch.simulator.clock import iso
from porting_batch.simulator.filter_checks import ORDER_FILTERS, check_filters
from porting_batch.simulator.handlers import (
    handles_problems,
    order_answer,
    order_from,
    public,
    sim_of,
    sort_value,
)
from porting_batch.simulator.http import JSON, bool_param, filters, json_body, page_params, paginate
from porting_batch.simulator.lifecycle import EXCEPTION_DESCRIPTIONS
from porting_batch.simulator.loa import loa_lines, render_pdf
from porting_batch.simulator.numbers import is_e164
from porting_batch.simulator.order_search import ORDER_SORTS, order_matches, sorted_orders
from porting_batch.simulator.problems import error, unprocessable


@handles_problems
async def portability_checks(request: Request) -> Response:
    """POST /portability_checks."""
    body = await json_body(request)
    numbers = body.get("phone_numbers") if isinstance(body, dict) else None
    if not isinstance(numbers, list) or not numbers:
        raise unprocessable(
            [
                error(
                    "10015",
                    "'phone_numbers' must be a non-empty list of +E.164 numbers.",
                    pointer="/phone_numbers",
                )
            ]
        )
    bad = [
        error("10015", f"{n!r} is not in +E.164 format.", pointer=f"/phone_numbers/{i}")
        for i, n in enumerate(numbers)
        if not isinstance(n, str) or not is_e164(n)
    ]
    if bad:
        raise unprocessable(bad)
    scenario = sim_of(request).scenario
    data = [scenario.facts(number).portability_result() for number in numbers]
    return JSON({"data": data}, status_code=201)


@handles_problems
async def create_porting_orders(request: Request) -> Response:
    """POST /porting_orders: one or more drafts."""
    state = sim_of(request)
    created = order_create.create_orders(state, await json_body(request))
    return JSON({"data": [orders.render(order) for order in created]}, status_code=201)


@handles_problems
async def list_porting_orders(request: Request) -> Response:
    """GET /porting_orders with filters, sort and pages."""
    state = sim_of(request)
    number, size = page_params(request)
    include = bool_param(request, "include_phone_numbers", True)
    sort = sort_value(request, ORDER_SORTS, "-created_at")
    found = filters(request)
    if state.realistic:
        check_filters(found, ORDER_FILTERS)
    items = [order for order in state.store.all("orders") if order_matches(order, found)]
    items = sorted_orders(items, sort)
    page, meta = paginate(items, number, size)
    data = [orders.render(order, include_phone_numbers=include) for order in page]
    return JSON({"data": data, "meta": meta})


@handles_problems
async def get_porting_order(request: Request) -> Response:
    """GET /porting_orders/{id}."""
    return order_answer(order_from(request), request)


@handles_problems
async def patch_porting_order(request: Request) -> Response:
    """PATCH /porting_orders/{id}."""
    order = order_from(request)
    body = await json_body(request)
    order_patch.patch_order(sim_of(request), order, body)
    return order_answer(order, request)


@handles_problems
async def delete_porting_order(request: Request) -> Response:
    """DELETE /porting_orders/{id}: drafts only."""
    order_confirm.delete_order(sim_of(request), order_from(request))
    return Response(status_code=204)


@handles_problems
async def order_action(request: Request) -> Response:
    """POST /porting_orders/{id}/actions/{confirm,cancel,activate}."""
    state = sim_of(request)
    order = order_from(request)
    action = request.url.path.rsplit("/", 1)[1]
    if action == "confirm":
        order_confirm.confirm_order(state, order)
        return order_answer(order, request)
    if action == "cancel":
        lifecycle.cancel_order(state, order)
        return order_answer(order, request)
    job = lifecycle.activate_order(state, order)
    return JSON({"data": public(job)}, status_code=202)


@handles_problems
async def allowed_foc_windows(request: Request) -> Response:
    """GET /porting_orders/{id}/allowed_foc_windows."""
    order = order_from(request)
    windows = orders.allowed_windows(sim_of(request), order)
    data = [
        {"started_at": iso(start), "ended_at": iso(end), "record_type": "allowed_foc_window"}
        for start, end in windows
    ]
    return JSON(
        {"data": data, "meta": {"phone_numbers_url": orders.order_meta(order)["phone_numbers_url"]}}
    )


@handles_problems
async def loa_template(request: Request) -> Response:
    """GET /porting_orders/{id}/loa_template: a PDF listing the numbers and end user."""
    order = order_from(request)
    numbers = [n["phone_number"] for n in order["_sim"]["numbers"]]
    pdf = render_pdf(loa_lines(order, numbers))
    return Response(pdf, media_type="application/pdf")


@handles_problems
async def sub_request(request: Request) -> Response:
    """GET /porting_orders/{id}/sub_request: legacy ids derived from the order id."""
    order = order_from(request)
    return JSON(
        {
            "data": {
                "port_request_id": "pr_" + order["id"][:8],
                "sub_request_id": "sr_" + order["id"][-8:],
            }
        }
    )


@handles_problems
async def exception_types(request: Request) -> Response:
    """GET /porting_orders/exception_types."""
    data = [{"code": code, "description": text} for code, text in EXCEPTION_DESCRIPTIONS.items()]
    return JSON({"data": data})
