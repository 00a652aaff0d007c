"""The ledger's migrations, each frozen as it shipped.

A migration states its own DDL: table copies as they were at that migration, explicit indexes and
``ALTER TABLE`` statements. It never refers to the live definitions in ``schema``, so a column added
later reaches old and new ledgers the same way: through a new migration. Never edit a migration
that has shipped; add the next one, and add the change to ``schema`` too (a test compares them).

Several processes may open a new ledger at once: migrations run in one transaction that holds the
database's write lock (SQLite ``BEGIN IMMEDIATE``, PostgreSQL an advisory lock), so the second
process waits and then finds them applied.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from porting_batch.ledger.records import now_text

#: Advisory lock key taken while migrating a PostgreSQL ledger ("ledger" in ASCII).
PG_MIGRATION_LOCK = 0x6C6564676572


def _migrations_table(meta: sa.MetaData) -> sa.Table:
    return sa.Table(
        "migrations",
        meta,
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("applied_at", sa.String(40), nullable=False),
    )


def _m0001_initial_schema(conn: Connection) -> None:
    # The tables as released at ee373c7, copied here so later edits to the live schema cannot
    # change what this migration makes.
    meta = sa.MetaData()
    _m0001_batches_and_groups(meta)
    _m0001_orders(meta)
    _m0001_documents_intents_numbers(meta)
    meta.create_all(conn)


def _m0001_batches_and_groups(meta: sa.MetaData) -> None:
    # Part of 0001 as released: the batches and their order groups.
    sa.Table(
        "batches",
        meta,
        sa.Column("batch_id", sa.String(200), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("settings_json", sa.Text, nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("runs", sa.Integer, nullable=False),
        sa.Column("report_folder", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    sa.Table(
        "groups",
        meta,
        sa.Column("batch_id", sa.String(200), primary_key=True),
        sa.Column("group_key", sa.String(64), primary_key=True),
        sa.Column("customer_reference", sa.String(200), nullable=False),
        sa.Column("account", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("created", sa.Boolean, nullable=False),
    )


def _m0001_orders(meta: sa.MetaData) -> None:
    # Part of 0001 as released: the orders and the numbers each holds.
    sa.Table(
        "orders",
        meta,
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("batch_id", sa.String(200), nullable=False, index=True),
        sa.Column("group_key", sa.String(64), nullable=False),
        sa.Column("customer_reference", sa.String(200), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("phone_numbers_json", sa.Text, nullable=False),
        sa.Column("country", sa.String(8), nullable=False),
        sa.Column("phone_number_type", sa.String(40), nullable=False),
        sa.Column("carrier", sa.String(200), nullable=False),
        sa.Column("fast_port", sa.Boolean, nullable=False),
        sa.Column("foc_chosen", sa.String(40), nullable=False),
        sa.Column("foc_reason", sa.Text, nullable=False),
        sa.Column("documents_json", sa.Text, nullable=False),
        sa.Column("patched_fingerprint", sa.String(64), nullable=False),
        sa.Column("confirmed", sa.Boolean, nullable=False),
        sa.Column("attention", sa.Text, nullable=False),
        sa.Column("support_key", sa.String(80), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    sa.Table(
        "order_numbers",
        meta,
        sa.Column("phone_number", sa.String(20), primary_key=True),
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("batch_id", sa.String(200), nullable=False, index=True),
    )


def _m0001_documents_intents_numbers(meta: sa.MetaData) -> None:
    # Part of 0001 as released: uploaded documents, write intents, per-number states.
    sa.Table(
        "documents",
        meta,
        sa.Column("content_hash", sa.String(64), primary_key=True),
        sa.Column("document_id", sa.String(64), nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("uploaded_at", sa.String(40), nullable=False),
    )
    sa.Table(
        "intents",
        meta,
        sa.Column("intent_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.String(200), nullable=False, index=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    sa.Table(
        "numbers",
        meta,
        sa.Column("batch_id", sa.String(200), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("sheet", sa.String(100), nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("phone_number", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False),
    )


def _m0002_issues(conn: Connection) -> None:
    # Issues are kept so that 'porting-batch report' can rewrite a report without the API's
    # answers of the original run; secret cell values are already masked by intake.
    meta = sa.MetaData()
    sa.Table(
        "issues",
        meta,
        sa.Column("batch_id", sa.String(200), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("issue_json", sa.Text, nullable=False),
    ).create(conn)


def _m0003_batch_holds(conn: Connection) -> None:
    # One run of a batch at a time, across processes and machines: the lease lives beside the
    # data it protects, so it works wherever the ledger does.
    meta = sa.MetaData()
    sa.Table(
        "batch_holds",
        meta,
        sa.Column("batch_id", sa.String(200), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("started", sa.String(40), nullable=False),
        sa.Column("acquired_at", sa.String(40), nullable=False),
        sa.Column("expires_at", sa.String(40), nullable=False),
    ).create(conn)


def _m0004_intents_by_target(conn: Connection) -> None:
    # Whether one order's write is in doubt is asked per order: make it an index lookup.
    conn.exec_driver_sql(
        "CREATE INDEX ix_intents_batch_state_target ON intents (batch_id, state, target)"
    )


def _m0005_porting_events(conn: Connection) -> None:
    # Porting events (webhooks and /porting/events) are recorded once per id, so a duplicate
    # delivery or a re-read page is never applied twice; the summary keeps only what tracking
    # needs, never the end user's PIN, account number or names.
    meta = sa.MetaData()
    sa.Table(
        "porting_events",
        meta,
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("order_id", sa.String(64), nullable=False, index=True),
        sa.Column("occurred_at", sa.String(40), nullable=False),
        sa.Column("received_via", sa.String(20), nullable=False),
        sa.Column("summary_json", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("applied_at", sa.String(40), nullable=True, index=True),
    )
    # Where each read of /porting/events got to, so the next one asks only for what is newer.
    sa.Table(
        "event_cursors",
        meta,
        sa.Column("scope", sa.String(200), primary_key=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    # What tracking last saw of an order beyond its status: the confirmed FOC and exception
    # codes, so that the next look can say what changed.
    sa.Table(
        "order_tracking",
        meta,
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("foc_actual", sa.String(40), nullable=False),
        sa.Column("exception_codes", sa.Text, nullable=False),
        sa.Column("split_from", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    meta.create_all(conn)


def _m0006_sent_fields(conn: Connection) -> None:
    # What each order was last sent, field by field, as keyed fingerprints (never the values):
    # a fix then PATCHes only the fields whose fingerprint the sheet changed.
    meta = sa.MetaData()
    sa.Table(
        "sent_fields",
        meta,
        sa.Column("order_id", sa.String(64), primary_key=True),
        sa.Column("path", sa.String(120), primary_key=True),
        sa.Column("batch_id", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    ).create(conn)


def _m0007_csr_records(conn: Connection) -> None:
    # Each account's CSR, so a re-run does not ask the carrier again. Keyed by an HMAC of the
    # BTN, account number and PIN asked with; only what the comparison needs is kept, the
    # account number as a keyed fingerprint, the PIN not at all.
    meta = sa.MetaData()
    sa.Table(
        "csr_records",
        meta,
        sa.Column("cache_key", sa.String(64), primary_key=True),
        sa.Column("csr_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("view_json", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    ).create(conn)


def _m0008_number_answers_and_run_start(conn: Connection) -> None:
    # A re-run checks no number it already ordered: each number's portability answer is kept
    # with its state so that later reports still show it; and the start of the latest run,
    # which a rebuilt report shows (the batch's created_at is its first run's).
    for statement in (
        "ALTER TABLE numbers ADD COLUMN phone_number_type VARCHAR(40) DEFAULT '' NOT NULL",
        "ALTER TABLE numbers ADD COLUMN carrier VARCHAR(200) DEFAULT '' NOT NULL",
        "ALTER TABLE numbers ADD COLUMN portable BOOLEAN",
        "ALTER TABLE numbers ADD COLUMN fast_portable BOOLEAN",
        "ALTER TABLE batches ADD COLUMN run_started_at VARCHAR(40) DEFAULT '' NOT NULL",
    ):
        conn.exec_driver_sql(statement)


def _m0009_indexes_at_scale(conn: Connection) -> None:
    # Each saved order replaces its numbers by order id, which the primary key (phone number
    # first) cannot answer: without an index every save scanned the numbers of all batches.
    conn.exec_driver_sql("CREATE INDEX ix_order_numbers_order_id ON order_numbers (order_id)")
    # Every intent is written twice (recorded, settled), each time into every index of the
    # table; (batch_id, state, target) answers whatever batch_id alone did.
    conn.exec_driver_sql("DROP INDEX ix_intents_batch_id")


#: Named migrations, applied in order and recorded; never edit one that has shipped.
MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    ("0001_initial_schema", _m0001_initial_schema),
    ("0002_issues", _m0002_issues),
    ("0003_batch_holds", _m0003_batch_holds),
    ("0004_intents_by_target", _m0004_intents_by_target),
    ("0005_porting_events", _m0005_porting_events),
    ("0006_sent_fields", _m0006_sent_fields),
    ("0007_csr_records", _m0007_csr_records),
    ("0008_number_answers_and_run_start", _m0008_number_answers_and_run_start),
    ("0009_indexes_at_scale", _m0009_indexes_at_scale),
]


def applied(conn: Connection) -> set[str]:
    """Names of the migrations recorded in this database (none when it is new)."""
    if not sa.inspect(conn).has_table("migrations"):
        return set()
    table = _migrations_table(sa.MetaData())
    return {r.name for r in conn.execute(sa.select(table.c.name))}


def apply_pending(conn: Connection) -> list[str]:
    """Apply and record the migrations not yet applied, on a connection inside a write
    transaction (for SQLite one begun with ``BEGIN IMMEDIATE``); return their names."""
    if conn.dialect.name == "postgresql":
        # Transaction-scoped: released by the commit, also if this process dies.
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})
    table = _migrations_table(sa.MetaData())
    table.create(conn, checkfirst=True)
    done = {r.name for r in conn.execute(sa.select(table.c.name))}
    names: list[str] = []
    for name, apply in MIGRATIONS:
        if name in done:
            continue
        apply(conn)
        conn.execute(table.insert().values(name=name, applied_at=now_text()))
        names.append(name)
    return names


# Kept for code and tests written against the single-module ledger.
_initial_schema = _m0001_initial_schema
_issues_table = _m0002_issues
