"""Moving a ledger to another database: one machine's SQLite ledger onto the PostgreSQL one that
several machines share (``porting-batch ledger migrate --to URL``).

Both ledgers are opened (and so migrated) first, so the copy is between one schema and itself.
The target must hold no record yet: merging two ledgers could put a number in two orders, and
only an operator can judge which one is right. The copy is one transaction on the target: a
failure leaves it as empty as it was.
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from porting_batch.errors import LedgerError
from porting_batch.ledger.base import LedgerBase
from porting_batch.ledger.schema import metadata, migrations_table
from porting_batch.ledger.sql import reason

#: Rows read and written at a time: a large ledger is never held in memory at once.
CHUNK_ROWS = 2_000


def _tables() -> list[sa.Table]:
    # Parents before children, so that a foreign key always finds its row.
    return [t for t in metadata.sorted_tables if t is not migrations_table]


def _chunks(conn: Connection, table: sa.Table) -> Iterator[list[dict[str, object]]]:
    key = list(table.primary_key.columns)
    result = conn.execute(sa.select(table).order_by(*key)).mappings()
    while rows := result.fetchmany(CHUNK_ROWS):
        yield [dict(row) for row in rows]


def _records(conn: Connection) -> dict[str, int]:
    count = sa.func.count()
    return {t.name: conn.execute(sa.select(count).select_from(t)).scalar_one() for t in _tables()}


def _reset_sequences(conn: Connection) -> None:
    # Rows copied with their ids leave PostgreSQL's sequences at 1: the next new row would
    # take an id already used.
    if conn.dialect.name != "postgresql":
        return
    for table in _tables():
        for column in table.primary_key.columns:
            if column.autoincrement is True:
                highest = conn.execute(sa.select(sa.func.max(column))).scalar_one() or 0
                sequence = sa.func.pg_get_serial_sequence(table.name, column.name)
                conn.execute(sa.select(sa.func.setval(sequence, highest + 1, False)))


def migrate_to(source_url: str, target_url: str) -> dict[str, int]:
    """Copy every record of the ledger at ``source_url`` into the empty ledger at
    ``target_url``; return the rows copied per table. The source is only read."""
    source = LedgerBase(source_url)
    try:
        target = LedgerBase(target_url)
    except LedgerError:
        source.close()
        raise
    try:
        source.flush()
        with target._read() as conn:
            held = {name: n for name, n in _records(conn).items() if n}
        if held:
            shown = ", ".join(f"{n} {name}" for name, n in held.items())
            raise LedgerError(
                f"the ledger at {target.shown} already holds records ({shown}); "
                "the copy goes into an empty ledger only"
            )
        copied: dict[str, int] = {}
        with source._read() as reading, target._begin() as writing:
            for table in _tables():
                copied[table.name] = 0
                for rows in _chunks(reading, table):
                    writing.execute(table.insert(), rows)
                    copied[table.name] += len(rows)
            _reset_sequences(writing)
        return copied
    except sa.exc.SQLAlchemyError as exc:
        raise LedgerError(f"ledger copy failed: {reason(exc)}") from exc
    finally:
        target.close()
        source.close()
