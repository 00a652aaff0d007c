"""Starting over: deleting a batch's draft orders, and refusing every other one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from porting_batch.errors import NotFoundError
from porting_batch.ledger import IntentState, Ledger, OrderStatus
from porting_batch.tracking import repair_numbers


class OrderApi(Protocol):
    """The calls clean-up needs."""

    async def get_order(self, order_id: str) -> Any: ...

    async def delete_order(self, order_id: str) -> Any: ...

    async def order_phone_numbers(self, order_id: str) -> Sequence[str]: ...


@dataclass(frozen=True)
class CleanOutcome:
    """What happened to one order of the batch."""

    order_id: str
    status: str
    deleted: bool
    reason: str


async def clean_batch(ledger: Ledger, api: OrderApi, batch_id: str) -> list[CleanOutcome]:
    """Delete the batch's orders that are still drafts; leave the others and say why.

    The status is read from the API first, because the ledger's copy may be stale: an order
    confirmed elsewhere must never be deleted.
    """
    outcomes: list[CleanOutcome] = []
    for record in ledger.orders_for_batch(batch_id):
        if record.status == OrderStatus.DELETED:
            continue
        try:
            order = await api.get_order(record.order_id)
        except NotFoundError:
            ledger.delete_order(record.order_id)
            outcomes.append(CleanOutcome(record.order_id, "gone", True, "already gone at Telnyx"))
            continue
        status = str(getattr(order.status, "value", order.status))
        if status != OrderStatus.DRAFT:
            # The order stays: its numbers stay taken, all of them (not only the 50 shown).
            await repair_numbers(api, record, order)
            record.status = status
            ledger.save_order(record)
            outcomes.append(
                CleanOutcome(
                    record.order_id,
                    status,
                    False,
                    f"refused: the order is {status}, not a draft; cancel it in the portal "
                    "or through the API if it must stop",
                )
            )
            continue
        intent = ledger.record_intent(batch_id, "delete", record.order_id)
        await api.delete_order(record.order_id)
        ledger.settle_intent(intent, IntentState.DONE)
        ledger.delete_order(record.order_id)
        outcomes.append(CleanOutcome(record.order_id, OrderStatus.DRAFT, True, "draft deleted"))
    return outcomes
