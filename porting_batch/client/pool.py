"""The client's connection pool: keep-alive HTTP/1.1 connections in small shards, and its
cookie jar.

httpcore's pool looks at every connection of the pool on each request and on each response
(is it idle, has it expired, is its socket readable), and at every other connection again for
each idle one: its cost per request grows with the square of the pool's size. At 50 connections
that bookkeeping outweighed the rest of the client, and it grows with load: the busier the
process, the more connections are open, the dearer each request. The same connections split into
shards of at most ``SHARD_CONNECTIONS`` keep the cost per request small and flat; each request
goes to the shard with the most free connections, so together they behave as one pool of
``max_connections``.
"""

from __future__ import annotations

import math
import ssl
from collections.abc import AsyncIterator
from types import TracebackType

import httpx

from porting_batch.client.config import Limits

#: Most connections one shard holds (its bookkeeping per request grows with its square).
SHARD_CONNECTIONS = 8


class ShardedTransport(httpx.AsyncBaseTransport):
    """``max_connections`` keep-alive connections, as shards of ``SHARD_CONNECTIONS`` at most."""

    def __init__(self, limits: Limits, *, verify: ssl.SSLContext | bool = True) -> None:
        if limits.max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, got {limits.max_connections}")
        count = max(1, math.ceil(limits.max_connections / SHARD_CONNECTIONS))
        base, extra = divmod(limits.max_connections, count)
        # One TLS context for all shards: loading the CA bundle once, not once per shard.
        context = httpx.create_ssl_context(verify=verify)
        self.sizes = [base + (1 if i < extra else 0) for i in range(count)]
        keepalive = max(1, math.ceil(limits.max_keepalive_connections / count))
        self._shards = [
            httpx.AsyncHTTPTransport(
                verify=context,
                http1=True,
                http2=False,
                limits=httpx.Limits(
                    max_connections=size,
                    max_keepalive_connections=min(size, keepalive),
                    keepalive_expiry=limits.keepalive_expiry,
                ),
            )
            for size in self.sizes
        ]
        #: Requests each shard is serving (sent, and their response not yet closed).
        self.busy = [0] * count

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send the request through the shard with the most free connections."""
        index = max(range(len(self._shards)), key=lambda i: self.sizes[i] - self.busy[i])
        self.busy[index] += 1
        try:
            response = await self._shards[index].handle_async_request(request)
        except BaseException:
            self.busy[index] -= 1
            raise
        response.stream = _Releasing(response.stream, self, index)
        return response

    def _release(self, index: int) -> None:
        self.busy[index] -= 1

    async def aclose(self) -> None:
        """Close every shard's connections."""
        for shard in self._shards:
            await shard.aclose()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.aclose()


class _Releasing(httpx.AsyncByteStream):
    """A response body that gives its shard's connection back (in the count) once closed."""

    def __init__(
        self,
        stream: httpx.SyncByteStream | httpx.AsyncByteStream,
        owner: ShardedTransport,
        index: int,
    ) -> None:
        assert isinstance(stream, httpx.AsyncByteStream)
        self._stream = stream
        self._owner = owner
        self._index = index
        self._released = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if not self._released:
                self._released = True
                self._owner._release(self._index)


class LeanCookies(httpx.Cookies):
    """The client's cookies, as httpx keeps them, but not looked for in a response that sets
    none: httpx wraps every response and its request for ``http.cookiejar`` to find no
    ``Set-Cookie`` header, at a cost near a tenth of the client's own per request."""

    def extract_cookies(self, response: httpx.Response) -> None:
        """Take the cookies ``response`` sets, if it sets any."""
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)
