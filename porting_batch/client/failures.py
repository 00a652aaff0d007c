"""Turning what httpx gives us (exceptions, error responses, bad bodies) into the project's
``ApiError`` tree, with readable messages that never carry a secret.

This is the only place that knows about ``httpx`` exceptions; nothing outside the client
catches them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import httpx

from porting_batch.errors import (
    ApiError,
    ApiErrorItem,
    ApiStatusError,
    RequestNotSentError,
    ResponseLostError,
    ServerError,
    status_error_class,
)

REDACTED = "***"
#: The next step to suggest for statuses an operator can act on.
STATUS_HINTS = {
    401: "check PORTING_API_KEY: the API did not accept it",
    403: "the API key's account may not use porting; check its permissions in the portal",
    429: "lower PORTING_REQUESTS_PER_SECOND or PORTING_MAX_IN_FLIGHT",
}
SERVER_HINT = "the API failed; a re-run resumes where this one stopped"
#: Longest stretch of a non-JSON body quoted in an error message.
MAX_QUOTED_BODY = 200
#: Keys whose values are secrets wherever they appear in a request body.
SECRET_KEYS = frozenset({"pin_passcode", "pin", "account_number", "api_key", "password"})


class Redactor:
    """Removes known secret values (the API key, PINs, account numbers) from text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret that contains another is removed whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def with_secrets(self, secrets: Iterable[str]) -> Redactor:
        """A redactor that also removes ``secrets``."""
        return Redactor([*self._secrets, *secrets])

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


def secrets_in(body: Any) -> list[str]:
    """Every value under a secret key anywhere in a JSON-like request body."""
    found: list[str] = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key in SECRET_KEYS and isinstance(value, str | int) and str(value):
                found.append(str(value))
            else:
                found.extend(secrets_in(value))
    elif isinstance(body, list):
        for item in body:
            found.extend(secrets_in(item))
    return found


def transport_error(exc: httpx.RequestError, *, method: str, path: str) -> ApiError:
    """The ``NoResponseError`` for an httpx failure: provably unsent, or possibly landed."""
    never_sent = (
        httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout | httpx.UnsupportedProtocol
    )
    if isinstance(exc, never_sent):
        return RequestNotSentError(
            f"{method} {path}: could not connect to the API ({type(exc).__name__}); "
            "the request was not sent",
            method=method,
            path=path,
        )
    if isinstance(exc, httpx.TimeoutException):
        what = "timed out waiting for the answer"
    elif isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        what = "the connection dropped"
    else:
        what = f"the request failed ({type(exc).__name__})"
    return ResponseLostError(
        f"{method} {path}: {what} after sending; the API may have applied it",
        method=method,
        path=path,
    )


def status_error(
    response: httpx.Response, *, method: str, path: str, redact: Redactor
) -> ApiStatusError:
    """The ``ApiStatusError`` for an error response, keeping every ``errors[]`` item."""
    status = response.status_code
    request_id = response.headers.get("x-request-id") or response.headers.get("request-id")
    text = redact(_body_text(response))
    items = tuple(_items(_json_or_none(text)))
    if items:
        summary = "; ".join(redact(item.describe()) for item in items)
    elif text.strip():
        summary = f"non-JSON body: {_quote(text)}"
    else:
        summary = "empty body"
    reason = response.reason_phrase or ""
    message = f"{method} {path} answered {status} {reason}".rstrip() + f": {summary}"
    if request_id:
        message += f" (request id {request_id})"
    cls = status_error_class(status)
    failure = cls(
        message,
        method=method,
        path=path,
        status_code=status,
        request_id=request_id,
        errors=items,
        body=text,
    )
    hint = STATUS_HINTS.get(status) or (SERVER_HINT if status >= 500 else "")
    if hint:
        failure.hint = hint
    return failure


def decode_error(
    response: httpx.Response, *, method: str, path: str, redact: Redactor, why: str
) -> ApiStatusError:
    """A successful status whose body we cannot read as the expected JSON."""
    text = redact(_body_text(response))
    request_id = response.headers.get("x-request-id") or response.headers.get("request-id")
    message = (
        f"{method} {path} answered {response.status_code} but the body is not what the API "
        f"sends ({why}): {_quote(text) if text.strip() else 'empty body'}"
    )
    if request_id:
        message += f" (request id {request_id})"
    return ServerError(
        message,
        method=method,
        path=path,
        status_code=response.status_code,
        request_id=request_id,
        body=text,
    )


def _body_text(response: httpx.Response) -> str:
    try:
        return response.text
    except (UnicodeDecodeError, LookupError):
        return response.content.decode("utf-8", errors="replace")


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _items(data: Any) -> Iterable[ApiErrorItem]:
    if not isinstance(data, dict) or not isinstance(data.get("errors"), list):
        return
    for raw in data["errors"]:
        if not isinstance(raw, dict):
            continue
        source: dict[str, Any] = raw["source"] if isinstance(raw.get("source"), dict) else {}
        meta: dict[str, Any] = raw["meta"] if isinstance(raw.get("meta"), dict) else {}
        retryable = meta.get("retryable")
        yield ApiErrorItem(
            code=str(raw.get("code") or ""),
            title=str(raw.get("title") or ""),
            detail=str(raw.get("detail") or ""),
            pointer=source.get("pointer"),
            parameter=source.get("parameter"),
            retryable=retryable if isinstance(retryable, bool) else None,
            meta=meta,
        )


def _quote(text: str) -> str:
    """A short one-line excerpt: an HTML page's title, else the start of the text."""
    lowered = text.lower()
    start, end = lowered.find("<title>"), lowered.find("</title>")
    if 0 <= start < end:
        text = text[start + len("<title>") : end]
    flat = " ".join(text.split())
    if len(flat) > MAX_QUOTED_BODY:
        flat = flat[:MAX_QUOTED_BODY] + "…"
    return repr(flat)
