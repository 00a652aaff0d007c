"""Documents already uploaded, by content hash, so the same file is never uploaded twice."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from porting_batch.ledger.base import LedgerBase
from porting_batch.ledger.records import now_text
from porting_batch.ledger.schema import documents
from porting_batch.ledger.sql import upsert


class DocumentStore(LedgerBase):
    """The uploaded documents' remote ids."""

    def document_id(self, content_hash: str) -> str | None:
        """The remote id of a document already uploaded with this content."""
        with self._read() as conn:
            row = conn.execute(
                sa.select(documents.c.document_id).where(documents.c.content_hash == content_hash)
            ).first()
        return row.document_id if row is not None else None

    def document_ids(self, content_hashes: Iterable[str]) -> dict[str, str]:
        """The remote ids of the documents already uploaded with these contents, by hash."""
        wanted = sorted(set(content_hashes))
        found: dict[str, str] = {}
        with self._read() as conn:
            for start in range(0, len(wanted), 500):
                rows = conn.execute(
                    sa.select(documents.c.content_hash, documents.c.document_id).where(
                        documents.c.content_hash.in_(wanted[start : start + 500])
                    )
                )
                found.update((r.content_hash, r.document_id) for r in rows)
        return found

    def save_document(self, content_hash: str, document_id: str, file_name: str) -> None:
        """Remember an uploaded document by its content hash."""
        with self._begin() as conn:
            write_document(conn, content_hash, document_id, file_name)


def write_document(conn: Connection, content_hash: str, document_id: str, file_name: str) -> None:
    """Record (or replace) the remote id of the document with this content."""
    row = {
        "content_hash": content_hash,
        "document_id": document_id,
        "file_name": file_name,
        "uploaded_at": now_text(),
    }
    upsert(conn, documents, row, ["content_hash"], ["document_id", "file_name", "uploaded_at"])
