"""Orders, the numbers each holds, and the order groups they were made for.

A record the ledger hands out remembers the row it was read as, so saving it again writes only
the columns that changed (see ``write_orders``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from porting_batch.ledger.base import LedgerBase
from porting_batch.ledger.records import (
    INACTIVE_STATUSES,
    GroupRecord,
    OrderRecord,
    OrderStatus,
    now_text,
)
from porting_batch.ledger.schema import groups, order_numbers, orders
from porting_batch.ledger.sql import prepared, run_prepared, upsert

#: A record and the row now written for it (None: nothing was).
Written = list[tuple[OrderRecord, dict[str, Any] | None]]


class OrderStore(LedgerBase):
    """The orders, their numbers and their groups."""

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
        self.save_groups(
            batch_id, [GroupRecord(group_key, customer_reference, account, fingerprint)]
        )

    def save_groups(self, batch_id: str, records: Iterable[GroupRecord]) -> None:
        """Record a batch's order groups in one transaction (each inserted, or its fingerprint
        and account updated): a plan of 10,000 groups is one commit, not 10,000."""
        rows = [
            {
                "batch_id": batch_id,
                "group_key": record.group_key,
                "customer_reference": record.customer_reference,
                "account": record.account,
                "fingerprint": record.fingerprint,
                "created": False,
            }
            for record in records
        ]
        if not rows:
            return
        with self._begin() as conn:
            upsert(
                conn,
                groups,
                rows,
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

    def save_order(self, record: OrderRecord) -> None:
        """Insert or update an order and the numbers it holds.

        A record this ledger read or saved writes only the columns that changed since, and its
        numbers only when they changed (nothing at all when nothing did); any other record is
        written whole."""
        with self._begin() as conn:
            written = write_orders(conn, [record], self.token)
        # Only once committed: a rolled-back write must be written again next time.
        remember_rows(written, self.token)

    def orders_for_batch(self, batch_id: str) -> list[OrderRecord]:
        """The batch's orders, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(orders).where(orders.c.batch_id == batch_id).order_by(orders.c.order_id)
            )
            return [self._order_record(r._mapping) for r in rows]

    def orders_for_group(self, batch_id: str, group_key: str) -> list[OrderRecord]:
        """Orders already made for one group."""
        return [o for o in self.orders_for_batch(batch_id) if o.group_key == group_key]

    def active_orders_for_numbers(self, phone_numbers: Iterable[str]) -> dict[str, OrderRecord]:
        """For each number in a known, still active order (of any batch), that order."""
        wanted = list(dict.fromkeys(phone_numbers))
        found: dict[str, OrderRecord] = {}
        with self._read() as conn:
            for start in range(0, len(wanted), 500):
                rows = conn.execute(
                    sa.select(order_numbers.c.phone_number, orders)
                    .join(orders, orders.c.order_id == order_numbers.c.order_id)
                    .where(order_numbers.c.phone_number.in_(wanted[start : start + 500]))
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
                .values(status=OrderStatus.DELETED, updated_at=now_text())
            )

    def _order_record(self, mapping: Any) -> OrderRecord:
        record = _order_record(mapping)
        _remember_row(record, self.token, order_values(record))
        return record


def write_orders(
    conn: Connection,
    records: Sequence[OrderRecord],
    token: str,
    snapshot: Sequence[dict[str, Any]] | None = None,
) -> Written:
    """Write the records' changes, the new ones together; return each record with the row as
    now written (None: nothing was). ``token`` is the writing ledger's (see ``_saved_row``);
    ``snapshot``, the records' ``order_values`` as they were to be written, if taken earlier."""
    written: Written = []
    whole: list[dict[str, Any]] = []
    renumbered: dict[str, OrderRecord] = {}
    stamp = now_text()
    if snapshot is None:
        snapshot = [order_values(record) for record in records]
    for record, values in zip(records, snapshot, strict=True):
        saved = _saved_row(record, token)
        if saved is not None:
            changed = tuple(k for k in _ORDER_COLUMNS if saved[k] != values[k])
            if not changed:
                written.append((record, None))
                continue
            row = {f"new_{k}": values[k] for k in changed}
            row.update(key=record.order_id, new_updated_at=stamp)
            update = prepared(conn, ("order", changed), partial(_order_update, changed))
            if run_prepared(conn, update, row)[0] == 1:
                if "phone_numbers_json" in changed:
                    renumbered[record.order_id] = record
                written.append((record, values))
                continue
            # Not the row it was read from (gone, or another ledger's): written whole.
        whole.append({**values, "order_id": record.order_id, "updated_at": stamp})
        renumbered[record.order_id] = record
        written.append((record, values))
    if whole:
        upsert(conn, orders, whole, ["order_id"], [*_ORDER_COLUMNS, "updated_at"])
        made = {(row["batch_id"], row["group_key"]) for row in whole}
        created = prepared(conn, "group_created", lambda: _GROUP_CREATED)
        run_prepared(conn, created, [{"group_batch": b, "group": g} for b, g in sorted(made)])
    if renumbered:
        _replace_numbers(conn, renumbered.values())
    return written


def _replace_numbers(conn: Connection, records: Iterable[OrderRecord]) -> None:
    records = list(records)
    delete = prepared(conn, "delete_numbers", lambda: _DELETE_ORDER_NUMBERS)
    run_prepared(conn, delete, [{"order": r.order_id} for r in sorted(records, key=_order_id)])
    held = [
        {"phone_number": n, "order_id": r.order_id, "batch_id": r.batch_id}
        for r in records
        for n in r.phone_numbers
    ]
    # An upsert, not a plain insert: on PostgreSQL a concurrent writer's numbers, committed
    # after our delete looked, would otherwise make this fail on the key.
    upsert(conn, order_numbers, held, ["phone_number", "order_id"], ["batch_id"])


def _order_id(record: OrderRecord) -> str:
    return record.order_id


def remember_rows(written: Written, token: str) -> None:
    """Note on each record the row now stored for it (after the write committed)."""
    for record, values in written:
        _remember_row(record, token, values)


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
_DELETE_ORDER_NUMBERS = order_numbers.delete().where(
    order_numbers.c.order_id == sa.bindparam("order")
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


def order_values(record: OrderRecord) -> dict[str, Any]:
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


def _saved_row(record: OrderRecord, token: str) -> dict[str, Any] | None:
    """The row the ledger with this token last read or wrote for this record, or None."""
    saved = vars(record).get(_SAVED_ROW)
    if saved is None or saved[0] != token:
        return None
    row: dict[str, Any] = saved[1]
    return row


def _remember_row(record: OrderRecord, token: str, values: dict[str, Any] | None) -> None:
    if values is not None:
        vars(record)[_SAVED_ROW] = (token, values)
