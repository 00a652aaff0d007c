"""Routes for portability checks, porting orders, their sub-resources, numbers and events."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from porting_batch.simulator import lifecycle, order_confirm, order_create, order_patch, orders
from porting_batch.simulator.clock import iso, parse_iso
from porting_batch.simulator.filter_checks import (
    CONFIGURATION_FILTERS,
    ORDER_FILTERS,
    PHONE_NUMBER_FILTERS,
    check_filters,
)
from porting_batch.simulator.handlers import (
    handles_problems,
    order_answer,
    order_from,
    parse_bound,
    public,
    sim_of,
    sort_value,
)
from porting_batch.simulator.http import (
    JSON,
    bool_param,
    filters,
    json_body,
    page_params,
    paginate,
    split_values,
)
from porting_batch.simulator.lifecycle import EXCEPTION_DESCRIPTIONS
from porting_batch.simulator.loa import loa_lines, render_pdf
from porting_batch.simulator.numbers import is_e164
from porting_batch.simulator.problems import error, not_found, unprocessable

ORDER_SORTS = {
    "created_at",
    "-created_at",
    "activation_settings.foc_datetime_requested",
    "-activation_settings.foc_datetime_requested",
}


ADDITIONAL_DOCUMENT_TYPES = ("loa", "invoice", "csr", "other")


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
    items = [order for order in state.store.all("orders") if _order_matches(order, found)]
    items = _sorted_orders(items, sort)
    page, meta = paginate(items, number, size)
    data = [orders.render(order, include_phone_numbers=include) for order in page]
    return JSON({"data": data, "meta": meta})


def _order_matches(order: dict[str, Any], found: dict[str, list[str]]) -> bool:
    for name, values in found.items():
        if name in {"customer_reference", "customer_group_reference", "parent_support_key"}:
            if order.get(name) not in values:
                return False
        elif name == "status":
            if order["status"]["value"] not in (split_values(values) or []):
                return False
        elif name == "phone_numbers.phone_number.contains":
            needle = values[-1]
            if not any(needle in n["phone_number"] for n in order["_sim"]["numbers"]):
                return False
        elif name == "phone_numbers.country_code":
            if order["_sim"]["country_code"] not in (split_values(values) or []):
                return False
        elif name == "phone_numbers.carrier_name":
            if order["old_service_provider_ocn"] not in values:
                return False
        elif name == "misc.type":
            if (order["misc"] or {}).get("type") not in values:
                return False
        elif name in {"end_user.admin.entity_name", "end_user.admin.auth_person_name"}:
            key = name.rsplit(".", 1)[1]
            if order["end_user"]["admin"].get(key) not in values:
                return False
        elif name == "activation_settings.fast_port_eligible":
            wanted = values[-1].lower() == "true"
            if order["activation_settings"]["fast_port_eligible"] != wanted:
                return False
        elif name in {
            "activation_settings.foc_datetime_requested.gt",
            "activation_settings.foc_datetime_requested.lt",
        }:
            foc = order["activation_settings"]["foc_datetime_requested"]
            if foc is None:
                return False
            bound = parse_bound(values[-1], f"filter[{name}]")
            if name.endswith(".gt") and not parse_iso(foc) > bound:
                return False
            if name.endswith(".lt") and not parse_iso(foc) < bound:
                return False
    return True


def _sorted_orders(items: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    descending = sort.startswith("-")
    field = sort.lstrip("-")
    indexed = list(enumerate(items))
    if field == "created_at":
        indexed.sort(key=lambda pair: (pair[1]["created_at"], pair[0]), reverse=descending)
    else:
        with_foc = [p for p in indexed if p[1]["activation_settings"]["foc_datetime_requested"]]
        without = [p for p in indexed if not p[1]["activation_settings"]["foc_datetime_requested"]]
        with_foc.sort(
            key=lambda p: (p[1]["activation_settings"]["foc_datetime_requested"], p[0]),
            reverse=descending,
        )
        indexed = with_foc + without
    return [order for _, order in indexed]


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
async def order_requirements(request: Request) -> Response:
    """GET /porting_orders/{id}/requirements: the LOA and invoice requirements and their state."""
    order = order_from(request)
    number, size = page_params(request)
    details = []
    for kind, name in (("loa", "Letter of Authorization"), ("invoice", "Latest Invoice")):
        value = order["documents"][kind] or ""
        details.append(
            {
                "field_type": "document",
                "field_value": value,
                "record_type": "porting_requirement",
                "requirement_status": "approved" if value else "pending",
                "requirement_type": {
                    "id": f"00000000-0000-4000-8000-00000000000{1 if kind == 'loa' else 2}",
                    "name": name,
                    "type": "document",
                    "description": f"A {name.lower()} for the numbers being ported.",
                    "example": f"{kind}.pdf",
                    "acceptance_criteria": {"acceptable_values": []},
                },
            }
        )
    page, meta = paginate(details, number, size)
    return JSON({"data": page, "meta": meta})


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


def _of_order(request: Request, kind: str, order_key: str) -> list[dict[str, Any]]:
    """The public form of every stored ``kind`` item that belongs to the request's order."""
    order = order_from(request)
    return [
        public(item) for item in sim_of(request).store.all(kind) if item[order_key] == order["id"]
    ]


def _page(request: Request, items: list[dict[str, Any]]) -> Response:
    """One page of ``items`` as the request asks, with the ``meta`` block."""
    number, size = page_params(request)
    page, meta = paginate(items, number, size)
    return JSON({"data": page, "meta": meta})


@handles_problems
async def list_comments(request: Request) -> Response:
    """GET /porting_orders/{id}/comments."""
    return _page(request, _of_order(request, "comments", "porting_order_id"))


@handles_problems
async def create_comment(request: Request) -> Response:
    """POST /porting_orders/{id}/comments."""
    state = sim_of(request)
    order = order_from(request)
    body = await json_body(request)
    text = body.get("body") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise unprocessable([error("10004", "The comment 'body' is required.", pointer="/body")])
    comment = state.add_comment(order, text, "user")
    return JSON({"data": comment}, status_code=201)


@handles_problems
async def list_additional_documents(request: Request) -> Response:
    """GET /porting_orders/{id}/additional_documents."""
    kinds = split_values(filters(request).get("document_type"))
    items = [
        d
        for d in _of_order(request, "additional_documents", "porting_order_id")
        if kinds is None or d["document_type"] in kinds
    ]
    sort = request.query_params.get("sort[value]", "created_at")
    items.sort(key=lambda d: d["created_at"], reverse=sort.startswith("-"))
    return _page(request, items)


@handles_problems
async def create_additional_documents(request: Request) -> Response:
    """POST /porting_orders/{id}/additional_documents."""
    state = sim_of(request)
    order = order_from(request)
    body = await json_body(request)
    items = body.get("additional_documents") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items or len(items) > 100:
        raise unprocessable(
            [
                error(
                    "10015",
                    "'additional_documents' must be a list of 1 to 100 items.",
                    pointer="/additional_documents",
                )
            ]
        )
    errors = []
    for index, item in enumerate(items):
        pointer = f"/additional_documents/{index}"
        if not isinstance(item, dict):
            errors.append(error("10015", "Each item must be an object.", pointer=pointer))
            continue
        document_id = item.get("document_id")
        if not isinstance(document_id, str) or state.store.get("documents", document_id) is None:
            errors.append(
                error(
                    "10015",
                    f"Document {document_id!r} does not exist.",
                    pointer=f"{pointer}/document_id",
                )
            )
        if item.get("document_type") not in ADDITIONAL_DOCUMENT_TYPES:
            errors.append(
                error(
                    "80022",
                    f"document_type must be one of {', '.join(ADDITIONAL_DOCUMENT_TYPES)}.",
                    pointer=f"{pointer}/document_type",
                )
            )
    if errors:
        raise unprocessable(errors)
    now = state.now_iso()
    created = []
    for item in items:
        document = state.store.get("documents", item["document_id"])
        assert document is not None
        extra = {
            "id": state.new_id(),
            "document_id": item["document_id"],
            "document_type": item["document_type"],
            "porting_order_id": order["id"],
            "filename": document["filename"],
            "content_type": document["content_type"],
            "record_type": "porting_additional_document",
            "created_at": now,
            "updated_at": now,
        }
        state.store.put("additional_documents", extra)
        created.append(extra)
    return JSON({"data": created}, status_code=201)


@handles_problems
async def delete_additional_document(request: Request) -> Response:
    """DELETE /porting_orders/{id}/additional_documents/{additional_document_id}."""
    state = sim_of(request)
    order = order_from(request)
    ident = request.path_params["additional_document_id"]
    extra = state.store.get("additional_documents", ident)
    if extra is None or extra["porting_order_id"] != order["id"]:
        raise not_found("additional document", ident)
    state.store.delete("additional_documents", ident)
    return Response(status_code=204)


@handles_problems
async def list_activation_jobs(request: Request) -> Response:
    """GET /porting_orders/{id}/activation_jobs."""
    return _page(request, _of_order(request, "activation_jobs", "_order_id"))


@handles_problems
async def get_activation_job(request: Request) -> Response:
    """GET /porting_orders/{id}/activation_jobs/{activationJobId}."""
    order = order_from(request)
    ident = request.path_params["job_id"]
    job = sim_of(request).store.get("activation_jobs", ident)
    if job is None or job["_order_id"] != order["id"]:
        raise not_found("activation job", ident)
    return JSON({"data": public(job)})


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
