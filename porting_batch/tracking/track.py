"""``track``: every open order of a batch (or of all) brought up to date in a few list calls.

1. ``/porting/events`` since the stored cursor, one read per event type that the order list
   cannot show (splits, new comments, deletions), recorded and applied with any webhook events
   not yet applied: each event id once.
2. The batch's open orders from ``GET /porting_orders``, filtered by the group reference the
   runner sets on create and PATCH when the sheet gives none (``customer_group_reference`` =
   the batch id) and by the open statuses, in pages of the maximum size: statuses, exception
   codes and confirmed FOC dates.
3. Orders open in the ledger (by id) but not in that list: one more list of the batch's
   finished orders (ported, cancelled); what is still missing is read by id (gone: deleted).
   An order read so that carries the operator's own group reference (the sheet's "Customer
   group reference") brings the same two lists under that reference (open, then finished while
   some are unseen), which cover the batch's other orders sharing it: one read and at most two
   lists per reference, not one read per order.

An order in the list that the ledger does not know, carrying one of the batch's references, is
a split whose event was missed: it is adopted, with its numbers moved from its siblings.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from porting_batch.errors import NotFoundError
from porting_batch.ledger import Ledger, OrderStatus
from porting_batch.tracking.apply import apply_events
from porting_batch.tracking.changes import ChangeLog, OrderChange
from porting_batch.tracking.events import (
    DELETED,
    NEW_COMMENT,
    SPLIT,
    PortingEvent,
    from_stored,
    parse_event,
)
from porting_batch.tracking.reconcile import Reconciler
from porting_batch.tracking.status import FINAL_STATUSES, OrderReader

#: Event types read from ``/porting/events``: status, exception codes and FOC dates come from
#: the order list itself, so status events are not paged through.
EVENT_TYPES = (SPLIT, NEW_COMMENT, DELETED)
#: Statuses an order is tracked in.
OPEN_STATUSES = (
    "draft",
    "in-process",
    "submitted",
    "exception",
    "foc-date-confirmed",
    "cancel-pending",
    "activation-in-progress",
)
#: Finished statuses asked for when open orders went missing from the open list.
DONE_STATUSES = (OrderStatus.PORTED.value, OrderStatus.CANCELLED.value)


class TrackingApi(OrderReader, Protocol):
    """The calls ``track`` makes."""

    async def list_orders_by_status(
        self, statuses: Sequence[str], *, customer_group_reference: str | None = None
    ) -> Sequence[Any]: ...

    async def list_events(
        self, *, event_type: str | None = None, created_after: datetime | None = None
    ) -> Sequence[Any]: ...


async def track(ledger: Ledger, api: TrackingApi, batch_id: str | None = None) -> list[OrderChange]:
    """Bring the open orders of one batch (or of every batch) up to date; what changed, one
    entry per order (status before and after, and what else changed)."""
    batches = [batch_id] if batch_id else [b["batch_id"] for b in ledger.batches_list()]
    log = ChangeLog()
    log.merge(await _read_events(ledger, api))
    for current in batches:
        log.merge(await _track_batch(ledger, api, current))
    return log.result()


async def _read_events(ledger: Ledger, api: TrackingApi) -> list[OrderChange]:
    """Events since each type's cursor (first time: since the oldest batch began), for orders
    the ledger knows, applied with the webhook events not yet applied."""
    starts = [b["created_at"] for b in ledger.batches_list() if b.get("created_at")]
    # A day's margin: the batch's start is by this machine's clock, events are by Telnyx's.
    first = datetime.fromisoformat(min(starts)) - timedelta(days=1) if starts else None
    found: list[PortingEvent] = []
    newest: dict[str, datetime] = {}
    for event_type in EVENT_TYPES:
        since = ledger.event_cursor(_scope(event_type)) or first
        for item in await api.list_events(event_type=event_type, created_after=since):
            event = parse_event(item.model_dump(mode="json"), "events")
            found.append(event)
            if item.created_at is not None:
                newest[event_type] = max(item.created_at, newest.get(event_type, item.created_at))
    ids = {e.order_id for e in found} | {e.split_to for e in found if e.split_to}
    known = set(ledger.orders_by_id(ids))
    # An order split off one of ours is ours too, for the events that follow the split.
    known |= {e.split_to for e in found if e.event_type == SPLIT and e.split_from in known}
    ours = [e for e in found if e.order_id in known]
    waiting = [from_stored(s) for s in ledger.unapplied_events()]
    changes = apply_events(ledger, [*waiting, *ours])
    for event_type, moment in newest.items():
        ledger.advance_event_cursor(_scope(event_type), moment)
    return changes


def _scope(event_type: str) -> str:
    return f"porting_events:{event_type}"


async def _track_batch(ledger: Ledger, api: TrackingApi, batch_id: str) -> list[OrderChange]:
    records = {
        r.order_id: r for r in ledger.orders_for_batch(batch_id) if r.status not in FINAL_STATUSES
    }
    if not records:
        return []
    work = Reconciler(ledger, api, batch_id, records)
    await _list_under(api, work, batch_id)
    listed = {batch_id}
    for order_id in work.missing():
        if order_id not in work.pending:
            continue  # seen meanwhile, in the list of a reference read below
        try:
            order = await api.get_order(order_id)
        except NotFoundError:
            work.gone(order_id)
            continue
        await work.seen(order)
        reference = getattr(order, "customer_group_reference", None)
        if reference and reference not in listed:
            listed.add(reference)
            await _list_under(api, work, reference)
    return work.finish()


async def _list_under(api: TrackingApi, work: Reconciler, reference: str) -> None:
    """The orders under one group reference: the open ones, then, while some of the batch's
    are still unseen, the finished ones."""
    for order in await api.list_orders_by_status(OPEN_STATUSES, customer_group_reference=reference):
        await work.seen(order)
    if work.missing():
        for order in await api.list_orders_by_status(
            DONE_STATUSES, customer_group_reference=reference
        ):
            await work.seen(order)
