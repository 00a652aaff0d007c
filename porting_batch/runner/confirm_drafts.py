"""Confirming a batch's complete drafts from the ledger, once the operator has read its report.

The drafts are confirmed as the ledger knows them, which is what the report showed, without
reading the sheet again: an order is a complete draft when its PATCH landed (it has a patched
fingerprint), it is still a draft, and it is not held for a FOC beyond the allowed windows. Each
confirm is an intent in the ledger, as in a run with confirm, so neither a crash nor a second
press confirms an order twice: an intent an earlier run left open is resolved by reading the
order first. A batch whose last run did not complete, or that has errors, is refused unless the
operator asks for its complete orders only.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from porting_batch.batch_lock import hold_batch
from porting_batch.errors import ApiError, LedgerError, PortingBatchError, UnprocessableEntityError
from porting_batch.ledger import Ledger, OrderRecord, OrderStatus
from porting_batch.outcomes import Outcome
from porting_batch.reports import report_folder, write_reports
from porting_batch.runner.api import PortingApi, order_status
from porting_batch.runner.context import logger
from porting_batch.runner.intents import Intent
from porting_batch.runner.rebuild import result_from_ledger
from porting_batch.runner.state import CONFIRM_PREFIX, is_held
from porting_batch.settings import Settings

#: Outcomes that make a batch not clean. A number Telnyx cannot port is no error: it is in no
#: order, and the batch's orders are whole without it.
_NOT_CLEAN = frozenset({Outcome.INVALID_INPUT, Outcome.NEEDS_ATTENTION, Outcome.NOT_PROCESSED})


@dataclass
class DraftsConfirmed:
    """What confirming a batch's drafts did."""

    batch_id: str
    #: Orders confirmed now.
    confirmed: list[str] = field(default_factory=list)
    #: Orders found already past draft (an earlier confirm that landed).
    already: list[str] = field(default_factory=list)
    #: Orders Telnyx refused to confirm, with its reason.
    refused: dict[str, str] = field(default_factory=dict)
    #: The API failure that stopped the confirms, if one did.
    failure: str = ""
    #: The batch's report, written again with the orders' new statuses.
    report_folder: str = ""

    @property
    def complete(self) -> bool:
        """Whether every complete draft is now confirmed."""
        return not self.refused and not self.failure


def complete_drafts(ledger: Ledger, batch_id: str) -> list[OrderRecord]:
    """The batch's orders ready to confirm: PATCHed drafts not held for their FOC."""
    return [
        o
        for o in ledger.orders_for_batch(batch_id)
        if o.status == OrderStatus.DRAFT and o.patched_fingerprint and not is_held(o)
    ]


def batch_problems(ledger: Ledger, batch_id: str) -> list[str]:
    """Why the batch is not clean: its last run did not complete, rows with errors, orders
    that need attention. Empty for a batch ready to confirm as a whole."""
    batch = ledger.batch(batch_id)
    if batch is None:
        return [f"no batch named {batch_id!r}"]
    problems = []
    if batch["status"] != "complete":
        problems.append(f"its last run is {batch['status']}")
    errors = sum(1 for i in ledger.issues_for_batch(batch_id) if i.get("severity") == "error")
    if errors:
        problems.append(f"{errors} error(s) in its report")
    attention = [o.order_id for o in ledger.orders_for_batch(batch_id) if o.attention]
    if attention:
        problems.append(f"{len(attention)} order(s) need attention")
    stuck = sum(1 for n in ledger.numbers_for_batch(batch_id) if n.outcome in _NOT_CLEAN)
    if stuck:
        problems.append(f"{stuck} number(s) invalid, needing attention or not processed")
    return problems


def batches_with_drafts(ledger: Ledger) -> list[str]:
    """The batches with complete drafts waiting to be confirmed, newest first."""
    return [
        b["batch_id"]
        for b in ledger.batches_list()
        if b["status"] != "running" and complete_drafts(ledger, b["batch_id"])
    ]


async def confirm_batch_drafts(
    settings: Settings,
    ledger: Ledger,
    api: PortingApi,
    batch_id: str,
    *,
    complete_orders_only: bool = False,
) -> DraftsConfirmed:
    """Confirm the batch's complete drafts (each once), then write its report again.

    Refused (``PortingBatchError``) for an unknown batch, and for a batch with problems
    (``batch_problems``) unless ``complete_orders_only``: then its complete drafts are
    confirmed and the rest is left as it is.
    """
    if ledger.batch(batch_id) is None:
        known = ", ".join(batches_with_drafts(ledger)[:10]) or "none"
        raise LedgerError(
            f"no batch named {batch_id!r} in the ledger (batches with drafts waiting: {known})"
        )
    async with hold_batch(
        ledger, batch_id, wait_s=settings.batch_wait_s, lease_s=settings.batch_lease_s
    ):
        problems = batch_problems(ledger, batch_id)
        if problems and not complete_orders_only:
            raise PortingBatchError(
                f"batch {batch_id} was not confirmed: " + "; ".join(problems),
                hint="review its report and fix the sheet, or confirm its complete orders only",
            )
        drafts = complete_drafts(ledger, batch_id)
        if not drafts:
            raise PortingBatchError(f"batch {batch_id} has no complete drafts to confirm")
        done = DraftsConfirmed(batch_id)
        slots = asyncio.Semaphore(max(1, settings.max_in_flight))

        async def one(record: OrderRecord) -> None:
            async with slots:
                if not done.failure:
                    await _confirm_one(ledger, api, batch_id, record, done)

        await asyncio.gather(*(one(r) for r in drafts))
        _numbers_confirmed(ledger, batch_id, set(done.confirmed) | set(done.already))
        done.report_folder = _rewrite_report(settings, ledger, batch_id)
    logger.info(
        "batch %s: %d order(s) confirmed, %d refused%s",
        batch_id,
        len(done.confirmed),
        len(done.refused),
        f"; stopped: {done.failure}" if done.failure else "",
    )
    return done


async def _confirm_one(
    ledger: Ledger, api: PortingApi, batch_id: str, record: OrderRecord, done: DraftsConfirmed
) -> None:
    """Confirm one draft unless an earlier confirm landed; the outcome goes into ``done``."""
    in_doubt = ledger.open_intents_for(batch_id, record.order_id, kinds=("patch", "confirm"))
    if in_doubt and await _landed(ledger, api, batch_id, record):
        done.already.append(record.order_id)
        return
    intent = Intent(ledger, batch_id, "confirm", record.order_id)
    try:
        order = await api.confirm_order(record.order_id, on_send=intent.record)
    except UnprocessableEntityError as exc:
        reason = "; ".join(item.describe() for item in exc.errors) or str(exc)
        record.attention = f"{CONFIRM_PREFIX} refused: {reason}"
        intent.settle("failed", str(exc), orders=[record])
        done.refused[record.order_id] = reason
        return
    except ApiError as exc:
        # The intent stays open: the next attempt reads the order to learn whether it landed.
        done.failure = f"order {record.order_id}: {exc}"
        return
    record.status = order_status(order) or OrderStatus.IN_PROCESS.value
    record.confirmed = True
    record.attention = ""
    intent.settle("done", orders=[record])
    done.confirmed.append(record.order_id)


async def _landed(ledger: Ledger, api: PortingApi, batch_id: str, record: OrderRecord) -> bool:
    """Read an order an earlier write left in doubt; True when it is no longer a draft."""
    order = await api.get_order(record.order_id)
    status = order_status(order) or record.status
    for intent in ledger.open_intents_for(batch_id, record.order_id, kinds=("patch", "confirm")):
        ledger.settle_intent(intent["intent_id"], "unknown", "resolved by reading the order")
    if status == OrderStatus.DRAFT:
        return False
    record.status, record.confirmed = status, True
    ledger.save_order(record)
    return True


def _numbers_confirmed(ledger: Ledger, batch_id: str, order_ids: set[str]) -> None:
    """The numbers of the confirmed orders move from ready_as_draft to confirmed."""
    if not order_ids:
        return
    numbers = ledger.numbers_for_batch(batch_id)
    for number in numbers:
        if number.order_id in order_ids and number.outcome == Outcome.READY_AS_DRAFT:
            number.outcome = Outcome.CONFIRMED.value
            number.reason = ""
    ledger.save_numbers(batch_id, numbers)


def _rewrite_report(settings: Settings, ledger: Ledger, batch_id: str) -> str:
    result = result_from_ledger(settings, ledger, batch_id)
    folder = report_folder(settings.out_dir, result.name, result.finished_at or result.started_at)
    written = str(write_reports(result, folder).folder)
    ledger.set_report_folder(batch_id, written)
    return written


def describe(done: DraftsConfirmed) -> dict[str, Any]:
    """The outcome as plain data (a flow's result, a command's JSON)."""
    return {
        "batch_id": done.batch_id,
        "complete": done.complete,
        "confirmed": list(done.confirmed),
        "already": list(done.already),
        "refused": dict(done.refused),
        "failure": done.failure,
        "report_folder": done.report_folder,
    }
