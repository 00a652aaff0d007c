"""SQL the ledger's tables share: dialect upserts, the database's clock, SQLite's connection set-up.

The ledger runs on SQLite and PostgreSQL only. Both have ``INSERT ... ON CONFLICT``, with the
same SQLAlchemy API, so every insert-or-update is one statement on one code path: two processes
writing the same key can neither both insert it nor fail on the key, as a select-then-insert
would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
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
    given = tuple(many[0])
    key = ("upsert", table.name, tuple(keys), tuple(update), given)
    statement = prepared(conn, key, partial(_bound_upsert, conn, table, keys, update, given))
    run_prepared(conn, statement, many if len(many) > 1 else many[0])


def _bound_upsert(
    conn: Connection,
    table: sa.Table,
    keys: Sequence[str],
    update: Sequence[str],
    given: Sequence[str],
) -> Any:
    """The upsert of rows of the ``given`` columns, the others at their (constant) defaults:
    sent as compiled, no default is filled in for it."""
    values: dict[str, Any] = {c: sa.bindparam(c) for c in given}
    for column in table.columns:
        if column.name in values or column.default is None:
            continue
        if not isinstance(column.default, sa.ColumnDefault) or not column.default.is_scalar:
            raise ValueError(f"{table.name}.{column.name}: only constant defaults are filled in")
        values[column.name] = column.default.arg
    base = dialect_insert(conn, table).values(values)
    set_ = {c: base.excluded[c] for c in update}
    return base.on_conflict_do_update(index_elements=list(keys), set_=set_)


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


class Prepared:
    """A statement compiled once for one driver, its SQL sent straight to the driver's cursor.

    SQLAlchemy's ``Connection.execute`` costs several times what SQLite takes for a one-row
    write (cache look-up, execution context, result wrapping); the hot writes of a run, an
    intent's record and settle and an order's update, are sent as the SQL it compiled instead.
    Only plain values go through (text, numbers, booleans): both drivers take them as they are.
    """

    def __init__(self, statement: Any, dialect: sa.engine.Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql: str = compiled.string
        #: The bind names in the order the SQL takes them (qmark), or None (named, pyformat).
        self.names: list[str] | None = (
            list(compiled.positiontup or ()) if compiled.positional else None
        )
        #: Values the statement carries itself (a literal compared with, say).
        self.fixed = {
            name: bind.value
            for name, bind in compiled.binds.items()
            if not bind.required and bind.callable is None
        }

    def bind(self, values: Mapping[str, Any]) -> Any:
        """The driver's parameters for ``values`` (by bind name)."""
        if self.fixed:
            values = {**self.fixed, **values}
        if self.names is None:
            return values
        return tuple(values[name] for name in self.names)


#: Prepared statements by driver and the caller's key.
_PREPARED: dict[tuple[str, str, Any], Prepared] = {}


def prepared(conn: Connection, key: Any, build: Callable[[], Any]) -> Prepared:
    """The statement ``build()`` makes, compiled once per driver under ``key``."""
    dialect = conn.dialect
    cache_key = (dialect.name, dialect.driver, key)
    found = _PREPARED.get(cache_key)
    if found is None:
        found = _PREPARED[cache_key] = Prepared(build(), dialect)
    return found


def run_prepared(
    conn: Connection, statement: Prepared, values: Mapping[str, Any] | Sequence[Mapping[str, Any]]
) -> tuple[int, Any]:
    """Execute ``statement`` with one row of ``values`` (or several, as executemany) in the
    connection's transaction; return the row count and the first row returned (or None)."""
    many = not isinstance(values, Mapping)
    params = (
        statement.bind(values)
        if isinstance(values, Mapping)
        else [statement.bind(v) for v in values]
    )
    dispatch = conn.dispatch
    if dispatch.before_cursor_execute or dispatch.after_cursor_execute:
        # Someone watches the statements (a test, an instrument): through SQLAlchemy then.
        result = conn.exec_driver_sql(statement.sql, params)
        return result.rowcount, (result.fetchone() if result.returns_rows else None)
    driver = conn.connection.driver_connection
    assert driver is not None  # a connection in a transaction is open
    cursor = driver.cursor()
    try:
        if many:
            cursor.executemany(statement.sql, params)
        else:
            cursor.execute(statement.sql, params)
        row = cursor.fetchone() if cursor.description is not None else None
        return cursor.rowcount, row
    except conn.dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy would raise it: the ledger turns it into a LedgerError.
        raise sa.exc.DBAPIError.instance(
            statement.sql, params, exc, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
        ) from exc
    finally:
        cursor.close()
