"""The ledger: what was done, so that every re-run is safe.

``schema`` holds the live table definitions, ``migrations`` the frozen DDL that builds them,
``records`` the values handed out (with the ``OrderStatus``, ``IntentState`` and ``BatchStatus``
enums), ``sql`` the dialect upserts, and ``store`` the ``Ledger`` itself, put together from one
``*_store`` module per kind of thing kept.
"""

from __future__ import annotations

from porting_batch.ledger.event_schema import event_cursors, order_tracking, porting_events
from porting_batch.ledger.event_store import OrderSighting, StoredEvent
from porting_batch.ledger.migrations import MIGRATIONS, _initial_schema, _issues_table
from porting_batch.ledger.records import (
    INACTIVE_STATUSES,
    BatchHold,
    BatchStatus,
    GroupRecord,
    IntentState,
    NumberRecord,
    OrderRecord,
    OrderStatus,
    now_text,
)
from porting_batch.ledger.schema import (
    batch_holds,
    batches,
    documents,
    groups,
    intents,
    issues,
    metadata,
    migrations_table,
    numbers,
    order_numbers,
    orders,
    sent_fields,
)
from porting_batch.ledger.store import Ledger

__all__ = [
    "INACTIVE_STATUSES",
    "MIGRATIONS",
    "BatchHold",
    "BatchStatus",
    "GroupRecord",
    "IntentState",
    "Ledger",
    "NumberRecord",
    "OrderRecord",
    "OrderSighting",
    "OrderStatus",
    "StoredEvent",
    "_initial_schema",
    "_issues_table",
    "batch_holds",
    "batches",
    "documents",
    "event_cursors",
    "groups",
    "intents",
    "issues",
    "metadata",
    "migrations_table",
    "now_text",
    "numbers",
    "order_numbers",
    "order_tracking",
    "orders",
    "porting_events",
    "sent_fields",
]
