"""The client's one retry policy, as pure functions with named constants.

Rules:

- Reads and deletes (idempotent methods) are retried on connection errors, timeouts,
  dropped connections, 429 and 5xx.
- Writes (POST, PATCH) are retried only when the request provably never reached the
  server: a failed connection, or a 429 (the limiter refuses before doing anything), unless
  the caller declares them repeatable (a PATCH that sets values, a POST that only reads).
  Writes that may have landed are recovered by the client's look-up-then-retry
  (``PortingClient.create_orders``, ``confirm_order``, ``upload_document``), within the same
  per-call budget of ``max_retries + 1`` failures.
- 429 waits for ``Retry-After`` (or ``x-ratelimit-reset``), capped; everything else backs off
  exponentially with jitter, capped.

Nothing here sleeps or does I/O: the client asks ``decide`` and then waits with its injected
sleep function.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from porting_batch.errors import (
    ApiError,
    ApiStatusError,
    NoResponseError,
    RateLimitError,
    RequestNotSentError,
    ServerError,
)

#: Methods that can be repeated without changing the result.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "PUT"})

#: First back-off delay, doubled on each further attempt.
INITIAL_BACKOFF_S = 0.5
#: Longest back-off between two attempts.
MAX_BACKOFF_S = 8.0
#: Share of the back-off drawn at random, so that many clients do not retry in step.
JITTER_RATIO = 0.25
#: Longest we honour a server's ``Retry-After`` before giving up waiting that long.
MAX_RETRY_AFTER_S = 60.0
#: Wait after a 429 that names no time.
DEFAULT_RATE_LIMIT_WAIT_S = 1.0


@dataclass(frozen=True)
class RetryDecision:
    """Whether to try again, after how long, and why (the reason is logged)."""

    retry: bool
    delay: float
    reason: str


def is_idempotent(method: str) -> bool:
    """Whether repeating ``method`` cannot change the outcome."""
    return method.upper() in IDEMPOTENT_METHODS


def is_server_failure(error: ApiError) -> bool:
    """A 5xx, or a success status whose body could not be read (a proxy's page, broken JSON)."""
    if not isinstance(error, ServerError):
        return False
    return error.status_code >= 500 or error.status_code < 400


def is_ambiguous(error: ApiError) -> bool:
    """Whether a failed write may nevertheless have been applied by the server."""
    if isinstance(error, NoResponseError):
        return error.may_have_landed
    return is_server_failure(error)


def backoff_delay(attempt: int, *, rand: Callable[[], float] = random.random) -> float:
    """Exponential back-off for retry number ``attempt`` (1-based), with jitter and a cap."""
    base = min(MAX_BACKOFF_S, INITIAL_BACKOFF_S * 2 ** max(0, attempt - 1))
    return base * (1 - JITTER_RATIO * rand())


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds the server asks us to wait: ``Retry-After`` (seconds or date), else
    ``x-ratelimit-reset`` (seconds until the window resets); capped; None if neither is given."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    value = _number(lowered.get("retry-after-ms"))
    if value is not None:
        return _cap(value / 1000)
    raw = lowered.get("retry-after")
    if raw is not None:
        value = _number(raw)
        if value is None:
            value = _seconds_until_date(raw)
        if value is not None:
            return _cap(value)
    value = _number(lowered.get("x-ratelimit-reset"))
    if value is not None:
        return _cap(value)
    return None


def decide(
    method: str,
    error: ApiError,
    *,
    attempt: int,
    max_retries: int,
    headers: Mapping[str, str] | None = None,
    idempotent: bool | None = None,
    rand: Callable[[], float] = random.random,
) -> RetryDecision:
    """Whether attempt number ``attempt`` (1-based) that failed with ``error`` is tried again.

    ``idempotent`` overrides the method's default, for POSTs that only read (portability checks).
    """
    if attempt > max_retries:
        return RetryDecision(False, 0.0, f"gave up after {attempt} attempts: {_kind(error)}")
    if idempotent is None:
        idempotent = is_idempotent(method)
    if isinstance(error, RequestNotSentError):
        return RetryDecision(True, backoff_delay(attempt, rand=rand), "connection failed")
    if isinstance(error, RateLimitError):
        wait = retry_after(headers)
        if wait is None:
            wait = DEFAULT_RATE_LIMIT_WAIT_S
        return RetryDecision(True, wait, f"429 rate limited, waiting {wait:.3g}s")
    if isinstance(error, NoResponseError):
        if idempotent:
            return RetryDecision(True, backoff_delay(attempt, rand=rand), _kind(error))
        return RetryDecision(False, 0.0, f"{_kind(error)} on a write: it may have landed")
    if is_server_failure(error):
        if idempotent:
            return RetryDecision(True, backoff_delay(attempt, rand=rand), _kind(error))
        return RetryDecision(False, 0.0, f"{_kind(error)} on a write: it may have landed")
    return RetryDecision(False, 0.0, f"{_kind(error)} is not retryable")


def _kind(error: ApiError) -> str:
    if isinstance(error, ApiStatusError):
        return f"status {error.status_code}"
    if isinstance(error, RequestNotSentError):
        return "connection failed"
    if isinstance(error, NoResponseError):
        return "response lost"
    return type(error).__name__


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if number >= 0 else None


def _seconds_until_date(value: str) -> float | None:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _cap(seconds: float) -> float:
    return min(max(0.0, seconds), MAX_RETRY_AFTER_S)
