"""Routes for documents and customer service records."""

from __future__ import annotations

import base64
import binascii
import email.parser
import email.policy
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from porting_batch.simulator import csr as csr_ops
from porting_batch.simulator import documents as doc_ops
from porting_batch.simulator.clock import parse_iso
from porting_batch.simulator.handlers import (
    handles_problems,
    parse_bound,
    public,
    sim_of,
    sort_value,
)
from porting_batch.simulator.http import (
    JSON,
    filters,
    json_body,
    page_params,
    paginate,
    split_values,
)
from porting_batch.simulator.problems import Problem, error, not_found, unprocessable


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
    state = sim_of(request)
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
        return JSON({"data": public(document)})
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
    return JSON({"data": public(document)})


def _document(request: Request) -> dict[str, Any]:
    ident = request.path_params["id"]
    document = sim_of(request).store.get("documents", ident)
    if document is None:
        raise not_found("document", ident)
    return document


#: The filters the spec declares for GET /documents (its filter object has
#: additionalProperties: false): (field, operator).
DOCUMENT_FILTERS = (
    ("customer_reference", "eq"),
    ("customer_reference", "in"),
    ("filename", "contains"),
    ("created_at", "gt"),
    ("created_at", "lt"),
)
DOCUMENT_SORTS = frozenset({"filename", "created_at", "updated_at"})


def _document_filters(request: Request) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """Each declared filter sent: (field, operator) -> (parameter as sent, values).

    Anything else is a 422 naming the parameter: ignoring it would list every document, and
    a client looking for a lost upload would then adopt the wrong one.
    """
    found: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for key, value in request.query_params.multi_items():
        if not key.startswith("filter["):
            continue
        parts = key[len("filter[") :].rstrip("]").split("][")
        if parts[-1] == "" and parts[-2:-1] == ["in"]:
            parts.pop()  # the repeated array form, filter[customer_reference][in][]=a
        pair = (parts[0], parts[1]) if len(parts) == 2 else None
        if pair not in DOCUMENT_FILTERS:
            declared = ", ".join(f"filter[{f}][{o}]" for f, o in DOCUMENT_FILTERS)
            raise Problem(
                422,
                [
                    error(
                        "10015",
                        f"{key} is not a documents filter; use one of {declared}.",
                        parameter=key,
                    )
                ],
            )
        found.setdefault(pair, (key, []))[1].append(value)
    return found


def _document_matches(
    document: dict[str, Any], found: dict[tuple[str, str], tuple[str, list[str]]]
) -> bool:
    for (field, operator), (parameter, values) in found.items():
        if operator == "eq" and document[field] != values[-1]:
            return False  # exact: a comma is part of the reference, not a list
        if operator == "in" and document[field] not in (split_values(values) or []):
            return False
        if operator == "contains" and values[-1] not in document[field]:
            return False
        if operator in {"gt", "lt"}:
            bound = parse_bound(values[-1], parameter)
            created = parse_iso(document["created_at"])
            if (operator == "gt" and not created > bound) or (
                operator == "lt" and not created < bound
            ):
                return False
    return True


@handles_problems
async def list_documents(request: Request) -> Response:
    """GET /documents: the spec's filters, newest first unless ``sort`` says otherwise."""
    state = sim_of(request)
    number, size = page_params(request)
    found = _document_filters(request)
    items = [public(d) for d in state.store.all("documents") if _document_matches(d, found)]
    sorts = split_values(request.query_params.getlist("sort")) or []
    for key in sorts:
        if key.lstrip("-") not in DOCUMENT_SORTS:
            raise Problem(
                422,
                [error("10015", f"Cannot sort documents by {key!r}.", parameter="sort")],
            )
    if not sorts:
        # Newest first; documents made at the same moment, the later upload first.
        items.reverse()
        items.sort(key=lambda d: d["created_at"], reverse=True)
    for key in reversed(sorts):
        field = key.lstrip("-")
        items.sort(key=lambda d, f=field: d[f], reverse=key.startswith("-"))  # type: ignore[misc]
    page, meta = paginate(items, number, size)
    return JSON({"data": page, "meta": meta})


@handles_problems
async def get_document(request: Request) -> Response:
    """GET /documents/{id}."""
    return JSON({"data": public(_document(request))})


@handles_problems
async def patch_document(request: Request) -> Response:
    """PATCH /documents/{id}: filename and customer_reference only."""
    state = sim_of(request)
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
    return JSON({"data": public(document)})


@handles_problems
async def delete_document(request: Request) -> Response:
    """DELETE /documents/{id}: refused while an order uses it."""
    document = doc_ops.delete_document(sim_of(request), _document(request))
    return JSON({"data": public(document)})


@handles_problems
async def download_document(request: Request) -> Response:
    """GET /documents/{id}/download."""
    document = _document(request)
    content = sim_of(request).store.blobs.get(document["id"], b"")
    return Response(content, media_type=document["content_type"])


@handles_problems
async def csr_coverage(request: Request) -> Response:
    """POST /customer_service_records/phone_number_coverages."""
    return JSON(
        {"data": csr_ops.coverage(sim_of(request), await json_body(request))}, status_code=201
    )


@handles_problems
async def create_csr(request: Request) -> Response:
    """POST /customer_service_records."""
    record = csr_ops.create_csr(sim_of(request), await json_body(request))
    return JSON({"data": csr_ops.render_csr(record)}, status_code=201)


@handles_problems
async def get_csr(request: Request) -> Response:
    """GET /customer_service_records/{id} (201, as the spec says)."""
    state = sim_of(request)
    ident = request.path_params["id"]
    record = state.store.get("csrs", ident)
    if record is None:
        raise not_found("customer service record", ident)
    return JSON({"data": csr_ops.render_csr(csr_ops.refresh(state, record))}, status_code=201)


@handles_problems
async def list_csrs(request: Request) -> Response:
    """GET /customer_service_records."""
    state = sim_of(request)
    number, size = page_params(request)
    found = filters(request)
    wanted = split_values(found.get("phone_number"))
    statuses = split_values(found.get("status"))
    sort = sort_value(request, {"created_at", "-created_at"}, "-created_at")
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
