"""Client-side pacing: a steady request rate, a cap on requests in flight, and obedience to the
server's ``x-ratelimit-*`` headers, so that a long batch sees no 429 in steady state.

Requests take evenly spaced send slots (``1 / requests_per_second`` apart) in arrival order.
When a response says the window is nearly used up (``x-ratelimit-remaining`` no larger than the
number of requests already on their way), or a 429 names a wait, no new request starts before
the window resets. Clock and sleep are injected so tests can run on virtual time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

logger = logging.getLogger("porting_batch.client")

Sleep = Callable[[float], Awaitable[object]]

#: How many send slots missed through scheduling delays may be made up at once.
CATCH_UP_SLOTS = 3
Clock = Callable[[], float]


class Pacer:
    """Decides when each request may start; one per client."""

    def __init__(
        self,
        *,
        requests_per_second: float | None,
        max_in_flight: int,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        if requests_per_second is not None and requests_per_second <= 0:
            raise ValueError(f"requests_per_second must be positive, got {requests_per_second}")
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight must be at least 1, got {max_in_flight}")
        self.interval = 1.0 / requests_per_second if requests_per_second else 0.0
        self.max_in_flight = max_in_flight
        self._sleep = sleep
        self._clock = clock
        self._slots = asyncio.Semaphore(max_in_flight)
        # Held while a request waits for its send time, so slots are handed out in arrival order.
        self._turn = asyncio.Lock()
        self._next_start = 0.0
        self._paused_until = 0.0
        self.in_flight = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for the right to send one request; hold it until the response is in."""
        async with self._slots:
            async with self._turn:
                await self._wait_for_start()
            self.in_flight += 1
            try:
                yield
            finally:
                self.in_flight -= 1

    async def _wait_for_start(self) -> None:
        while True:
            now = self._clock()
            start = max(now, self._next_start, self._paused_until)
            if start <= now:
                # Schedule from the slot that was due, not from when the sleep happened to
                # end: a sleep's overshoot or a busy event loop would otherwise lower the
                # rate for good. Slots are never taken early, so a short catch-up sends at
                # most CATCH_UP_SLOTS requests beyond the rate in any window; after an idle
                # spell or a pause, start afresh from now.
                behind = now - self._next_start
                catching_up = 0 <= behind < CATCH_UP_SLOTS * self.interval
                due = self._next_start if catching_up else now
                self._next_start = due + self.interval
                return
            await self._sleep(start - now)

    def observe(self, status_code: int, headers: Mapping[str, str]) -> None:
        """Learn from a response's rate-limit headers (and from a 429)."""
        reset = _float(headers.get("x-ratelimit-reset"))
        remaining = _float(headers.get("x-ratelimit-remaining"))
        now = self._clock()
        if status_code == 429:
            wait = _float(headers.get("retry-after"))
            wait = wait if wait is not None else reset
            self.pause(now + (wait if wait is not None else 1.0), "429 received")
            return
        # Other requests already sent will also spend the window, so stop before it is empty.
        if remaining is not None and reset is not None and remaining <= self.in_flight - 1:
            self.pause(now + reset, f"x-ratelimit-remaining={remaining:g}")

    def pause(self, until: float, reason: str) -> None:
        """Start no request before ``until`` (clock time)."""
        if until > self._paused_until:
            logger.debug(
                "pacing: pausing new requests for %.3fs (%s)", until - self._clock(), reason
            )
            self._paused_until = until


def _float(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None
