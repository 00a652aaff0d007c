"""What each order was last sent, one keyed fingerprint per PATCH field (no value is kept), so
that a corrected sheet is sent as only the fields it changed."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from porting_batch.ledger.base import LedgerBase
from porting_batch.ledger.records import now_text
from porting_batch.ledger.schema import sent_fields
from porting_batch.ledger.sql import upsert

#: What a PATCH sent: the batch id, the order id and the fingerprint of each field path.
SentFields = tuple[str, str, Mapping[str, str]]


class SentFieldStore(LedgerBase):
    """The fingerprints of the fields each order was sent."""

    def sent_fields(self, order_id: str) -> dict[str, str]:
        """The order's field paths and the fingerprints of the values last sent ({} if none)."""
        query = sa.select(sent_fields.c.path, sent_fields.c.fingerprint).where(
            sent_fields.c.order_id == order_id
        )
        with self._read() as conn:
            return {r.path: r.fingerprint for r in conn.execute(query)}

    def save_sent_fields(
        self, batch_id: str, order_id: str, fingerprints: Mapping[str, str]
    ) -> None:
        """Record what the order now holds, field by field (fields not given keep theirs)."""
        with self._begin() as conn:
            write_sent_fields(conn, batch_id, order_id, fingerprints, stamp=now_text())


def write_sent_fields(
    conn: Connection, batch_id: str, order_id: str, fingerprints: Mapping[str, str], *, stamp: str
) -> None:
    """Upsert the order's field fingerprints in the connection's transaction."""
    rows = [
        {
            "order_id": order_id,
            "path": path,
            "batch_id": batch_id,
            "fingerprint": fingerprint,
            "updated_at": stamp,
        }
        for path, fingerprint in sorted(fingerprints.items())
    ]
    if rows:
        upsert(
            conn,
            sent_fields,
            rows,
            keys=["order_id", "path"],
            update=["batch_id", "fingerprint", "updated_at"],
        )
