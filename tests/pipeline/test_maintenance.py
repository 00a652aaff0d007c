"""Looking after a batch already run: clean-up of drafts, and its report rebuilt from the ledger."""

from __future__ import annotations

import pytest

from porting_batch.cleanup import clean_batch
from porting_batch.errors import LedgerError
from porting_batch.outcomes import Outcome
from porting_batch.reports import report_folder, write_reports
from porting_batch.runner import result_from_ledger, run_batch
from porting_batch.tracking import refresh_order_statuses

from .conftest import SAMPLE

pytestmark = pytest.mark.anyio


async def test_clean_deletes_drafts_and_refuses_submitted_orders(settings, ledger, client):
    """Drafts are deleted; an order confirmed meanwhile is refused and left alone."""
    first = await run_batch(settings, ledger, client, SAMPLE)
    kept = first.orders[0].order_id
    await client.confirm_order(kept)
    outcomes = await clean_batch(ledger, client, "sample-batch")
    assert {o.order_id for o in outcomes if not o.deleted} == {kept}
    assert all(o.deleted for o in outcomes if o.order_id != kept)
    remaining = [o async for o in client.list_orders(customer_group_reference="sample-batch")]
    assert [o.id for o in remaining] == [kept]
    assert [
        o.order_id for o in ledger.orders_for_batch("sample-batch") if o.status != "deleted"
    ] == [kept]


async def test_after_clean_a_rerun_orders_the_freed_numbers_again(settings, ledger, client):
    """Numbers of deleted drafts are free: the next run orders them anew."""
    first = await run_batch(settings, ledger, client, SAMPLE)
    await clean_batch(ledger, client, "sample-batch")
    again = await run_batch(settings, ledger, client, SAMPLE)
    assert again.counts_by_outcome() == {"ready_as_draft": 43, "not_portable": 1}
    assert {o.order_id for o in again.orders}.isdisjoint(o.order_id for o in first.orders)


async def test_report_from_ledger_accounts_for_every_row_with_current_status(
    settings, ledger, client, tmp_path
):
    """The rebuilt report has every number once, with the order statuses read now."""
    first = await run_batch(settings, ledger, client, SAMPLE)
    confirmed = first.orders[0].order_id
    await client.confirm_order(confirmed)
    assert len(await refresh_order_statuses(ledger, client, "sample-batch")) == 1
    rebuilt = result_from_ledger(settings, ledger, "sample-batch")
    assert [(n.row, n.phone_number) for n in rebuilt.numbers] == [
        (n.row, n.phone_number) for n in first.numbers
    ]
    statuses = {n.order_id: n.order_status for n in rebuilt.numbers if n.order_id}
    assert statuses[confirmed] == "in-process"
    assert rebuilt.numbers[0].raw == first.numbers[0].raw
    assert {n.outcome for n in rebuilt.numbers} == {Outcome.READY_AS_DRAFT, Outcome.NOT_PORTABLE}
    files = write_reports(
        rebuilt, report_folder(tmp_path / "out", rebuilt.name, rebuilt.started_at)
    )
    assert files.numbers_csv.exists()


def test_report_for_an_unknown_batch_names_the_known_ones(settings, ledger):
    """Asking for a batch the ledger does not know says which ones it does know."""
    ledger.start_batch("known-batch", name="k", file_name="f", content_hash="h", settings={})
    with pytest.raises(LedgerError, match="known-batch"):
        result_from_ledger(settings, ledger, "nope")
