"""JSON:API error bodies, raised as :class:`Problem` from anywhere in a handler."""

from __future__ import annotations

from typing import Any

TITLES = {
    "10004": "Missing required parameter",
    "10005": "Resource not found",
    "10006": "Invalid ID",
    "10009": "Authentication failed",
    "10011": "Too many requests",
    "10015": "Bad Request",
    "10031": "Invalid filter value",
    "10032": "Invalid filter parameter",
    "10033": "Method not allowed",
    "80003": "Pending order",
    "80008": "Missing LOA",
    "80018": "Invalid FOC date",
    "80022": "Invalid document type",
    "80200": "Duplicate phone numbers",
    "90000": "Not simulated",
    "10007": "Unexpected error",
}

RETRYABLE = {"10011", "10007"}
#: Every Telnyx error names its catalog page in ``meta.url`` (spec: the error schemas' example).
ERROR_URL = "https://developers.telnyx.com/docs/overview/errors/{code}"


def error(
    code: str,
    detail: str,
    *,
    pointer: str | None = None,
    parameter: str | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """One ``errors[]`` item: code, title, detail, source, meta.url and meta.retryable."""
    item: dict[str, Any] = {
        "code": code,
        "title": title or TITLES.get(code, "Bad Request"),
        "detail": detail,
    }
    if parameter is not None:
        item["source"] = {"parameter": parameter}
    else:
        item["source"] = {"pointer": pointer if pointer is not None else "/"}
    item["meta"] = {"url": ERROR_URL.format(code=code), "retryable": code in RETRYABLE}
    return item


class Problem(Exception):
    """An error answer: HTTP status plus its ``errors[]`` items."""

    def __init__(
        self,
        status: int,
        errors: list[dict[str, Any]],
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(errors[0]["detail"] if errors else str(status))
        self.status = status
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON body."""
        return {"errors": self.errors}


def unprocessable(errors: list[dict[str, Any]]) -> Problem:
    """A 422 carrying every error found."""
    return Problem(422, errors)


def bad_field(pointer: str, detail: str | None = None, code: str = "10015") -> dict[str, Any]:
    """The quick-start shape for one invalid field: "The 'x' parameter is invalid."."""
    name = pointer.rsplit("/", 1)[-1]
    return error(code, detail or f"The '{name}' parameter is invalid.", pointer=pointer)


def not_found(what: str, ident: str) -> Problem:
    """404 for an unknown resource id."""
    return Problem(404, [error("10005", f"The requested {what} '{ident}' was not found.")])
