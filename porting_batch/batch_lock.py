"""One run of a batch at a time, anywhere: a lease held in the ledger itself.

The lease is a row in the ledger's ``batch_holds`` table, so it works on SQLite and PostgreSQL
and across machines sharing a ledger. While a run holds its batch, a background task renews the
lease every third of its length; if the run's process dies, the lease runs out (or, on the same
host, the next run sees the process is gone and takes over at once).
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from porting_batch.errors import BatchBusyError, LedgerError
from porting_batch.ledger import BatchHold, Ledger
from porting_batch.ledger.records import this_host

logger = logging.getLogger("porting_batch.batch_lock")

#: How often a waiting run asks again whether the batch is free.
POLL_S = 0.2


@asynccontextmanager
async def hold_batch(
    ledger: Ledger,
    batch_id: str,
    *,
    wait_s: float,
    lease_s: float,
    on_wait: Callable[[str], None] | None = None,
) -> AsyncIterator[None]:
    """Hold ``batch_id`` for the body; wait up to ``wait_s`` for another live holder (telling
    ``on_wait`` who holds it within 2 s), then raise ``BatchBusyError``.

    The hold is renewed every ``lease_s / 3`` seconds and released when the body ends, also by
    an exception or cancellation. Should the hold be lost all the same (the lease lapsed, say
    because the event loop was blocked, and another run took the batch over), the body is
    cancelled and ``BatchBusyError`` raised, so two runs never go on writing together."""
    owner = f"{this_host()[:150]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    await _acquire(ledger, batch_id, owner, wait_s=wait_s, lease_s=lease_s, on_wait=on_wait)
    body = asyncio.current_task()
    lost: list[BatchHold | None] = []
    renewer = asyncio.create_task(_renew(ledger, batch_id, owner, lease_s, body, lost))
    try:
        try:
            yield
        except asyncio.CancelledError:
            # Our own cancellation (the hold was lost) becomes BatchBusyError; any other
            # cancellation stays one.
            if lost and body is not None and body.uncancel() == 0:
                raise _lost_error(batch_id, lost[0]) from None
            raise
        except BaseException:
            if lost and body is not None and body.cancelling():
                body.uncancel()  # the body turned our cancellation into its own error
            raise
        if lost:
            if body is not None and body.cancelling():
                body.uncancel()
            raise _lost_error(batch_id, lost[0])
    finally:
        # Cancelled before it can run again, so it cannot renew after the release below.
        renewer.cancel()
        try:
            ledger.release_hold(batch_id, owner)
        except LedgerError as exc:
            # The lease runs out by itself; failing here must not hide how the body ended.
            logger.warning("could not release batch %s (its hold will lapse): %s", batch_id, exc)
        await asyncio.wait([renewer])
        if not renewer.cancelled() and renewer.exception() is not None:
            logger.warning(
                "renewing the hold on batch %s failed: %s", batch_id, renewer.exception()
            )


async def _acquire(
    ledger: Ledger,
    batch_id: str,
    owner: str,
    *,
    wait_s: float,
    lease_s: float,
    on_wait: Callable[[str], None] | None,
) -> None:
    """Hold ``batch_id`` for ``owner``, asking every ``POLL_S`` for up to ``wait_s``; raise
    ``BatchBusyError`` naming the holder when it is still held then."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    told = ""
    while True:
        holder = ledger.acquire_hold(batch_id, owner, lease_s=lease_s)
        if holder.owner == owner:
            return
        if loop.time() >= deadline:
            raise BatchBusyError(
                f"batch {batch_id} is being run by {holder.describe()}; "
                f"stopped waiting after {wait_s:g} s",
                hint="let that run finish or stop it, or wait longer with PORTING_BATCH_WAIT_S",
            )
        if on_wait is not None and holder.owner != told:
            told = holder.owner
            on_wait(
                f"batch {batch_id} is being run by {holder.describe()}; "
                f"waiting (up to {wait_s:g} s)"
            )
        await asyncio.sleep(max(0.0, min(POLL_S, deadline - loop.time())))


async def _renew(
    ledger: Ledger,
    batch_id: str,
    owner: str,
    lease_s: float,
    body: asyncio.Task[object] | None,
    lost: list[BatchHold | None],
) -> None:
    """Renew the hold every third of the lease; on losing it, record who has it and cancel
    the body."""
    while True:
        await asyncio.sleep(lease_s / 3)
        try:
            still_ours = ledger.renew_hold(batch_id, owner, lease_s=lease_s)
        except LedgerError as exc:
            # A passing database hiccup: the lease has two more renewals before it lapses.
            logger.warning("could not renew the hold on batch %s: %s", batch_id, exc)
            continue
        if still_ours:
            continue
        try:
            lost.append(ledger.batch_holder(batch_id))
        except LedgerError:
            lost.append(None)
        if body is not None:
            body.cancel()
        return


def _lost_error(batch_id: str, holder: BatchHold | None) -> BatchBusyError:
    by = f" to {holder.describe()}" if holder is not None else ""
    return BatchBusyError(
        f"this run lost its hold on batch {batch_id}{by} and stopped",
        hint="its lease lapsed without renewal; run the batch again once the other run is done",
    )
