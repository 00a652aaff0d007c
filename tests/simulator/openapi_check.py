"""Validate simulator requests and responses against the Telnyx OpenAPI subset in tests/spec/.

``check_exchange(response)`` validates the request that produced ``response`` (when the answer
was a success) and the response itself: against the operation's declared schema when the spec
declares that status, and against the JSON:API error shape the porting docs describe otherwise.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

# The spec travels with the repo (tests/spec/SOURCE.md says where it comes from), so a clone
# checks every exchange wherever it is cloned.
SPEC_PATH = Path(__file__).resolve().parents[1] / "spec" / "porting-openapi.json"
SPEC_HOST = "https://api.telnyx.com"

#: Query parameters the simulator accepts beyond the spec (documented in docs/simulator.md).
EXTENSION_QUERY = re.compile(
    r"^filter\[(status|porting_order_id|phone_number|phone_numbers\.phone_number|"
    r"phone_numbers\.country_code|document_type)\]"
)


@lru_cache(maxsize=1)
def spec_dict() -> dict[str, Any]:
    """The spec subset as a dict."""
    data: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=1)
def openapi() -> OpenAPI:
    """The parsed spec (built once per test session)."""
    return OpenAPI.from_dict(spec_dict())


def _templates() -> list[tuple[re.Pattern[str], str]]:
    out = []
    for template in spec_dict()["paths"]:
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", template)
        out.append((re.compile(f"^{pattern}$"), template))
    # Literal segments win over parameters (exception_types before {id}).
    out.sort(key=lambda item: item[1].count("{"))
    return out


def operation_for(method: str, path: str) -> dict[str, Any] | None:
    """The spec's operation for a request path under /v2, or None when the spec lacks it."""
    if not path.startswith("/v2/"):
        return None
    relative = path[len("/v2") :]
    for pattern, template in _templates():
        if pattern.match(relative):
            operation: dict[str, Any] | None = spec_dict()["paths"][template].get(method.lower())
            return operation
    return None


class _Request:
    def __init__(self, request: httpx.Request) -> None:
        url = urlsplit(str(request.url))
        self.host_url = SPEC_HOST
        self.path = url.path
        self.method = request.method.lower()
        query = {
            key: values
            for key, values in parse_qs(url.query, keep_blank_values=True).items()
            if not EXTENSION_QUERY.match(key) and not _array_form(key, values)
        }
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(query),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict({}),
        )
        self.body = request.content or None
        self.content_type = request.headers.get("content-type", "application/json")


def _array_form(key: str, values: list[str]) -> bool:
    # The SDK's comma-joined arrays and the repeated `[]` form are both accepted by the
    # simulator (NOTES section 7) but neither parses as the spec's deepObject enum; and
    # openapi-core reads only one level of deepObject, so `filter[a][b]=v` cannot be checked.
    if not key.startswith("filter["):
        return False
    return key.endswith("[]") or key.count("][") >= 1 or any("," in v for v in values)


class _Response:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.data = response.content
        self.headers = Headers(dict(response.headers))
        self.content_type = response.headers.get("content-type", "")


def check_error_body(response: httpx.Response) -> None:
    """Porting errors: every item has code (digits), title, detail, source and meta.retryable."""
    body = response.json()
    assert isinstance(body.get("errors"), list) and body["errors"], body
    for item in body["errors"]:
        assert isinstance(item.get("code"), str) and re.fullmatch(r"\d+", item["code"]), item
        assert item.get("title") and item.get("detail"), item
        source = item.get("source", {})
        assert ("pointer" in source) != ("parameter" in source), item
        assert isinstance(item.get("meta", {}).get("retryable"), bool), item


def check_exchange(response: httpx.Response, *, validate_request: bool = True) -> None:
    """Raise AssertionError when the exchange does not conform to the spec subset."""
    request = response.request
    path = urlsplit(str(request.url)).path
    if not path.startswith("/v2"):
        return
    response.read()
    operation = operation_for(request.method, path)
    if response.status_code >= 400:
        check_error_body(response)
    if operation is None:
        return
    declared = operation.get("responses", {})
    status = str(response.status_code)
    if validate_request and response.status_code < 400:
        errors = [
            e for e in openapi().iter_request_errors(_Request(request)) if not _binary_part(e)
        ]
        assert not errors, f"request {request.method} {request.url} invalid: {errors!r}"
    if status in declared and declared[status].get("content"):
        errors = [
            e
            for e in openapi().iter_response_errors(_Request(request), _Response(response))
            if not _binary_part(e)
        ]
        assert not errors, (
            f"response {response.status_code} to {request.method} {path} invalid: "
            f"{[_explain(e) for e in errors]!r}"
        )
    elif response.status_code < 400:
        assert status in declared, f"{status} is not a declared answer to {request.method} {path}"


def _binary_part(exc: BaseException) -> bool:
    # openapi-core reads a 3.1 `format: binary` value (a multipart file part, a download) as
    # bytes, then finds bytes "not of type 'string'": a known false alarm, and the only error
    # ignored here.
    cause = exc.__cause__
    schema_errors = getattr(cause, "schema_errors", None) or []
    return bool(schema_errors) and all(isinstance(sub.instance, bytes) for sub in schema_errors)


def _explain(exc: BaseException) -> str:
    parts = [repr(exc)]
    cause = exc.__cause__
    while cause is not None:
        parts.append(repr(cause))
        for sub in getattr(cause, "schema_errors", []) or []:
            parts.append(f"  {list(sub.absolute_path)}: {sub.message}")
        cause = cause.__cause__
    return "\n".join(parts)


class SpecCheckingTransport(httpx.AsyncBaseTransport):
    """Passes every exchange through and checks it against the OpenAPI subset, so that what
    the pipeline sends and what the simulator answers both follow the spec."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.checked = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Forward the request, then validate request and response."""
        await request.aread()  # a streamed upload is buffered so both sides can read it
        response = await self.inner.handle_async_request(request)
        await response.aread()
        response.request = request
        check_exchange(response)
        self.checked += 1
        return response
