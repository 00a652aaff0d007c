"""Routes for an order's sub-resources: comments, additional documents, activation jobs."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from porting_batch.simulator.handlers import handles_problems, order_from, public, sim_of
from porting_batch.simulator.http import (
    JSON,
    filters,
    json_body,
    page_params,
    paginate,
    split_values,
)
from porting_batch.simulator.problems import error, not_found, unprocessable
from porting_batch.simulator.state import SimState

ADDITIONAL_DOCUMENT_TYPES = ("loa", "invoice", "csr", "other")


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
    errors = [e for i, item in enumerate(items) for e in _item_errors(state, i, item)]
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


def _item_errors(state: SimState, index: int, item: Any) -> list[dict[str, Any]]:
    """The errors of one ``additional_documents`` item: its document id, then its type."""
    pointer = f"/additional_documents/{index}"
    if not isinstance(item, dict):
        return [error("10015", "Each item must be an object.", pointer=pointer)]
    errors = []
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
    return errors


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
