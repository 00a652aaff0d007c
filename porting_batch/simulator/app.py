"""The ASGI app: every simulated route under ``/v2`` and the admin routes under ``/_simulator``."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import email.parser
import email.policy
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from porting_batch.simulator import csr as csr_ops
from porting_batch.simulator import documents as doc_ops
from porting_batch.simulator import lifecycle, orders
from porting_batch.simulator.clock import iso, parse_iso
from porting_batch.simulator.config import SimulatorConfig
from porting_batch.simulator.http import (
    JSON,
    SimulatorMiddleware,
    bool_param,
    filters,
    json_body,
    page_params,
    paginate,
    problem_response,
    split_values,
)
from porting_batch.simulator.lifecycle import EXCEPTION_DESCRIPTIONS
from porting_batch.simulator.limits import RateLimiter
from porting_batch.simulator.loa import loa_lines, render_pdf
from porting_batch.simulator.problems import Problem, error, not_found, unprocessable
from porting_batch.simulator.state import SimState
from porting_batch.simulator.webhooks import WebhookSender

Handler = Callable[[Request], Awaitable[Response]]
ORDER_SORTS = {
    "created_at",
    "-created_at",
    "activation_settings.foc_datetime_requested",
    "-activation_settings.foc_datetime_requested",
}
ADDITIONAL_DOCUMENT_TYPES = ("loa", "invoice", "csr", "other")


def _sim(request: Request) -> SimState:
    state: SimState = request.app.state.sim
    return state


def handles_problems(handler: Handler) -> Handler:
    """Turn a raised Problem into its JSON:API answer."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except Problem as problem:
            return problem_response(problem)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def _order(request: Request, name: str = "id") -> dict[str, Any]:
    order_id = request.path_params[name]
    order = _sim(request).order_or_none(order_id)
    if order is None:
        raise not_found("porting order", order_id)
    return order


def _order_answer(order: dict[str, Any], request: Request, status: int = 200) -> Response:
    include = bool_param(request, "include_phone_numbers", True)
    return JSON(
        {
            "data": orders.render(order, include_phone_numbers=include),
            "meta": orders.order_meta(order),
        },
        status_code=status,
    )


# ---- portability ---------------------------------------------------------------------------
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
        if not isinstance(n, str) or not orders.is_e164(n)
    ]
    if bad:
        raise unprocessable(bad)
    scenario = _sim(request).scenario
    data = [scenario.facts(number).portability_result() for number in numbers]
    return JSON({"data": data}, status_code=201)


# ---- porting orders ------------------------------------------------------------------------
@handles_problems
async def create_porting_orders(request: Request) -> Response:
    """POST /porting_orders: one or more drafts."""
    state = _sim(request)
    created = orders.create_orders(state, await json_body(request))
    return JSON({"data": [orders.render(order) for order in created]}, status_code=201)


def _sort_value(request: Request, allowed: set[str], default: str) -> str:
    value = request.query_params.get("sort[value]", request.query_params.get("sort", default))
    if value not in allowed:
        raise Problem(
            422,
            [
                error(
                    "10015",
                    f"sort[value] must be one of {sorted(allowed)}; got {value!r}.",
                    parameter="sort[value]",
                )
            ],
        )
    return value


@handles_problems
async def list_porting_orders(request: Request) -> Response:
    """GET /porting_orders with filters, sort and pages."""
    state = _sim(request)
    number, size = page_params(request)
    include = bool_param(request, "include_phone_numbers", True)
    sort = _sort_value(request, ORDER_SORTS, "-created_at")
    found = filters(request)
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
            bound = _parse_bound(values[-1], f"filter[{name}]")
            if name.endswith(".gt") and not parse_iso(foc) > bound:
                return False
            if name.endswith(".lt") and not parse_iso(foc) < bound:
                return False
    return True


def _parse_bound(value: str, parameter: str) -> Any:
    try:
        return parse_iso(value)
    except ValueError as exc:
        raise Problem(
            422, [error("10015", f"{value!r} is not an ISO-8601 date-time.", parameter=parameter)]
        ) from exc


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
    return _order_answer(_order(request), request)


@handles_problems
async def patch_porting_order(request: Request) -> Response:
    """PATCH /porting_orders/{id}."""
    order = _order(request)
    body = await json_body(request)
    orders.patch_order(_sim(request), order, body)
    return _order_answer(order, request)


@handles_problems
async def delete_porting_order(request: Request) -> Response:
    """DELETE /porting_orders/{id}: drafts only."""
    orders.delete_order(_sim(request), _order(request))
    return Response(status_code=204)


@handles_problems
async def order_action(request: Request) -> Response:
    """POST /porting_orders/{id}/actions/{confirm,cancel,activate}."""
    state = _sim(request)
    order = _order(request)
    action = request.url.path.rsplit("/", 1)[1]
    if action == "confirm":
        orders.confirm_order(state, order)
        return _order_answer(order, request)
    if action == "cancel":
        lifecycle.cancel_order(state, order)
        return _order_answer(order, request)
    job = lifecycle.activate_order(state, order)
    return JSON({"data": _public(job)}, status_code=202)


@handles_problems
async def allowed_foc_windows(request: Request) -> Response:
    """GET /porting_orders/{id}/allowed_foc_windows."""
    order = _order(request)
    windows = orders.allowed_windows(_sim(request), order)
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
    order = _order(request)
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
    order = _order(request)
    numbers = [n["phone_number"] for n in order["_sim"]["numbers"]]
    pdf = render_pdf(loa_lines(order, numbers))
    return Response(pdf, media_type="application/pdf")


@handles_problems
async def sub_request(request: Request) -> Response:
    """GET /porting_orders/{id}/sub_request: legacy ids derived from the order id."""
    order = _order(request)
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


@handles_problems
async def list_comments(request: Request) -> Response:
    """GET /porting_orders/{id}/comments."""
    order = _order(request)
    number, size = page_params(request)
    items = [
        _public(c)
        for c in _sim(request).store.all("comments")
        if c["porting_order_id"] == order["id"]
    ]
    page, meta = paginate(items, number, size)
    return JSON({"data": page, "meta": meta})


@handles_problems
async def create_comment(request: Request) -> Response:
    """POST /porting_orders/{id}/comments."""
    state = _sim(request)
    order = _order(request)
    body = await json_body(request)
    text = body.get("body") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise unprocessable([error("10004", "The comment 'body' is required.", pointer="/body")])
    now = state.now_iso()
    comment = {
        "id": state.new_id(),
        "body": text,
        "porting_order_id": order["id"],
        "user_type": "user",
        "record_type": "porting_comment",
        "created_at": now,
    }
    state.store.put("comments", comment)
    state.add_event(
        order,
        "porting_order.new_comment",
        {
            "comment": {
                "id": comment["id"],
                "body": text,
                "inserted_at": now,
                "user_id": order["user_id"],
                "user_type": "user",
            },
            "porting_order_id": order["id"],
            "support_key": order["support_key"] or "",
        },
    )
    return JSON({"data": comment}, status_code=201)


@handles_problems
async def list_additional_documents(request: Request) -> Response:
    """GET /porting_orders/{id}/additional_documents."""
    order = _order(request)
    number, size = page_params(request)
    kinds = split_values(filters(request).get("document_type"))
    items = [
        _public(d)
        for d in _sim(request).store.all("additional_documents")
        if d["porting_order_id"] == order["id"] and (kinds is None or d["document_type"] in kinds)
    ]
    sort = request.query_params.get("sort[value]", "created_at")
    items.sort(key=lambda d: d["created_at"], reverse=sort.startswith("-"))
    page, meta = paginate(items, number, size)
    return JSON({"data": page, "meta": meta})


@handles_problems
async def create_additional_documents(request: Request) -> Response:
    """POST /porting_orders/{id}/additional_documents."""
    state = _sim(request)
    order = _order(request)
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
    state = _sim(request)
    order = _order(request)
    ident = request.path_params["additional_document_id"]
    extra = state.store.get("additional_documents", ident)
    if extra is None or extra["porting_order_id"] != order["id"]:
        raise not_found("additional document", ident)
    state.store.delete("additional_documents", ident)
    return Response(status_code=204)


@handles_problems
async def list_activation_jobs(request: Request) -> Response:
    """GET /porting_orders/{id}/activation_jobs."""
    order = _order(request)
    number, size = page_params(request)
    items = [
        _public(j)
        for j in _sim(request).store.all("activation_jobs")
        if j["_order_id"] == order["id"]
    ]
    page, meta = paginate(items, number, size)
    return JSON({"data": page, "meta": meta})


@handles_problems
async def get_activation_job(request: Request) -> Response:
    """GET /porting_orders/{id}/activation_jobs/{activationJobId}."""
    order = _order(request)
    ident = request.path_params["job_id"]
    job = _sim(request).store.get("activation_jobs", ident)
    if job is None or job["_order_id"] != order["id"]:
        raise not_found("activation job", ident)
    return JSON({"data": _public(job)})


@handles_problems
async def list_porting_phone_numbers(request: Request) -> Response:
    """GET /porting_phone_numbers."""
    state = _sim(request)
    number, size = page_params(request)
    found = filters(request)
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


# ---- events --------------------------------------------------------------------------------
@handles_problems
async def list_events(request: Request) -> Response:
    """GET /porting/events."""
    state = _sim(request)
    number, size = page_params(request)
    found = filters(request)
    types = split_values(found.get("type"))
    order_ids = split_values(found.get("porting_order_id"))
    gte = found.get("created_at.gte")
    lte = found.get("created_at.lte")
    low = _parse_bound(gte[-1], "filter[created_at][gte]") if gte else None
    high = _parse_bound(lte[-1], "filter[created_at][lte]") if lte else None
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
    event = _sim(request).store.get("events", ident)
    if event is None:
        raise not_found("porting event", ident)
    return JSON({"data": event})


@handles_problems
async def republish_event(request: Request) -> Response:
    """POST /porting/events/{id}/republish: resend to the order's loopback webhook."""
    state = _sim(request)
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


# ---- documents -----------------------------------------------------------------------------
def _multipart(content_type: str, raw: bytes) -> dict[str, tuple[str | None, bytes]]:
    """Fields of a multipart/form-data body: name -> (filename, bytes)."""
    parser = email.parser.BytesParser(policy=email.policy.HTTP)
    message = parser.parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
    )
    fields: dict[str, tuple[str | None, bytes]] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        fields[name] = (part.get_filename(), payload if isinstance(payload, bytes) else b"")
    return fields


@handles_problems
async def upload_document(request: Request) -> Response:
    """POST /documents, as multipart/form-data or as JSON with a base64 ``file``."""
    state = _sim(request)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        fields = _multipart(content_type, await request.body())
        if "file" not in fields:
            raise unprocessable([error("10004", "The 'file' part is required.", pointer="/file")])
        filename, content = fields["file"]
        reference = fields.get("customer_reference", (None, b""))[1].decode("utf-8", "replace")
        if "filename" in fields:
            filename = fields["filename"][1].decode("utf-8", "replace")
        document = doc_ops.create_document(
            state, content, filename or "document", reference or None
        )
        return JSON({"data": _public(document)})
    body = await json_body(request)
    if isinstance(body, dict) and isinstance(body.get("document"), dict):
        body = body["document"]  # the SDK's upload() wraps the fields in "document"
    if not isinstance(body, dict):
        raise unprocessable([error("10015", "The request body must be a JSON object.")])
    if body.get("url") and not body.get("file"):
        raise unprocessable(
            [
                error(
                    "10015",
                    "Uploading from a 'url' is not simulated; send the bytes in 'file'.",
                    pointer="/url",
                )
            ]
        )
    encoded = body.get("file")
    if not isinstance(encoded, str) or not encoded:
        raise unprocessable([error("10004", "'file' (base64) is required.", pointer="/file")])
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise unprocessable(
            [error("10015", "'file' is not valid base64.", pointer="/file")]
        ) from exc
    raw_name = body.get("filename")
    json_name = raw_name if isinstance(raw_name, str) else "document"
    json_reference = body.get("customer_reference")
    document = doc_ops.create_document(
        state,
        content,
        json_name,
        json_reference if isinstance(json_reference, str) else None,
    )
    return JSON({"data": _public(document)})


def _document(request: Request) -> dict[str, Any]:
    ident = request.path_params["id"]
    document = _sim(request).store.get("documents", ident)
    if document is None:
        raise not_found("document", ident)
    return document


@handles_problems
async def list_documents(request: Request) -> Response:
    """GET /documents."""
    state = _sim(request)
    number, size = page_params(request)
    found = filters(request)
    contains = found.get("filename.contains")
    references = split_values(found.get("customer_reference"))
    items = [
        _public(d)
        for d in state.store.all("documents")
        if (contains is None or contains[-1] in d["filename"])
        and (references is None or d["customer_reference"] in references)
    ]
    for key in reversed(split_values(request.query_params.getlist("sort")) or []):
        field = key.lstrip("-")
        if field not in {"filename", "created_at", "updated_at"}:
            raise Problem(
                422,
                [error("10015", f"Cannot sort documents by {key!r}.", parameter="sort")],
            )
        items.sort(key=lambda d, f=field: d[f], reverse=key.startswith("-"))  # type: ignore[misc]
    page, meta = paginate(items, number, size)
    return JSON({"data": page, "meta": meta})


@handles_problems
async def get_document(request: Request) -> Response:
    """GET /documents/{id}."""
    return JSON({"data": _public(_document(request))})


@handles_problems
async def patch_document(request: Request) -> Response:
    """PATCH /documents/{id}: filename and customer_reference only."""
    state = _sim(request)
    document = _document(request)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise unprocessable([error("10015", "The request body must be a JSON object.")])
    for key in ("filename", "customer_reference"):
        if key in body:
            if not isinstance(body[key], str):
                raise unprocessable(
                    [error("10015", f"'{key}' must be a string.", pointer=f"/{key}")]
                )
            document[key] = body[key]
    document["updated_at"] = state.now_iso()
    state.store.put("documents", document)
    return JSON({"data": _public(document)})


@handles_problems
async def delete_document(request: Request) -> Response:
    """DELETE /documents/{id}: refused while an order uses it."""
    document = doc_ops.delete_document(_sim(request), _document(request))
    return JSON({"data": _public(document)})


@handles_problems
async def download_document(request: Request) -> Response:
    """GET /documents/{id}/download."""
    document = _document(request)
    content = _sim(request).store.blobs.get(document["id"], b"")
    return Response(content, media_type=document["content_type"])


# ---- customer service records --------------------------------------------------------------
@handles_problems
async def csr_coverage(request: Request) -> Response:
    """POST /customer_service_records/phone_number_coverages."""
    return JSON(
        {"data": csr_ops.coverage(_sim(request), await json_body(request))}, status_code=201
    )


@handles_problems
async def create_csr(request: Request) -> Response:
    """POST /customer_service_records."""
    record = csr_ops.create_csr(_sim(request), await json_body(request))
    return JSON({"data": csr_ops.render_csr(record)}, status_code=201)


@handles_problems
async def get_csr(request: Request) -> Response:
    """GET /customer_service_records/{id} (201, as the spec says)."""
    state = _sim(request)
    ident = request.path_params["id"]
    record = state.store.get("csrs", ident)
    if record is None:
        raise not_found("customer service record", ident)
    return JSON({"data": csr_ops.render_csr(csr_ops.refresh(state, record))}, status_code=201)


@handles_problems
async def list_csrs(request: Request) -> Response:
    """GET /customer_service_records."""
    state = _sim(request)
    number, size = page_params(request)
    found = filters(request)
    wanted = split_values(found.get("phone_number"))
    statuses = split_values(found.get("status"))
    sort = _sort_value(request, {"created_at", "-created_at"}, "-created_at")
    items = []
    for index, record in enumerate(state.store.all("csrs")):
        csr_ops.refresh(state, record)
        if wanted is not None and record["phone_number"] not in wanted:
            continue
        if statuses is not None and record["status"] not in statuses:
            continue
        items.append((record["created_at"], index, csr_ops.render_csr(record)))
    items.sort(key=lambda item: (item[0], item[1]), reverse=sort.startswith("-"))
    page, meta = paginate([item[2] for item in items], number, size)
    return JSON({"data": page, "meta": meta})


# ---- the rest ------------------------------------------------------------------------------
def _public(obj: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in obj.items() if not key.startswith("_")}


def _not_simulated(request: Request) -> Problem:
    return Problem(
        404,
        [
            error(
                "90000",
                f"{request.method} {request.url.path} is not simulated by the porting-batch "
                "simulator.",
                title="Not simulated",
            )
        ],
    )


async def not_simulated(request: Request) -> Response:
    """Any other route: a JSON:API error saying so."""
    return problem_response(_not_simulated(request))


# ---- admin ---------------------------------------------------------------------------------
async def admin_clock(request: Request) -> Response:
    """GET /_simulator/clock."""
    state = _sim(request)
    return JSON({"now": state.now_iso(), "speed": state.clock.speed})


async def admin_advance(request: Request) -> Response:
    """POST /_simulator/clock/advance {"seconds": N} or {"days": N} (or hours, minutes)."""
    state = _sim(request)
    try:
        body = await json_body(request)
    except Problem as problem:
        return problem_response(problem)
    if not isinstance(body, dict):
        body = {}
    units = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
    try:
        seconds = sum(float(body.get(unit, 0)) * factor for unit, factor in units.items())
        moment = state.advance(seconds)
    except (TypeError, ValueError) as exc:
        return JSON({"errors": [error("10015", str(exc))]}, status_code=422)
    state.store.flush()
    return JSON({"now": iso(moment), "speed": state.clock.speed})


async def admin_faults(request: Request) -> Response:
    """GET or PUT /_simulator/faults."""
    state = _sim(request)
    if request.method == "PUT":
        try:
            body = await json_body(request)
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object of fault settings")
            state.faults.update(body)
        except Problem as problem:
            return problem_response(problem)
        except (TypeError, ValueError) as exc:
            return JSON({"errors": [error("10015", str(exc))]}, status_code=422)
    return JSON(state.faults.to_dict())


async def admin_rate_limit(request: Request) -> Response:
    """GET or PUT /_simulator/rate_limit {"per_s": N or null, "burst": N or null}."""
    state = _sim(request)
    if request.method == "PUT":
        try:
            body = await json_body(request)
            if not isinstance(body, dict) or set(body) - {"per_s", "burst"}:
                raise ValueError('send {"per_s": N or null, "burst": N or null}')
            per_s = None if body.get("per_s") is None else float(body["per_s"])
            burst = None if body.get("burst") is None else float(body["burst"])
            if (per_s is not None and per_s <= 0) or (burst is not None and burst < 1):
                raise ValueError("per_s must be above 0 and burst at least 1")
        except Problem as problem:
            return problem_response(problem)
        except (TypeError, ValueError) as exc:
            return JSON({"errors": [error("10015", str(exc))]}, status_code=422)
        state.limiter = RateLimiter(per_s, burst)
    limiter = state.limiter
    return JSON({"per_s": limiter.rate, "burst": limiter.burst if limiter.rate else None})


async def admin_reset(request: Request) -> Response:
    """POST /_simulator/reset: forget every order, document, event and CSR."""
    state = _sim(request)
    state.reset()
    return JSON({"reset": True, "now": state.now_iso()})


async def admin_webhooks(request: Request) -> Response:
    """GET /_simulator/webhooks: the delivery log, newest last."""
    return JSON({"data": list(_sim(request).webhook_log)})


async def admin_order_status(request: Request) -> Response:
    """POST /_simulator/porting_orders/{id}/status {"value", "details"?}: force a status."""
    state = _sim(request)
    order = state.order_or_none(request.path_params["id"])
    if order is None:
        return problem_response(not_found("porting order", request.path_params["id"]))
    try:
        body = await json_body(request)
    except Problem as problem:
        return problem_response(problem)
    if not isinstance(body, dict):
        body = {}
    value = body.get("value")
    codes = body.get("details") or []
    allowed = {
        "draft", "in-process", "submitted", "exception",
        "foc-date-confirmed", "ported", "cancelled", "cancel-pending",
    }  # fmt: skip
    if value not in allowed or any(code not in EXCEPTION_DESCRIPTIONS for code in codes):
        return JSON(
            {"errors": [error("10015", "unknown status or exception code")]}, status_code=422
        )
    details = [{"code": code, "description": EXCEPTION_DESCRIPTIONS[code]} for code in codes]
    state.schedule(order, None, None)
    state.set_status(order, value, details)
    state.store.flush()
    return JSON({"data": orders.render(order)})


def _routes() -> list[Route]:
    v2 = "/v2"
    order = f"{v2}/porting_orders/{{id}}"
    all_methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    return [
        Route(f"{v2}/portability_checks", portability_checks, methods=["POST"]),
        Route(f"{v2}/porting_orders", list_porting_orders, methods=["GET"]),
        Route(f"{v2}/porting_orders", create_porting_orders, methods=["POST"]),
        Route(f"{v2}/porting_orders/exception_types", exception_types, methods=["GET"]),
        Route(order, get_porting_order, methods=["GET"]),
        Route(order, patch_porting_order, methods=["PATCH"]),
        Route(order, delete_porting_order, methods=["DELETE"]),
        *(
            Route(f"{order}/actions/{action}", order_action, methods=["POST"])
            for action in ("confirm", "cancel", "activate")
        ),
        Route(f"{order}/allowed_foc_windows", allowed_foc_windows, methods=["GET"]),
        Route(f"{order}/requirements", order_requirements, methods=["GET"]),
        Route(f"{order}/loa_template", loa_template, methods=["GET"]),
        Route(f"{order}/sub_request", sub_request, methods=["GET"]),
        Route(f"{order}/comments", list_comments, methods=["GET"]),
        Route(f"{order}/comments", create_comment, methods=["POST"]),
        Route(f"{order}/additional_documents", list_additional_documents, methods=["GET"]),
        Route(f"{order}/additional_documents", create_additional_documents, methods=["POST"]),
        Route(
            f"{order}/additional_documents/{{additional_document_id}}",
            delete_additional_document,
            methods=["DELETE"],
        ),
        Route(f"{order}/activation_jobs", list_activation_jobs, methods=["GET"]),
        Route(f"{order}/activation_jobs/{{job_id}}", get_activation_job, methods=["GET"]),
        Route(f"{v2}/porting_phone_numbers", list_porting_phone_numbers, methods=["GET"]),
        Route(f"{v2}/porting/events", list_events, methods=["GET"]),
        Route(f"{v2}/porting/events/{{id}}", get_event, methods=["GET"]),
        Route(f"{v2}/porting/events/{{id}}/republish", republish_event, methods=["POST"]),
        Route(f"{v2}/documents", list_documents, methods=["GET"]),
        Route(f"{v2}/documents", upload_document, methods=["POST"]),
        Route(f"{v2}/documents/{{id}}", get_document, methods=["GET"]),
        Route(f"{v2}/documents/{{id}}", patch_document, methods=["PATCH"]),
        Route(f"{v2}/documents/{{id}}", delete_document, methods=["DELETE"]),
        Route(f"{v2}/documents/{{id}}/download", download_document, methods=["GET"]),
        Route(
            f"{v2}/customer_service_records/phone_number_coverages", csr_coverage, methods=["POST"]
        ),
        Route(f"{v2}/customer_service_records", create_csr, methods=["POST"]),
        Route(f"{v2}/customer_service_records", list_csrs, methods=["GET"]),
        Route(f"{v2}/customer_service_records/{{id}}", get_csr, methods=["GET"]),
        Route("/_simulator/clock", admin_clock, methods=["GET"]),
        Route("/_simulator/clock/advance", admin_advance, methods=["POST"]),
        Route("/_simulator/faults", admin_faults, methods=["GET", "PUT"]),
        Route("/_simulator/rate_limit", admin_rate_limit, methods=["GET", "PUT"]),
        Route("/_simulator/reset", admin_reset, methods=["POST"]),
        Route("/_simulator/webhooks", admin_webhooks, methods=["GET"]),
        Route("/_simulator/porting_orders/{id}/status", admin_order_status, methods=["POST"]),
        Route("/{path:path}", not_simulated, methods=all_methods),
    ]


TICK_INTERVAL_S = 1.0


def create_app(config: SimulatorConfig | None = None) -> Starlette:
    """A simulator app with its state built now (``httpx.ASGITransport`` skips lifespan)."""
    state = SimState(config or SimulatorConfig())
    sender = WebhookSender(state.webhook_log)
    state.webhook_sink = sender.deliver
    state.tick_hooks.append(csr_ops.settle_due)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Served by uvicorn, orders also move (and webhooks fire) while nobody is asking;
        # in-process, every request runs the due steps first, which is enough.
        async def ticker() -> None:
            while True:
                await asyncio.sleep(TICK_INTERVAL_S)
                state.tick()
                state.store.flush()

        task = asyncio.create_task(ticker())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = Starlette(
        routes=_routes(),
        middleware=[Middleware(SimulatorMiddleware, state=state)],
        lifespan=lifespan,
    )
    app.state.sim = state
    app.state.webhooks = sender
    return app
