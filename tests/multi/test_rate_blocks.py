"""A run takes the shared rate limit's slots from the Prefect server a block at a time and
spends them one per request (``flows.runtime.RateLimitedTransport``)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError

from flows.runtime import RateLimitedTransport, rate_block


def _ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"data": []})


async def _send(transport: RateLimitedTransport, count: int) -> list[int]:
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
        answers = await asyncio.gather(*(client.get("/v2/porting_orders") for _ in range(count)))
    return [answer.status_code for answer in answers]


def test_twelve_requests_with_blocks_of_five_ask_the_server_three_times():
    """Each ask brings five slots; the twelfth request needs a third ask, and no more."""
    asked: list[int] = []

    async def acquire(name: str, occupy: int) -> None:
        assert name == "porting-api-rate"
        asked.append(occupy)

    transport = RateLimitedTransport(
        httpx.MockTransport(_ok), "porting-api-rate", block=5, acquire=acquire
    )
    assert asyncio.run(_send(transport, 12)) == [200] * 12
    assert asked == [5, 5, 5]


def test_an_unreachable_limit_lets_the_request_go_out():
    """A server that cannot hand out slots does not stop the run: the request is sent."""

    async def acquire(name: str, occupy: int) -> None:
        raise ConcurrencySlotAcquisitionError("server restarting")

    transport = RateLimitedTransport(httpx.MockTransport(_ok), "porting-api-rate", 4, acquire)
    assert asyncio.run(_send(transport, 3)) == [200] * 3


@pytest.mark.parametrize(
    ("limit", "per_second", "block"),
    [(10, 90.0, 5), (4, 8.0, 1), (100, 90.0, 9), (1, 50.0, 1), (40, 0.5, 1)],
)
def test_a_block_is_a_tenth_of_a_second_of_the_rate_and_at_most_half_the_burst(
    limit, per_second, block
):
    """Blocks stay small against the burst, so runs on other workers take turns."""
    assert rate_block(limit, per_second) == block
