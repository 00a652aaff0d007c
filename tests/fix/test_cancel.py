"""Cancellations from the sheet's action column (issue 16 item 4), with the 48-hour rule."""

from __future__ import annotations

from datetime import datetime

import pytest

from porting_batch.intake import read_batch
from porting_batch.outcomes import Outcome
from porting_batch.runner import BatchOptions, run_batch
from porting_batch.runner.fix import fix_batch

from .helpers import GOOD, HOUR, REJECTED, Recording, order_of, row_for, status_of

pytestmark = pytest.mark.anyio


async def confirmed_batch(settings, ledger, client, write_batch):
    """Both accounts confirmed (in-process, FOC a few business days ahead)."""
    path = write_batch([row_for(GOOD), row_for(REJECTED)])
    await run_batch(settings, ledger, client, path, BatchOptions(confirm=True))


async def test_an_order_whose_every_number_says_cancel_is_cancelled(
    settings, ledger, sim_app, write_batch, client
):
    """One POST .../actions/cancel for that order only; its number's outcome is cancelled."""
    await confirmed_batch(settings, ledger, client, write_batch)
    cancelled = order_of(ledger, GOOD)
    edited = write_batch([row_for(GOOD, action="Cancel"), row_for(REJECTED)])
    recording = Recording(sim_app)
    async with recording.client() as watched:
        result = await fix_batch(
            settings, ledger, watched, "batch", edited, now=sim_app.state.sim.now
        )
    assert recording.writes() == [("POST", f"/v2/porting_orders/{cancelled}/actions/cancel", None)]
    assert status_of(ledger, cancelled) == "cancel-pending"
    [number] = [n for n in result.numbers if n.phone_number == GOOD]
    assert number.outcome is Outcome.CANCELLED
    assert next(o.sent for o in result.orders if o.order_id == cancelled) == "cancel"


async def test_a_cancel_within_48_hours_of_the_foc_is_refused_before_any_call(
    settings, ledger, sim_app, write_batch, client
):
    """Close to the FOC no cancel is sent; the order needs the operator, who is told why."""
    await confirmed_batch(settings, ledger, client, write_batch)
    order_id = order_of(ledger, GOOD)
    record = next(o for o in ledger.orders_for_batch("batch") if o.order_id == order_id)
    foc = record.foc_chosen
    sim = sim_app.state.sim
    sim.advance((datetime.fromisoformat(foc) - sim.now()).total_seconds() - 24 * HOUR)
    edited = write_batch([row_for(GOOD, action="cancel"), row_for(REJECTED)])
    recording = Recording(sim_app)
    async with recording.client() as watched:
        result = await fix_batch(settings, ledger, watched, "batch", edited, now=sim.now)
    assert not [w for w in recording.writes() if w[1].endswith("/actions/cancel")]
    [number] = [n for n in result.numbers if n.phone_number == GOOD]
    assert number.outcome is Outcome.NEEDS_ATTENTION
    assert "48 hours" in number.reason


def test_an_action_other_than_cancel_is_refused_with_a_clear_line(write_batch, settings):
    """Validation names the cell and says what the action column accepts."""
    path = write_batch([row_for(GOOD, action="delete")])
    intake = read_batch(path, settings)
    [issue] = [i for i in intake.issues if i.column == "action"]
    assert issue.is_error and issue.message == "action must be 'cancel' or empty"
