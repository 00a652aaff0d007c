"""Tracking orders after the run: until each is ported, or needs an operator's attention.

Telnyx's webhooks may be missed, so ``track`` reconciles from the API: the batch's open orders
by the list endpoint (a few calls for a thousand orders) and what the list cannot show (splits,
comments, deletions) from ``/porting/events`` since the last read. Events, from webhooks or the
Events API, are parsed by ``parse_event`` into one ``PortingEvent`` and applied by
``apply_events``, each event id once. ``refresh_order_statuses`` is the older reconcile, one
GET per open order. ``write_tracking`` writes one look's tracking report (remedies and
deadlines included).
"""

from porting_batch.tracking.apply import apply_events
from porting_batch.tracking.changes import OrderChange
from porting_batch.tracking.events import PortingEvent, parse_event
from porting_batch.tracking.report import TrackingLook, tracked_orders, write_tracking
from porting_batch.tracking.status import (
    FINAL_STATUSES,
    OrderReader,
    StatusChange,
    exception_text,
    refresh_order_statuses,
    repair_numbers,
)
from porting_batch.tracking.track import EVENT_TYPES, OPEN_STATUSES, TrackingApi, track

__all__ = [
    "EVENT_TYPES",
    "FINAL_STATUSES",
    "OPEN_STATUSES",
    "OrderChange",
    "OrderReader",
    "PortingEvent",
    "StatusChange",
    "TrackingApi",
    "TrackingLook",
    "apply_events",
    "exception_text",
    "parse_event",
    "refresh_order_statuses",
    "repair_numbers",
    "track",
    "tracked_orders",
    "write_tracking",
]
