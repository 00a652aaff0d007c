"""How the connection pool's failures reach the retry layer: a connect error only when the
request certainly never left, an error that may have landed for anything after sending."""

from __future__ import annotations

import asyncio
import socket
import struct

import aiohttp
import httpx
import pytest

from porting_batch.client import PortingClient
from porting_batch.client.config import Limits
from porting_batch.client.failures import transport_error
from porting_batch.client.pool import PooledTransport, as_httpx_error
from porting_batch.errors import RequestNotSentError, ResponseLostError
from porting_batch.testing import VirtualSleep

from .conftest import API_KEY, order_json
from .loopback import Loopback, Received, Reply, answer

pytestmark = pytest.mark.anyio

NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
#: Far above what these tests take; only the timeout under test is short.
GENEROUS_S = 30.0


def _transport(connections: int = 1) -> PooledTransport:
    return PooledTransport(Limits(max_connections=connections, max_keepalive_connections=1))


def _in_doubt(error: httpx.RequestError, method: str = "POST") -> bool:
    """Whether the retry layer takes ``error`` for a request that may have landed."""
    mapped = transport_error(error, method=method, path="/x")
    return isinstance(mapped, ResponseLostError) and mapped.may_have_landed


@pytest.mark.parametrize(
    "failure",
    [
        aiohttp.ServerDisconnectedError(),
        aiohttp.ClientOSError(104, "Connection reset by peer"),
        aiohttp.ClientConnectionResetError("Cannot write to closing transport"),
        aiohttp.ClientPayloadError("Response payload is not completed"),
        aiohttp.SocketTimeoutError("Timeout on reading data from socket"),
        aiohttp.ClientConnectionError("Connection closed"),
        aiohttp.ClientError("something new"),
        ConnectionResetError(104, "reset"),
    ],
    ids=type,
)
def test_failures_after_sending_began_or_unknown_are_never_taken_for_unsent(
    failure: Exception,
) -> None:
    """Every aiohttp failure that can happen once the request is on its way (or that we do not
    know) maps to an httpx error the retry layer treats as possibly landed."""
    request = httpx.Request("POST", "http://api.test/v2/porting_orders")
    error = as_httpx_error(failure, request)
    assert not isinstance(error, NEVER_SENT)
    assert _in_doubt(error)


def test_waiting_too_long_to_connect_is_taken_for_unsent() -> None:
    """aiohttp's connect deadline (a free connection, then the socket and TLS) is unsent."""
    request = httpx.Request("POST", "http://api.test/v2/porting_orders")
    error = as_httpx_error(aiohttp.ConnectionTimeoutError("Connection timeout"), request)
    assert isinstance(error, httpx.ConnectTimeout)
    assert isinstance(transport_error(error, method="POST", path="/x"), RequestNotSentError)


async def test_a_refused_connection_is_a_connect_error() -> None:
    """A port nobody listens on fails as httpx's ConnectError: the request was not sent."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with httpx.AsyncClient(transport=_transport()) as client:
        with pytest.raises(httpx.ConnectError) as info:
            await client.post(f"http://127.0.0.1:{port}/v2/porting_orders", json={})
    assert isinstance(transport_error(info.value, method="POST", path="/x"), RequestNotSentError)


def _drop(how: str) -> Reply:
    """A reply that reads the request and drops the connection without answering."""

    async def reply(request: Received, writer: asyncio.StreamWriter) -> None:
        if how == "reset":
            # No lingering: the kernel answers the client with a reset, not an end of stream.
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
        else:
            writer.close()

    return reply


@pytest.mark.slow
@pytest.mark.parametrize(
    ("how", "raised"), [("close", "RemoteProtocolError"), ("reset", "ReadError")]
)
async def test_a_post_whose_connection_drops_after_it_was_read_is_in_doubt(
    how: str, raised: str
) -> None:
    """A server that reads a POST and closes (or resets) the connection without answering
    gives an error the retry layer takes for "may have landed", never a connect error."""
    async with Loopback(_drop(how)) as server, httpx.AsyncClient(transport=_transport()) as client:
        with pytest.raises(httpx.TransportError) as info:
            await client.post(server.url() + "/v2/porting_orders", json={"a": 1})
    assert type(info.value).__name__ == raised
    assert _in_doubt(info.value)
    assert len(server.received) == 1


@pytest.mark.slow
async def test_a_confirm_whose_answer_is_lost_on_the_wire_is_looked_up_not_sent_again(
    sleeps: VirtualSleep,
) -> None:
    """Over a real socket, a confirm the server applied before dropping the connection is
    recovered by reading the order: the server sees one confirm, then the look-up."""
    status = "draft"

    async def reply(request: Received, writer: asyncio.StreamWriter) -> None:
        nonlocal status
        if request.method == "POST":
            status = "in-process"
            writer.close()
        else:
            answer(writer, {"data": order_json("o-1", status=status)})

    async with (
        Loopback(reply) as server,
        PortingClient(
            base_url=server.url() + "/v2", api_key=API_KEY, sleep=sleeps, clock=sleeps.clock
        ) as client,
    ):
        order = await client.confirm_order("o-1")
    assert order.status.value == "in-process"
    assert [r.method for r in server.received] == ["POST", "GET"]


@pytest.mark.slow
async def test_a_get_whose_connection_drops_reaches_the_server_once() -> None:
    """aiohttp's own resend of an idempotent request is off: with no retries allowed, a GET
    whose connection drops reaches the server once and fails as a lost answer."""
    async with (
        Loopback(_drop("close")) as server,
        PortingClient(base_url=server.url() + "/v2", api_key=API_KEY, max_retries=0) as client,
    ):
        with pytest.raises(ResponseLostError):
            await client.get_order("o-1")
    assert len(server.received) == 1


@pytest.mark.slow
async def test_an_answer_that_stops_coming_is_a_read_timeout() -> None:
    """A server that reads the request and never answers trips the read timeout: httpx's
    ReadTimeout, in doubt for a write."""
    never = asyncio.Event()

    async def reply(request: Received, writer: asyncio.StreamWriter) -> None:
        await never.wait()

    timeout = httpx.Timeout(GENEROUS_S, read=0.05)
    async with (
        Loopback(reply) as server,
        httpx.AsyncClient(transport=_transport(), timeout=timeout) as client,
    ):
        with pytest.raises(httpx.ReadTimeout) as info:
            await client.post(server.url() + "/v2/porting_orders", json={})
        never.set()
    assert _in_doubt(info.value)
    assert len(server.received) == 1


@pytest.mark.slow
async def test_a_request_that_finds_no_free_connection_in_time_is_never_sent() -> None:
    """With one connection, busy, a second request that waits longer than the pool timeout
    fails as a connect timeout (unsent), and the server never sees it."""
    release = asyncio.Event()

    async def reply(request: Received, writer: asyncio.StreamWriter) -> None:
        await release.wait()
        answer(writer, {"ok": True})

    timeout = httpx.Timeout(GENEROUS_S, pool=0.05)
    async with (
        Loopback(reply) as server,
        httpx.AsyncClient(transport=_transport(connections=1), timeout=timeout) as client,
    ):
        first = asyncio.ensure_future(client.get(server.url() + "/first"))
        await server.arrived.wait()
        with pytest.raises(httpx.ConnectTimeout) as info:
            await client.post(server.url() + "/second", json={})
        release.set()
        assert (await first).json() == {"ok": True}
    assert isinstance(transport_error(info.value, method="POST", path="/x"), RequestNotSentError)
    assert [r.target for r in server.received] == ["/first"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "bad",
    [
        b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten..",
        b"NOT HTTP AT ALL\r\n\r\n",
    ],
    ids=["body cut short", "no status line"],
)
async def test_an_answer_that_is_cut_short_or_not_http_is_a_protocol_error(bad: bytes) -> None:
    """A body shorter than its Content-Length, or bytes that are not an HTTP answer, fail as
    httpx's RemoteProtocolError (in doubt)."""

    async def reply(request: Received, writer: asyncio.StreamWriter) -> None:
        writer.write(bad)
        await writer.drain()
        writer.close()

    async with Loopback(reply) as server, httpx.AsyncClient(transport=_transport()) as client:
        with pytest.raises(httpx.RemoteProtocolError) as info:
            await client.post(server.url() + "/v2/porting_orders", json={})
    assert _in_doubt(info.value)


@pytest.mark.slow
async def test_a_cookie_the_api_sets_over_the_wire_is_sent_back() -> None:
    """The client's own jar (aiohttp keeps none) sends back what the API set, from the next
    request on, and invents none before."""

    async def reply(request: Received, writer: asyncio.StreamWriter) -> None:
        first = len([r for r in received if r.method == "GET"]) == 1
        cookie = (("set-cookie", "__cf_bm=abc; Path=/"),) if first else ()
        answer(writer, {"data": order_json("o-1")}, headers=cookie)

    async with Loopback(reply) as server:
        received = server.received
        async with PortingClient(base_url=server.url() + "/v2", api_key=API_KEY) as client:
            for _ in range(3):
                await client.get_order("o-1")
    assert [r.header("cookie") for r in received] == [None, "__cf_bm=abc", "__cf_bm=abc"]


@pytest.mark.slow
async def test_a_body_the_server_stops_reading_fails_as_a_write_timeout_in_doubt() -> None:
    """A server that takes the connection but never reads it: a 32 MB upload (more than the
    socket buffers hold) fails once a piece waits longer than the write timeout, as a
    WriteTimeout the retry layer takes for possibly landed, instead of hanging."""
    stop = asyncio.Event()
    connected = asyncio.Event()

    async def never_read(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connected.set()
        await stop.wait()
        writer.close()

    listener = await asyncio.start_server(never_read, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    timeout = httpx.Timeout(GENEROUS_S, write=0.2)
    try:
        async with (
            asyncio.timeout(GENEROUS_S),
            httpx.AsyncClient(transport=_transport(), timeout=timeout) as client,
        ):
            with pytest.raises(httpx.WriteTimeout) as info:
                await client.post(f"http://127.0.0.1:{port}/v2/documents", content=b"x" * 2**25)
    finally:
        stop.set()
        listener.close()
        await listener.wait_closed()
    assert connected.is_set()
    assert _in_doubt(info.value)
