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
from porting_batch.intake import read_batch
from porting_batch.issues import Issue, Severity
from porting_batch.ledger import Ledger, NumberRecord, OrderRecord
from porting_batch.outcomes import Outcome
from porting_batch.results import BatchResult, NumberResult
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
    if path.exists() and file_sha256(path) == batch["content_hash"]:
        intake = read_batch(path, settings)
        headers = list(intake.headers)
        raw_by_row = {(r.sheet, r.row): dict(r.raw) for r in intake.rows}
    orders = {o.order_id: o for o in ledger.orders_for_batch(batch_id)}
    accounts = ledger.group_accounts(batch_id)
    results = [
        _number_from_ledger(record, orders.get(record.order_id), accounts, raw_by_row)
        for record in ledger.numbers_for_batch(batch_id)
    ]
    complete = batch["status"] == "complete"
    return BatchResult(
        batch_id=batch_id,
        name=batch_id,
        input_path=path,
        content_hash=batch["content_hash"],
        started_at=datetime.fromisoformat(batch["created_at"]),
        finished_at=datetime.now(UTC),
        numbers=results,
        orders=[
            order_result(o, accounts.get(o.group_key, o.customer_reference), None)
            for o in orders.values()
            if o.status != "deleted"
        ],
        issues=[issue_from_dict(i) for i in ledger.issues_for_batch(batch_id)],
        settings=settings.public_summary(),
        complete=complete,
        failure="" if complete else f"last run {batch['status']}",
        input_headers=headers,
    )


def _number_from_ledger(
    record: NumberRecord,
    order: OrderRecord | None,
    accounts: Mapping[str, str],
    raw_by_row: Mapping[tuple[str, int], dict[str, str]],
) -> NumberResult:
    outcome, reason = Outcome(record.outcome), record.reason
    if order is not None and order.attention:
        # Tracking may have found an exception since the run: that is what to act on now.
        outcome, reason = Outcome.NEEDS_ATTENTION, order.attention
    return NumberResult(
        sheet=record.sheet,
        row=record.row,
        input_value="",
        phone_number=record.phone_number,
        outcome=outcome,
        reason=reason,
        raw=raw_by_row.get((record.sheet, record.row), {}),
        order_id=record.order_id,
        order_status=order.status if order else "",
        account=accounts.get(order.group_key, "") if order else "",
        customer_reference=order.customer_reference if order else "",
        foc_chosen=parse_time(order.foc_chosen) if order else None,
        foc_reason=order.foc_reason if order else "",
    )
