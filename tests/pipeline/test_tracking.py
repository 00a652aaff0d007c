"""Tracking after the run: statuses follow the simulated clock to ported, or to an exception
whose codes tell the operator what to fix."""

from __future__ import annotations

import httpx
import pytest

from porting_batch.foc import FocReason
from porting_batch.runner import BatchOptions, run_batch
from porting_batch.simulator import SimulatorConfig, create_app
from porting_batch.tracking import refresh_order_statuses

from .conftest import SAMPLE, client_over

pytestmark = pytest.mark.anyio

DAY = 86_400.0

#: The losing carrier's record for the sample's Acme numbers, with a different postal code.
SCENARIO = {
    "accounts": [
        {
            "numbers": ["+1312555*", "+1312556*", "+1773208*", "+1800555*"],
            "admin": {"entity_name": "Acme Widgets Inc."},
            "location": {"postal_code": "60601"},
        }
    ]
}


async def test_confirmed_orders_are_tracked_to_ported(settings, ledger, client, sim_app):
    """As the clock passes the FOC, every confirmed order is seen as ported; drafts held for
    a later FOC stay drafts."""
    await run_batch(settings, ledger, client, SAMPLE, BatchOptions(confirm=True))
    held = {
        o.order_id
        for o in ledger.orders_for_batch("sample-batch")
        if o.foc_reason == FocReason.HELD_BEYOND_WINDOWS.value
    }
    sim_app.state.sim.advance(120 * DAY)
    changes = await refresh_order_statuses(ledger, client)
    assert {c.after for c in changes} == {"ported"}
    statuses = {o.order_id: o.status for o in ledger.orders_for_batch("sample-batch")}
    assert {s for o, s in statuses.items() if o not in held} == {"ported"}
    assert {s for o, s in statuses.items() if o in held} <= {"draft"}
    assert await refresh_order_statuses(ledger, client) == []


async def test_an_exception_is_recorded_with_its_codes(settings, ledger):
    """An order the losing carrier rejects is recorded as an exception naming the mismatch."""
    app = create_app(SimulatorConfig(scenario=SCENARIO))
    async with client_over(httpx.ASGITransport(app=app)) as client:
        await run_batch(settings, ledger, client, SAMPLE, BatchOptions(confirm=True))
        app.state.sim.advance(0.5 * DAY)
        changes = await refresh_order_statuses(ledger, client, "sample-batch")
    rejected = [c for c in changes if c.after == "exception"]
    assert rejected and all("POSTAL_CODE_MISMATCH" in c.attention for c in rejected)
    records = {o.order_id: o for o in ledger.orders_for_batch("sample-batch")}
    assert all(records[c.order_id].attention == c.attention for c in rejected)
