"""Order statuses one GET per order (the reconcile before ``track``), and the helpers both use.

Telnyx's webhooks are thin and may be missed, so tracking reads each open order's status from
the API (a periodic reconcile), records it in the ledger, and surfaces exceptions with their
codes so an operator knows what to fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from porting_batch.errors import NotFoundError
from porting_batch.ledger import Ledger, OrderRecord, OrderStatus
from porting_batch.order_numbers import all_numbers

#: Statuses after which an order needs no more tracking.
FINAL_STATUSES = frozenset({OrderStatus.PORTED, OrderStatus.CANCELLED, OrderStatus.DELETED})


class OrderReader(Protocol):
    """The calls tracking needs: an order, and (for orders of more than 50) its numbers."""

    async def get_order(self, order_id: str) -> Any: ...

    async def order_phone_numbers(self, order_id: str) -> Sequence[str]: ...


async def repair_numbers(api: OrderReader, record: OrderRecord, order: Any) -> bool:
    """Bring the record's numbers in line with the order when it holds a different count
    (an older version recorded only the first 50); True when the record changed."""
    count = getattr(order, "porting_phone_numbers_count", None)
    if count is None or count == len(record.phone_numbers):
        return False
    numbers = await all_numbers(api, order)
    if sorted(numbers) == sorted(record.phone_numbers):
        return False
    record.phone_numbers = numbers
    return True


@dataclass(frozen=True)
class StatusChange:
    """One order whose status moved since the ledger last saw it."""

    batch_id: str
    order_id: str
    before: str
    after: str
    attention: str


def exception_text(order: Any) -> str:
    """What an order in ``exception`` needs: its codes and their descriptions."""
    details = getattr(getattr(order, "status", None), "details", None) or []
    codes = [
        f"{d.code}: {d.description}" if getattr(d, "description", None) else str(d.code)
        for d in details
    ]
    return "exception: " + ("; ".join(codes) if codes else "no details given")


async def refresh_order_statuses(
    ledger: Ledger, api: OrderReader, batch_id: str | None = None
) -> list[StatusChange]:
    """Read every open order (of one batch, or of all) from the API and record what moved.

    An order in ``exception`` gets its exception codes as what needs attention; an order gone
    from the API is recorded as deleted.
    """
    batch_ids = [batch_id] if batch_id else [b["batch_id"] for b in ledger.batches_list()]
    changes: list[StatusChange] = []
    for current in batch_ids:
        for record in ledger.orders_for_batch(current):
            if record.status in FINAL_STATUSES:
                continue
            try:
                order = await api.get_order(record.order_id)
            except NotFoundError:
                changes.append(
                    StatusChange(current, record.order_id, record.status, OrderStatus.DELETED, "")
                )
                ledger.delete_order(record.order_id)
                continue
            status = str(getattr(order.status, "value", order.status) or record.status)
            attention = exception_text(order) if status == OrderStatus.EXCEPTION else ""
            repaired = await repair_numbers(api, record, order)
            if status == record.status and attention == (record.attention if attention else ""):
                if repaired:
                    ledger.save_order(record)
                continue
            changes.append(StatusChange(current, record.order_id, record.status, status, attention))
            record.status = status
            if attention or record.attention.startswith("exception:"):
                record.attention = attention
            ledger.save_order(record)
    return changes
