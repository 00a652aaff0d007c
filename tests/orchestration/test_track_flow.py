"""The track-orders flow on the Prefect harness: one event per status change, its artifacts,
and the tracking report folder."""

from __future__ import annotations

import asyncio

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.events.clients import AssertingEventsClient
from prefect.testing.fixtures import asserting_events_worker, reset_worker_events

from flows.maintenance import track_orders_flow
from flows.runtime import open_client
from porting_batch.ledger import Ledger
from porting_batch.runner import BatchOptions, run_batch
from porting_batch.settings import load_settings

from .test_port_in_flow import SAMPLE

pytestmark = pytest.mark.slow  # the Prefect harness is a server

__all__ = ["asserting_events_worker", "reset_worker_events"]


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


async def _artifact_keys() -> set[str]:
    async with get_client() as client:
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(like_="tracking-"))
        )
    return {a.key for a in artifacts if a.key}


def test_track_orders_emits_an_event_per_status_change_and_publishes_what_moved(
    porting_env, asserting_events_worker, reset_worker_events
):
    """The moved order is one porting.order.<status> event about the order, the batch related,
    its payload free of end-user data; the artifacts and the report folder are there."""
    order_id = asyncio.run(_submitted_behind_the_ledgers_back())
    result = asyncio.run(track_orders_flow("sample-batch"))
    asserting_events_worker.drain()
    assert AssertingEventsClient.last is not None
    events = [
        e for c in AssertingEventsClient.all for e in c.events if e.event.startswith("porting.")
    ]
    [change] = [c for c in result["changes"] if c["order_id"] == order_id]
    [event] = events
    assert event.event == f"porting.order.{change['after']}"
    assert change["before"] == "draft" and change["after"] != "draft"
    assert event.resource.id == f"porting.order.{order_id}"
    assert [r.id for r in event.related] == ["porting.batch.sample-batch"]
    assert event.payload["from_status"] == "draft"
    assert set(event.payload) == {
        "batch_id", "order_id", "from_status", "to_status", "exception_codes", "changed",
    }  # fmt: skip
    assert result["report_folder"].startswith(str(porting_env / "reports" / "tracking-sample"))
    assert {"tracking-moved", "tracking-needs-action"} <= asyncio.run(_artifact_keys())
