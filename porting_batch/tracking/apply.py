"""Applying porting events to the ledger, each event id once.

``apply_events`` records every event it is given (a no-op for ids already recorded), then
applies those not yet applied, oldest first, and marks them. Each effect is idempotent by
construction (a status is set, numbers are moved to a set), so a process that dies between
applying and marking and is followed by another does no harm. An event about an order the
ledger does not know is marked applied with nothing to do.

The webhook receiver calls, per verified delivery::

    event = parse_event(body, "webhook")
    if event.record(ledger):          # False: a duplicate delivery
        apply_events(ledger, [event])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from porting_batch.ledger import Ledger, OrderRecord, OrderSighting, OrderStatus
from porting_batch.tracking.changes import ChangeLog, OrderChange
from porting_batch.tracking.events import (
    DELETED,
    NEW_COMMENT,
    SPLIT,
    PortingEvent,
    from_stored,
)
from porting_batch.tracking.status import FINAL_STATUSES


class _Pass:
    """The records, sightings and changes of one application of events."""

    def __init__(self, ledger: Ledger, events: list[PortingEvent]) -> None:
        ids = {e.order_id for e in events} | {e.split_to for e in events if e.split_to}
        self.records = ledger.orders_by_id(ids)
        self.sightings = ledger.sightings(ids)
        self.touched: dict[str, OrderRecord] = {}
        self.seen: dict[str, OrderSighting] = {}
        self.log = ChangeLog()

    def change(self, record: OrderRecord) -> OrderChange:
        self.touched[record.order_id] = record
        return self.log.of(record.batch_id, record.order_id, record.status)

    def sighting(self, order_id: str) -> OrderSighting:
        return self.seen.get(order_id) or self.sightings.get(order_id) or OrderSighting(order_id)


def apply_events(ledger: Ledger, events: Iterable[PortingEvent]) -> list[OrderChange]:
    """Record ``events`` and apply those never applied (each id once, oldest first); the
    changes they made, one per order."""
    given = {e.id: e for e in events}
    for event in given.values():
        event.record(ledger)
    stored = ledger.events_by_id(given)
    pending = [
        from_stored(s)
        for s in sorted(stored.values(), key=lambda s: (s.occurred_at, s.event_id))
        if s.applied_at is None
    ]
    if not pending:
        return []
    work = _Pass(ledger, pending)
    for event in pending:
        _apply(work, event)
    for record in work.touched.values():
        if record.status == OrderStatus.DELETED:
            ledger.delete_order(record.order_id)
        else:
            ledger.save_order(record)
    ledger.save_sightings(work.seen.values())
    ledger.mark_applied(e.id for e in pending)
    return work.log.result()


def _apply(work: _Pass, event: PortingEvent) -> None:
    if event.event_type == SPLIT:
        _apply_split(work, event)
        return
    record = work.records.get(event.order_id)
    if record is None:
        return
    if event.event_type == NEW_COMMENT:
        by = f" from {event.comment_by}" if event.comment_by else ""
        work.change(record).note(f"new comment{by}")
        return
    if event.event_type == DELETED:
        change = work.change(record)
        record.status = change.after = OrderStatus.DELETED
        change.note("deleted")
        return
    if event.status:
        _apply_status(work, record, event)
    if event.foc_actual:
        _apply_foc(work, record, event.foc_actual)


def _apply_status(work: _Pass, record: OrderRecord, event: PortingEvent) -> None:
    # A late delivery of an older event must not reopen an order that is done; the list read
    # by tracking corrects any other reordering.
    if record.status in FINAL_STATUSES and event.status not in FINAL_STATUSES:
        return
    change = work.change(record)
    if event.status == OrderStatus.EXCEPTION:
        codes = list(event.exception_codes)
        attention = "exception: " + ("; ".join(codes) if codes else "no details given")
        if not record.attention.startswith("exception:") or record.status != event.status:
            record.attention = attention
        change.exception_codes = codes
        change.attention = record.attention
        sighting = work.sighting(record.order_id)
        work.seen[record.order_id] = dataclasses.replace(sighting, exception_codes=",".join(codes))
    elif record.attention.startswith("exception:"):
        record.attention = ""
        change.attention = ""
    record.status = change.after = event.status


def _apply_foc(work: _Pass, record: OrderRecord, foc_actual: str) -> None:
    sighting = work.sighting(record.order_id)
    if sighting.foc_actual == foc_actual:
        return
    work.seen[record.order_id] = dataclasses.replace(sighting, foc_actual=foc_actual)
    moved = record.foc_chosen and record.foc_chosen != foc_actual
    work.change(record).note(f"FOC moved to {foc_actual}" if moved else f"FOC {foc_actual}")


def _apply_split(work: _Pass, event: PortingEvent) -> None:
    """Numbers named by the split move from the old order's record to the new one's (made
    from the old one when new); without numbers named, tracking's list read fills them."""
    source = work.records.get(event.split_from)
    if source is None or not event.split_to:
        return
    moved = [n for n in event.split_numbers]
    target = work.records.get(event.split_to)
    if target is None:
        target = dataclasses.replace(source, order_id=event.split_to, phone_numbers=[])
        work.records[event.split_to] = target
        work.seen[event.split_to] = dataclasses.replace(
            work.sighting(event.split_from), order_id=event.split_to, split_from=source.order_id
        )
        work.change(target).before = ""
    target.phone_numbers = list(dict.fromkeys([*target.phone_numbers, *moved]))
    kept = [n for n in source.phone_numbers if n not in set(moved)]
    if kept != source.phone_numbers or not target.phone_numbers:
        work.change(source).note(f"split: {len(moved)} number(s) to {event.split_to}")
        work.change(target).note(f"split from {source.order_id}")
    source.phone_numbers = kept
    work.touched[target.order_id] = target
    work.touched[source.order_id] = source
