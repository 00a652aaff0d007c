"""Creates never duplicate: the simulator loses answers, every number still ends in one order."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from porting_batch.client import PortingClient
from porting_batch.simulator import SimulatorConfig, create_app
from porting_batch.testing import VirtualSleep

from .conftest import UNLIMITED

pytestmark = pytest.mark.anyio

GROUPS = [[f"+1312555{g:02d}{i:02d}" for i in range(1 + g % 3)] for g in range(24)]


async def create_all(faults: dict[str, float], sleeps: VirtualSleep, seed: int) -> dict[str, Any]:
    """Create one order group per GROUPS entry under faults; return what the API then holds."""
    app = create_app(SimulatorConfig(faults=faults, seed=seed, **UNLIMITED))
    async with PortingClient(
        base_url="http://sim/v2",
        api_key="KEYSIMULATOR",
        transport=httpx.ASGITransport(app=app),
        # Up to 58% of requests fail here, and a create's look-ups share its budget: allow the
        # most retries the settings do.
        max_retries=20,
        sleep=sleeps,
        clock=sleeps.clock,
    ) as client:
        returned = await asyncio.gather(
            *(
                client.create_orders(numbers, customer_reference=f"run-1:group-{g}")
                for g, numbers in enumerate(GROUPS)
            )
        )
        stats = client.stats
    async with PortingClient(
        base_url="http://sim/v2", api_key="KEYSIMULATOR", transport=httpx.ASGITransport(app=app)
    ) as reader:
        orders = [o async for o in reader.list_orders()]
    return {"returned": returned, "orders": orders, "stats": stats}


async def test_lost_response_on_every_create_leaves_each_number_in_one_order(
    sleeps: VirtualSleep,
) -> None:
    """With every create's answer lost (5xx or dropped after applying), each number is in
    exactly one order, and the client returns those very orders."""
    result = await create_all({"lost_response_rate": 1.0}, sleeps, seed=7)
    numbers = Counter(p.phone_number for o in result["orders"] for p in o.phone_numbers)
    expected = [n for group in GROUPS for n in group]
    assert sorted(numbers) == sorted(expected)
    assert set(numbers.values()) == {1}
    assert len(result["orders"]) == len(GROUPS)
    for g, orders in enumerate(result["returned"]):
        assert [p.phone_number for o in orders for p in o.phone_numbers] == GROUPS[g]
    assert result["stats"].adopted_orders == len(GROUPS)
    assert result["stats"].calls["POST /porting_orders"] == len(GROUPS)


async def test_mixed_faults_never_duplicate_or_lose_a_number(sleeps: VirtualSleep) -> None:
    """Errors before applying, drops and lost answers together still give one order per group."""
    faults = {"error_rate": 0.2, "drop_rate": 0.2, "lost_response_rate": 0.3}
    result = await create_all(faults, sleeps, seed=11)
    numbers = Counter(p.phone_number for o in result["orders"] for p in o.phone_numbers)
    assert sorted(numbers) == sorted(n for group in GROUPS for n in group)
    assert set(numbers.values()) == {1}
    assert result["stats"].retries > 0


async def test_lost_upload_answers_adopt_the_document_by_reference_and_hash(
    sleeps: VirtualSleep, tmp_path: Path
) -> None:
    """Uploads whose answers are all lost still leave exactly one document each."""
    app = create_app(SimulatorConfig(faults={"lost_response_rate": 1.0}, seed=5, **UNLIMITED))
    files = []
    for i in range(4):
        path = tmp_path / f"invoice-{i}.pdf"
        path.write_bytes(b"%PDF-1.4\n" + str(i).encode() * 2000)
        files.append(path)
    async with PortingClient(
        base_url="http://sim/v2",
        api_key="KEYSIMULATOR",
        transport=httpx.ASGITransport(app=app),
        sleep=sleeps,
        clock=sleeps.clock,
    ) as client:
        uploaded = await asyncio.gather(
            *(
                client.upload_document(p, customer_reference=f"docs:{i}")
                for i, p in enumerate(files)
            )
        )
        for i, document in enumerate(uploaded):
            same = await client.list_documents(customer_reference=f"docs:{i}")
            assert [d.id for d in same] == [document.id]
        assert client.stats.calls["POST /documents"] == len(files)
