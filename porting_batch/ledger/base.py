"""The ledger's connection to its database: opening, migrating, and the transactions every
table's store writes and reads in.

A write that may wait (an intent's settlement, see ``IntentStore.settle_intent``) is held in
memory and goes into the next transaction, before that transaction's own writes: a run writes
one transaction per remote write instead of two, and whatever it reads or writes next still
comes after it. A crash before then loses it as a crash just before it would have.

Each thread writes through a connection of its own, kept open between its transactions (a
checkout from the pool and its reset cost more than a one-row write), released when the thread
ends or the ledger closes, and opened afresh after a transaction that failed (a dropped server
connection, say).
"""

from __future__ import annotations

import contextlib
import threading
import uuid
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from porting_batch.errors import LedgerError
from porting_batch.ledger import migrations
from porting_batch.ledger.schema import migrations_table
from porting_batch.ledger.sql import SUPPORTED_DIALECTS, reason, sqlite_begin, sqlite_connect

#: A write held for the next transaction: it writes in that transaction and returns what to
#: do once the transaction has committed.
Deferred = Callable[[Connection], Callable[[], None]]


class _Writer:
    """One thread's write connection; closed when its thread ends (and its holder goes)."""

    def __init__(self, engine: Engine) -> None:
        self.conn = engine.connect()
        self.conn.execution_options(ledger_write=True)
        #: Whether a transaction is open on it (a nested one gets a connection of its own).
        self.busy = False

    def discard(self) -> None:
        """Close the connection for good (not back to the pool): it may be broken."""
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            self.conn.invalidate()
            self.conn.close()

    def __del__(self) -> None:
        # A finaliser (its thread ended): the pool may be gone already.
        with contextlib.suppress(Exception):
            self.conn.close()


class LedgerBase:
    """An open ledger database, migrated to the current schema."""

    def __init__(self, url: str) -> None:
        self.url = url
        #: Tells this ledger's saved rows on records (see save_order) from another's.
        self.token = uuid.uuid4().hex
        self._deferred: list[Deferred] = []
        self._deferred_lock = threading.Lock()
        self._local = threading.local()
        self._writers: weakref.WeakSet[_Writer] = weakref.WeakSet()
        try:
            shown = sa.engine.make_url(url).render_as_string(hide_password=True)
        except sa.exc.ArgumentError:
            shown = url.split("://", 1)[0] + "://..."
        #: The URL as shown to an operator: without its password.
        self.shown = shown
        try:
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            # Each writing thread keeps a connection checked out (see the module's doc): the
            # pool's overflow is not capped, so many threads never wait for one another's.
            options = {"max_overflow": -1} if not _in_memory(url) else {}
            self.engine: Engine = sa.create_engine(url, future=True, **options)
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            raise LedgerError(f"cannot open the ledger at {shown}: {reason(exc)}") from exc
        dialect = self.engine.dialect.name
        if dialect not in SUPPORTED_DIALECTS:
            self.engine.dispose()
            raise LedgerError(
                f"cannot open the ledger at {shown}: it runs on SQLite or PostgreSQL, not {dialect}"
            )
        if dialect == "sqlite":
            sa.event.listen(self.engine, "connect", sqlite_connect)
            sa.event.listen(self.engine, "begin", sqlite_begin)
        try:
            self.migrate()
        except LedgerError as exc:
            self.engine.dispose()
            raise LedgerError(f"cannot open the ledger at {shown}: {exc}") from exc

    def close(self) -> None:
        """Write what is held for the next transaction, then release the database connections."""
        try:
            self.flush()
        finally:
            for writer in list(self._writers):
                writer.conn.close()
            self._writers.clear()
            self.engine.dispose()

    def flush(self) -> None:
        """Write now what is held for the next transaction (nothing to do if nothing is)."""
        if self._deferred:
            with self._begin():
                pass

    def _defer(self, write: Deferred) -> None:
        """Hold ``write`` for the next transaction of this ledger (see the module's doc)."""
        with self._deferred_lock:
            self._deferred.append(write)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        # A write transaction. On SQLite it takes the write lock up front (BEGIN IMMEDIATE): a
        # read-then-write transaction that upgrades later fails at once with "database is locked"
        # when another writer got in between, whatever the busy timeout.
        # Writes held for it go first. If the transaction fails they are dropped with it: their
        # intents stay open, as after a crash, and the next run looks at what they settled.
        with self._deferred_lock:
            held, self._deferred = self._deferred, []
        writer = self._writer()
        writer.busy = True
        failed = True
        try:
            with writer.conn.begin():
                committed = [write(writer.conn) for write in held]
                yield writer.conn
            failed = False
        except sa.exc.SQLAlchemyError as exc:
            raise LedgerError(f"ledger write failed: {reason(exc)}") from exc
        finally:
            writer.busy = False
            if failed:
                self._drop(writer)
        for after in committed:
            after()

    def _writer(self) -> _Writer:
        """This thread's write connection (a new one if it has none, or it is in use)."""
        writer: _Writer | None = getattr(self._local, "writer", None)
        if writer is not None and not writer.busy and not writer.conn.closed:
            return writer
        try:
            made = _Writer(self.engine)
        except sa.exc.SQLAlchemyError as exc:
            raise LedgerError(f"ledger write failed: {reason(exc)}") from exc
        if writer is None or writer.conn.closed:
            self._local.writer = made
        self._writers.add(made)
        return made

    def _drop(self, writer: _Writer) -> None:
        """Forget a connection whose transaction failed: the next write opens a new one."""
        writer.discard()
        if getattr(self._local, "writer", None) is writer:
            del self._local.writer

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        # What this ledger holds for the next transaction is written before anything is read.
        self.flush()
        try:
            with self.engine.connect() as conn:
                yield conn
        except sa.exc.SQLAlchemyError as exc:
            raise LedgerError(f"ledger read failed: {reason(exc)}") from exc

    def migrate(self) -> list[str]:
        """Apply the migrations not yet recorded; return their names.

        Safe when several processes open a new ledger at once: one applies them, the others wait
        for its transaction and find nothing left to do."""
        names = {name for name, _ in migrations.MIGRATIONS}
        with self._read() as conn:
            if names <= migrations.applied(conn):
                return []
        with self._begin() as conn:
            return migrations.apply_pending(conn)

    def applied_migrations(self) -> list[str]:
        """Names of the migrations this ledger has had, in order applied."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(migrations_table.c.name).order_by(migrations_table.c.name)
            )
            return [r.name for r in rows]


def _in_memory(url: str) -> bool:
    """Whether ``url`` is an in-memory SQLite database (its pool has no overflow to set)."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        return False
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")
