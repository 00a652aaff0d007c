"""What hangs off porting orders: FOC windows, requirements, the LOA, comments, porting
events, and the numbers in orders."""

from __future__ import annotations

from datetime import datetime

from porting_batch.client.base import MAX_PAGE_SIZE, BaseClient
from porting_batch.client.models import (
    Comment,
    FocWindow,
    PortingEvent,
    PortingPhoneNumber,
    RequirementDetail,
)
from porting_batch.client.query import encode_query


class OrderDetailsMixin(BaseClient):
    """The calls of ``PortingClient`` about what an order holds and what happened to it."""

    async def allowed_foc_windows(self, order_id: str) -> list[FocWindow]:
        """The ranges the requested FOC date may fall in."""
        return await self._list(
            "GET", "/porting_orders/{id}/allowed_foc_windows", FocWindow, id=order_id
        )

    async def requirements(self, order_id: str) -> list[RequirementDetail]:
        """Every requirement of an order, with its status."""
        route = "/porting_orders/{id}/requirements"
        return [
            r
            async for r in self._paginate(route, RequirementDetail, {}, MAX_PAGE_SIZE, id=order_id)
        ]

    async def loa_template(
        self, order_id: str, *, loa_configuration_id: str | None = None
    ) -> bytes:
        """The pre-filled LOA of an order, as PDF bytes."""
        params = {"loa_configuration_id": loa_configuration_id} if loa_configuration_id else {}
        data = await self._call(
            "GET",
            "/porting_orders/{id}/loa_template",
            id=order_id,
            params=params,
            expect="bytes",
            accept="application/pdf",
        )
        assert isinstance(data, bytes)
        return data

    async def list_comments(self, order_id: str) -> list[Comment]:
        """Every comment on an order."""
        route = "/porting_orders/{id}/comments"
        return [c async for c in self._paginate(route, Comment, {}, MAX_PAGE_SIZE, id=order_id)]

    async def create_comment(self, order_id: str, body: str) -> Comment:
        """Add a comment to an order."""
        return await self._one(
            "POST", "/porting_orders/{id}/comments", Comment, id=order_id, json={"body": body}
        )

    async def list_events(
        self,
        *,
        porting_order_id: str | None = None,
        event_type: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> list[PortingEvent]:
        """Porting events, oldest filters first; every page."""
        params = encode_query(
            {
                "filter": {
                    "porting_order_id": porting_order_id,
                    "type": event_type,
                    "created_at": {"gte": created_after, "lte": created_before},
                }
            }
        )
        return [e async for e in self._paginate("/porting/events", PortingEvent, params, page_size)]

    async def list_porting_phone_numbers(
        self,
        *,
        porting_order_id: str | None = None,
        porting_order_status: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> list[PortingPhoneNumber]:
        """Numbers in porting orders, optionally of one order or one order status; every page."""
        params = encode_query(
            {
                "filter": {
                    "porting_order_id": porting_order_id,
                    "porting_order_status": porting_order_status,
                }
            }
        )
        return [
            n
            async for n in self._paginate(
                "/porting_phone_numbers", PortingPhoneNumber, params, page_size
            )
        ]

    async def order_phone_numbers(self, order_id: str) -> list[str]:
        """Every number of one order, from every page of ``/porting_phone_numbers``.

        An order's own answers show at most 50 of its numbers (``porting_phone_numbers_count``
        gives the true count); this reads them all.
        """
        numbers = await self.list_porting_phone_numbers(porting_order_id=order_id)
        # A number moved between pages while reading would otherwise appear twice.
        return list(dict.fromkeys(n.phone_number for n in numbers))
