"""The one exception tree of porting-batch.

::

    PortingBatchError
    ├── ConfigError                  settings that cannot work together
    ├── IntakeError                  a spreadsheet that cannot be read at all (file-level)
    ├── LedgerError                  the ledger cannot be opened or is inconsistent
    ├── ReportError                  a report could not be written
    └── ApiError                     anything the porting API client raises
        ├── NoResponseError          no HTTP response was received
        │   ├── RequestNotSentError      the connection failed: the request provably never left
        │   └── ResponseLostError        timed out or dropped after sending: it may have landed
        └── ApiStatusError           the API answered with an error status
            ├── BadRequestError          400
            ├── AuthenticationError      401
            ├── PermissionDeniedError    403
            ├── NotFoundError            404
            ├── ConflictError            409
            ├── UnprocessableEntityError 422
            ├── RateLimitError           429
            └── ServerError              5xx (and anything else unexpected)

Row-level problems in a spreadsheet are not exceptions: they are ``Issue`` values
(``porting_batch.issues``) collected into the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class PortingBatchError(Exception):
    """Root of every error porting-batch raises on purpose."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        if hint:
            self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(PortingBatchError):
    """Settings that are missing or contradict each other."""


class IntakeError(PortingBatchError):
    """A spreadsheet that cannot be read at all: not a row-level problem."""

    def __init__(self, message: str, *, file: str = "", sheet: str = "", hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.file = file
        self.sheet = sheet


class LedgerError(PortingBatchError):
    """The ledger could not be opened, migrated or written."""


class BatchBusyError(LedgerError):
    """Another live run holds the batch, and this run stopped waiting for it."""


class ReportError(PortingBatchError):
    """A report file could not be written."""


class ApiError(PortingBatchError):
    """Base of everything the porting API client raises."""

    def __init__(self, message: str, *, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.path = path


class NoResponseError(ApiError):
    """No HTTP response arrived."""

    #: Whether the request may have been applied by the server.
    may_have_landed: bool = True


class RequestNotSentError(NoResponseError):
    """The connection could not be made: the request provably never left."""

    may_have_landed = False


class ResponseLostError(NoResponseError):
    """Timed out or dropped after sending: the server may have applied the request."""

    may_have_landed = True


@dataclass(frozen=True)
class ApiErrorItem:
    """One item of a JSON:API ``errors[]`` array."""

    code: str = ""
    title: str = ""
    detail: str = ""
    pointer: str | None = None
    parameter: str | None = None
    retryable: bool | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """One line: code, title, detail and where it points."""
        where = f" at {self.pointer}" if self.pointer else ""
        text = self.detail or self.title or "error"
        return f"[{self.code}] {text}{where}" if self.code else f"{text}{where}"


class ApiStatusError(ApiError):
    """The API answered with an error status."""

    status_code: int = 0

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status_code: int,
        request_id: str | None = None,
        errors: tuple[ApiErrorItem, ...] = (),
        body: str = "",
    ) -> None:
        super().__init__(message, method=method, path=path)
        self.status_code = status_code
        self.request_id = request_id
        self.errors = errors
        self.body = body


class BadRequestError(ApiStatusError):
    """400."""


class AuthenticationError(ApiStatusError):
    """401: the API key is missing or wrong."""


class PermissionDeniedError(ApiStatusError):
    """403."""


class NotFoundError(ApiStatusError):
    """404."""


class ConflictError(ApiStatusError):
    """409."""


class UnprocessableEntityError(ApiStatusError):
    """422: the API refused the data; ``errors`` point at the fields."""


class RateLimitError(ApiStatusError):
    """429: too many requests."""


class ServerError(ApiStatusError):
    """5xx, or any other status the client does not expect."""


_STATUS_ERRORS: dict[int, type[ApiStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[ApiStatusError]:
    """The exception class for an HTTP error status."""
    return _STATUS_ERRORS.get(status_code, ServerError)
