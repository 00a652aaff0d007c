"""Telnyx's refusals of an order's data, mapped back onto the operator's cells."""

from __future__ import annotations

from porting_batch.errors import UnprocessableEntityError
from porting_batch.issues import Issue, Severity
from porting_batch.ledger import OrderRecord
from porting_batch.order_patch import column_for_pointer
from porting_batch.plan import OrderGroup
from porting_batch.runner.context import Run
from porting_batch.runner.intents import Intent
from porting_batch.runner.state import shown_value


def refused_data_issues(
    group: OrderGroup, record: OrderRecord, exc: UnprocessableEntityError
) -> list[Issue]:
    """Each API error, pointer by pointer, onto the rows and columns that supplied it."""
    in_order = set(record.phone_numbers)
    rows = [r for r in group.rows if in_order.intersection(r.phone_numbers)] or group.rows
    found = []
    for item in exc.errors or ():
        column = column_for_pointer(item.pointer)
        for row in rows:
            found.append(
                Issue(
                    severity=Severity.ERROR,
                    message=f"Telnyx refused it for order {record.order_id}: "
                    f"{item.detail or item.title}",
                    hint="correct the cell to match the losing carrier's records and run "
                    "the file again",
                    sheet=row.sheet,
                    row=row.row,
                    column=column,
                    column_letter=row.letter(column) if column else "",
                    value=shown_value(row, column),
                    code=item.code,
                    source="api",
                )
            )
    return found


def refuse(
    run: Run,
    group: OrderGroup,
    record: OrderRecord,
    exc: UnprocessableEntityError,
    what: str,
    intent: Intent,
) -> None:
    """Telnyx refused ``what`` (a confirm, a resubmit) for the order's data: the cells get the
    errors, the order says why, and the intent is settled as failed with the order."""
    run.state.extra_issues.extend(refused_data_issues(group, record, exc))
    record.attention = f"{what} refused: " + (
        "; ".join(item.describe() for item in exc.errors) or str(exc)
    )
    intent.settle("failed", str(exc), orders=[record])
