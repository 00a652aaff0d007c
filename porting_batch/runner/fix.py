"""``porting-batch fix BATCH edited.xlsx``: the corrected sheet of a batch already run, sent as
fixes to the batch's existing orders and nothing else.

The sheet is read and validated by the normal intake; its rows are matched to the batch's
orders by number. Orders in ``draft`` or ``exception`` get the fields the sheet changed (an
``exception`` is resubmitted), others are reported as beyond change; rows marked ``cancel``
cancel their orders. Numbers in no order are reported and left for ``porting-batch run``: a
fix creates nothing, and checks no portability. The steps are those of a run
(:func:`~porting_batch.runner.sequence.run_sequence`), so the batch is held, every write goes
through the ledger, and a fix killed at any point resumes without sending anything twice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from porting_batch.errors import ApiError, ConfigError
from porting_batch.ledger import Ledger, OrderRecord
from porting_batch.outcomes import Outcome
from porting_batch.plan import OrderGroup
from porting_batch.progress import ProgressCallback
from porting_batch.results import BatchResult
from porting_batch.runner import steps
from porting_batch.runner.api import PortingApi
from porting_batch.runner.context import Run, logger, start_run, utc_now
from porting_batch.runner.groups import group_runner
from porting_batch.runner.sequence import InProcess, run_sequence
from porting_batch.runner.state import BatchOptions, Skip, describe_failure
from porting_batch.settings import Settings

NEW_NUMBER = "not in any order of this batch; 'porting-batch run' with the file creates it"
#: What an earlier run found for a number that never gets an order: a fix keeps it, since it
#: checks no portability (a run would find the same).
_NO_ORDER_OUTCOMES = frozenset({Outcome.NOT_PORTABLE.value, Outcome.ALREADY_IN_ORDER.value})


class FixExecution(InProcess):
    """A run's steps without portability checks or creates: only existing orders change."""

    async def check_chunks(self, run: Run, numbers: list[str]) -> None:
        """Numbers in no order are not checked: those an earlier run found not portable (or in
        another order) keep that outcome; new ones are left to the next run."""
        earlier = {
            record.phone_number: record
            for record in run.ledger.numbers_for_batch(run.state.batch_id)
            if record.outcome in _NO_ORDER_OUTCOMES
        }
        for number in numbers:
            found = earlier.get(number)
            skip = (
                Skip(Outcome(found.outcome), found.reason)
                if found is not None
                else Skip(Outcome.NOT_PROCESSED, NEW_NUMBER)
            )
            run.state.skipped.setdefault(number, skip)

    async def plan(self, run: Run) -> None:
        """Group the rows (the rules that need portability answers were applied by the run)."""
        steps.plan(run)

    async def run_group_chunks(self, run: Run, groups: Sequence[OrderGroup]) -> None:
        """Each group's existing orders brought to the sheet; nothing is created."""
        run.state.stage = "orders"
        recorded = group_runner(run).recorded
        split = _orders_across_groups(groups, recorded.orders)
        for group in groups:
            await _fix_group(run, group, split)


def _orders_across_groups(groups: Sequence[OrderGroup], orders: dict[str, OrderRecord]) -> set[str]:
    """Orders whose numbers now fall in more than one account group of the sheet."""
    seen: dict[str, str] = {}
    split: set[str] = set()
    for group in groups:
        for number in group.phone_numbers:
            record = orders.get(number)
            if record is None:
                continue
            if seen.setdefault(record.order_id, group.key) != group.key:
                split.add(record.order_id)
    return split


async def _fix_group(run: Run, group: OrderGroup, split: set[str]) -> None:
    state = run.state
    runner = group_runner(run)
    records: dict[str, OrderRecord] = {}
    for number in group.phone_numbers:
        record = runner.recorded.orders.get(number)
        if record is None:
            state.skipped.setdefault(number, Skip(Outcome.NOT_PROCESSED, NEW_NUMBER))
        else:
            records[record.order_id] = record
    if not records:
        return
    try:
        documents, refusals = await runner.documents.for_group(group)
    except ApiError as exc:
        state.fail_group(group, describe_failure(exc))
        return
    if refusals:
        state.group_attention(group, "; ".join(r.message for r in refusals))
        return
    for record in records.values():
        if record.order_id in split:
            record.attention = (
                f"the rows of order {record.order_id} no longer agree on the account's cells; "
                "make them alike (one order holds one account) and fix again"
            )
            run.ledger.save_order(record)
            continue
        try:
            documents = await runner.complete(group, record, documents)
        except ApiError as exc:
            state.failed_orders[record.order_id] = describe_failure(exc)
            state.fail_group(group, describe_failure(exc))
    logger.info("fix: %s: %d order(s) looked at", group.account, len(records))


async def fix_batch(
    settings: Settings,
    ledger: Ledger,
    api: PortingApi,
    batch_id: str,
    path: Path,
    options: BatchOptions | None = None,
    *,
    now: Callable[[], datetime] = utc_now,
    on_progress: ProgressCallback | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> BatchResult:
    """Send the corrected sheet at ``path`` to batch ``batch_id``'s existing orders (see the
    module's docstring); ``options.confirm`` also submits drafts, as ``run --confirm`` does.

    Raises ``ConfigError`` when the ledger has no such batch.
    """
    if ledger.batch(batch_id) is None:
        raise ConfigError(
            f"no batch '{batch_id}' in the ledger",
            hint="give the batch's name as 'porting-batch run' showed it, and its state folder",
        )
    options = dataclasses.replace(options or BatchOptions(), batch_name=batch_id, dry_run=False)
    run = start_run(settings, ledger, api, Path(path), options, now=now, on_progress=on_progress)
    # The batch's id as the ledger has it: never a slug of the edited file's name.
    run.state.batch_id = batch_id
    return await run_sequence(run, FixExecution(on_wait))
