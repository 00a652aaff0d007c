"""Helpers for testing code that talks to the porting API: virtual time and spec checks.

``VirtualSleep`` replaces ``asyncio.sleep`` (and the clock) of a :class:`PortingClient`, so
pacing and retry waits take no real time. ``SpecCheckingTransport`` wraps any httpx transport
(an ``ASGITransport`` over the simulator, a ``MockTransport``) and checks every request and
response against the Telnyx porting OpenAPI subset shipped in this package (``SOURCE.md``
beside it says which). The spec check needs the ``testing`` extra (openapi-core), imported only
when a checking transport is used.
"""

from __future__ import annotations

import httpx

__all__ = ["SpecCheckingTransport", "VirtualSleep"]


class VirtualSleep:
    """An injected sleep on virtual time: it records each wait and moves its clock on."""

    def __init__(self) -> None:
        self.calls: list[float] = []
        self.now = 0.0

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        """The virtual time, for the client's pacer."""
        return self.now


class SpecCheckingTransport(httpx.AsyncBaseTransport):
    """Passes every exchange through and checks it against the OpenAPI subset, so that what
    a client sends and what a server answers both follow the spec."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        from porting_batch.testing.openapi import check_exchange

        self.inner = inner
        self.checked = 0
        self._check = check_exchange

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Forward the request, then validate request and response."""
        await request.aread()  # a streamed upload is buffered so both sides can read it
        response = await self.inner.handle_async_request(request)
        await response.aread()
        response.request = request
        self._check(response)
        self.checked += 1
        return response
