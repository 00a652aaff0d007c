"""The client's list of orders by status: one batch's orders in the statuses asked, in pages of
250, and the same answer when the API refuses ``filter[status]``."""

from __future__ import annotations

import json

import httpx
import pytest

from porting_batch.client import PortingClient
from porting_batch.simulator import SimulatorConfig, create_app

pytestmark = pytest.mark.anyio


def client_over(transport: httpx.AsyncBaseTransport) -> PortingClient:
    """A client over a transport, no pacing."""
    return PortingClient(base_url="http://sim/v2", api_key="KEYSIMULATOR", transport=transport)


async def test_orders_are_listed_by_group_reference_and_status_in_full_pages():
    """260 drafts of one batch and one of another: the batch's drafts come back in 2 calls."""
    app = create_app(SimulatorConfig(profile="realistic", clock_speed=0, rate_limit_per_s=1e6))
    async with client_over(httpx.ASGITransport(app=app)) as client:
        for i in range(260):
            number = f"+1312555{i * 20:04d}"
            await client.create_orders(
                [number], customer_reference=f"r{i}", customer_group_reference="b1"
            )
        await client.create_orders(
            ["+13125569000"], customer_reference="x", customer_group_reference="b2"
        )
        client.stats.calls.clear()
        drafts = await client.list_orders_by_status(["draft"], customer_group_reference="b1")
        none = await client.list_orders_by_status(["ported"], customer_group_reference="b1")
        assert client.stats.calls["GET /porting_orders"] == 3
    assert len(drafts) == 260 and {o.customer_group_reference for o in drafts} == {"b1"}
    assert none == []


async def test_a_refused_status_filter_is_applied_by_the_client():
    """When the API answers 422 naming filter[status], the list is read without it and only
    the statuses asked for are kept."""
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if "filter%5Bstatus%5D" in str(request.url) or "filter[status]" in str(request.url):
            error = {
                "code": "10032",
                "title": "Unknown filter",
                "source": {"parameter": "filter[status]"},
            }
            return httpx.Response(422, json={"errors": [error]})
        orders = [
            {"id": "o1", "status": {"value": "submitted"}},
            {"id": "o2", "status": {"value": "ported"}},
        ]
        return httpx.Response(
            200, json={"data": orders, "meta": {"page_number": 1, "total_pages": 1}}
        )

    async with client_over(httpx.MockTransport(answer)) as client:
        found = await client.list_orders_by_status(["submitted"], customer_group_reference="b1")
    assert [o.id for o in found] == ["o1"]
    assert len(seen) == 2 and json.dumps(seen).count("customer_group_reference") == 2
