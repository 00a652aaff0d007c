"""Fix in the sheet and resubmit (issue 16 item 4) on the realistic simulator: a rejected
order's corrected cells are PATCHed alone and the order resubmitted; nothing else is touched."""

from __future__ import annotations

import pytest

from porting_batch.outcomes import Outcome
from porting_batch.runner import BatchOptions, run_batch
from porting_batch.runner.fix import fix_batch

from .helpers import GOOD, REJECTED, Recording, advance_until, order_of, row_for, status_of

pytestmark = pytest.mark.anyio

WRONG_ENTITY = "Keystone Dentistry"
RIGHT_ENTITY = "Keystone Dental Ltd."


async def rejected_batch(settings, ledger, sim_app, write_batch, recording):
    """Run the batch with --confirm and move the clock until the carrier rejects one order."""
    path = write_batch([row_for(GOOD), row_for(REJECTED, entity_name=WRONG_ENTITY)])
    async with recording.client() as client:
        await run_batch(settings, ledger, client, path, BatchOptions(confirm=True))
        rejected = order_of(ledger, REJECTED)
        await advance_until(sim_app, client, ledger, rejected, "exception", limit_h=24 * 7)
    return rejected, order_of(ledger, GOOD)


async def test_a_rejected_order_gets_only_its_corrected_field_then_resubmits_and_ports(
    settings, ledger, sim_app, write_batch
):
    """The fix PATCHes exactly the changed field, confirms once, and the order ports."""
    recording = Recording(sim_app)
    rejected, good = await rejected_batch(settings, ledger, sim_app, write_batch, recording)
    fixed = write_batch([row_for(GOOD), row_for(REJECTED)])
    before = len(recording.seen)
    async with recording.client() as client:
        result = await fix_batch(settings, ledger, client, "batch", fixed)
        sent = recording.seen[before:]
        [patch] = [body for method, _, body in sent if method == "PATCH"]
        # The corrected cell, and a new FOC: the first one passed while the order was rejected.
        assert patch["end_user"] == {"admin": {"entity_name": RIGHT_ENTITY}}
        assert set(patch) == {"end_user", "activation_settings"}
        confirms = [path for method, path, _ in sent if path.endswith("/actions/confirm")]
        assert confirms == [f"/v2/porting_orders/{rejected}/actions/confirm"]
        assert not [r for r in sent if good in r[1]]
        orders = {o.order_id: o for o in result.orders}
        assert orders[rejected].sent == (
            "activation_settings.foc_datetime_requested, end_user.admin.entity_name, resubmitted"
        )
        assert orders[good].sent == ""
        assert result.complete
        await advance_until(sim_app, client, ledger, rejected, "ported", limit_h=24 * 30)


async def test_the_same_fix_twice_sends_nothing_the_second_time(
    settings, ledger, sim_app, write_batch
):
    """Fixing again with the same sheet writes nothing: every field already matches."""
    recording = Recording(sim_app)
    await rejected_batch(settings, ledger, sim_app, write_batch, recording)
    fixed = write_batch([row_for(GOOD), row_for(REJECTED)])
    async with recording.client() as client:
        await fix_batch(settings, ledger, client, "batch", fixed)
        before = len(recording.writes())
        again = await fix_batch(settings, ledger, client, "batch", fixed)
    assert recording.writes()[before:] == []
    assert all(o.sent == "" for o in again.orders)


async def test_running_the_corrected_original_fixes_the_same_way(
    settings, ledger, sim_app, write_batch
):
    """'run' with the corrected file sends the same single field and resubmit as 'fix'."""
    recording = Recording(sim_app)
    rejected, _ = await rejected_batch(settings, ledger, sim_app, write_batch, recording)
    fixed = write_batch([row_for(GOOD), row_for(REJECTED)])
    before = len(recording.seen)
    async with recording.client() as client:
        result = await run_batch(settings, ledger, client, fixed, BatchOptions(confirm=True))
    sent = recording.seen[before:]
    [patch] = [body for method, _, body in sent if method == "PATCH"]
    assert patch["end_user"] == {"admin": {"entity_name": RIGHT_ENTITY}}
    assert set(patch) == {"end_user", "activation_settings"}
    assert [p for m, p, _ in sent if m == "POST" and p.endswith("/porting_orders")] == []
    assert status_of(ledger, rejected) == "in-process"
    assert {n.outcome for n in result.numbers} == {Outcome.CONFIRMED}


async def test_a_submitted_order_is_not_touched_and_reported_as_beyond_change(
    settings, ledger, sim_app, write_batch, client
):
    """A corrected cell of an order the carrier has not rejected sends nothing; the report
    says no change is possible."""
    path = write_batch([row_for(GOOD), row_for(REJECTED, entity_name=WRONG_ENTITY)])
    await run_batch(settings, ledger, client, path, BatchOptions(confirm=True))
    recording = Recording(sim_app)
    fixed = write_batch([row_for(GOOD), row_for(REJECTED)])
    async with recording.client() as watched:
        result = await fix_batch(settings, ledger, watched, "batch", fixed)
    assert recording.writes() == []
    rejected = order_of(ledger, REJECTED)
    [order] = [o for o in result.orders if o.order_id == rejected]
    assert order.sent == "no change possible (end_user.admin.entity_name)"
    assert "no change possible" in order.attention


async def test_fix_creates_nothing_and_reports_new_numbers(
    settings, ledger, sim_app, write_batch, client
):
    """A number in no order of the batch is reported for a run, not created by the fix."""
    path = write_batch([row_for(GOOD)])
    await run_batch(settings, ledger, client, path)
    recording = Recording(sim_app)
    grown = write_batch([row_for(GOOD), row_for(REJECTED)])
    async with recording.client() as watched:
        result = await fix_batch(settings, ledger, watched, "batch", grown)
    assert recording.writes() == []
    [new] = [n for n in result.numbers if n.phone_number == REJECTED]
    assert new.outcome is Outcome.NOT_PROCESSED and "porting-batch run" in new.reason


async def test_the_fix_console_sends_new_numbers_to_run_not_to_the_same_command(
    settings, ledger, sim_app, write_batch, client, capsys
):
    """Only new numbers left: the console says 'porting-batch run' orders them, and never to
    run the fix again, which would leave them as they are."""
    from flows.cli.fix import print_sent

    await run_batch(settings, ledger, client, write_batch([row_for(GOOD)]))
    grown = write_batch([row_for(GOOD), row_for(REJECTED)])
    result = await fix_batch(settings, ledger, client, "batch", grown)
    print_sent(result)
    out = capsys.readouterr().out
    assert "1 number(s) not sent: not in any order of this batch" in out
    assert "INCOMPLETE until 'porting-batch run' has ordered the 1 new number(s)" in out
    assert "same command again" not in out


async def test_a_number_the_run_found_not_portable_stays_so_and_the_fix_is_complete(
    settings, ledger, sim_app, write_batch, client
):
    """A fix checks no portability: a number the run found not portable keeps that outcome
    (not 'not processed', which would call the fix incomplete and send the operator to run)."""
    not_portable = "+13125559950"
    path = write_batch([row_for(GOOD), row_for(not_portable)])
    first = await run_batch(settings, ledger, client, path)
    [before] = [n for n in first.numbers if n.phone_number == not_portable]
    assert before.outcome is Outcome.NOT_PORTABLE
    result = await fix_batch(settings, ledger, client, "batch", path)
    [after] = [n for n in result.numbers if n.phone_number == not_portable]
    assert (after.outcome, after.reason) == (Outcome.NOT_PORTABLE, before.reason)
    assert result.complete, result.failure


async def test_an_emptied_suite_cell_is_cleared_at_telnyx_once(
    settings, ledger, sim_app, write_batch
):
    """A Suite/Unit emptied in the corrected sheet (the carrier's record has none) is sent as
    null, and the order holds none; the same fix again sends nothing."""
    recording = Recording(sim_app)
    async with recording.client() as client:
        await run_batch(
            settings, ledger, client, write_batch([row_for(GOOD, extended_address="Floor 12")])
        )
        order_id = order_of(ledger, GOOD)
        fixed = write_batch([row_for(GOOD)])
        before = len(recording.seen)
        await fix_batch(settings, ledger, client, "batch", fixed)
        [patch] = [body for method, _, body in recording.seen[before:] if method == "PATCH"]
        assert patch == {"end_user": {"location": {"extended_address": None}}}
        writes = len(recording.writes())
        await fix_batch(settings, ledger, client, "batch", fixed)
        assert len(recording.writes()) == writes
    order = sim_app.state.sim.store.get("orders", order_id)
    assert order["end_user"]["location"]["extended_address"] is None


class CutOff(BaseException):
    """The process dying mid-request: nothing in the pipeline catches it."""


@pytest.mark.parametrize("landed", [True, False], ids=["landed", "not-landed"])
async def test_a_fix_cut_off_at_its_resubmit_is_finished_by_the_next_with_one_resubmit(
    settings, ledger, sim_app, write_batch, landed
):
    """Cut off while the resubmit is in flight, the next fix reads the order: a resubmit that
    landed is not sent again and its exception is no longer flagged; one that did not is sent
    then, without a second PATCH."""
    recording = Recording(sim_app)
    rejected, _ = await rejected_batch(settings, ledger, sim_app, write_batch, recording)
    fixed = write_batch([row_for(GOOD), row_for(REJECTED)])
    inner = recording.handle

    async def cut_at_confirm(request):
        if request.url.path.endswith("/actions/confirm"):
            if landed:
                await inner(request)
            raise CutOff
        return await inner(request)

    recording.handle = cut_at_confirm
    before = len(recording.seen)
    async with recording.client() as client:
        with pytest.raises(CutOff):
            await fix_batch(settings, ledger, client, "batch", fixed)
    recording.handle = inner
    async with recording.client() as client:
        result = await fix_batch(settings, ledger, client, "batch", fixed)
    sent = recording.seen[before:]
    assert len([r for r in sent if r[0] == "PATCH"]) == 1
    # ``sent`` holds what reached the simulator: one resubmit, from whichever fix.
    assert len([r for r in sent if r[1].endswith("/actions/confirm")]) == 1
    [order] = [o for o in result.orders if o.order_id == rejected]
    assert (order.status, order.attention) == ("in-process", "")
    assert order.sent == ("" if landed else "resubmitted")
    assert result.complete and {n.outcome for n in result.numbers} == {Outcome.CONFIRMED}


def test_an_empty_suite_never_sent_is_no_change_for_an_order_patched_before_it_was_tracked():
    """A ledger from before the Suite/Unit was tracked holds no fingerprint for it: an empty
    cell there is no change (nothing sent, no 'no change possible' on a submitted order)."""
    from porting_batch.runner import sent

    values = {"end_user.admin.entity_name": '"Acme"', sent.CLEARABLE[0]: "null"}
    current = {path: f"print-of-{path}" for path in values}
    stored = {"end_user.admin.entity_name": current["end_user.admin.entity_name"]}
    assert sent.changed_paths(sent.never_set(current, values, stored), stored) == []
    filled = {**values, sent.CLEARABLE[0]: '"Floor 12"'}
    assert sent.never_set(current, filled, stored) == current
