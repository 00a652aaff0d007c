"""The reads tracking needs at scale: a batch's orders by status in pages of the maximum size.

``filter[status]`` is not in the published spec subset (the simulator and the SDK send it, comma
separated); when the API refuses it as an unknown filter the list is read without it and the
statuses are chosen here, so tracking works either way at the cost of larger pages.
"""

from __future__ import annotations

from collections.abc import Sequence

from porting_batch.client.base import MAX_PAGE_SIZE, BaseClient
from porting_batch.client.models import PortingOrder
from porting_batch.client.query import encode_query, scalar
from porting_batch.errors import UnprocessableEntityError

STATUS_FILTER = "filter[status]"


class TrackingMixin(BaseClient):
    """The list calls of ``PortingClient`` that tracking uses."""

    async def list_orders_by_status(
        self,
        statuses: Sequence[str],
        *,
        customer_group_reference: str | None = None,
        customer_reference: str | None = None,
        include_phone_numbers: bool = True,
        page_size: int = MAX_PAGE_SIZE,
    ) -> list[PortingOrder]:
        """Every order in one of ``statuses`` with the given references, across all pages."""
        filters = {
            "customer_group_reference": customer_group_reference,
            "customer_reference": customer_reference,
        }
        base = encode_query({"filter": filters})
        base["include_phone_numbers"] = scalar(include_phone_numbers)
        wanted = set(statuses)
        try:
            params = {**base, STATUS_FILTER: scalar(sorted(wanted))}
            return [
                o async for o in self._paginate("/porting_orders", PortingOrder, params, page_size)
            ]
        except UnprocessableEntityError as error:
            if not any(item.parameter == STATUS_FILTER for item in error.errors):
                raise
        return [
            o
            async for o in self._paginate("/porting_orders", PortingOrder, base, page_size)
            if o.status.value in wanted
        ]
