"""The retry policy as pure functions: which failures are retried, and after how long."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from porting_batch.client import retry
from porting_batch.errors import (
    ApiError,
    AuthenticationError,
    NotFoundError,
    RateLimitError,
    RequestNotSentError,
    ResponseLostError,
    ServerError,
    UnprocessableEntityError,
)


def status(cls: type, code: int) -> ApiError:
    """An error of class ``cls`` with status ``code``."""
    return cls("x", method="GET", path="/p", status_code=code)


NOT_SENT = RequestNotSentError("x")
LOST = ResponseLostError("x")

CASES = [
    ("GET", NOT_SENT, True),
    ("GET", LOST, True),
    ("GET", status(ServerError, 503), True),
    ("GET", status(RateLimitError, 429), True),
    ("GET", status(NotFoundError, 404), False),
    ("GET", status(AuthenticationError, 401), False),
    ("DELETE", LOST, True),
    ("DELETE", status(ServerError, 500), True),
    ("POST", NOT_SENT, True),
    ("POST", status(RateLimitError, 429), True),
    ("POST", LOST, False),
    ("POST", status(ServerError, 502), False),
    ("PATCH", LOST, False),
    ("PATCH", status(UnprocessableEntityError, 422), False),
    ("GET", status(ServerError, 418), False),
]


@pytest.mark.parametrize(
    ("method", "error", "expected"),
    CASES,
    ids=[f"{m}-{type(e).__name__}" for m, e, _ in CASES],
)
def test_which_failures_are_retried(method: str, error: ApiError, expected: bool) -> None:
    """Reads and deletes retry on transient failures; writes only when provably not applied."""
    decision = retry.decide(method, error, attempt=1, max_retries=4, rand=lambda: 0.0)
    assert decision.retry is expected
    assert decision.reason


def test_read_only_post_can_be_retried_like_a_read() -> None:
    """A POST marked idempotent (a portability check) is retried after a 5xx."""
    error = status(ServerError, 503)
    assert retry.decide("POST", error, attempt=1, max_retries=4, idempotent=True).retry


def test_no_retry_beyond_max_retries() -> None:
    """The attempt after the last allowed retry is refused, with the reason."""
    decision = retry.decide("GET", NOT_SENT, attempt=3, max_retries=2)
    assert not decision.retry
    assert "gave up after 3 attempts" in decision.reason


def test_backoff_doubles_up_to_the_cap() -> None:
    """Without jitter the back-off doubles from the initial delay and stops at the cap."""
    delays = [retry.backoff_delay(n, rand=lambda: 0.0) for n in range(1, 10)]
    assert delays[:4] == [0.5, 1.0, 2.0, 4.0]
    assert max(delays) == retry.MAX_BACKOFF_S


def test_jitter_only_shortens_the_backoff() -> None:
    """Jitter takes off at most JITTER_RATIO of the delay."""
    assert retry.backoff_delay(2, rand=lambda: 1.0) == pytest.approx(1.0 * (1 - retry.JITTER_RATIO))


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"x-ratelimit-reset": "3"}, 3.0),
        ({"Retry-After": "4", "x-ratelimit-reset": "9"}, 4.0),
        ({"Retry-After": "100000"}, retry.MAX_RETRY_AFTER_S),
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
    ids=[
        "seconds",
        "milliseconds",
        "ratelimit-reset",
        "retry-after-wins",
        "capped",
        "garbage",
        "none",
    ],
)
def test_retry_after_reads_the_server_wait(headers: dict[str, str], expected: float | None) -> None:
    """The wait comes from Retry-After, retry-after-ms or x-ratelimit-reset, capped."""
    assert retry.retry_after(headers) == expected


def test_retry_after_accepts_an_http_date() -> None:
    """A Retry-After given as an HTTP date is turned into seconds from now."""
    when = datetime.now(UTC) + timedelta(seconds=30)
    wait = retry.retry_after({"Retry-After": format_datetime(when, usegmt=True)})
    assert wait is not None and 25 <= wait <= 30


def test_429_waits_for_the_named_time() -> None:
    """A 429 decision's delay is the server's Retry-After, not a back-off."""
    decision = retry.decide(
        "POST", status(RateLimitError, 429), attempt=1, max_retries=4, headers={"Retry-After": "2"}
    )
    assert (decision.retry, decision.delay) == (True, 2.0)


@pytest.mark.parametrize(
    ("error", "ambiguous"),
    [
        (NOT_SENT, False),
        (LOST, True),
        (status(ServerError, 500), True),
        (status(UnprocessableEntityError, 422), False),
    ],
    ids=["not-sent", "lost", "5xx", "422"],
)
def test_ambiguous_failures_are_those_that_may_have_landed(
    error: ApiError, ambiguous: bool
) -> None:
    """Only lost answers and 5xx leave a write's fate unknown."""
    assert retry.is_ambiguous(error) is ambiguous
