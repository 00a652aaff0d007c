"""One batch's ledger records brought in line with its orders as the API lists them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from porting_batch.ledger import Ledger, OrderRecord, OrderSighting, OrderStatus
from porting_batch.order_numbers import all_numbers
from porting_batch.tracking.changes import ChangeLog
from porting_batch.tracking.events import STATUS_CHANGED
from porting_batch.tracking.status import OrderReader, exception_text, repair_numbers


class Reconciler:
    """The open records of one batch, each compared with its order when the order is seen."""

    def __init__(
        self, ledger: Ledger, api: OrderReader, batch_id: str, records: dict[str, OrderRecord]
    ) -> None:
        self.ledger = ledger
        self.api = api
        self.batch_id = batch_id
        self.records = records
        self.every = {r.order_id: r for r in ledger.orders_for_batch(batch_id)}
        self.every.update(records)
        self.pending = set(records)
        self.sightings = ledger.sightings(records)
        self.touched: dict[str, OrderRecord] = {}
        self.seen_now: dict[str, OrderSighting] = {}
        self.log = ChangeLog()

    def missing(self) -> list[str]:
        """Open records whose order has not been seen yet."""
        return sorted(self.pending)

    async def seen(self, order: Any) -> None:
        """Compare one listed order with its record (or adopt it, if it is a split of ours)."""
        record = self.records.get(order.id)
        if record is None:
            if order.id not in self.every:
                await self._adopt(order)
            return
        self.pending.discard(order.id)
        change = self.log.of(self.batch_id, record.order_id, record.status)
        status = str(order.status.value or record.status)
        attention = exception_text(order) if status == OrderStatus.EXCEPTION else ""
        if status != record.status or (attention and attention != record.attention):
            record.status = change.after = status
            if attention or record.attention.startswith("exception:"):
                record.attention = change.attention = attention
            change.exception_codes = [str(d.code) for d in order.status.details if d.code]
            if status == OrderStatus.EXCEPTION and change.before != OrderStatus.EXCEPTION:
                self._exception_seen(order, change.exception_codes)
            self.touched[record.order_id] = record
        self._foc(record, order)
        if await repair_numbers(self.api, record, order):
            change.note("numbers repaired")
            self.touched[record.order_id] = record

    def _exception_seen(self, order: Any, codes: list[str]) -> None:
        """Keep when an order went into exception though no webhook said so: the list read
        stands in for the missed status event (its time the order's ``updated_at``), so that
        the report can tell how long the carrier has waited for the fix."""
        moment = order.updated_at.isoformat() if order.updated_at else utc_now_iso()
        event_id = f"list-{order.id}-{moment}"
        summary = {"status": OrderStatus.EXCEPTION.value, "exception_codes": codes}
        if self.ledger.record_event(event_id, STATUS_CHANGED, order.id, moment, "list", summary):
            self.ledger.mark_applied([event_id])

    def _foc(self, record: OrderRecord, order: Any) -> None:
        settings = order.activation_settings
        actual = settings.foc_datetime_actual if settings is not None else None
        if actual is None:
            return
        text = actual.isoformat()
        sighting = self.sightings.get(record.order_id) or OrderSighting(record.order_id)
        if sighting.foc_actual == text:
            return
        self.seen_now[record.order_id] = dataclasses.replace(sighting, foc_actual=text)
        requested = settings.foc_datetime_requested
        moved = requested is not None and requested != actual
        change = self.log.of(self.batch_id, record.order_id, record.status)
        change.note(f"FOC moved to {text}" if moved else f"FOC confirmed {text}")

    async def _adopt(self, order: Any) -> None:
        """An order of one of the batch's references that the ledger does not know: split off
        one of ours (its event missed); its numbers move to a new record."""
        siblings = [
            r for r in self.every.values() if r.customer_reference == order.customer_reference
        ]
        if not siblings:
            return
        numbers = await all_numbers(self.api, order)
        status = str(order.status.value)
        record = dataclasses.replace(
            siblings[0],
            order_id=order.id,
            status=status,
            phone_numbers=list(numbers),
            attention=exception_text(order) if status == OrderStatus.EXCEPTION else "",
        )
        self.every[order.id] = self.touched[order.id] = record
        change = self.log.of(self.batch_id, order.id, "")
        change.after = status
        moved = set(numbers)
        for sibling in siblings:
            kept = [n for n in sibling.phone_numbers if n not in moved]
            if kept != sibling.phone_numbers:
                sibling.phone_numbers = kept
                self.touched[sibling.order_id] = sibling
                self.log.of(self.batch_id, sibling.order_id, sibling.status).note(
                    f"split: {len(moved)} number(s) to {order.id}"
                )
                change.note(f"split from {sibling.order_id}")
                self.seen_now[order.id] = OrderSighting(order.id, split_from=sibling.order_id)

    def gone(self, order_id: str) -> None:
        """The order no longer exists remotely: recorded as deleted."""
        self.pending.discard(order_id)
        record = self.records[order_id]
        change = self.log.of(self.batch_id, order_id, record.status)
        change.after = OrderStatus.DELETED
        change.note("deleted")
        self.ledger.delete_order(order_id)

    def finish(self) -> list[Any]:
        """Write what changed; the changes."""
        for record in self.touched.values():
            self.ledger.save_order(record)
        self.ledger.save_sightings(self.seen_now.values())
        return self.log.result()


def utc_now_iso() -> str:
    """Now, in UTC, as the ledger writes times."""
    return datetime.now(UTC).isoformat()
