"""The tracking report of one look: the ledger's orders, what this look changed, the fixes.

``tracked_orders`` turns the ledger's orders of some batches, the changes ``track`` found and
each batch's input rows into :class:`~porting_batch.reports.TrackedOrder` values: exception
codes (from what the ledger recorded of the order's exception) become remedies pointing at the
operator's cells, and the order's dates become deadline warnings. ``write_tracking`` writes
them as the tracking report in a folder of its own beside the run reports.

The rows come from the batch's spreadsheet, re-read only when it is still where the run found
it and unchanged (as ``runner.rebuild`` does): a cell named from an edited file could be the
wrong one. Without them the remedies still say what to do, without a cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from porting_batch.deadlines import DeadlinePolicy, OrderFacts, deadline_warnings
from porting_batch.errors import PortingBatchError
from porting_batch.files import file_sha256
from porting_batch.intake import InputRow, read_batch
from porting_batch.ledger import Ledger, OrderRecord, OrderSighting, OrderStatus, StoredEvent
from porting_batch.remedies import ExceptionDetail, remedy_for
from porting_batch.reports import report_folder
from porting_batch.reports.tracking_report import (
    TrackedOrder,
    TrackingReportFiles,
    write_tracking_report,
)
from porting_batch.settings import Settings
from porting_batch.tracking.changes import OrderChange
from porting_batch.tracking.events import STATUS_CHANGED

__all__ = ["TrackingLook", "change_lines", "tracked_orders", "write_tracking"]

#: One "CODE" or "CODE: description" of an ``exception: ...`` attention line.
_DETAIL = re.compile(r"^([A-Z][A-Z0-9_]*)(?::\s*(.*))?$", re.DOTALL)
_EXCEPTION = "exception:"


@dataclass(frozen=True)
class TrackingLook:
    """One look's tracking report: its files and the orders it shows."""

    files: TrackingReportFiles
    tracked: list[TrackedOrder]

    @property
    def needs_action(self) -> list[TrackedOrder]:
        """The orders the operator must do something about."""
        return [order for order in self.tracked if order.needs_action]


def write_tracking(
    settings: Settings,
    ledger: Ledger,
    changes: Sequence[OrderChange],
    now: datetime,
    batch_id: str | None = None,
    csr: Mapping[str, Mapping[str, Any]] | None = None,
) -> TrackingLook:
    """Write the tracking report of one batch (or of every batch) after ``track`` found
    ``changes``, into ``<out_dir>/tracking-<batch or all>-<time>/``."""
    batches = [batch_id] if batch_id else [b["batch_id"] for b in ledger.batches_list()]
    tracked = tracked_orders(settings, ledger, batches, changes, now, csr)
    folder = report_folder(settings.out_dir, f"tracking-{batch_id or 'all'}", now)
    return TrackingLook(write_tracking_report(tracked, folder, now), tracked)


def tracked_orders(
    settings: Settings,
    ledger: Ledger,
    batch_ids: Iterable[str],
    changes: Sequence[OrderChange],
    now: datetime,
    csr: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[TrackedOrder]:
    """The orders of ``batch_ids`` as the tracking report shows them at ``now``.

    ``csr`` maps an order id or a phone number to the losing carrier's record read for it
    (the CSR ``result``, or a flat mapping by column); the remedies quote the carrier's value
    from it.
    """
    policy = DeadlinePolicy.from_settings(settings)
    by_order = {change.order_id: change for change in changes}
    tracked: list[TrackedOrder] = []
    for batch_id in batch_ids:
        batch = ledger.batch(batch_id)
        if batch is None:
            continue
        records = ledger.orders_for_batch(batch_id)
        ids = [r.order_id for r in records]
        sightings = ledger.sightings(ids)
        since = _exception_since(ledger.events_for_orders(ids))
        rows_of = _rows_by_number(settings, batch)
        created = _time(batch.get("created_at"))
        for record in records:
            rows = _rows_of(record, rows_of)
            sighting = sightings.get(record.order_id) or OrderSighting(record.order_id)
            order = TrackedOrder(
                batch_id=batch_id,
                order_id=record.order_id,
                status=record.status,
                customer_reference=record.customer_reference,
                support_key=record.support_key,
                foc_requested=_time(record.foc_chosen),
                foc_confirmed=_time(sighting.foc_actual),
                changes=change_lines(by_order.get(record.order_id)),
                rows=list(rows),
            )
            if record.status == OrderStatus.EXCEPTION:
                order.exception_details = exception_details(record, sighting)
                order.remedies = remedy_for(order.exception_details, rows, _csr(csr, record))
            facts = OrderFacts(
                record.order_id,
                record.status,
                created_at=created,
                foc_requested=order.foc_requested,
                foc_actual=order.foc_confirmed,
                exception_since=since.get(record.order_id),
            )
            order.warnings = deadline_warnings(facts, now, policy)
            tracked.append(order)
    return tracked


def change_lines(change: OrderChange | None) -> list[str]:
    """What one look changed of an order, one line each ("status submitted -> exception")."""
    if change is None:
        return []
    lines = []
    if change.before != change.after:
        lines.append(f"status {change.before or '(new order)'} -> {change.after}")
    return lines + list(change.changed)


def exception_details(record: OrderRecord, sighting: OrderSighting) -> list[ExceptionDetail]:
    """The exception codes (and descriptions, where kept) of an order in exception: from its
    attention line (``exception: CODE: description; CODE``), else from the last sighting."""
    details: list[ExceptionDetail] = []
    if record.attention.startswith(_EXCEPTION):
        for part in record.attention.removeprefix(_EXCEPTION).split(";"):
            found = _DETAIL.match(part.strip())
            if found:
                details.append(ExceptionDetail(found[1], (found[2] or "").strip()))
    known = {d.code for d in details}
    for code in sighting.exception_codes.split(","):
        if code.strip() and code.strip() not in known:
            details.append(ExceptionDetail(code.strip()))
    return details


def _exception_since(events: Iterable[StoredEvent]) -> dict[str, datetime]:
    """When each order last went into exception, by the status events the ledger recorded
    (webhooks, or the list read that first saw the exception, standing in for a missed one)."""
    since: dict[str, datetime] = {}
    for event in events:
        if event.event_type != STATUS_CHANGED or not event.summary.get("status"):
            continue
        if event.summary["status"] != OrderStatus.EXCEPTION:
            since.pop(event.order_id, None)
        elif event.order_id not in since:
            moment = _time(event.occurred_at)
            if moment is not None:
                since[event.order_id] = moment
    return since


def _rows_by_number(settings: Settings, batch: Mapping[str, Any]) -> dict[str, InputRow]:
    """The batch's input rows by phone number, when its file is still there unchanged."""
    path = Path(batch["file_name"])
    try:
        if not path.is_file() or file_sha256(path) != batch["content_hash"]:
            return {}
        intake = read_batch(path, settings)
    except (OSError, PortingBatchError):
        return {}
    return {number: row for row in intake.rows for number in row.phone_numbers}


def _rows_of(record: OrderRecord, rows_of: Mapping[str, InputRow]) -> list[InputRow]:
    rows: dict[tuple[str, int], InputRow] = {}
    for number in record.phone_numbers:
        row = rows_of.get(number)
        if row is not None:
            rows.setdefault((row.sheet, row.row), row)
    return list(rows.values())


def _csr(
    csr: Mapping[str, Mapping[str, Any]] | None, record: OrderRecord
) -> Mapping[str, Any] | None:
    if not csr:
        return None
    for key in (record.order_id, *record.phone_numbers):
        if key in csr:
            return csr[key]
    return None


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
