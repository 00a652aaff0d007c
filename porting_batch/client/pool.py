"""The client's connection pool: keep-alive HTTP/1.1 connections through aiohttp, and its
cookie jar.

httpx builds each request and reads each response; ``PooledTransport`` carries them over one
``aiohttp.ClientSession``. Its connector keeps the pool with constant bookkeeping per request
(httpcore's looks at every connection of the pool on each request), and parses HTTP in C
(llhttp) where h11 parses in Python: together about a third of the client's CPU per call.

What goes on the wire is what httpx built: its method, target, headers (in their order) and
body, with its ``Content-Length`` (never chunked). aiohttp adds none of its own headers
(``SKIP_AUTO_HEADERS``), keeps no cookies (httpx's jar does) and decodes nothing (httpx
decodes ``Content-Encoding``). A DELETE without a body is the one request it would change (it
adds ``Content-Length: 0``); that header is taken back off before the request is written.

Which failures may be sent again is decided by ``porting_batch.client.failures`` from the
httpx error raised here, so the mapping is strict: only a failure before the request could
leave (no connection, TLS refused, no free connection in time) becomes ``ConnectError`` or
``ConnectTimeout``; anything after sending began, or not known, is an error whose request may
have landed. aiohttp resends a GET, HEAD, OPTIONS, TRACE, PUT or DELETE once by itself when
its connection drops (``ClientOSError``, ``ServerDisconnectedError``; never a POST or PATCH);
that is switched off, so the client's retry layer stays the only one and each call's budget
counts every request that reached the server.

A connection the server closed while idle is dropped when it is next taken from the pool, once
the event loop has seen the server's end of stream. A request sent in the very turn of the loop
that end arrives in fails in doubt (httpcore asked the socket before each reuse, which narrowed
that window without closing it): a read is retried, a write looked up.

Timeouts come from each request's httpx timeouts: ``connect`` bounds opening a socket and its
TLS handshake, ``pool`` the wait for a free connection plus the connecting (aiohttp's
``connect``), ``read`` each wait for bytes of the answer. aiohttp has no write timeout, and its
``read`` clock starts only once the body is written: a server that stops reading would hold the
request for as long as TCP lets it. So each request also runs under a deadline of its own: a
body larger than ``WRITE_PIECE`` goes in pieces, each of which must be written within ``write``
(httpcore's meaning of it), and any request gives up once its timeouts together have passed
without an answer. Either failure is a ``WriteTimeout``: part of the request may have left.
Bodies are JSON of a few kilobytes and documents, capped at 20 MB and already held in memory.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import httpx
from yarl import URL

from porting_batch.client.config import Limits

#: Headers aiohttp would add when httpx did not: httpx's request is sent as it was built.
SKIP_AUTO_HEADERS = frozenset({"Accept", "Accept-Encoding", "User-Agent", "Content-Type"})
#: Methods aiohttp sends without ``Content-Length`` when they carry no body (as httpx does).
BODILESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
HTTP_11 = b"HTTP/1.1"
#: A body larger than this goes out in pieces this big, each written within the write timeout.
WRITE_PIECE = 64 * 1024


class PooledTransport(httpx.AsyncBaseTransport):
    """httpx requests over ``max_connections`` keep-alive connections of one aiohttp session.

    ``max_keepalive_connections`` has no counterpart in aiohttp: every connection given back
    stays open for reuse until ``keepalive_expiry`` (the client sizes both alike)."""

    def __init__(self, limits: Limits, *, verify: ssl.SSLContext | bool = True) -> None:
        if limits.max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, got {limits.max_connections}")
        self.limits = limits
        # Made once: loading the CA bundle costs more than many requests.
        self._ssl = httpx.create_ssl_context(verify=verify)
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[Any, ...], aiohttp.ClientTimeout] = {}

    def _open(self) -> aiohttp.ClientSession:
        """The session, made on the first request: aiohttp binds it to the running loop."""
        connector = aiohttp.TCPConnector(
            limit=self.limits.max_connections,
            limit_per_host=0,
            keepalive_timeout=self.limits.keepalive_expiry,
            ssl=self._ssl,
        )
        session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            skip_auto_headers=SKIP_AUTO_HEADERS,
            timeout=aiohttp.ClientTimeout(total=None),
        )
        # aiohttp's own resend of an idempotent request whose connection dropped (client.py,
        # retry_persistent_connection); aiohttp's test client turns it off the same way.
        session._retry_connection = False
        self._session = session
        return session

    def _timeout(self, timeouts: Mapping[str, float | None]) -> aiohttp.ClientTimeout:
        """aiohttp's timeouts for httpx's (one object per distinct set: the client's are fixed)."""
        key = (timeouts.get("connect"), timeouts.get("read"), timeouts.get("pool"))
        found = self._timeouts.get(key)
        if found is None:
            connect, read, pool = key
            found = aiohttp.ClientTimeout(
                total=None, connect=pool, sock_connect=connect, sock_read=read
            )
            self._timeouts[key] = found
        return found

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` on a pooled connection; the response's body streams from it."""
        session = self._session or self._open()
        method = request.method
        headers = request.headers
        # In memory: JSON bodies are small, and a document's bytes are already held whole.
        body = await request.aread()
        bare = not body and method not in BODILESS_METHODS and "content-length" not in headers
        timeouts = request.extensions.get("timeout", {})
        total = _total(timeouts)
        deadline = asyncio.timeout(None)
        data: bytes | AsyncIterator[bytes] | None = body or None
        write = timeouts.get("write")
        if write is not None and len(body) > WRITE_PIECE:
            data = _pieces(body, deadline, write, total)
        try:
            async with deadline:
                deadline.reschedule(_after(total))
                response = await session.request(
                    method,
                    URL(str(request.url), encoded=True),
                    headers=[(key.decode(), value.decode()) for key, value in headers.raw],
                    data=data,
                    allow_redirects=False,
                    timeout=self._timeout(timeouts),
                    middlewares=_NO_LENGTH if bare else None,
                )
        except (aiohttp.ClientError, OSError) as exc:
            if deadline.expired():
                raise httpx.WriteTimeout(
                    "the request was not written, or not answered, in time", request=request
                ) from exc
            raise as_httpx_error(exc, request) from exc
        version = response.version
        return httpx.Response(
            response.status,
            headers=response.raw_headers,
            stream=_Body(response, request),
            extensions={
                "http_version": HTTP_11
                if version is None or version == (1, 1)
                else f"HTTP/{version.major}.{version.minor}".encode(),
                "reason_phrase": (response.reason or "").encode("latin-1", "replace"),
            },
        )

    async def aclose(self) -> None:
        """Close every connection of the pool."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()


class _Body(httpx.AsyncByteStream):
    """A response's body as it arrives; closing it gives its connection back to the pool
    (or closes the connection, when the body was not read to its end)."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except (aiohttp.ClientError, OSError) as exc:
            raise as_httpx_error(exc, self._request) from exc

    async def aclose(self) -> None:
        response = self._response
        if response.content.at_eof():
            response.release()
        else:
            response.close()


def _total(timeouts: Mapping[str, float | None]) -> float | None:
    """How long a request may take from the pool to its answer's head, its timeouts together
    (None when any phase may wait for ever)."""
    phases = [timeouts.get(name) for name in ("pool", "connect", "write", "read")]
    return None if None in phases else sum(p for p in phases if p is not None)


def _after(seconds: float | None) -> float | None:
    """The loop's time ``seconds`` from now (None: no deadline)."""
    return None if seconds is None else asyncio.get_running_loop().time() + seconds


async def _pieces(
    body: bytes, deadline: asyncio.Timeout, write: float, rest: float | None
) -> AsyncIterator[bytes]:
    # aiohttp asks for the next piece once the last is written (its buffer drained), so each
    # piece gets ``write`` seconds; after the last, the answer has the request's whole budget.
    view = memoryview(body)
    for start in range(0, len(body), WRITE_PIECE):
        deadline.reschedule(_after(write))
        yield bytes(view[start : start + WRITE_PIECE])
    deadline.reschedule(_after(rest))


async def _without_length(
    request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
) -> aiohttp.ClientResponse:
    # aiohttp puts "Content-Length: 0" on a bodiless request of any method but GET, HEAD,
    # OPTIONS and TRACE; httpx sends a DELETE without one.
    request.headers.popall("Content-Length", None)
    return await handler(request)


_NO_LENGTH = (_without_length,)


def as_httpx_error(exc: Exception, request: httpx.Request) -> httpx.RequestError:
    """The httpx error for an aiohttp failure: a connect error only when the request
    certainly never left; anything after sending began, or unknown, one that may have landed."""
    message = f"{type(exc).__name__}: {exc}"
    kind: type[httpx.RequestError]
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        # Waiting for a free connection and opening one share aiohttp's ``connect`` deadline.
        kind = httpx.ConnectTimeout
    elif isinstance(exc, aiohttp.ClientConnectorError):
        # Includes refused connections, DNS failures and refused certificates or TLS.
        kind = httpx.ConnectError
    elif isinstance(exc, aiohttp.InvalidURL):
        kind = httpx.UnsupportedProtocol
    elif isinstance(exc, TimeoutError):
        # SocketTimeoutError: the answer stopped coming (the request was sent).
        kind = httpx.ReadTimeout
    elif isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        kind = httpx.RemoteProtocolError
    elif isinstance(exc, aiohttp.ClientResponseError):
        # An answer that is not HTTP (a bad status line or header).
        kind = httpx.RemoteProtocolError
    elif isinstance(exc, OSError):
        # ClientOSError, ClientConnectionResetError: the connection broke while in use.
        kind = httpx.ReadError
    else:
        # Any other aiohttp error: whether the request left is not known.
        kind = httpx.TransportError
    return kind(message, request=request)


class LeanCookies(httpx.Cookies):
    """The client's cookies, as httpx keeps them, but not looked for in a response that sets
    none: httpx wraps every response and its request for ``http.cookiejar`` to find no
    ``Set-Cookie`` header, at a cost near a tenth of the client's own per request."""

    def extract_cookies(self, response: httpx.Response) -> None:
        """Take the cookies ``response`` sets, if it sets any."""
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)
