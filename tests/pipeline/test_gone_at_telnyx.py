"""Orders and documents Telnyx deletes on its own (a draft 30 days after it was made, an
upload no order uses 30 minutes after it): the next run makes them again, once, and loses no
row."""

from __future__ import annotations

import httpx
import pytest

from porting_batch.ledger import OrderStatus
from porting_batch.runner import BatchOptions, run_batch
from porting_batch.runner.state import is_held
from porting_batch.simulator import create_app
from porting_batch.tracking import refresh_order_statuses

from .conftest import client_over, realistic_config

pytestmark = pytest.mark.anyio

DAY = 86_400.0
#: A fixed Thursday, so the carrier's business hours and FOC windows are the same each run.
START = "2026-11-26T15:00:00Z"


def _live_numbers(remote_orders: list[dict]) -> list[str]:
    return [
        number["phone_number"]
        for order in remote_orders
        if order["status"]["value"] not in {"cancelled", "deleted"}
        for number in order["_sim"]["numbers"]
    ]


async def test_drafts_deleted_at_telnyx_are_made_again_with_their_documents(
    settings, ledger, sample_copy
):
    """31 days after a draft run, Telnyx has deleted every draft and its documents: once track
    has seen them gone, the next run creates one new order per group and uploads the files
    again (the old ids refused), and every number ends in exactly one live order."""
    app = create_app(realistic_config(clock_speed=0, start_time=START))
    sim = app.state.sim
    path = sample_copy()
    async with client_over(httpx.ASGITransport(app=app)) as client:
        first = await run_batch(settings, ledger, client, path, BatchOptions())
        old_ids = {o.order_id for o in ledger.orders_for_batch("sample-batch")}
        old_documents = {d["id"] for d in sim.store.all("documents")}
        sim.advance(31 * DAY)
        sim.advance(3600)  # the documents' sweep, a tick after their orders went
        assert sim.store.all("orders") == [] and sim.store.all("documents") == []
        await refresh_order_statuses(ledger, client, "sample-batch")
        second = await run_batch(settings, ledger, client, path, BatchOptions())
    assert first.complete and second.complete, second.failure
    assert second.counts_by_outcome() == first.counts_by_outcome()
    assert not [o for o in second.orders if o.attention]
    records = ledger.orders_for_batch("sample-batch")
    assert {o.order_id for o in records if o.status == OrderStatus.DELETED} == old_ids
    live = [o for o in records if o.status != OrderStatus.DELETED]
    assert len(live) == len(old_ids) and not {o.order_id for o in live} & old_ids
    remote = sim.store.all("orders")
    numbers = _live_numbers(remote)
    assert len(numbers) == len(set(numbers)) == sum(len(o.phone_numbers) for o in live)
    documents = {d["id"] for d in sim.store.all("documents")}
    assert documents and not documents & old_documents
    for order in remote:
        assert set(order["documents"].values()) <= documents


async def test_a_run_that_finds_its_draft_gone_makes_it_again_in_the_same_run(
    settings, ledger, sample_copy
):
    """Drafts held for their FOC are read again on each run: one deleted at Telnyx (in the
    portal, or 30 days on) answers 404, so the run records it deleted and makes the group's
    order again at once, with the documents it already uploaded."""
    app = create_app(realistic_config(clock_speed=0, start_time=START))
    sim = app.state.sim
    path = sample_copy()
    async with client_over(httpx.ASGITransport(app=app)) as client:
        await run_batch(settings, ledger, client, path, BatchOptions())
        held = {o.order_id for o in ledger.orders_for_batch("sample-batch") if is_held(o)}
        for order_id in held:  # as in the portal, behind the ledger's back
            await client.delete_order(order_id)
        result = await run_batch(settings, ledger, client, path, BatchOptions())
    assert held and result.complete, result.failure
    records = ledger.orders_for_batch("sample-batch")
    assert {o.order_id for o in records if o.status == OrderStatus.DELETED} == held
    live = [o for o in records if o.status != OrderStatus.DELETED]
    assert len(live) == 8 and not {o.order_id for o in live} & held
    numbers = _live_numbers(sim.store.all("orders"))
    assert len(numbers) == len(set(numbers)) == sum(len(o.phone_numbers) for o in live)
