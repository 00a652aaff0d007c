"""The ledger store: what was done, so that every re-run is safe.

SQLAlchemy Core on SQLite (WAL) by default, in the state folder; the same code runs on PostgreSQL
when several machines share one ledger. The schema is built by named, frozen migrations
(``porting_batch.ledger.migrations``) recorded in the ``migrations`` table. Every remote write is
recorded as an *intent* before it is sent, so a crash between sending and recording is recognised
on the next run (and resolved by looking the order up by its customer reference) instead of being
repeated blindly. A run holds its batch through a lease row in ``batch_holds`` (see
``porting_batch.batch_lock``), so two runs of one batch never write at once.

No secret is stored: rows keep the E.164 number, where it came from and what happened, never the
PIN or account number; order-level data is kept only as a hash (the PATCH fingerprint).

``Ledger`` is put together from one store per kind of thing kept, each in its own module over
the shared connection handling of ``porting_batch.ledger.base``.
"""

from __future__ import annotations

from porting_batch.ledger.batch_store import BatchStore
from porting_batch.ledger.csr_store import CsrStore
from porting_batch.ledger.document_store import DocumentStore
from porting_batch.ledger.event_store import EventStore
from porting_batch.ledger.hold_store import HoldStore
from porting_batch.ledger.intent_store import IntentStore
from porting_batch.ledger.order_store import OrderStore
from porting_batch.ledger.result_store import ResultStore
from porting_batch.ledger.sent_store import SentFieldStore


class Ledger(
    BatchStore,
    HoldStore,
    OrderStore,
    IntentStore,
    DocumentStore,
    ResultStore,
    EventStore,
    SentFieldStore,
    CsrStore,
):
    """The record of batches, orders, documents and write intents."""
