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

Each such look at an idle connection asks its socket whether it is readable (a server that
closed it); the shards' streams keep their socket and ask it directly. The streams are
asyncio's own (see ``_Backend``), not anyio's.

httpcore writes a request as several pieces (its head, then each piece of its body), and each
write through anyio costs a timeout scope and a pass of the event loop. The shards' streams hold
the pieces and write them as one when the response is first read (or once ``FLUSH_BYTES`` are
held): the same bytes on the wire, one write per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import select
import ssl
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any

import httpcore
import httpx

from porting_batch.client.config import Limits

#: Most connections one shard holds (its bookkeeping per request grows with its square, and
#: each idle one's socket is polled on every request: at 8 that still cost a tenth of the
#: client's CPU at 50 in flight).
SHARD_CONNECTIONS = 2
#: Most bytes a stream holds before writing them (a large upload goes out in pieces this big).
FLUSH_BYTES = 256 * 1024


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
        for shard, size in zip(self._shards, self.sizes, strict=True):
            # The pool httpx builds for these arguments, over streams that keep their socket.
            shard._pool = httpcore.AsyncConnectionPool(
                ssl_context=context,
                max_connections=size,
                max_keepalive_connections=min(size, keepalive),
                keepalive_expiry=limits.keepalive_expiry,
                http1=True,
                http2=False,
                network_backend=_Backend(),
            )
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


# httpcore's interfaces take their timeouts as arguments (ASYNC109 is theirs, not ours).
class _Backend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend over asyncio's own streams (the client runs on asyncio).

    httpcore's anyio backend puts a cancel scope around every read and write and passes
    through the event loop once more in each (anyio's checkpoints): near a tenth of the
    client's cost per request. asyncio's streams read what has arrived at once, and a read or
    write that must wait does so under ``asyncio.timeout``."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """A TCP connection (TCP_NODELAY set, as asyncio sets it), with ``socket_options``."""
        local = (local_address, 0) if local_address else None
        with _mapped({TimeoutError: httpcore.ConnectTimeout, OSError: httpcore.ConnectError}):
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port, local_addr=local)
            sock = writer.get_extra_info("socket")
            for option in socket_options or ():
                sock.setsockopt(*option)
        return _Stream(reader, writer)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """A Unix socket connection."""
        with _mapped({TimeoutError: httpcore.ConnectTimeout, OSError: httpcore.ConnectError}):
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_unix_connection(path)
            sock = writer.get_extra_info("socket")
            for option in socket_options or ():
                sock.setsockopt(*option)
        return _Stream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        """Sleep on the event loop."""
        await asyncio.sleep(seconds)


class _Stream(httpcore.AsyncNetworkStream):
    """One connection's asyncio stream: a request's pieces held and written as one (see the
    module's doc), "is it readable?" answered from its socket."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._socket: Any = writer.get_extra_info("socket")
        #: Bytes written but not yet sent, and how many.
        self._held: list[bytes] = []
        self._held_bytes = 0
        self._write_timeout: float | None = None

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        """Send what is held (the request is complete once its answer is read), then read what
        has arrived, waiting at most ``timeout`` for something to (b"" at the end)."""
        if self._held:
            await self._send_held()
        with _mapped({TimeoutError: httpcore.ReadTimeout, OSError: httpcore.ReadError}):
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Hold ``buffer`` to be sent with the rest of the request (see the module's doc)."""
        if not buffer:
            return
        self._held.append(buffer)
        self._held_bytes += len(buffer)
        self._write_timeout = timeout
        if self._held_bytes >= FLUSH_BYTES:
            await self._send_held()

    async def _send_held(self) -> None:
        data = b"".join(self._held)
        self._held.clear()
        self._held_bytes = 0
        with _mapped({TimeoutError: httpcore.WriteTimeout, OSError: httpcore.WriteError}):
            if self._writer.transport.is_closing():
                raise httpcore.WriteError("the connection is closed")
            self._writer.write(data)
            async with asyncio.timeout(self._write_timeout):
                await self._writer.drain()

    async def aclose(self) -> None:
        """Close the connection (anything held is dropped with the request it belonged to)."""
        self._held.clear()
        self._held_bytes = 0
        self._writer.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        """TLS over this connection (asyncio's own), as a stream of the same kind."""
        if self._held:
            await self._send_held()
        errors: Mapping[type[BaseException], type[Exception]] = {
            TimeoutError: httpcore.ConnectTimeout,
            OSError: httpcore.ConnectError,
        }
        try:
            with _mapped(errors):
                async with asyncio.timeout(timeout):
                    await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except BaseException:
            await self.aclose()
            raise
        return _Stream(self._reader, self._writer)

    def get_extra_info(self, info: str) -> Any:
        """What httpcore asks of a stream: its TLS object, addresses, socket, readability."""
        if info == "is_readable":
            return self._socket is None or _readable(self._socket)
        names = {
            "ssl_object": "ssl_object",
            "client_addr": "sockname",
            "server_addr": "peername",
            "socket": "socket",
        }
        return self._writer.get_extra_info(names[info]) if info in names else None


@contextlib.contextmanager
def _mapped(errors: Mapping[type[BaseException], type[Exception]]) -> Iterator[None]:
    """Raise the errors of a network operation as httpcore's (as its own backends do)."""
    try:
        yield
    except tuple(errors) as exc:
        for kind, mapped in errors.items():
            if isinstance(exc, kind):
                raise mapped(str(exc) or type(exc).__name__) from exc
        raise


def _readable(sock: Any) -> bool:
    """Whether ``sock`` has something to read (or is closed), as httpcore asks it."""
    fd = sock.fileno()
    if fd == -1:
        return True
    poll = select.poll()
    poll.register(fd, select.POLLIN)
    return bool(poll.poll(0))
