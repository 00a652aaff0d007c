"""A batch's results as its report shows them: each number's state and the issues found, kept
so that a report can be written again without the API."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from porting_batch.ledger.base import LedgerBase
from porting_batch.ledger.records import NumberRecord
from porting_batch.ledger.schema import issues, numbers
from porting_batch.ledger.sql import upsert


class ResultStore(LedgerBase):
    """Per-number states and issues, each a numbered list per batch."""

    def save_numbers(self, batch_id: str, records: Sequence[NumberRecord]) -> None:
        """Replace the batch's per-number states with these."""
        rows = [
            {
                "batch_id": batch_id,
                "seq": seq,
                "sheet": r.sheet,
                "row": r.row,
                "phone_number": r.phone_number,
                "outcome": r.outcome,
                "reason": r.reason,
                "order_id": r.order_id,
                "phone_number_type": r.phone_number_type,
                "carrier": r.carrier,
                "portable": r.portable,
                "fast_portable": r.fast_portable,
            }
            for seq, r in enumerate(records)
        ]
        with self._begin() as conn:
            _replace_list(conn, numbers, batch_id, rows)

    def numbers_for_batch(self, batch_id: str) -> list[NumberRecord]:
        """The batch's per-number states, in input order."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(numbers).where(numbers.c.batch_id == batch_id).order_by(numbers.c.seq)
            )
            return [
                NumberRecord(
                    sheet=r.sheet,
                    row=r.row,
                    phone_number=r.phone_number,
                    outcome=r.outcome,
                    reason=r.reason,
                    order_id=r.order_id,
                    phone_number_type=r.phone_number_type,
                    carrier=r.carrier,
                    portable=r.portable,
                    fast_portable=r.fast_portable,
                )
                for r in rows
            ]

    def save_issues(self, batch_id: str, items: Sequence[dict[str, Any]]) -> None:
        """Replace the batch's issues (plain dicts) with these."""
        rows = [
            {"batch_id": batch_id, "seq": seq, "issue_json": json.dumps(item)}
            for seq, item in enumerate(items)
        ]
        with self._begin() as conn:
            _replace_list(conn, issues, batch_id, rows)

    def issues_for_batch(self, batch_id: str) -> list[dict[str, Any]]:
        """The batch's issues as saved, in order."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(issues.c.issue_json)
                .where(issues.c.batch_id == batch_id)
                .order_by(issues.c.seq)
            )
            return [json.loads(r.issue_json) for r in rows]


def _replace_list(
    conn: Connection, table: sa.Table, batch_id: str, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Make ``rows`` (numbered by ``seq`` from 0) the batch's whole list in ``table``."""
    # Upsert, then drop the tail: a delete-then-insert fails on the key on PostgreSQL when
    # another writer's rows are committed after the delete looked.
    if rows:
        columns = [c for c in rows[0] if c not in ("batch_id", "seq")]
        upsert(conn, table, rows, ["batch_id", "seq"], columns)
    conn.execute(table.delete().where(table.c.batch_id == batch_id, table.c.seq >= len(rows)))
