"""Each account's customer service record (CSR), so that a re-run does not ask again.

Rows are keyed by a keyed hash of what the CSR was asked with (BTN, account number, PIN): an
edited sheet asks again, an unchanged one reads the row. A row holds the CSR's id and status,
and for a completed CSR only what the comparison needs, the account number as a keyed
fingerprint; the PIN is never kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from porting_batch.ledger.base import LedgerBase
from porting_batch.ledger.records import now_text
from porting_batch.ledger.schema import csr_records
from porting_batch.ledger.sql import upsert


@dataclass(frozen=True)
class CsrRow:
    """One account's CSR as the ledger keeps it."""

    cache_key: str
    csr_id: str
    status: str
    view_json: str = "{}"
    detail: str = ""
    updated_at: str = ""


class CsrStore(LedgerBase):
    """The CSRs asked for, by the keyed hash of what they were asked with."""

    def csr_rows(self, cache_keys: Iterable[str]) -> dict[str, CsrRow]:
        """The rows kept for these keys, by key (absent keys are left out)."""
        wanted = sorted(set(cache_keys))
        found: dict[str, CsrRow] = {}
        with self._read() as conn:
            for start in range(0, len(wanted), 500):
                rows = conn.execute(
                    sa.select(csr_records).where(
                        csr_records.c.cache_key.in_(wanted[start : start + 500])
                    )
                )
                for r in rows:
                    found[r.cache_key] = CsrRow(
                        r.cache_key, r.csr_id, r.status, r.view_json, r.detail, r.updated_at
                    )
        return found

    def save_csr_rows(self, rows: Iterable[CsrRow]) -> None:
        """Record (or replace) these rows, in one transaction."""
        stamp = now_text()
        with self._begin() as conn:
            for row in rows:
                values = {
                    "cache_key": row.cache_key,
                    "csr_id": row.csr_id,
                    "status": row.status,
                    "view_json": row.view_json,
                    "detail": row.detail,
                    "updated_at": stamp,
                }
                upsert(
                    conn,
                    csr_records,
                    values,
                    ["cache_key"],
                    ["csr_id", "status", "view_json", "detail", "updated_at"],
                )
