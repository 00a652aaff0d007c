"""The track-orders flow on the Prefect harness: one event per status change, its artifacts,
and the tracking report folder."""

from __future__ import annotations

import asyncio
import time

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter

from flows.maintenance import track_orders_flow
from flows.runtime import open_client
from porting_batch.ledger import Ledger
from porting_batch.runner import BatchOptions, run_batch
from porting_batch.settings import load_settings

from .test_port_in_flow import SAMPLE

pytestmark = pytest.mark.slow  # the Prefect harness is a server

#: Bounds a hang only: the server's event pipeline takes its time on a loaded machine.
HANG_S = 300.0


async def _submitted_behind_the_ledgers_back() -> str:
    """The sample batch as drafts, then one order confirmed outside the run (as in the
    portal): the ledger still says draft, so the next look finds it moved."""
    settings = load_settings()
    with Ledger(settings.ledger_database_url) as ledger:
        async with open_client(settings) as client:
            await run_batch(settings, ledger, client, SAMPLE, BatchOptions())
            order_id = ledger.orders_for_batch("sample-batch")[0].order_id
            await client.confirm_order(order_id)
    return order_id


async def _order_events(order_id: str) -> list:
    """The porting events the server has received about the order, waiting until there are
    some (the events reach the server's pipeline asynchronously)."""
    deadline = time.monotonic() + HANG_S
    async with get_client() as client:
        while True:
            wanted = EventFilter(
                event=EventNameFilter(prefix=["porting."]),
                resource=EventResourceFilter(id=[f"porting.order.{order_id}"]),
            )
            # The server takes at most 50 a page (the client's default asks 100).
            page = await client.read_events(filter=wanted, limit=50)
            if page.events or time.monotonic() > deadline:
                return list(page.events)
            await asyncio.sleep(0.2)


async def _artifact_keys() -> set[str]:
    async with get_client() as client:
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(like_="tracking-"))
        )
    return {a.key for a in artifacts if a.key}


def test_track_orders_emits_an_event_per_status_change_and_publishes_what_moved(
    porting_env,
):
    """The moved order is one porting.order.<status> event about the order, the batch related,
    its payload free of end-user data; the artifacts and the report folder are there."""
    order_id = asyncio.run(_submitted_behind_the_ledgers_back())
    result = asyncio.run(track_orders_flow("sample-batch"))
    events = asyncio.run(_order_events(order_id))
    [change] = [c for c in result["changes"] if c["order_id"] == order_id]
    [event] = events
    assert event.event == f"porting.order.{change['after']}"
    assert change["before"] == "draft" and change["after"] != "draft"
    assert event.resource.id == f"porting.order.{order_id}"
    # Prefect adds the flow run (and its flow) as related resources of its own.
    assert {r.id: r.role for r in event.related}["porting.batch.sample-batch"] == "batch"
    assert event.payload["from_status"] == "draft"
    assert set(event.payload) == {
        "batch_id", "order_id", "from_status", "to_status", "exception_codes", "changed",
    }  # fmt: skip
    assert result["report_folder"].startswith(str(porting_env / "reports" / "tracking-sample"))
    assert {"tracking-moved", "tracking-needs-action"} <= asyncio.run(_artifact_keys())
