"""Tracking after the run: statuses follow the simulated clock to ported, or to an exception
whose codes tell the operator what to fix."""

from __future__ import annotations

import httpx
import pytest

from porting_batch.foc import FocReason
from porting_batch.outcomes import Outcome
from porting_batch.runner import BatchOptions, run_batch
from porting_batch.runner.rebuild import result_from_ledger
from porting_batch.simulator import create_app
from porting_batch.tracking import refresh_order_statuses

from .conftest import SAMPLE, client_over, realistic_config

pytestmark = pytest.mark.anyio

DAY = 86_400.0
#: A fixed Thursday, so the carrier's business hours and FOC windows are the same each run.
START = "2026-11-26T15:00:00Z"

#: A story the carrier records cannot tell: the losing carrier knows the sample's first
#: account under another postal code.
SCENARIO = {
    "accounts": [
        {
            "numbers": ["+13125550*"],
            "admin": {"entity_name": "Bluebird Bakery LLC"},
            "location": {"postal_code": "60601"},
        }
    ]
}
#: The sample's accounts that differ from the carrier's record on purpose (make_sample.py).
DIFFERING = {
    "Harbor Widgets Inc.": {"LOCATION_MISMATCH", "POSTAL_CODE_MISMATCH"},
    "Bluebird Logistics LLC": {"PASSCODE_PIN_INVALID"},
}


def _earliest_foc(rows: list[list[str]]) -> list[list[str]]:
    """Every account takes the earliest FOC window, so every order is submitted."""
    column = rows[0].index("requested_foc")
    for row in rows[1:]:
        row[column] = ""
    return rows


async def test_confirmed_orders_are_tracked_to_ported(settings, ledger, sample_copy):
    """As the clock passes the FOC, every confirmed order whose data the carrier accepts is
    seen as ported, and only the accounts that differ on purpose end in exception."""
    app = create_app(realistic_config(clock_speed=0, start_time=START))
    async with client_over(httpx.ASGITransport(app=app)) as client:
        await run_batch(
            settings, ledger, client, sample_copy(_earliest_foc), BatchOptions(confirm=True)
        )
        held = [o for o in ledger.orders_for_batch("sample-batch") if o.status == "draft"]
        app.state.sim.advance(120 * DAY)
        changes = await refresh_order_statuses(ledger, client)
        assert await refresh_order_statuses(ledger, client) == []
    assert held == []
    assert {c.after for c in changes} == {"ported", "exception"}
    orders = ledger.orders_for_batch("sample-batch")
    accounts = {o.customer_reference.split("-PORT")[0]: o for o in orders}
    rejected = {ref for ref, o in accounts.items() if o.status == "exception"}
    assert rejected == {"MAPLE", "BLUEBIRD-LOGISTICS"}
    assert {o.status for ref, o in accounts.items() if ref not in rejected} == {"ported"}


async def test_a_carrier_rejection_after_submit_is_reported_as_needing_action(
    settings, ledger, sample_copy
):
    """Orders the carrier sends to exception after submission (the sample's deliberately
    mismatched rows) are reported as needing attention with the carrier's codes, never as
    success, both by the report from the ledger and by the next run."""
    app = create_app(realistic_config(clock_speed=0, start_time=START))
    path = sample_copy(_earliest_foc)
    async with client_over(httpx.ASGITransport(app=app)) as client:
        first = await run_batch(settings, ledger, client, path, BatchOptions(confirm=True))
        assert first.counts_by_outcome() == {"confirmed": 43, "not_portable": 1}
        app.state.sim.advance(4 * DAY)
        await refresh_order_statuses(ledger, client, "sample-batch")
        rerun = await run_batch(settings, ledger, client, path, BatchOptions(confirm=True))
    for result in (result_from_ledger(settings, ledger, "sample-batch"), rerun):
        for number in result.numbers:
            codes = DIFFERING.get(number.raw["entity_name"])
            if codes is None:
                assert number.outcome is not Outcome.NEEDS_ATTENTION, number.phone_number
                continue
            assert number.outcome is Outcome.NEEDS_ATTENTION and not number.outcome.is_success
            assert number.order_status == "exception"
            assert all(code in number.reason for code in codes), number.reason
        assert result.counts_by_outcome()["needs_attention"] == 11


async def test_an_exception_is_recorded_with_its_codes(settings, ledger):
    """An order the losing carrier rejects is recorded as an exception naming the mismatch."""
    app = create_app(realistic_config(scenario=SCENARIO))
    async with client_over(httpx.ASGITransport(app=app)) as client:
        await run_batch(settings, ledger, client, SAMPLE, BatchOptions(confirm=True))
        app.state.sim.advance(7 * DAY)
        changes = await refresh_order_statuses(ledger, client, "sample-batch")
    records = {o.order_id: o for o in ledger.orders_for_batch("sample-batch")}
    bakery = {
        c.order_id: c
        for c in changes
        if records[c.order_id].customer_reference.startswith("BLUEBIRD-PORT")
    }
    assert [c.after for c in bakery.values()] == ["exception"]
    assert all("POSTAL_CODE_MISMATCH" in c.attention for c in bakery.values())
    assert all(records[o].attention == c.attention for o, c in bakery.items())
    held = FocReason.HELD_BEYOND_WINDOWS.value
    assert all(records[o].foc_reason != held for o in bakery)
