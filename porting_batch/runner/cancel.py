"""Cancellations from the sheet: rows whose ``action`` says ``cancel``.

An order all of whose numbers say cancel is cancelled (``POST .../actions/cancel``); a draft,
which Telnyx will not cancel, is deleted instead. Telnyx refuses a cancel within 48 hours of the
FOC, so that is refused here first, before any call. The Porting API has no way to take single
numbers out of an order (PATCH has no ``phone_numbers``; no endpoint removes one): a row asking
that is reported for the portal or Telnyx support, never half-done.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol, cast

from porting_batch.errors import ApiError, UnprocessableEntityError
from porting_batch.ledger import OrderRecord, OrderStatus
from porting_batch.outcomes import Outcome
from porting_batch.runner.api import PortingApi, order_status
from porting_batch.runner.context import Run, logger
from porting_batch.runner.intents import Intent
from porting_batch.runner.state import Skip

CANCEL = "cancel"
#: Telnyx cancels no order through the API this close to its FOC.
CANCEL_CUTOFF = timedelta(hours=48)
_GONE = frozenset({OrderStatus.CANCELLED, OrderStatus.CANCEL_PENDING, OrderStatus.DELETED})


class CancellingApi(PortingApi, Protocol):
    """The calls a cancellation adds to the runner's API."""

    async def cancel_order(self, order_id: str) -> object: ...

    async def delete_order(self, order_id: str) -> None: ...


def cancel_numbers(run: Run) -> set[str]:
    """The numbers of valid rows whose action says cancel."""
    rows = run.state.intake.rows if run.state.intake is not None else []
    return {
        n
        for r in rows
        if not r.errors and r.values.get("action") == CANCEL
        for n in r.phone_numbers
    }


async def apply_cancellations(run: Run) -> None:
    """Cancel each order whose every number says cancel; tell the operator about the rest."""
    marked = cancel_numbers(run)
    if not marked:
        return
    api = cast(CancellingApi, run.api)  # the client has both calls; the runner needs them here
    held: set[str] = set()
    for record in run.ledger.orders_for_batch(run.batch_id):
        asked = [n for n in record.phone_numbers if n in marked]
        if not asked or record.status == OrderStatus.DELETED:
            continue
        held.update(asked)
        if len(asked) < len(record.phone_numbers):
            _refuse(
                run,
                record,
                asked,
                f"{len(asked)} of the {len(record.phone_numbers)} numbers of order "
                f"{record.order_id} say cancel: the API cannot take single numbers out of an "
                f"order; ask Telnyx support (support key {record.support_key or 'n/a'}) or use "
                "the portal, or mark every number of the order cancel",
            )
            continue
        try:
            await _cancel(run, api, record)
        except ApiError as exc:
            run.state.failed_orders[record.order_id] = f"cancel: {exc}"
            continue
        outcome = Outcome.CANCELLED if record.status in _GONE else Outcome.NEEDS_ATTENTION
        for number in asked:
            run.state.skipped[number] = Skip(outcome, record.attention or record.status, record)
    for number in marked - held:
        run.state.skipped[number] = Skip(Outcome.CANCELLED, "marked cancel; no order was made")


def _refuse(run: Run, record: OrderRecord, numbers: list[str], reason: str) -> None:
    record.attention = reason
    run.ledger.save_order(record)
    run.state.sent[record.order_id] = ["cancel refused"]
    for number in numbers:
        run.state.skipped[number] = Skip(Outcome.NEEDS_ATTENTION, reason, record)


async def _cancel(run: Run, api: CancellingApi, record: OrderRecord) -> None:
    """Read the order, then cancel it (delete a draft) unless the 48-hour rule forbids it."""
    order = await api.get_order(record.order_id)
    record.status = order_status(order) or record.status
    if record.status in _GONE or record.status == OrderStatus.PORTED:
        if record.status == OrderStatus.PORTED:
            record.attention = f"order {record.order_id} has ported: it can no longer be cancelled"
        run.ledger.save_order(record)
        return
    activation = order.activation_settings
    foc = (
        (activation.foc_datetime_actual or activation.foc_datetime_requested)
        if activation
        else None
    )
    if record.status != OrderStatus.DRAFT and foc is not None and foc - run.now() < CANCEL_CUTOFF:
        record.attention = (
            f"cancel refused: the FOC {foc:%Y-%m-%d %H:%M} UTC is less than 48 hours away; "
            f"Telnyx cancels that only through support (support key {record.support_key or 'n/a'})"
        )
        run.state.sent[record.order_id] = ["cancel refused (within 48 h of the FOC)"]
        run.ledger.save_order(record)
        return
    if record.status == OrderStatus.DRAFT:
        await _delete_draft(run, api, record)
        return
    intent = Intent(run.ledger, run.batch_id, "cancel", record.order_id)
    intent.record()
    try:
        answer = await api.cancel_order(record.order_id)
    except UnprocessableEntityError as exc:
        record.attention = "cancel refused: " + (
            "; ".join(item.describe() for item in exc.errors) or str(exc)
        )
        intent.settle("failed", str(exc), orders=[record])
        return
    status = getattr(getattr(answer, "status", None), "value", None)
    record.status = status or OrderStatus.CANCEL_PENDING.value
    record.attention = ""
    run.state.sent[record.order_id] = ["cancel"]
    logger.info("order %s: cancel asked (%s)", record.order_id, record.status)
    intent.settle("done", orders=[record])


async def _delete_draft(run: Run, api: CancellingApi, record: OrderRecord) -> None:
    intent = Intent(run.ledger, run.batch_id, "delete", record.order_id)
    intent.record()
    await api.delete_order(record.order_id)
    record.status = OrderStatus.DELETED.value
    record.attention = ""
    run.state.sent[record.order_id] = ["deleted (a draft)"]
    intent.settle("done", orders=[record])
