"""Pacing on virtual time: the send times a recording transport saw."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from porting_batch.client import PortingClient
from porting_batch.testing import VirtualSleep

from .conftest import order_json

pytestmark = pytest.mark.anyio

MockClient = Callable[..., PortingClient]


def recording(
    sleeps: VirtualSleep, headers: Callable[[int], dict[str, str]] | None = None
) -> tuple[list[float], Callable[[httpx.Request], httpx.Response]]:
    """A handler that notes the virtual time of each request it receives."""
    times: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        times.append(sleeps.now)
        extra = headers(len(times)) if headers else {}
        return httpx.Response(200, json={"data": order_json("o")}, headers=extra)

    return times, handler


async def test_requests_are_spaced_at_the_configured_rate(
    mock_client: MockClient, sleeps: VirtualSleep
) -> None:
    """Ten concurrent calls at 5 requests/s reach the API 0.2 s apart."""
    times, handler = recording(sleeps)
    async with mock_client(handler, requests_per_second=5) as client:
        await asyncio.gather(*(client.get_order(f"o-{i}") for i in range(10)))
    assert times == pytest.approx([i * 0.2 for i in range(10)])


async def test_no_more_than_max_in_flight_at_once(mock_client: MockClient) -> None:
    """With max_in_flight=3, never more than three requests are outstanding."""
    outstanding = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal outstanding, peak
        outstanding += 1
        peak = max(peak, outstanding)
        for _ in range(3):
            await asyncio.sleep(0)  # let the other tasks try to send meanwhile
        outstanding -= 1
        return httpx.Response(200, json={"data": order_json("o")})

    async with mock_client(handler, max_in_flight=3) as client:
        await asyncio.gather(*(client.get_order(f"o-{i}") for i in range(12)))
    assert peak == 3


async def test_exhausted_window_pauses_until_reset(
    mock_client: MockClient, sleeps: VirtualSleep
) -> None:
    """When x-ratelimit-remaining reaches 0, the next request waits x-ratelimit-reset seconds."""

    def headers(n: int) -> dict[str, str]:
        return {"x-ratelimit-remaining": str(max(0, 2 - n)), "x-ratelimit-reset": "5"}

    times, handler = recording(sleeps, headers)
    async with mock_client(handler) as client:
        for i in range(4):
            await client.get_order(f"o-{i}")
    assert times == pytest.approx([0.0, 0.0, 5.0, 10.0])


async def test_a_429_pauses_every_request_not_only_the_one_refused(
    mock_client: MockClient, sleeps: VirtualSleep
) -> None:
    """After a 429 with Retry-After, no request of any caller starts before that time."""
    times: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        times.append(sleeps.now)
        if len(times) == 1:
            return httpx.Response(429, headers={"Retry-After": "4"}, json={"errors": []})
        return httpx.Response(200, json={"data": order_json("o")})

    async with mock_client(handler, max_in_flight=1) as client:
        await asyncio.gather(client.get_order("a"), client.get_order("b"))
        assert client.stats.rate_limited == 1
    assert times[0] == 0.0
    assert min(times[1:]) >= 4.0


async def test_unpaced_client_never_waits(mock_client: MockClient, sleeps: VirtualSleep) -> None:
    """Without a rate and without rate-limit headers, no request is delayed."""
    times, handler = recording(sleeps)
    async with mock_client(handler) as client:
        await asyncio.gather(*(client.get_order(f"o-{i}") for i in range(20)))
    assert times == [0.0] * 20
    assert sleeps.calls == []


async def test_requests_already_in_flight_count_against_the_remaining_budget(
    mock_client: MockClient, sleeps: VirtualSleep
) -> None:
    """With four requests out and two left in the window, new requests wait for the reset."""
    times: list[float] = []
    gate = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        times.append(sleeps.now)
        if len(times) < 4:
            await gate.wait()
        gate.set()
        headers = {"x-ratelimit-remaining": "2", "x-ratelimit-reset": "3"}
        return httpx.Response(200, json={"data": order_json("o")}, headers=headers)

    async with mock_client(handler, max_in_flight=4) as client:
        await asyncio.gather(*(client.get_order(f"o-{i}") for i in range(6)))
    assert times[:4] == [0.0] * 4
    assert min(times[4:]) >= 3.0
