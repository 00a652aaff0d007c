"""Confirming a batch's complete drafts from the ledger, without the sheet (confirm-batch)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from porting_batch.errors import PortingBatchError
from porting_batch.foc import FocReason
from porting_batch.runner import run_batch
from porting_batch.runner.confirm_drafts import (
    batch_problems,
    batches_with_drafts,
    complete_drafts,
    confirm_batch_drafts,
)

from .conftest import SAMPLE
from .test_batch import CONFIRM, calls

pytestmark = pytest.mark.anyio


def _one_bad_row(rows: list[list[str]]) -> list[list[str]]:
    rows[1][rows[0].index("phone_number")] = "call me"
    return rows


async def test_a_batch_with_errors_is_refused_unless_complete_orders_only(
    settings, ledger, client, sample_copy
):
    """A batch with a row in error is refused whole and nothing is sent; with complete orders
    only, every complete draft is confirmed."""
    await run_batch(settings, ledger, client, sample_copy(_one_bad_row))
    assert batch_problems(ledger, "sample-batch")
    with pytest.raises(PortingBatchError, match=r"not confirmed: .*error"):
        await confirm_batch_drafts(settings, ledger, client, "sample-batch")
    assert CONFIRM not in calls(client)
    drafts = complete_drafts(ledger, "sample-batch")
    done = await confirm_batch_drafts(
        settings, ledger, client, "sample-batch", complete_orders_only=True
    )
    assert done.complete and sorted(done.confirmed) == sorted(o.order_id for o in drafts)
    assert calls(client)[CONFIRM] == len(drafts)
    assert not complete_drafts(ledger, "sample-batch")


async def test_confirming_again_sends_nothing_and_the_report_shows_confirmed(
    settings, ledger, client
):
    """A second confirm finds no draft left; the rewritten report counts confirmed numbers."""
    first = await run_batch(settings, ledger, client, SAMPLE)
    held = sum(
        o.number_count for o in first.orders if o.foc_reason == FocReason.HELD_BEYOND_WINDOWS
    )
    done = await confirm_batch_drafts(
        settings, ledger, client, "sample-batch", complete_orders_only=True
    )
    summary = json.loads((Path(done.report_folder) / "summary.json").read_text())
    assert summary["outcomes"]["confirmed"] == 43 - held
    with pytest.raises(PortingBatchError, match="no complete drafts"):
        await confirm_batch_drafts(
            settings, ledger, client, "sample-batch", complete_orders_only=True
        )
    assert calls(client)[CONFIRM] == len(done.confirmed)


async def test_a_clean_batch_is_confirmed_whole_and_leaves_the_waiting_list(
    settings, ledger, client
):
    """The sample (a not-portable number is no error) is confirmed whole without being asked
    for complete orders only, and is no longer offered as waiting."""
    await run_batch(settings, ledger, client, SAMPLE)
    assert batches_with_drafts(ledger) == ["sample-batch"]
    assert batch_problems(ledger, "sample-batch") == []
    done = await confirm_batch_drafts(settings, ledger, client, "sample-batch")
    assert done.complete and done.confirmed
    assert batches_with_drafts(ledger) == []


async def test_an_unknown_batch_is_refused_with_the_batches_waiting(settings, ledger, client):
    """A batch the ledger does not know is refused, naming those with drafts waiting."""
    await run_batch(settings, ledger, client, SAMPLE)
    with pytest.raises(PortingBatchError, match=r"no batch named 'march'.*sample-batch"):
        await confirm_batch_drafts(settings, ledger, client, "march")
