"""The client over real loopback sockets (uvicorn): dropped connections are real ones."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from porting_batch.client import PortingClient
from porting_batch.simulator import SimulatorConfig
from porting_batch.simulator.server import running_simulator
from porting_batch.testing import VirtualSleep

from .conftest import UNLIMITED

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_lost_answers_over_real_sockets_never_duplicate(sleeps: VirtualSleep) -> None:
    """Over a real server losing every create's answer, each number lands in one order."""
    groups = [[f"+1617555{g:02d}{i:02d}" for i in range(2)] for g in range(8)]
    config = SimulatorConfig(faults={"lost_response_rate": 1.0}, seed=3, **UNLIMITED)
    with running_simulator(config) as sim:
        async with PortingClient(
            base_url=sim.base_url, api_key=sim.api_key, sleep=sleeps, clock=sleeps.clock
        ) as client:
            await asyncio.gather(
                *(
                    client.create_orders(numbers, customer_reference=f"sock:{g}")
                    for g, numbers in enumerate(groups)
                )
            )
            orders = [o async for o in client.list_orders()]
            assert client.stats.adopted_orders == len(groups)
    numbers = Counter(p.phone_number for o in orders for p in o.phone_numbers)
    assert sorted(numbers) == sorted(n for group in groups for n in group)
    assert set(numbers.values()) == {1}
