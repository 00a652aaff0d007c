"""Orders of more than 50 numbers are read in full, and the connection pool honours
max_in_flight, gives its connections back and drops those the server closed."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable

import httpx
import pytest
from pydantic import SecretStr

from porting_batch.client import MAX_PAGE_SIZE, PortingClient
from porting_batch.client.pool import PooledTransport
from porting_batch.settings import Settings
from porting_batch.testing import VirtualSleep

from .conftest import API_KEY, order_json

pytestmark = pytest.mark.anyio

MockClient = Callable[..., PortingClient]
#: How long the loopback server waits for every request to arrive; only bounds a hang.
GATHER_DEADLINE_S = 5.0


async def test_order_phone_numbers_reads_every_page_of_one_order(mock_client: MockClient) -> None:
    """All 260 numbers of an order come back, in order, from every page of
    /porting_phone_numbers filtered by the order, even when the server pages by 100."""
    numbers = [f"+1312555{i:04d}" for i in range(260)]
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        assert request.url.path == "/v2/porting_phone_numbers"
        assert request.url.params["filter[porting_order_id]"] == "o-1"
        size = min(int(request.url.params["page[size]"]), 100)
        number = int(request.url.params["page[number]"])
        chunk = numbers[(number - 1) * size : number * size]
        meta = {
            "page_number": number,
            "page_size": size,
            "total_pages": -(-len(numbers) // size),
            "total_results": len(numbers),
        }
        data = [
            {"phone_number": n, "porting_order_id": "o-1", "record_type": "porting_phone_number"}
            for n in chunk
        ]
        return httpx.Response(200, json={"data": data, "meta": meta})

    async with mock_client(handler) as client:
        found = await client.order_phone_numbers("o-1")
    assert found == numbers
    assert len(seen) == 3
    assert seen[0].url.params["page[size]"] == str(MAX_PAGE_SIZE)


async def test_order_shows_its_true_number_count(mock_client: MockClient) -> None:
    """An order answer showing 50 numbers also gives porting_phone_numbers_count, the true count,
    so a caller can tell the list is cut short."""
    body = order_json("o-1", numbers=[f"+1312555{i:04d}" for i in range(50)])
    body["porting_phone_numbers_count"] = 120

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": body})

    async with mock_client(handler) as client:
        order = await client.get_order("o-1")
    assert len(order.phone_numbers) == 50
    assert order.porting_phone_numbers_count == 120


def test_pool_is_sized_from_max_in_flight() -> None:
    """A client allowed 40 requests in flight keeps up to 40 connections, above httpx's and
    the old default of 16, in the pool it builds by default."""
    settings = Settings(api="telnyx", api_key=SecretStr(API_KEY), max_in_flight=40)
    client = PortingClient.from_settings(settings)
    assert client.limits.max_connections == 40
    assert client.limits.max_keepalive_connections == 40
    transport = client._http._transport
    assert isinstance(transport, PooledTransport)
    assert transport.limits.max_connections == 40


class GatheringServer:
    """A loopback HTTP/1.1 server that holds each request until ``expected`` are in at once
    (or a deadline passes), recording the most it saw at the same time."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.active = 0
        self.peak = 0
        self.connections = 0
        self.all_in = asyncio.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                self.active += 1
                self.peak = max(self.peak, self.active)
                if self.active >= self.expected:
                    self.all_in.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.all_in.wait(), GATHER_DEADLINE_S)
                self.active -= 1
                body = json.dumps({"data": order_json("o-1")}).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.mark.slow
async def test_more_than_16_requests_are_in_flight_when_allowed(sleeps: VirtualSleep) -> None:
    """With max_in_flight=24, a real loopback server sees all 24 requests at once."""
    server = GatheringServer(expected=24)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        async with PortingClient(
            base_url=f"http://127.0.0.1:{port}/v2",
            api_key=API_KEY,
            max_in_flight=24,
            sleep=sleeps,
            clock=sleeps.clock,
        ) as client:
            orders = await asyncio.gather(*(client.get_order("o-1") for _ in range(24)))
    finally:
        listener.close()
        await listener.wait_closed()
    assert len(orders) == 24
    assert server.peak == 24


@pytest.mark.slow
async def test_connections_go_back_to_the_pool_once_their_answers_are_read(
    sleeps: VirtualSleep,
) -> None:
    """After 50 requests at once are answered, 50 more at once reuse the same 50 connections:
    each went back to the pool when its answer was read."""
    server = GatheringServer(expected=50)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        async with PortingClient(
            base_url=f"http://127.0.0.1:{port}/v2",
            api_key=API_KEY,
            max_in_flight=50,
            sleep=sleeps,
            clock=sleeps.clock,
        ) as client:
            first = await asyncio.gather(*(client.get_order("o-1") for _ in range(50)))
            again = await asyncio.gather(*(client.get_order("o-1") for _ in range(50)))
    finally:
        listener.close()
        await listener.wait_closed()
    assert len(first) == len(again) == 50
    assert server.peak == 50
    assert server.connections == 50


async def test_a_cookie_the_api_sets_is_sent_back_and_none_is_invented(
    mock_client: MockClient,
) -> None:
    """As with httpx's own jar: no Cookie header until a response sets one, then that cookie
    on the next request (responses without Set-Cookie leave the jar as it was)."""
    sent: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get("cookie"))
        headers = {"set-cookie": "__cf_bm=abc; Path=/"} if len(sent) == 2 else {}
        return httpx.Response(200, json={"data": order_json("o1")}, headers=headers)

    async with mock_client(handler) as client:
        for _ in range(4):
            await client.get_order("o1")
    assert sent == [None, None, "__cf_bm=abc", "__cf_bm=abc"]


@pytest.mark.slow
async def test_a_connection_the_server_closed_while_idle_is_not_reused() -> None:
    """A kept-alive connection the server closed while it sat idle is dropped from the pool:
    each next confirm goes out on a new connection and succeeds, with no retry allowed and
    one copy of each POST reaching the server."""
    body = json.dumps({"data": order_json("o1", status="in-process")}).encode()
    head = f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(body)}"
    connections = 0
    posts: list[bytes] = []
    closed = asyncio.Event()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        posts.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(head.encode() + b"\r\n\r\n" + body)
        # No "connection: close": the client holds the connection as idle when the server
        # ends it, and closes its own side once it has seen that end; "idle" lasts until then.
        writer.write_eof()
        await reader.read()
        writer.close()
        closed.set()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}/v2"
    async with server, PortingClient(base_url=url, api_key=API_KEY, max_retries=0) as client:
        for _ in range(3):
            closed.clear()
            assert (await client.confirm_order("o1")).status.value == "in-process"
            await closed.wait()
    assert connections == 3
    assert [p.split(b" ", 2)[:2] for p in posts] == [
        [b"POST", b"/v2/porting_orders/o1/actions/confirm"]
    ] * 3
