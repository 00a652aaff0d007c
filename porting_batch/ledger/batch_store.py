"""Batches: one row per batch, counting its runs and saying how the latest one stands."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from porting_batch.ledger.base import LedgerBase
from porting_batch.ledger.hold_store import delete_hold, read_hold
from porting_batch.ledger.records import BatchStatus, now_text
from porting_batch.ledger.schema import batches
from porting_batch.ledger.sql import lease_now, upsert_statement


class BatchStore(LedgerBase):
    """The batches and their runs."""

    def start_batch(
        self,
        batch_id: str,
        *,
        name: str,
        file_name: str,
        content_hash: str,
        settings: dict[str, Any],
    ) -> bool:
        """Record the start of a run of a batch; return True when the batch is new."""
        stamp = now_text()
        values = {
            "name": name,
            "file_name": file_name,
            "content_hash": content_hash,
            "settings_json": json.dumps(settings, sort_keys=True, default=str),
            "status": BatchStatus.RUNNING.value,
            "updated_at": stamp,
            "run_started_at": stamp,
        }
        row = {"batch_id": batch_id, "runs": 1, "created_at": stamp, "report_folder": "", **values}
        with self._begin() as conn:
            # One statement counts the run and says which it was: two processes starting a new
            # batch together make one row with two runs, and exactly one of them is told "new".
            statement = upsert_statement(
                conn, batches, ["batch_id"], list(values), extra={"runs": batches.c.runs + 1}
            ).returning(batches.c.runs)
            runs = conn.execute(statement, row).scalar_one()
            return bool(runs == 1)

    def finish_batch(self, batch_id: str, status: str, report_folder: str = "") -> None:
        """Record how a run of the batch ended (a ``BatchStatus``) and where its report is."""
        with self._begin() as conn:
            conn.execute(
                batches.update()
                .where(batches.c.batch_id == batch_id)
                .values(status=status, report_folder=report_folder, updated_at=now_text())
            )

    def set_report_folder(self, batch_id: str, report_folder: str) -> None:
        """Record where the batch's latest report is (after it was moved)."""
        with self._begin() as conn:
            conn.execute(
                batches.update()
                .where(batches.c.batch_id == batch_id)
                .values(report_folder=report_folder, updated_at=now_text())
            )

    def batch(self, batch_id: str) -> dict[str, Any] | None:
        """The batch's record, or None.

        A batch recorded as ``running`` that no live run holds is reported, and from now on
        stored, as ``interrupted``: its process is gone (see ``batch_holder``)."""
        with self._read() as conn:
            row = conn.execute(sa.select(batches).where(batches.c.batch_id == batch_id)).first()
        if row is None:
            return None
        return self._settled(dict(row._mapping))

    def batches_list(self) -> list[dict[str, Any]]:
        """Every batch, newest first; ``running`` ones that no live run holds are reported (and
        stored) as ``interrupted``, as by ``batch``."""
        with self._read() as conn:
            records = [
                dict(r._mapping)
                for r in conn.execute(sa.select(batches).order_by(batches.c.updated_at.desc()))
            ]
        return [self._settled(record) for record in records]

    def _settled(self, record: dict[str, Any]) -> dict[str, Any]:
        if record["status"] == BatchStatus.RUNNING and self._settle_interrupted(record["batch_id"]):
            record["status"] = BatchStatus.INTERRUPTED.value
        return record

    def _settle_interrupted(self, batch_id: str) -> bool:
        """Store ``interrupted`` for a ``running`` batch that no live run holds; True if done."""
        with self._begin() as conn:
            # Lock the batch row first: a run that starts now holds the batch before it records
            # 'running', so once this lock is ours any such hold is committed and seen below.
            status = conn.execute(
                sa.select(batches.c.status).where(batches.c.batch_id == batch_id).with_for_update()
            ).scalar_one_or_none()
            if status != BatchStatus.RUNNING:
                return False
            hold = read_hold(conn, batch_id)
            if hold is not None:
                if hold.live(lease_now(conn)):
                    return False
                delete_hold(conn, hold)
            conn.execute(
                batches.update()
                .where(batches.c.batch_id == batch_id, batches.c.status == BatchStatus.RUNNING)
                .values(status=BatchStatus.INTERRUPTED)
            )
            return True
