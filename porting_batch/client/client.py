"""``PortingClient``: the one async client of the Telnyx Porting V2 API for a run.

It is the base client (``porting_batch.client.base``: pool, pacing, the one retry layer,
decoding, pagination, stats) with one mixin per resource of the API, so every call stays a flat
method of the client, as the runner uses them.
"""

from __future__ import annotations

from porting_batch.client.csr import CsrMixin
from porting_batch.client.documents import DocumentsMixin
from porting_batch.client.order_details import OrderDetailsMixin
from porting_batch.client.orders import OrdersMixin
from porting_batch.client.portability import PortabilityMixin
from porting_batch.client.tracking import TrackingMixin


class PortingClient(
    PortabilityMixin, OrdersMixin, OrderDetailsMixin, DocumentsMixin, CsrMixin, TrackingMixin
):
    """Async client of the port-in API: use as ``async with PortingClient(...) as client``."""
