"""The ledger: what was done, so that every re-run is safe.

SQLAlchemy Core on SQLite (WAL) by default, in the state folder; the same code runs on PostgreSQL
when several machines share one ledger. The schema is built by named migrations recorded in the
``migrations`` table. Every remote write is recorded as an *intent* before it is sent, so a crash
between sending and recording is recognised on the next run (and resolved by looking the order up
by its customer reference) instead of being repeated blindly.

No secret is stored: rows keep the E.164 number, where it came from and what happened, never the
PIN or account number; order-level data is kept only as a hash (the PATCH fingerprint).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from porting_batch.errors import LedgerError

metadata = sa.MetaData()

migrations_table = sa.Table(
    "migrations",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("applied_at", sa.String(40), nullable=False),
)
batches = sa.Table(
    "batches",
    metadata,
    sa.Column("batch_id", sa.String(200), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("settings_json", sa.Text, nullable=False, default="{}"),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("runs", sa.Integer, nullable=False, default=0),
    sa.Column("report_folder", sa.Text, nullable=False, default=""),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
)
groups = sa.Table(
    "groups",
    metadata,
    sa.Column("batch_id", sa.String(200), primary_key=True),
    sa.Column("group_key", sa.String(64), primary_key=True),
    sa.Column("customer_reference", sa.String(200), nullable=False),
    sa.Column("account", sa.Text, nullable=False, default=""),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("created", sa.Boolean, nullable=False, default=False),
)
orders = sa.Table(
    "orders",
    metadata,
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("batch_id", sa.String(200), nullable=False, index=True),
    sa.Column("group_key", sa.String(64), nullable=False),
    sa.Column("customer_reference", sa.String(200), nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("phone_numbers_json", sa.Text, nullable=False),
    sa.Column("country", sa.String(8), nullable=False, default=""),
    sa.Column("phone_number_type", sa.String(40), nullable=False, default=""),
    sa.Column("carrier", sa.String(200), nullable=False, default=""),
    sa.Column("fast_port", sa.Boolean, nullable=False, default=False),
    sa.Column("foc_chosen", sa.String(40), nullable=False, default=""),
    sa.Column("foc_reason", sa.Text, nullable=False, default=""),
    sa.Column("documents_json", sa.Text, nullable=False, default="{}"),
    sa.Column("patched_fingerprint", sa.String(64), nullable=False, default=""),
    sa.Column("confirmed", sa.Boolean, nullable=False, default=False),
    sa.Column("attention", sa.Text, nullable=False, default=""),
    sa.Column("support_key", sa.String(80), nullable=False, default=""),
    sa.Column("updated_at", sa.String(40), nullable=False),
)
order_numbers = sa.Table(
    "order_numbers",
    metadata,
    sa.Column("phone_number", sa.String(20), primary_key=True),
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("batch_id", sa.String(200), nullable=False, index=True),
)
documents = sa.Table(
    "documents",
    metadata,
    sa.Column("content_hash", sa.String(64), primary_key=True),
    sa.Column("document_id", sa.String(64), nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("uploaded_at", sa.String(40), nullable=False),
)
intents = sa.Table(
    "intents",
    metadata,
    sa.Column("intent_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("batch_id", sa.String(200), nullable=False, index=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("target", sa.String(200), nullable=False),
    sa.Column("payload_hash", sa.String(64), nullable=False, default=""),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
)
numbers = sa.Table(
    "numbers",
    metadata,
    sa.Column("batch_id", sa.String(200), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("sheet", sa.String(100), nullable=False),
    sa.Column("row", sa.Integer, nullable=False),
    sa.Column("phone_number", sa.String(20), nullable=False),
    sa.Column("outcome", sa.String(40), nullable=False),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    sa.Column("order_id", sa.String(64), nullable=False, default=""),
)


issues = sa.Table(
    "issues",
    metadata,
    sa.Column("batch_id", sa.String(200), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("issue_json", sa.Text, nullable=False),
)

_INITIAL_TABLES = (batches, groups, orders, order_numbers, documents, intents, numbers)


def _initial_schema(conn: Connection) -> None:
    metadata.create_all(conn, tables=list(_INITIAL_TABLES))


def _issues_table(conn: Connection) -> None:
    # Issues are kept so that 'porting-batch report' can rewrite a report without the API's
    # answers of the original run; secret cell values are already masked by intake.
    metadata.create_all(conn, tables=[issues])


#: Named migrations, applied in order and recorded; never edit one that has shipped.
MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    ("0001_initial_schema", _initial_schema),
    ("0002_issues", _issues_table),
]


def now_text() -> str:
    """The current UTC time as ISO text (the ledger stores times as text for portability)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class OrderRecord:
    """One porting order as the ledger knows it."""

    order_id: str
    batch_id: str
    group_key: str
    customer_reference: str
    status: str
    phone_numbers: list[str]
    country: str = ""
    phone_number_type: str = ""
    carrier: str = ""
    fast_port: bool = False
    foc_chosen: str = ""
    foc_reason: str = ""
    documents: dict[str, str] = field(default_factory=dict)
    patched_fingerprint: str = ""
    confirmed: bool = False
    attention: str = ""
    support_key: str = ""


@dataclass
class NumberRecord:
    """One number's last known state in a batch."""

    sheet: str
    row: int
    phone_number: str
    outcome: str
    reason: str = ""
    order_id: str = ""


#: Order statuses after which a number is free to be ordered again.
INACTIVE_STATUSES = frozenset({"cancelled", "deleted"})


class Ledger:
    """The record of batches, orders, documents and write intents."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = sa.create_engine(url, future=True)
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            raise LedgerError(f"cannot open the ledger at {url}: {exc}") from exc
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.migrate()

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except sa.exc.SQLAlchemyError as exc:
            raise LedgerError(f"ledger write failed: {exc}") from exc

    def migrate(self) -> list[str]:
        """Apply the migrations not yet recorded; return their names."""
        applied: list[str] = []
        with self._begin() as conn:
            migrations_table.create(conn, checkfirst=True)
            done = {r.name for r in conn.execute(sa.select(migrations_table.c.name))}
            for name, apply in MIGRATIONS:
                if name in done:
                    continue
                apply(conn)
                conn.execute(migrations_table.insert().values(name=name, applied_at=now_text()))
                applied.append(name)
        return applied

    def applied_migrations(self) -> list[str]:
        """Names of the migrations this ledger has had, in order applied."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(migrations_table.c.name).order_by(migrations_table.c.name)
            )
            return [r.name for r in rows]

    # batches -------------------------------------------------------------------------------
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
        with self._begin() as conn:
            existing = conn.execute(
                sa.select(batches.c.runs).where(batches.c.batch_id == batch_id)
            ).first()
            values = {
                "name": name,
                "file_name": file_name,
                "content_hash": content_hash,
                "settings_json": json.dumps(settings, sort_keys=True, default=str),
                "status": "running",
                "updated_at": stamp,
            }
            if existing is None:
                conn.execute(
                    batches.insert().values(batch_id=batch_id, runs=1, created_at=stamp, **values)
                )
                return True
            conn.execute(
                batches.update()
                .where(batches.c.batch_id == batch_id)
                .values(runs=existing.runs + 1, **values)
            )
            return False

    def finish_batch(self, batch_id: str, status: str, report_folder: str = "") -> None:
        """Record how a run of the batch ended and where its report is."""
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
        """The batch's record, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(batches).where(batches.c.batch_id == batch_id)).first()
        return dict(row._mapping) if row is not None else None

    # groups and intents ------------------------------------------------------------------------
    def save_group(
        self,
        batch_id: str,
        group_key: str,
        *,
        customer_reference: str,
        account: str,
        fingerprint: str,
    ) -> None:
        """Record an order group (insert or update its fingerprint)."""
        with self._begin() as conn:
            found = conn.execute(
                sa.select(groups.c.group_key).where(
                    groups.c.batch_id == batch_id, groups.c.group_key == group_key
                )
            ).first()
            if found is None:
                conn.execute(
                    groups.insert().values(
                        batch_id=batch_id,
                        group_key=group_key,
                        customer_reference=customer_reference,
                        account=account,
                        fingerprint=fingerprint,
                        created=False,
                    )
                )
            else:
                conn.execute(
                    groups.update()
                    .where(groups.c.batch_id == batch_id, groups.c.group_key == group_key)
                    .values(fingerprint=fingerprint, account=account)
                )

    def group_accounts(self, batch_id: str) -> dict[str, str]:
        """The batch's group keys and their readable account labels."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(groups.c.group_key, groups.c.account).where(groups.c.batch_id == batch_id)
            )
            return {r.group_key: r.account for r in rows}

    def record_intent(self, batch_id: str, kind: str, target: str, payload_hash: str = "") -> int:
        """Write down a remote write before it is sent; returns the intent's id."""
        stamp = now_text()
        with self._begin() as conn:
            result = conn.execute(
                intents.insert().values(
                    batch_id=batch_id,
                    kind=kind,
                    target=target,
                    payload_hash=payload_hash,
                    state="sent",
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
            key = result.inserted_primary_key
            return int(key[0]) if key else 0

    def settle_intent(self, intent_id: int, state: str, detail: str = "") -> None:
        """Mark an intent done or failed once its answer is known."""
        with self._begin() as conn:
            conn.execute(
                intents.update()
                .where(intents.c.intent_id == intent_id)
                .values(state=state, detail=detail[:2000], updated_at=now_text())
            )

    def open_intents(self, batch_id: str, kind: str | None = None) -> list[dict[str, Any]]:
        """Intents sent but never settled: the writes a crash may have left in doubt."""
        query = sa.select(intents).where(intents.c.batch_id == batch_id, intents.c.state == "sent")
        if kind:
            query = query.where(intents.c.kind == kind)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query.order_by(intents.c.intent_id))]

    def intents_for(self, batch_id: str) -> list[dict[str, Any]]:
        """Every intent of a batch, oldest first."""
        query = sa.select(intents).where(intents.c.batch_id == batch_id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query.order_by(intents.c.intent_id))]

    # orders ----------------------------------------------------------------------------------
    def save_order(self, record: OrderRecord) -> None:
        """Insert or replace an order and the numbers it holds."""
        values = {
            "batch_id": record.batch_id,
            "group_key": record.group_key,
            "customer_reference": record.customer_reference,
            "status": record.status,
            "phone_numbers_json": json.dumps(record.phone_numbers),
            "country": record.country,
            "phone_number_type": record.phone_number_type,
            "carrier": record.carrier,
            "fast_port": record.fast_port,
            "foc_chosen": record.foc_chosen,
            "foc_reason": record.foc_reason,
            "documents_json": json.dumps(record.documents, sort_keys=True),
            "patched_fingerprint": record.patched_fingerprint,
            "confirmed": record.confirmed,
            "attention": record.attention,
            "support_key": record.support_key,
            "updated_at": now_text(),
        }
        with self._begin() as conn:
            found = conn.execute(
                sa.select(orders.c.order_id).where(orders.c.order_id == record.order_id)
            ).first()
            if found is None:
                conn.execute(orders.insert().values(order_id=record.order_id, **values))
            else:
                conn.execute(
                    orders.update().where(orders.c.order_id == record.order_id).values(**values)
                )
            conn.execute(order_numbers.delete().where(order_numbers.c.order_id == record.order_id))
            if record.phone_numbers:
                conn.execute(
                    order_numbers.insert(),
                    [
                        {
                            "phone_number": n,
                            "order_id": record.order_id,
                            "batch_id": record.batch_id,
                        }
                        for n in record.phone_numbers
                    ],
                )
            conn.execute(
                groups.update()
                .where(groups.c.batch_id == record.batch_id, groups.c.group_key == record.group_key)
                .values(created=True)
            )

    def orders_for_batch(self, batch_id: str) -> list[OrderRecord]:
        """The batch's orders, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(orders).where(orders.c.batch_id == batch_id).order_by(orders.c.order_id)
            )
            return [_order_record(r._mapping) for r in rows]

    def orders_for_group(self, batch_id: str, group_key: str) -> list[OrderRecord]:
        """Orders already made for one group."""
        return [o for o in self.orders_for_batch(batch_id) if o.group_key == group_key]

    def active_orders_for_numbers(self, phone_numbers: Iterable[str]) -> dict[str, OrderRecord]:
        """For each number in a known, still active order (of any batch), that order."""
        wanted = list(dict.fromkeys(phone_numbers))
        found: dict[str, OrderRecord] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                rows = conn.execute(
                    sa.select(order_numbers.c.phone_number, orders)
                    .join(orders, orders.c.order_id == order_numbers.c.order_id)
                    .where(order_numbers.c.phone_number.in_(chunk))
                    .where(orders.c.status.not_in(sorted(INACTIVE_STATUSES)))
                )
                for r in rows:
                    found[r.phone_number] = _order_record(r._mapping)
        return found

    def delete_order(self, order_id: str) -> None:
        """Forget an order (after it was deleted remotely)."""
        with self._begin() as conn:
            conn.execute(order_numbers.delete().where(order_numbers.c.order_id == order_id))
            conn.execute(
                orders.update()
                .where(orders.c.order_id == order_id)
                .values(status="deleted", updated_at=now_text())
            )

    # documents -------------------------------------------------------------------------------
    def document_id(self, content_hash: str) -> str | None:
        """The remote id of a document already uploaded with this content."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(documents.c.document_id).where(documents.c.content_hash == content_hash)
            ).first()
        return row.document_id if row is not None else None

    def save_document(self, content_hash: str, document_id: str, file_name: str) -> None:
        """Remember an uploaded document by its content hash."""
        with self._begin() as conn:
            conn.execute(documents.delete().where(documents.c.content_hash == content_hash))
            conn.execute(
                documents.insert().values(
                    content_hash=content_hash,
                    document_id=document_id,
                    file_name=file_name,
                    uploaded_at=now_text(),
                )
            )

    # numbers -----------------------------------------------------------------------------------
    def save_numbers(self, batch_id: str, records: Sequence[NumberRecord]) -> None:
        """Replace the batch's per-number states with these."""
        with self._begin() as conn:
            conn.execute(numbers.delete().where(numbers.c.batch_id == batch_id))
            if records:
                conn.execute(
                    numbers.insert(),
                    [
                        {
                            "batch_id": batch_id,
                            "seq": seq,
                            "sheet": r.sheet,
                            "row": r.row,
                            "phone_number": r.phone_number,
                            "outcome": r.outcome,
                            "reason": r.reason,
                            "order_id": r.order_id,
                        }
                        for seq, r in enumerate(records)
                    ],
                )

    def save_issues(self, batch_id: str, items: Sequence[dict[str, Any]]) -> None:
        """Replace the batch's issues (plain dicts) with these."""
        with self._begin() as conn:
            conn.execute(issues.delete().where(issues.c.batch_id == batch_id))
            if items:
                conn.execute(
                    issues.insert(),
                    [
                        {"batch_id": batch_id, "seq": seq, "issue_json": json.dumps(item)}
                        for seq, item in enumerate(items)
                    ],
                )

    def issues_for_batch(self, batch_id: str) -> list[dict[str, Any]]:
        """The batch's issues as saved, in order."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(issues.c.issue_json)
                .where(issues.c.batch_id == batch_id)
                .order_by(issues.c.seq)
            )
            return [json.loads(r.issue_json) for r in rows]

    def batches_list(self) -> list[dict[str, Any]]:
        """Every batch, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(batches).order_by(batches.c.updated_at.desc()))
            return [dict(r._mapping) for r in rows]

    def numbers_for_batch(self, batch_id: str) -> list[NumberRecord]:
        """The batch's per-number states, in input order."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(numbers).where(numbers.c.batch_id == batch_id).order_by(numbers.c.seq)
            )
            return [
                NumberRecord(
                    sheet=r.sheet,
                    row=r.row,
                    phone_number=r.phone_number,
                    outcome=r.outcome,
                    reason=r.reason,
                    order_id=r.order_id,
                )
                for r in rows
            ]


def _order_record(m: Any) -> OrderRecord:
    return OrderRecord(
        order_id=m["order_id"],
        batch_id=m["batch_id"],
        group_key=m["group_key"],
        customer_reference=m["customer_reference"],
        status=m["status"],
        phone_numbers=json.loads(m["phone_numbers_json"]),
        country=m["country"],
        phone_number_type=m["phone_number_type"],
        carrier=m["carrier"],
        fast_port=bool(m["fast_port"]),
        foc_chosen=m["foc_chosen"],
        foc_reason=m["foc_reason"],
        documents=json.loads(m["documents_json"] or "{}"),
        patched_fingerprint=m["patched_fingerprint"],
        confirmed=bool(m["confirmed"]),
        attention=m["attention"],
        support_key=m["support_key"],
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets a report or a second reader look while a run writes; the busy timeout makes
    # concurrent writers wait instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
