"""One run of a batch at a time, anywhere: a lease held in the ledger itself.

(Interface placeholder: the ledger-backed implementation replaces the body.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from porting_batch.ledger import Ledger


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
    ``on_wait`` who holds it within 2 s), then raise ``BatchBusyError``."""
    yield
