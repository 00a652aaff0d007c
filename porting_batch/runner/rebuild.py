"""A batch's result rebuilt from the ledger, for rewriting its report later; and issues as the
plain data the ledger keeps them as."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from porting_batch.errors import LedgerError
from porting_batch.files import file_sha256
from porting_batch.intake import InputRow, read_batch
from porting_batch.issues import Issue, Severity
from porting_batch.ledger import Ledger, NumberRecord, OrderRecord
from porting_batch.outcomes import Outcome
from porting_batch.results import BatchResult, NumberResult, OrderResult
from porting_batch.runner.result import order_result
from porting_batch.runner.state import parse_time
from porting_batch.settings import Settings


def issue_to_dict(issue: Issue) -> dict[str, Any]:
    """An Issue as plain data (for the ledger)."""
    data = dataclasses.asdict(issue)
    data["severity"] = issue.severity.value
    return data


def issue_from_dict(data: Mapping[str, Any]) -> Issue:
    """An Issue back from plain data."""
    values = dict(data)
    values["severity"] = Severity(values["severity"])
    values["rows"] = tuple(values.get("rows", ()))
    return Issue(**values)


def result_from_ledger(settings: Settings, ledger: Ledger, batch_id: str) -> BatchResult:
    """Rebuild a batch's result from the ledger (for rewriting its report later).

    The rows' original values come from the input file when it is still there unchanged;
    otherwise the report shows the numbers and outcomes the ledger kept.
    """
    batch = ledger.batch(batch_id)
    if batch is None:
        known = ", ".join(b["batch_id"] for b in ledger.batches_list()[:10]) or "none yet"
        raise LedgerError(f"no batch named {batch_id!r} in the ledger (known: {known})")
    path = Path(batch["file_name"])
    raw_by_row: dict[tuple[str, int], dict[str, str]] = {}
    headers: list[str] = []
    rows_of: dict[str, InputRow] = {}
    if path.exists() and file_sha256(path) == batch["content_hash"]:
        intake = read_batch(path, settings)
        headers = list(intake.headers)
        raw_by_row = {(r.sheet, r.row): dict(r.raw) for r in intake.rows}
        rows_of = {n: r for r in intake.rows for n in r.phone_numbers}
    orders = {o.order_id: o for o in ledger.orders_for_batch(batch_id)}
    results = [
        _number_from_ledger(record, orders.get(record.order_id), rows_of, raw_by_row)
        for record in ledger.numbers_for_batch(batch_id)
    ]
    complete = batch["status"] == "complete"
    live = [o for o in orders.values() if o.status != "deleted"]
    return BatchResult(
        batch_id=batch_id,
        name=batch_id,
        input_path=path,
        content_hash=batch["content_hash"],
        # The latest run's start (kept since 0008); a batch recorded before, its first run's.
        started_at=datetime.fromisoformat(batch.get("run_started_at") or batch["created_at"]),
        finished_at=datetime.now(UTC),
        numbers=results,
        orders=[_order_from_ledger(o, rows_of) for o in live],
        issues=[issue_from_dict(i) for i in ledger.issues_for_batch(batch_id)],
        settings=settings.public_summary(),
        # The ledger keeps no run options; a confirmed order is what --confirm leaves behind.
        confirm=any(o.confirmed for o in live),
        complete=complete,
        failure="" if complete else f"last run {batch['status']}",
        input_headers=headers,
    )


def _order_from_ledger(order: OrderRecord, rows_of: Mapping[str, InputRow]) -> OrderResult:
    """An order as the report shows it, the account, country and requested FOC taken from
    the input's rows when the file is still there unchanged."""
    row = next((rows_of[n] for n in order.phone_numbers if n in rows_of), None)
    account = row.values.get("account_number", "") if row else ""
    result = order_result(order, account, row.requested_foc if row else None)
    if not result.country and row is not None:
        result.country = row.values.get("country", "") or row.values.get("country_code", "")
    return result


def _number_from_ledger(
    record: NumberRecord,
    order: OrderRecord | None,
    rows_of: Mapping[str, InputRow],
    raw_by_row: Mapping[tuple[str, int], dict[str, str]],
) -> NumberResult:
    row = rows_of.get(record.phone_number)
    outcome, reason = Outcome(record.outcome), record.reason
    if order is not None and order.attention:
        # Tracking may have found an exception since the run: that is what to act on now.
        outcome, reason = Outcome.NEEDS_ATTENTION, order.attention
    result = NumberResult(
        sheet=record.sheet,
        row=record.row,
        input_value="",
        phone_number=record.phone_number,
        outcome=outcome,
        reason=reason,
        raw=raw_by_row.get((record.sheet, record.row), {}),
        order_id=record.order_id,
        order_status=order.status if order else "",
        account=row.values.get("account_number", "") if row else "",
        customer_reference=order.customer_reference if order else "",
        foc_chosen=parse_time(order.foc_chosen) if order else None,
        foc_reason=order.foc_reason if order else "",
    )
    if record.portable is not None:
        result.phone_number_type, result.carrier = record.phone_number_type, record.carrier
        result.portable, result.fast_portable = record.portable, record.fast_portable
    elif order is not None:
        # Kept before answers were (0008): the order's own record says as much of them.
        result.phone_number_type, result.carrier = order.phone_number_type, order.carrier
        result.portable, result.fast_portable = True, order.fast_port
    return result
