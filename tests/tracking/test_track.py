"""``track`` on the realistic simulator (in-process, simulated clock): a thousand open orders in
a dozen calls, splits followed without losing a number, missed webhooks filled from events."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from porting_batch.tracking import EVENT_TYPES, apply_events, parse_event, track

from .seed import BATCH, advance, client_for, realistic_app, seed

pytestmark = pytest.mark.anyio


def remote_numbers(app: Any) -> dict[str, list[str]]:
    """Each simulated order's numbers, by order id."""
    return {
        o["id"]: [n["phone_number"] for n in o["_sim"]["numbers"]]
        for o in app.state.sim.store.all("orders")
    }


def ledger_numbers(ledger) -> dict[str, list[str]]:
    """Each ledger order's numbers, by order id."""
    return {r.order_id: r.phone_numbers for r in ledger.orders_for_batch(BATCH)}


def webhook(event: dict[str, Any]) -> dict[str, Any]:
    """The simulator's stored event as its webhook delivery ({data, meta})."""
    data = {k: event[k] for k in ("id", "event_type", "payload")}
    return {"data": {**data, "occurred_at": event["created_at"]}, "meta": {"attempt": 1}}


async def test_a_thousand_open_orders_cost_at_most_a_dozen_calls(sqlite_ledger):
    """After three simulated days (exceptions, moved FOCs, splits, ports), one track of 1,000
    orders makes at most 12 calls, and the ledger then agrees with the simulator on every
    order's status and numbers."""
    app = realistic_app(ops_split_rate=0.05)
    async with client_for(app) as client:
        await seed(app, client, sqlite_ledger, 1000)
        await advance(app, days=3)
        client.stats.calls.clear()
        changes = await track(sqlite_ledger, client, BATCH)
        calls = client.stats.total_calls
    assert calls <= 12, client.stats.calls
    assert {c.after for c in changes} >= {"exception", "foc-date-confirmed", "ported"}
    assert any(any(w.startswith("FOC moved") for w in c.changed) for c in changes)
    assert any(any(w.startswith("split from") for w in c.changed) for c in changes)
    remote = {o["id"]: o["status"]["value"] for o in app.state.sim.store.all("orders")}
    assert {r.order_id: r.status for r in sqlite_ledger.orders_for_batch(BATCH)} == remote
    assert ledger_numbers(sqlite_ledger) == remote_numbers(app)


async def test_missed_webhooks_are_filled_from_the_events_endpoint(ledger):
    """Half the split and comment webhooks arrive, the rest are missed: track reads those from
    /porting/events; each event is recorded and applied once, and no number is lost."""
    app = realistic_app(ops_split_rate=0.5)
    async with client_for(app) as client:
        await seed(app, client, ledger, 12, reject_every=0)
        await advance(app, days=2)
        wanted = {"porting_order.split", "porting_order.new_comment"}
        events = [e for e in app.state.sim.store.all("events") if e["event_type"] in wanted]
        delivered = events[::2]
        assert delivered and events[1::2]
        apply_events(ledger, [parse_event(webhook(e), "webhook") for e in delivered])
        await track(ledger, client, BATCH)
        assert await track(ledger, client, BATCH) == []
    recorded = ledger.events_by_id(e["id"] for e in events)
    assert set(recorded) == {e["id"] for e in events}
    via = {i: s.received_via for i, s in recorded.items()}
    assert {via[e["id"]] for e in delivered} == {"webhook"}
    assert {via[e["id"]] for e in events[1::2]} == {"events"}
    assert all(s.applied_at for s in recorded.values())
    assert ledger_numbers(ledger) == remote_numbers(app)


async def test_a_split_whose_events_were_all_missed_is_adopted_from_the_list(sqlite_ledger):
    """With every event gone (none recorded, the cursor past them), the order split off one of
    ours is found by the list, adopted, and takes its numbers from its sibling."""
    app = realistic_app(ops_split_rate=1.0)
    async with client_for(app) as client:
        await seed(app, client, sqlite_ledger, 3, reject_every=0)
        await advance(app, days=2)
        newest = max(e["created_at"] for e in app.state.sim.store.all("events"))
        past = datetime.fromisoformat(newest.replace("Z", "+00:00")) + timedelta(seconds=1)
        for event_type in EVENT_TYPES:
            sqlite_ledger.advance_event_cursor(f"porting_events:{event_type}", past)
        changes = await track(sqlite_ledger, client, BATCH)
    assert len(ledger_numbers(sqlite_ledger)) == 6
    assert ledger_numbers(sqlite_ledger) == remote_numbers(app)
    assert sum(1 for c in changes if c.before == "") == 3


async def test_an_exception_seen_only_by_listing_is_dated_for_its_deadline(sqlite_ledger):
    """With no webhook at all, each order the list read finds in exception gets one status event
    dated by the order's own update, so the report can warn when the fix is overdue."""
    app = realistic_app()
    async with client_for(app) as client:
        await seed(app, client, sqlite_ledger, 200)
        await advance(app, days=3)
        await track(sqlite_ledger, client, BATCH)
        in_exception = [
            r.order_id for r in sqlite_ledger.orders_for_batch(BATCH) if r.status == "exception"
        ]
        assert in_exception
        events = sqlite_ledger.events_for_orders(in_exception)
        dated = {e.order_id for e in events if e.summary.get("status") == "exception"}
        assert dated == set(in_exception)
        remote = {o["id"]: o["updated_at"] for o in app.state.sim.store.all("orders")}
        for event in events:
            assert datetime.fromisoformat(event.occurred_at) == datetime.fromisoformat(
                remote[event.order_id]
            )
        await track(sqlite_ledger, client, BATCH)
    again = sqlite_ledger.events_for_orders(in_exception)
    assert len(again) == len(events)  # a second look records nothing new
