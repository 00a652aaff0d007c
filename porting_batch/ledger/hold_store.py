"""Batch holds: one run's lease on a batch, as a row in ``batch_holds`` (see
``porting_batch.batch_lock``)."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from porting_batch.errors import LedgerError
from porting_batch.ledger.base import LedgerBase
from porting_batch.ledger.records import BatchHold, lease_times, process_started, this_host
from porting_batch.ledger.schema import batch_holds
from porting_batch.ledger.sql import clock, insert_new, lease_now


class HoldStore(LedgerBase):
    """Who runs which batch: leases taken, renewed and released atomically."""

    def acquire_hold(
        self,
        batch_id: str,
        owner: str,
        *,
        lease_s: float,
        host: str | None = None,
        pid: int | None = None,
    ) -> BatchHold:
        """Try once, atomically, to hold ``batch_id`` for ``owner`` for ``lease_s`` seconds.

        Succeeds when nobody holds the batch, when the holder's lease has expired, or when the
        holder ran on this host and its process is gone (so a re-run after a kill need not wait
        for the lease). Returns the holder after the attempt: the caller holds the batch exactly
        when ``result.owner == owner``. ``host`` and ``pid`` default to this process."""
        host = host or this_host()
        pid = os.getpid() if pid is None else pid
        for _attempt in range(3):
            with self._begin() as conn:
                acquired_at, expires_at = lease_times(lease_s, clock(conn))
                mine = BatchHold(
                    batch_id=batch_id,
                    owner=owner,
                    host=host,
                    pid=pid,
                    started=process_started(pid) if host == this_host() else "",
                    acquired_at=acquired_at,
                    expires_at=expires_at,
                )
                row = dataclasses.asdict(mine)
                if insert_new(conn, batch_holds, row, keys=["batch_id"]):
                    return mine
                current = read_hold(conn, batch_id)
                if current is None:
                    continue  # released between the insert and the read: try again
                if current.owner == owner:
                    _set_expiry(conn, batch_id, owner, expires_at)
                    return dataclasses.replace(current, expires_at=expires_at)
                if current.live(acquired_at):
                    return current
                if _take_over(conn, current, row):
                    return mine
        raise LedgerError(f"could not tell who holds batch {batch_id!r}: its hold kept changing")

    def renew_hold(self, batch_id: str, owner: str, *, lease_s: float) -> bool:
        """Extend ``owner``'s hold to ``lease_s`` seconds from now; False when it holds the batch
        no more (its lease lapsed and another run took over, or the hold was released)."""
        with self._begin() as conn:
            _now, expires_at = lease_times(lease_s, clock(conn))
            return _set_expiry(conn, batch_id, owner, expires_at)

    def release_hold(self, batch_id: str, owner: str) -> bool:
        """Give up ``owner``'s hold on the batch; False when it did not hold it."""
        with self._begin() as conn:
            result = conn.execute(
                batch_holds.delete().where(
                    batch_holds.c.batch_id == batch_id, batch_holds.c.owner == owner
                )
            )
            return bool(result.rowcount == 1)

    def batch_holder(self, batch_id: str, *, include_stale: bool = False) -> BatchHold | None:
        """The run holding the batch, or None when nobody does. A recorded hold whose lease has
        expired or whose process on this host is gone counts as nobody, unless
        ``include_stale``."""
        with self._read() as conn:
            hold = read_hold(conn, batch_id)
            now = lease_now(conn)
        if hold is None or include_stale or hold.live(now):
            return hold
        return None


def read_hold(conn: Connection, batch_id: str) -> BatchHold | None:
    """The batch's recorded hold, live or not, or None."""
    row = conn.execute(sa.select(batch_holds).where(batch_holds.c.batch_id == batch_id)).first()
    return BatchHold(**row._mapping) if row is not None else None


def delete_hold(conn: Connection, hold: BatchHold) -> None:
    """Delete this hold as it was read (a run that took the batch over since keeps its own)."""
    conn.execute(
        batch_holds.delete().where(
            batch_holds.c.batch_id == hold.batch_id,
            batch_holds.c.owner == hold.owner,
            batch_holds.c.expires_at == hold.expires_at,
        )
    )


def _set_expiry(conn: Connection, batch_id: str, owner: str, expires_at: str) -> bool:
    result = conn.execute(
        batch_holds.update()
        .where(batch_holds.c.batch_id == batch_id, batch_holds.c.owner == owner)
        .values(expires_at=expires_at)
    )
    return bool(result.rowcount == 1)


def _take_over(conn: Connection, stale: BatchHold, row: dict[str, Any]) -> bool:
    # Only the stale row just read (compare and swap): of two runs seeing it, one wins.
    taken = conn.execute(
        batch_holds.update()
        .where(
            batch_holds.c.batch_id == stale.batch_id,
            batch_holds.c.owner == stale.owner,
            batch_holds.c.expires_at == stale.expires_at,
        )
        .values(**row)
    )
    return bool(taken.rowcount == 1)
