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
from porting_batch.simulator.handlers import (
    handles_problems,
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


@handles_problems
async def list_documents(request: Request) -> Response:
    """GET /documents."""
    state = sim_of(request)
    number, size = page_params(request)
    found = filters(request)
    contains = found.get("filename.contains")
    references = split_values(found.get("customer_reference"))
    items = [
        public(d)
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
