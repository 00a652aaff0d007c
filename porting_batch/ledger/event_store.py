"""Porting events, once each; where reading ``/porting/events`` got to; what tracking last saw.

An event is recorded by its id with an insert that does nothing on a conflict, so two receivers
(a webhook and a tracking run, or two webhook workers) offered the same event at once record it
once, and exactly one of them is told it is new. Applying is separate (``mark_applied``), so an
event recorded by a receiver that died before applying it is found by ``unapplied_events``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from porting_batch.ledger import order_store
from porting_batch.ledger.base import LedgerBase
from porting_batch.ledger.event_schema import event_cursors, order_tracking, porting_events
from porting_batch.ledger.records import OrderRecord, lease_text, now_text
from porting_batch.ledger.schema import orders
from porting_batch.ledger.sql import dialect_insert, upsert

#: How an event reached the ledger.
RECEIVED_VIA = frozenset({"webhook", "events", "list"})


@dataclass(frozen=True)
class StoredEvent:
    """A recorded porting event: its summary (no secrets) and whether it was applied."""

    event_id: str
    event_type: str
    order_id: str
    occurred_at: str
    received_via: str
    summary: dict[str, Any]
    applied_at: str | None


@dataclass(frozen=True)
class OrderSighting:
    """What tracking last saw of an order beyond its status."""

    order_id: str
    foc_actual: str = ""
    exception_codes: str = ""
    split_from: str = ""


class EventStore(LedgerBase):
    """Porting events, the events cursor per scope, and tracking's last sightings."""

    def record_event(
        self,
        event_id: str,
        event_type: str,
        order_id: str,
        occurred_at: str,
        received_via: str,
        summary: Mapping[str, Any],
    ) -> bool:
        """Record a porting event; True only the first time its id is seen (by anyone).

        ``received_via`` is ``webhook``, ``events`` or ``list`` (a status change a list read
        saw, standing in for a missed webhook); ``summary`` must hold no secret (what
        ``porting_batch.tracking.PortingEvent.summary`` gives)."""
        if received_via not in RECEIVED_VIA:
            raise ValueError(f"received_via must be one of {sorted(RECEIVED_VIA)}")
        row = {
            "event_id": event_id,
            "event_type": event_type,
            "order_id": order_id,
            "occurred_at": occurred_at,
            "received_via": received_via,
            "summary_json": json.dumps(dict(summary), sort_keys=True),
            "recorded_at": now_text(),
            "applied_at": None,
        }
        with self._begin() as conn:
            # RETURNING, not the row count: psycopg reports -1 for some of these inserts.
            statement = (
                dialect_insert(conn, porting_events)
                .on_conflict_do_nothing(index_elements=["event_id"])
                .returning(porting_events.c.event_id)
            )
            return conn.execute(statement, row).first() is not None

    def unapplied_events(self) -> list[StoredEvent]:
        """Recorded events not yet applied, in the order they occurred."""
        query = (
            sa.select(porting_events)
            .where(porting_events.c.applied_at.is_(None))
            .order_by(porting_events.c.occurred_at, porting_events.c.event_id)
        )
        with self._read() as conn:
            return [_stored(r._mapping) for r in conn.execute(query)]

    def events_by_id(self, event_ids: Iterable[str]) -> dict[str, StoredEvent]:
        """The recorded events among ``event_ids``."""
        wanted = sorted(set(event_ids))
        found: dict[str, StoredEvent] = {}
        with self._read() as conn:
            for start in range(0, len(wanted), 500):
                rows = conn.execute(
                    sa.select(porting_events).where(
                        porting_events.c.event_id.in_(wanted[start : start + 500])
                    )
                )
                found.update({r.event_id: _stored(r._mapping) for r in rows})
        return found

    def events_for_orders(self, order_ids: Iterable[str]) -> list[StoredEvent]:
        """The recorded events about these orders, in the order they occurred (the tracking
        report reads when an order went into exception from them)."""
        wanted = sorted(set(order_ids))
        found: list[StoredEvent] = []
        with self._read() as conn:
            for start in range(0, len(wanted), 500):
                rows = conn.execute(
                    sa.select(porting_events).where(
                        porting_events.c.order_id.in_(wanted[start : start + 500])
                    )
                )
                found.extend(_stored(r._mapping) for r in rows)
        return sorted(found, key=lambda e: (e.occurred_at, e.event_id))

    def mark_applied(self, event_ids: Iterable[str]) -> int:
        """Note the events as applied (those not already); how many were newly marked."""
        ids = sorted(set(event_ids))
        marked = 0
        stamp = now_text()
        with self._begin() as conn:
            for start in range(0, len(ids), 500):
                result = conn.execute(
                    porting_events.update()
                    .where(porting_events.c.event_id.in_(ids[start : start + 500]))
                    .where(porting_events.c.applied_at.is_(None))
                    .values(applied_at=stamp)
                )
                marked += result.rowcount
        return marked

    def event_cursor(self, scope: str) -> datetime | None:
        """The newest ``created_at`` seen from ``/porting/events`` for ``scope`` (None: never)."""
        with self._read() as conn:
            text = conn.execute(
                sa.select(event_cursors.c.created_at).where(event_cursors.c.scope == scope)
            ).scalar_one_or_none()
        return datetime.fromisoformat(text) if text else None

    def advance_event_cursor(self, scope: str, created_at: datetime) -> None:
        """Move the scope's cursor to ``created_at`` unless it is already later (never back,
        also when two readers race)."""
        # Fixed-width UTC text, so that the text comparison in SQL is a time comparison.
        moment = lease_text(created_at)
        with self._begin() as conn:
            insert = dialect_insert(conn, event_cursors)
            later = insert.excluded.created_at > event_cursors.c.created_at
            statement = insert.on_conflict_do_update(
                index_elements=["scope"],
                set_={
                    "created_at": sa.case(
                        (later, insert.excluded.created_at), else_=event_cursors.c.created_at
                    ),
                    "updated_at": insert.excluded.updated_at,
                },
            )
            conn.execute(statement.values(scope=scope, created_at=moment, updated_at=now_text()))

    def orders_by_id(self, order_ids: Iterable[str]) -> dict[str, OrderRecord]:
        """The ledger's records of these orders (those it knows), of any batch."""
        wanted = sorted(set(order_ids))
        found: dict[str, OrderRecord] = {}
        with self._read() as conn:
            for start in range(0, len(wanted), 500):
                rows = conn.execute(
                    sa.select(orders).where(orders.c.order_id.in_(wanted[start : start + 500]))
                )
                for r in rows:
                    record = order_store._order_record(r._mapping)
                    # Remembered as read, so saving it writes only what changed.
                    order_store._remember_row(record, self.token, order_store.order_values(record))
                    found[record.order_id] = record
        return found

    def sightings(self, order_ids: Iterable[str]) -> dict[str, OrderSighting]:
        """What tracking last saw of these orders (those it has seen)."""
        wanted = sorted(set(order_ids))
        found: dict[str, OrderSighting] = {}
        with self._read() as conn:
            for start in range(0, len(wanted), 500):
                rows = conn.execute(
                    sa.select(order_tracking).where(
                        order_tracking.c.order_id.in_(wanted[start : start + 500])
                    )
                )
                for r in rows:
                    found[r.order_id] = OrderSighting(
                        r.order_id, r.foc_actual, r.exception_codes, r.split_from
                    )
        return found

    def save_sightings(self, sightings: Iterable[OrderSighting]) -> None:
        """Record what tracking saw of these orders (one write for all)."""
        stamp = now_text()
        rows = [
            {
                "order_id": s.order_id,
                "foc_actual": s.foc_actual,
                "exception_codes": s.exception_codes,
                "split_from": s.split_from,
                "updated_at": stamp,
            }
            for s in sightings
        ]
        if not rows:
            return
        with self._begin() as conn:
            upsert(
                conn,
                order_tracking,
                rows,
                ["order_id"],
                ["foc_actual", "exception_codes", "split_from", "updated_at"],
            )


def _stored(m: Any) -> StoredEvent:
    return StoredEvent(
        event_id=m["event_id"],
        event_type=m["event_type"],
        order_id=m["order_id"],
        occurred_at=m["occurred_at"],
        received_via=m["received_via"],
        summary=json.loads(m["summary_json"]),
        applied_at=m["applied_at"],
    )
