"""Check HTTP exchanges against the Telnyx porting OpenAPI subset that ships beside this module.

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

__all__ = ["SPEC_PATH", "SpecViolation", "check_exchange", "operation_for", "spec_dict"]

# The spec travels with the package (SOURCE.md beside it says where it comes from), so a clone
# or an installed wheel checks every exchange wherever it is.
SPEC_PATH = Path(__file__).with_name("porting-openapi.json")
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


class SpecViolation(AssertionError):
    """An exchange that does not follow the spec subset (an AssertionError, for pytest)."""


def _expect(condition: object, message: object) -> None:
    if not condition:
        raise SpecViolation(message)


def check_error_body(response: httpx.Response) -> None:
    """Porting errors: every item has code (digits), title, detail, source and meta.retryable."""
    body = response.json()
    _expect(isinstance(body.get("errors"), list) and body["errors"], body)
    for item in body["errors"]:
        _expect(isinstance(item.get("code"), str) and re.fullmatch(r"\d+", item["code"]), item)
        _expect(item.get("title") and item.get("detail"), item)
        source = item.get("source", {})
        _expect(("pointer" in source) != ("parameter" in source), item)
        _expect(isinstance(item.get("meta", {}).get("retryable"), bool), item)


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
        _expect(not errors, f"request {request.method} {request.url} invalid: {errors!r}")
    if status in declared and declared[status].get("content"):
        errors = [
            e
            for e in openapi().iter_response_errors(_Request(request), _Response(response))
            if not _binary_part(e)
        ]
        _expect(
            not errors,
            f"response {response.status_code} to {request.method} {path} invalid: "
            f"{[_explain(e) for e in errors]!r}",
        )
    elif response.status_code < 400:
        _expect(status in declared, f"{status} is not a declared answer to {request.method} {path}")


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
