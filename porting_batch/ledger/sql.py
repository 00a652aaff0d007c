"""SQL the ledger's tables share: dialect upserts, the database's clock, SQLite's connection set-up.

The ledger runs on SQLite and PostgreSQL only. Both have ``INSERT ... ON CONFLICT``, with the
same SQLAlchemy API, so every insert-or-update is one statement on one code path: two processes
writing the same key can neither both insert it nor fail on the key, as a select-then-insert
would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, CursorResult

from porting_batch.ledger.records import lease_text

#: The dialects' own INSERT constructs, which know ``ON CONFLICT``.
_DIALECT_INSERTS: dict[str, Callable[[sa.Table], Any]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}
SUPPORTED_DIALECTS = frozenset(_DIALECT_INSERTS)

#: Upsert statements by dialect, table, keys, updated and given columns: the ``excluded``
#: alias alone costs more to build than the write.
_UPSERTS: dict[tuple[Any, ...], Any] = {}


def dialect_insert(conn: Connection, table: sa.Table) -> Any:
    """The INSERT of ``table`` in the connection's dialect (one with ``on_conflict_do_*``)."""
    return _DIALECT_INSERTS[conn.dialect.name](table)


def upsert_statement(
    conn: Connection,
    table: sa.Table,
    keys: Sequence[str],
    update: Sequence[str],
    extra: Mapping[str, Any] | None = None,
) -> Any:
    """INSERT, or on a conflict of ``keys`` set the ``update`` columns from the row offered (and
    ``extra`` expressions over the existing row)."""
    base = dialect_insert(conn, table)
    set_ = {c: base.excluded[c] for c in update} | dict(extra or {})
    return base.on_conflict_do_update(index_elements=list(keys), set_=set_)


def upsert(
    conn: Connection,
    table: sa.Table,
    rows: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert ``rows`` (one, or several with the same columns), updating the ``update`` columns
    of any whose ``keys`` exist already: one statement, atomic against other writers."""
    many = [rows] if isinstance(rows, Mapping) else list(rows)
    if not many:
        return
    cache_key = (conn.dialect.name, table.name, tuple(keys), tuple(update), tuple(many[0]))
    statement = _UPSERTS.get(cache_key)
    if statement is None:
        statement = _UPSERTS[cache_key] = upsert_statement(conn, table, keys, update)
    conn.execute(statement, many)


def insert_new(
    conn: Connection, table: sa.Table, row: Mapping[str, Any], keys: Sequence[str]
) -> bool:
    """Insert ``row`` unless one with the same ``keys`` exists; True when inserted."""
    statement = dialect_insert(conn, table).on_conflict_do_nothing(index_elements=list(keys))
    result: CursorResult[Any] = conn.execute(statement.values(dict(row)))
    return bool(result.rowcount == 1)


def reason(exc: BaseException) -> str:
    """The database's own complaint, on one line (an operator reads it)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def clock(conn: Connection) -> datetime | None:
    """The time by the database server's clock (PostgreSQL), so that machines sharing a ledger
    judge leases by one clock; None (this machine's clock) for SQLite, which is local anyway."""
    if conn.dialect.name != "postgresql":
        return None
    moment = conn.execute(sa.text("SELECT clock_timestamp()")).scalar_one()
    return moment if isinstance(moment, datetime) else None


def lease_now(conn: Connection) -> str:
    """Now as a lease text, by the clock that sets the leases (see ``clock``)."""
    return lease_text(clock(conn) or datetime.now(UTC))


def sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """Set up a new SQLite connection (a ``connect`` event listener)."""
    # The driver's own transaction handling is switched off: sqlite_begin issues BEGIN itself,
    # so that DDL is transactional and writers can ask for the lock up front.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # The busy timeout first: switching to WAL needs a lock that a concurrent opener may hold.
    # WAL lets a report or a second reader look while a run writes; the busy timeout makes
    # concurrent writers wait instead of failing at once.
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def sqlite_begin(conn: Connection) -> None:
    """Begin an SQLite transaction, a write one with the write lock (a ``begin`` listener)."""
    write = conn.get_execution_options().get("ledger_write", False)
    # Straight to the driver: a statement through SQLAlchemy costs more than the BEGIN itself.
    driver = conn.connection.driver_connection
    assert driver is not None  # a connection being begun is open
    driver.execute("BEGIN IMMEDIATE" if write else "BEGIN")
