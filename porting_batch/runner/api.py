"""The calls the runner makes, typed with the client's own models.

``porting_batch.client.PortingClient`` provides them; the runner depends on this protocol
(and the client's models), never on the client's transport or retries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from porting_batch.client.models import Document, FocWindow, PortabilityResult, PortingOrder

#: Told just before a write goes on the wire (the runner records its intent then).
OnSend = Callable[[], None]


class PortingApi(Protocol):
    """The Porting API as the runner uses it."""

    async def check_portability(self, numbers: Sequence[str]) -> Sequence[PortabilityResult]: ...

    async def create_orders(
        self,
        phone_numbers: Sequence[str],
        *,
        customer_reference: str,
        customer_group_reference: str | None = None,
        on_send: OnSend | None = None,
    ) -> Sequence[PortingOrder]: ...

    async def find_orders_by_reference(self, customer_reference: str) -> Sequence[PortingOrder]: ...

    async def order_phone_numbers(self, order_id: str) -> Sequence[str]: ...

    async def allowed_foc_windows(self, order_id: str) -> Sequence[FocWindow]: ...

    async def upload_document(
        self,
        content: bytes,
        *,
        filename: str | None = None,
        customer_reference: str | None = None,
        on_send: OnSend | None = None,
    ) -> Document: ...

    async def find_document(
        self, customer_reference: str, sha256: str, filename: str | None = None
    ) -> Document | None: ...

    async def update_order(
        self, order_id: str, patch: dict[str, Any], *, on_send: OnSend | None = None
    ) -> PortingOrder: ...

    async def confirm_order(
        self, order_id: str, *, on_send: OnSend | None = None, from_status: str = "draft"
    ) -> PortingOrder: ...

    async def get_order(self, order_id: str) -> PortingOrder: ...


def order_status(order: PortingOrder) -> str:
    """The order's status value ("" when the API gave none)."""
    return order.status.value or ""
