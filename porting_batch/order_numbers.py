"""An order's numbers, all of them.

The API shows at most 50 numbers inside an order (in the create answer and in order lists);
``porting_phone_numbers_count`` says how many it holds. Whoever records an order's numbers
reads the rest from ``GET /porting_phone_numbers`` (every page), and only when the order
holds more than it shows, so small orders cost no extra call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from porting_batch.client.models import PortingOrder

#: How many numbers the API shows inside an order at most.
NUMBERS_SHOWN = 50


class NumberLister(Protocol):
    """The one call that lists an order's numbers."""

    async def order_phone_numbers(self, order_id: str) -> Sequence[str]: ...


def shown_numbers(order: PortingOrder) -> list[str]:
    """The numbers the order answer itself shows (possibly only the first 50)."""
    return [n.phone_number for n in order.phone_numbers]


def holds_more_than_shown(order: PortingOrder) -> bool:
    """Whether the order holds numbers its answer does not show."""
    shown = len(order.phone_numbers)
    count = order.porting_phone_numbers_count
    if count is None:
        # No count given: a full page of numbers may be a cut list.
        return shown >= NUMBERS_SHOWN
    return count > shown


async def all_numbers(api: NumberLister, order: PortingOrder) -> list[str]:
    """Every number the order holds, reading the number list when the answer shows only some."""
    if not holds_more_than_shown(order):
        return shown_numbers(order)
    listed = await api.order_phone_numbers(order.id)
    return list(dict.fromkeys(listed)) or shown_numbers(order)
