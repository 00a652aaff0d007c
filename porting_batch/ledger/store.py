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
"""

from __future__ import annotations

import dataclasses
import json
import os
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from porting_batch.errors import LedgerError
from porting_batch.ledger import migrations
from porting_batch.ledger.records import (
    INACTIVE_STATUSES,
    BatchHold,
    NumberRecord,
    OrderRecord,
    lease_text,
    lease_times,
    now_text,
    process_started,
    this_host,
)
from porting_batch.ledger.schema import (
    batch_holds,
    batches,
    documents,
    groups,
    intents,
    issues,
    migrations_table,
    numbers,
    order_numbers,
    orders,
)


class Ledger:
    """The record of batches, orders, documents and write intents."""

    def __init__(self, url: str) -> None:
        self.url = url
        #: Tells this ledger's saved rows on records (see save_order) from another's.
        self.token = uuid.uuid4().hex
        try:
            shown = sa.engine.make_url(url).render_as_string(hide_password=True)
        except sa.exc.ArgumentError:
            shown = url.split("://", 1)[0] + "://..."
        try:
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = sa.create_engine(url, future=True)
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            raise LedgerError(f"cannot open the ledger at {shown}: {_reason(exc)}") from exc
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_connect)
            sa.event.listen(self.engine, "begin", _sqlite_begin)
        try:
            self.migrate()
        except LedgerError as exc:
            self.engine.dispose()
            raise LedgerError(f"cannot open the ledger at {shown}: {exc}") from exc

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        # A write transaction. On SQLite it takes the write lock up front (BEGIN IMMEDIATE): a
        # read-then-write transaction that upgrades later fails at once with "database is locked"
        # when another writer got in between, whatever the busy timeout.
        try:
            with self.engine.connect() as conn:
                conn.execution_options(ledger_write=True)
                with conn.begin():
                    yield conn
        except sa.exc.SQLAlchemyError as exc:
            raise LedgerError(f"ledger write failed: {_reason(exc)}") from exc

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except sa.exc.SQLAlchemyError as exc:
            raise LedgerError(f"ledger read failed: {_reason(exc)}") from exc

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
        values = {
            "name": name,
            "file_name": file_name,
            "content_hash": content_hash,
            "settings_json": json.dumps(settings, sort_keys=True, default=str),
            "status": "running",
            "updated_at": stamp,
        }
        with self._begin() as conn:
            _upsert(
                conn,
                batches,
                {
                    "batch_id": batch_id,
                    "runs": 1,
                    "created_at": stamp,
                    "report_folder": "",
                    **values,
                },
                keys=["batch_id"],
                update=list(values),
                extra={"runs": batches.c.runs + 1},
            )
            runs = conn.execute(
                sa.select(batches.c.runs).where(batches.c.batch_id == batch_id)
            ).scalar_one()
            return bool(runs == 1)

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
        """The batch's record, or None.

        A batch recorded as ``running`` that no live run holds is reported, and from now on
        stored, as ``interrupted``: its process is gone (see ``batch_holder``)."""
        with self._read() as conn:
            row = conn.execute(sa.select(batches).where(batches.c.batch_id == batch_id)).first()
        if row is None:
            return None
        record = dict(row._mapping)
        if record["status"] == "running" and self._settle_interrupted(batch_id):
            record["status"] = "interrupted"
        return record

    def _settle_interrupted(self, batch_id: str) -> bool:
        """Store ``interrupted`` for a ``running`` batch that no live run holds; True if done."""
        with self._begin() as conn:
            # Lock the batch row first: a run that starts now holds the batch before it records
            # 'running', so once this lock is ours any such hold is committed and seen below.
            status = conn.execute(
                sa.select(batches.c.status).where(batches.c.batch_id == batch_id).with_for_update()
            ).scalar_one_or_none()
            if status != "running":
                return False
            hold = _read_hold(conn, batch_id)
            if hold is not None:
                if hold.live(_lease_now(conn)):
                    return False
                _delete_hold(conn, hold)
            conn.execute(
                batches.update()
                .where(batches.c.batch_id == batch_id, batches.c.status == "running")
                .values(status="interrupted")
            )
            return True

    # batch holds ------------------------------------------------------------------------------
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
                acquired_at, expires_at = lease_times(lease_s, _clock(conn))
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
                if _insert_ignoring_conflict(conn, batch_holds, row, keys=["batch_id"]):
                    return mine
                current = _read_hold(conn, batch_id)
                if current is None:
                    continue  # released between the insert and the read: try again
                if current.owner == owner:
                    conn.execute(
                        batch_holds.update()
                        .where(batch_holds.c.batch_id == batch_id, batch_holds.c.owner == owner)
                        .values(expires_at=expires_at)
                    )
                    return dataclasses.replace(current, expires_at=expires_at)
                if current.live(acquired_at):
                    return current
                # Take over only the stale row just read: of two runs seeing it, one wins.
                taken = conn.execute(
                    batch_holds.update()
                    .where(
                        batch_holds.c.batch_id == batch_id,
                        batch_holds.c.owner == current.owner,
                        batch_holds.c.expires_at == current.expires_at,
                    )
                    .values(**row)
                )
                if taken.rowcount == 1:
                    return mine
        raise LedgerError(f"could not tell who holds batch {batch_id!r}: its hold kept changing")

    def renew_hold(self, batch_id: str, owner: str, *, lease_s: float) -> bool:
        """Extend ``owner``'s hold to ``lease_s`` seconds from now; False when it holds the batch
        no more (its lease lapsed and another run took over, or the hold was released)."""
        with self._begin() as conn:
            _now, expires_at = lease_times(lease_s, _clock(conn))
            result = conn.execute(
                batch_holds.update()
                .where(batch_holds.c.batch_id == batch_id, batch_holds.c.owner == owner)
                .values(expires_at=expires_at)
            )
            return bool(result.rowcount == 1)

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
            hold = _read_hold(conn, batch_id)
            now = _lease_now(conn)
        if hold is None or include_stale or hold.live(now):
            return hold
        return None

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
            _upsert(
                conn,
                groups,
                {
                    "batch_id": batch_id,
                    "group_key": group_key,
                    "customer_reference": customer_reference,
                    "account": account,
                    "fingerprint": fingerprint,
                    "created": False,
                },
                keys=["batch_id", "group_key"],
                update=["fingerprint", "account"],
            )

    def group_accounts(self, batch_id: str) -> dict[str, str]:
        """The batch's group keys and their readable account labels."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(groups.c.group_key, groups.c.account).where(groups.c.batch_id == batch_id)
            )
            return {r.group_key: r.account for r in rows}

    def record_intent(self, batch_id: str, kind: str, target: str, payload_hash: str = "") -> int:
        """Write down a remote write before it is sent; returns the intent's id."""
        stamp = now_text()
        with self._begin() as conn:
            result = conn.execute(
                _INSERT_INTENT,
                {
                    "batch_id": batch_id,
                    "kind": kind,
                    "target": target,
                    "payload_hash": payload_hash,
                    "state": "sent",
                    "detail": "",
                    "created_at": stamp,
                    "updated_at": stamp,
                },
            )
            key = result.inserted_primary_key
            return int(key[0]) if key else 0

    def settle_intent(
        self,
        intent_id: int,
        state: str,
        detail: str = "",
        *,
        orders: Iterable[OrderRecord] = (),
        document: tuple[str, str, str] | None = None,
    ) -> None:
        """Mark an intent done or failed once its answer is known.

        ``orders`` are saved (as by ``save_order``), and ``document`` (content hash, remote id,
        file name) as by ``save_document``, in the same transaction: the answer and what it
        changed are recorded together or not at all."""
        with self._begin() as conn:
            conn.execute(
                _SETTLE_INTENT,
                {
                    "intent": intent_id,
                    "new_state": state,
                    "new_detail": detail[:2000],
                    "stamp": now_text(),
                },
            )
            written = self._write_orders(conn, list(orders))
            if document is not None:
                _write_document(conn, *document)
        for record, values in written:
            _remember_row(record, self, values)

    def open_intents(self, batch_id: str, kind: str | None = None) -> list[dict[str, Any]]:
        """Intents sent but never settled: the writes a crash may have left in doubt."""
        query = sa.select(intents).where(intents.c.batch_id == batch_id, intents.c.state == "sent")
        if kind:
            query = query.where(intents.c.kind == kind)
        with self._read() as conn:
            return [dict(r._mapping) for r in conn.execute(query.order_by(intents.c.intent_id))]

    def open_intents_for(
        self, batch_id: str, target: str, kinds: Iterable[str] | None = None
    ) -> list[dict[str, Any]]:
        """The open (sent, never settled) intents of one target in a batch, oldest first,
        optionally only of these kinds: whether that target's write is in doubt, found through
        the (batch_id, state, target) index rather than by reading every open intent."""
        query = _OPEN_INTENTS_FOR if kinds is None else _OPEN_INTENTS_FOR_KINDS
        params: dict[str, Any] = {"batch": batch_id, "target": target}
        if kinds is not None:
            params["kinds"] = sorted(set(kinds))
        with self._read() as conn:
            return [dict(r._mapping) for r in conn.execute(query, params)]

    def intents_for(self, batch_id: str) -> list[dict[str, Any]]:
        """Every intent of a batch, oldest first."""
        query = sa.select(intents).where(intents.c.batch_id == batch_id)
        with self._read() as conn:
            return [dict(r._mapping) for r in conn.execute(query.order_by(intents.c.intent_id))]

    # orders ----------------------------------------------------------------------------------
    def save_order(self, record: OrderRecord) -> None:
        """Insert or update an order and the numbers it holds.

        A record this ledger read or saved writes only the columns that changed since, and its
        numbers only when they changed (nothing at all when nothing did); any other record is
        written whole."""
        with self._begin() as conn:
            written = self._write_orders(conn, [record])
        # Only once committed: a rolled-back write must be written again next time.
        for saved, values in written:
            _remember_row(saved, self, values)

    def _write_orders(
        self, conn: Connection, records: Sequence[OrderRecord]
    ) -> list[tuple[OrderRecord, dict[str, Any] | None]]:
        """Write the records' changes, the new ones together; return each record with the row
        as now written (None: nothing was)."""
        written: list[tuple[OrderRecord, dict[str, Any] | None]] = []
        whole: list[dict[str, Any]] = []
        renumbered: dict[str, OrderRecord] = {}
        stamp = now_text()
        for record in records:
            values = _order_values(record)
            saved = _saved_row(record, self)
            if saved is not None:
                changed = tuple(k for k in _ORDER_COLUMNS if saved[k] != values[k])
                if not changed:
                    written.append((record, None))
                    continue
                row = {f"new_{k}": values[k] for k in changed}
                row.update(key=record.order_id, new_updated_at=stamp)
                if conn.execute(_order_update(changed), row).rowcount == 1:
                    if "phone_numbers_json" in changed:
                        renumbered[record.order_id] = record
                    written.append((record, values))
                    continue
                # Not the row it was read from (gone, or another ledger's): written whole.
            whole.append({**values, "order_id": record.order_id, "updated_at": stamp})
            renumbered[record.order_id] = record
            written.append((record, values))
        if whole:
            _upsert(conn, orders, whole, ["order_id"], [*_ORDER_COLUMNS, "updated_at"])
            made = {(row["batch_id"], row["group_key"]) for row in whole}
            conn.execute(_GROUP_CREATED, [{"group_batch": b, "group": g} for b, g in sorted(made)])
        if renumbered:
            conn.execute(_DELETE_ORDER_NUMBERS, {"orders": sorted(renumbered)})
            held = [
                {"phone_number": n, "order_id": r.order_id, "batch_id": r.batch_id}
                for r in renumbered.values()
                for n in r.phone_numbers
            ]
            if held:
                conn.execute(order_numbers.insert(), held)
        return written

    def orders_for_batch(self, batch_id: str) -> list[OrderRecord]:
        """The batch's orders, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(orders).where(orders.c.batch_id == batch_id).order_by(orders.c.order_id)
            )
            return [self._order_record(r._mapping) for r in rows]

    def _order_record(self, mapping: Any) -> OrderRecord:
        record = _order_record(mapping)
        _remember_row(record, self, _order_values(record))
        return record

    def orders_for_group(self, batch_id: str, group_key: str) -> list[OrderRecord]:
        """Orders already made for one group."""
        return [o for o in self.orders_for_batch(batch_id) if o.group_key == group_key]

    def active_orders_for_numbers(self, phone_numbers: Iterable[str]) -> dict[str, OrderRecord]:
        """For each number in a known, still active order (of any batch), that order."""
        wanted = list(dict.fromkeys(phone_numbers))
        found: dict[str, OrderRecord] = {}
        with self._read() as conn:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                rows = conn.execute(
                    sa.select(order_numbers.c.phone_number, orders)
                    .join(orders, orders.c.order_id == order_numbers.c.order_id)
                    .where(order_numbers.c.phone_number.in_(chunk))
                    .where(orders.c.status.not_in(sorted(INACTIVE_STATUSES)))
                )
                for r in rows:
                    found[r.phone_number] = self._order_record(r._mapping)
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
        with self._read() as conn:
            row = conn.execute(
                sa.select(documents.c.document_id).where(documents.c.content_hash == content_hash)
            ).first()
        return row.document_id if row is not None else None

    def document_ids(self, content_hashes: Iterable[str]) -> dict[str, str]:
        """The remote ids of the documents already uploaded with these contents, by hash."""
        wanted = sorted(set(content_hashes))
        found: dict[str, str] = {}
        with self._read() as conn:
            for start in range(0, len(wanted), 500):
                rows = conn.execute(
                    sa.select(documents.c.content_hash, documents.c.document_id).where(
                        documents.c.content_hash.in_(wanted[start : start + 500])
                    )
                )
                found.update((r.content_hash, r.document_id) for r in rows)
        return found

    def save_document(self, content_hash: str, document_id: str, file_name: str) -> None:
        """Remember an uploaded document by its content hash."""
        with self._begin() as conn:
            _write_document(conn, content_hash, document_id, file_name)

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
        with self._read() as conn:
            rows = conn.execute(
                sa.select(issues.c.issue_json)
                .where(issues.c.batch_id == batch_id)
                .order_by(issues.c.seq)
            )
            return [json.loads(r.issue_json) for r in rows]

    def batches_list(self) -> list[dict[str, Any]]:
        """Every batch, newest first; ``running`` ones that no live run holds are reported (and
        stored) as ``interrupted``, as by ``batch``."""
        with self._read() as conn:
            records = [
                dict(r._mapping)
                for r in conn.execute(sa.select(batches).order_by(batches.c.updated_at.desc()))
            ]
        for record in records:
            if record["status"] == "running" and self._settle_interrupted(record["batch_id"]):
                record["status"] = "interrupted"
        return records

    def numbers_for_batch(self, batch_id: str) -> list[NumberRecord]:
        """The batch's per-number states, in input order."""
        with self._read() as conn:
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


#: The orders columns an OrderRecord sets (besides its key and the time of the write).
_ORDER_COLUMNS = (
    "batch_id",
    "group_key",
    "customer_reference",
    "status",
    "phone_numbers_json",
    "country",
    "phone_number_type",
    "carrier",
    "fast_port",
    "foc_chosen",
    "foc_reason",
    "documents_json",
    "patched_fingerprint",
    "confirmed",
    "attention",
    "support_key",
)
#: Where a record keeps the row it was read as or last saved as: an attribute outside the
#: dataclass's fields, so copies (``dataclasses.replace``), equality and ``asdict`` ignore it and
#: a copy is simply written whole.
_SAVED_ROW = "_ledger_saved_row"

# Statements built once: building and compiling one per write cost more than the write.
_INSERT_INTENT = intents.insert()
_SETTLE_INTENT = (
    intents.update()
    .where(intents.c.intent_id == sa.bindparam("intent"))
    .values(
        state=sa.bindparam("new_state"),
        detail=sa.bindparam("new_detail"),
        updated_at=sa.bindparam("stamp"),
    )
)
_OPEN_INTENTS_FOR = (
    sa.select(intents)
    .where(intents.c.batch_id == sa.bindparam("batch"))
    .where(intents.c.state == "sent")
    .where(intents.c.target == sa.bindparam("target"))
    .order_by(intents.c.intent_id)
)
_OPEN_INTENTS_FOR_KINDS = _OPEN_INTENTS_FOR.where(
    intents.c.kind.in_(sa.bindparam("kinds", expanding=True))
)
_DELETE_ORDER_NUMBERS = order_numbers.delete().where(
    order_numbers.c.order_id.in_(sa.bindparam("orders", expanding=True))
)
_GROUP_CREATED = (
    groups.update()
    .where(groups.c.batch_id == sa.bindparam("group_batch"))
    .where(groups.c.group_key == sa.bindparam("group"))
    .values(created=True)
)
_ORDER_UPDATES: dict[tuple[str, ...], Any] = {}


def _order_update(columns: tuple[str, ...]) -> Any:
    """The UPDATE of these columns of one order (built once per set of columns)."""
    statement = _ORDER_UPDATES.get(columns)
    if statement is None:
        statement = (
            orders.update()
            .where(orders.c.order_id == sa.bindparam("key"))
            .values({orders.c[c]: sa.bindparam(f"new_{c}") for c in (*columns, "updated_at")})
        )
        _ORDER_UPDATES[columns] = statement
    return statement


def _order_values(record: OrderRecord) -> dict[str, Any]:
    """The record's column values (numbers and documents as JSON text, so they compare as
    they are stored)."""
    return {
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
    }


def _write_document(conn: Connection, content_hash: str, document_id: str, file_name: str) -> None:
    _upsert(
        conn,
        documents,
        {
            "content_hash": content_hash,
            "document_id": document_id,
            "file_name": file_name,
            "uploaded_at": now_text(),
        },
        keys=["content_hash"],
        update=["document_id", "file_name", "uploaded_at"],
    )


def _saved_row(record: OrderRecord, ledger: Ledger) -> dict[str, Any] | None:
    """The row ``ledger`` last read or wrote for this record, or None."""
    saved = vars(record).get(_SAVED_ROW)
    if saved is None or saved[0] != ledger.token:
        return None
    row: dict[str, Any] = saved[1]
    return row


def _remember_row(record: OrderRecord, ledger: Ledger, values: dict[str, Any] | None) -> None:
    if values is not None:
        vars(record)[_SAVED_ROW] = (ledger.token, values)


def _reason(exc: BaseException) -> str:
    """The database's own complaint, on one line (an operator reads it)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _clock(conn: Connection) -> datetime | None:
    """The time by the database server's clock (PostgreSQL), so that machines sharing a ledger
    judge leases by one clock; None (this machine's clock) for SQLite, which is local anyway."""
    if conn.dialect.name != "postgresql":
        return None
    moment = conn.execute(sa.text("SELECT clock_timestamp()")).scalar_one()
    return moment if isinstance(moment, datetime) else None


def _lease_now(conn: Connection) -> str:
    return lease_text(_clock(conn) or datetime.now(UTC))


def _read_hold(conn: Connection, batch_id: str) -> BatchHold | None:
    row = conn.execute(sa.select(batch_holds).where(batch_holds.c.batch_id == batch_id)).first()
    return BatchHold(**row._mapping) if row is not None else None


def _delete_hold(conn: Connection, hold: BatchHold) -> None:
    # Only the row as read: a run that took the batch over since keeps its hold.
    conn.execute(
        batch_holds.delete().where(
            batch_holds.c.batch_id == hold.batch_id,
            batch_holds.c.owner == hold.owner,
            batch_holds.c.expires_at == hold.expires_at,
        )
    )


def _insert_ignoring_conflict(
    conn: Connection, table: sa.Table, row: dict[str, Any], keys: list[str]
) -> bool:
    """Insert ``row`` unless one with the same keys exists; True when inserted."""
    name = conn.dialect.name
    if name in ("sqlite", "postgresql"):
        insert = sqlite.insert if name == "sqlite" else postgresql.insert
        result = conn.execute(insert(table).values(row).on_conflict_do_nothing(index_elements=keys))
        return bool(result.rowcount == 1)
    where = [table.c[k] == row[k] for k in keys]
    if conn.execute(sa.select(*[table.c[k] for k in keys]).where(*where)).first() is not None:
        return False
    conn.execute(table.insert().values(row))
    return True


def _upsert(
    conn: Connection,
    table: sa.Table,
    row: dict[str, Any] | list[dict[str, Any]],
    keys: list[str],
    update: list[str],
    extra: dict[str, Any] | None = None,
) -> None:
    """Insert ``row`` (or each of a list of rows with the same columns), or on a key conflict
    set the ``update`` columns from it (and ``extra`` expressions over the existing row): one
    statement on SQLite and PostgreSQL."""
    rows = row if isinstance(row, list) else [row]
    name = conn.dialect.name
    if name in ("sqlite", "postgresql"):
        cache_key = (name, table.name, tuple(keys), tuple(update), tuple(rows[0]))
        statement = None if extra else _UPSERTS.get(cache_key)
        if statement is None:
            insert = sqlite.insert if name == "sqlite" else postgresql.insert
            base = insert(table)
            set_ = {c: base.excluded[c] for c in update} | (extra or {})
            statement = base.on_conflict_do_update(index_elements=keys, set_=set_)
            if not extra:
                _UPSERTS[cache_key] = statement
        conn.execute(statement, rows)
        return
    for one in rows:
        where = [table.c[k] == one[k] for k in keys]
        if conn.execute(sa.select(*[table.c[k] for k in keys]).where(*where)).first() is None:
            conn.execute(table.insert().values(one))
        else:
            conn.execute(
                table.update().where(*where).values({c: one[c] for c in update} | (extra or {}))
            )


#: Upsert statements by dialect, table, keys, updated and given columns: the ``excluded``
#: alias alone costs more to build than the write.
_UPSERTS: dict[tuple[Any, ...], Any] = {}


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is switched off: _sqlite_begin issues BEGIN itself,
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


def _sqlite_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get("ledger_write", False)
    # Straight to the driver: a statement through SQLAlchemy costs more than the BEGIN itself.
    driver = conn.connection.driver_connection
    assert driver is not None  # a connection being begun is open
    driver.execute("BEGIN IMMEDIATE" if write else "BEGIN")
