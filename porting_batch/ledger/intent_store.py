"""Write intents: every remote write is recorded before it is sent, so a crash between sending
and recording is recognised on the next run instead of being repeated blindly."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from porting_batch.ledger.base import LedgerBase
from porting_batch.ledger.document_store import write_document
from porting_batch.ledger.order_store import order_values, remember_rows, write_orders
from porting_batch.ledger.records import IntentState, OrderRecord, now_text
from porting_batch.ledger.schema import intents
from porting_batch.ledger.sent_store import SentFields, write_sent_fields
from porting_batch.ledger.sql import prepared, run_prepared


class IntentStore(LedgerBase):
    """The intents, open and settled."""

    def record_intent(self, batch_id: str, kind: str, target: str, payload_hash: str = "") -> int:
        """Write down a remote write before it is sent; returns the intent's id."""
        stamp = now_text()
        row = {
            "batch_id": batch_id,
            "kind": kind,
            "target": target,
            "payload_hash": payload_hash,
            "state": IntentState.SENT.value,
            "detail": "",
            "created_at": stamp,
            "updated_at": stamp,
        }
        with self._begin() as conn:
            _count, key = run_prepared(conn, prepared(conn, "record", _insert_intent), row)
            return int(key[0]) if key else 0

    def settle_intent(
        self,
        intent_id: int,
        state: str,
        detail: str = "",
        *,
        orders: Iterable[OrderRecord] = (),
        document: tuple[str, str, str] | None = None,
        sent: SentFields | None = None,
        defer: bool = False,
    ) -> None:
        """Mark an intent settled (an ``IntentState``: done, failed, unknown) once its answer is
        known.

        ``orders`` are saved (as by ``save_order``), and ``document`` (content hash, remote id,
        file name) as by ``save_document``, and ``sent`` (batch id, order id, fingerprints) as
        by ``save_sent_fields``, in the same transaction: the answer and what it changed are
        recorded together or not at all. With ``defer``, that transaction is the
        ledger's next one (see ``porting_batch.ledger.base``), with the orders as they are now:
        before any later write or read of this ledger, but not a transaction of its own."""
        settled = {"intent": intent_id, "new_state": state, "new_detail": detail[:2000]}
        records = list(orders)
        snapshot = [order_values(record) for record in records]

        def write(conn: Connection) -> Callable[[], None]:
            stamp = now_text()
            run_prepared(
                conn, prepared(conn, "settle", lambda: _SETTLE_INTENT), {**settled, "stamp": stamp}
            )
            written = write_orders(conn, records, self.token, snapshot)
            if document is not None:
                write_document(conn, *document)
            if sent is not None:
                write_sent_fields(conn, *sent, stamp=stamp)
            return partial(remember_rows, written, self.token)

        if defer:
            self._defer(write)
            return
        with self._begin() as conn:
            after = write(conn)
        after()

    def open_intents(self, batch_id: str, kind: str | None = None) -> list[dict[str, Any]]:
        """Intents sent but never settled: the writes a crash may have left in doubt."""
        query = sa.select(intents).where(
            intents.c.batch_id == batch_id, intents.c.state == IntentState.SENT
        )
        if kind:
            query = query.where(intents.c.kind == kind)
        with self._read() as conn:
            return [dict(r._mapping) for r in conn.execute(query.order_by(intents.c.intent_id))]

    def open_intents_for(
        self, batch_id: str, target: str, kinds: Iterable[str] | None = None
    ) -> list[dict[str, Any]]:
        """The open (sent, never settled) intents of one target in a batch, oldest first,
        optionally only of these kinds: whether that target's write is in doubt, found through
        the (batch_id, state, target) index rather than by reading every open intent."""
        query = _OPEN_INTENTS_FOR if kinds is None else _OPEN_INTENTS_FOR_KINDS
        params: dict[str, Any] = {"batch": batch_id, "target": target}
        if kinds is not None:
            params["kinds"] = sorted(set(kinds))
        with self._read() as conn:
            return [dict(r._mapping) for r in conn.execute(query, params)]

    def intents_for(self, batch_id: str) -> list[dict[str, Any]]:
        """Every intent of a batch, oldest first."""
        query = sa.select(intents).where(intents.c.batch_id == batch_id)
        with self._read() as conn:
            return [dict(r._mapping) for r in conn.execute(query.order_by(intents.c.intent_id))]


# Statements built once: building and compiling one per write cost more than the write.
_INTENT_COLUMNS = (
    "batch_id",
    "kind",
    "target",
    "payload_hash",
    "state",
    "detail",
    "created_at",
    "updated_at",
)


def _insert_intent() -> Any:
    return (
        intents.insert()
        .values({c: sa.bindparam(c) for c in _INTENT_COLUMNS})
        .returning(intents.c.intent_id)
    )


_SETTLE_INTENT = (
    intents.update()
    .where(intents.c.intent_id == sa.bindparam("intent"))
    .values(
        state=sa.bindparam("new_state"),
        detail=sa.bindparam("new_detail"),
        updated_at=sa.bindparam("stamp"),
    )
)
_OPEN_INTENTS_FOR = (
    sa.select(intents)
    .where(intents.c.batch_id == sa.bindparam("batch"))
    .where(intents.c.state == IntentState.SENT.value)
    .where(intents.c.target == sa.bindparam("target"))
    .order_by(intents.c.intent_id)
)
_OPEN_INTENTS_FOR_KINDS = _OPEN_INTENTS_FOR.where(
    intents.c.kind.in_(sa.bindparam("kinds", expanding=True))
)
