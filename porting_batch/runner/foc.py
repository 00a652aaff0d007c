"""The operator told where an order's FOC is not the one asked for."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from porting_batch.intake import InputRow
from porting_batch.issues import Issue, Severity
from porting_batch.ledger import OrderRecord
from porting_batch.runner.state import RunState, is_held, parse_time, shown_value


def foc_issues(state: RunState, records: Iterable[OrderRecord]) -> list[Issue]:
    """A warning on the FOC cell of every row whose order's FOC is not the one asked for."""
    found: list[Issue] = []
    groups = state.plan.groups if state.plan is not None else []
    row_of = {n: row for g in groups for row in g.rows for n in row.phone_numbers}
    for record in records:
        if record.status == "deleted" or not record.foc_reason or not record.phone_numbers:
            continue
        group = state.group_of_number.get(record.phone_numbers[0])
        if group is None or group.requested_foc is None:
            continue
        said = _foc_message(record, group.requested_foc)
        if said is None:
            continue
        message, hint = said
        rows = {id(r): r for n in record.phone_numbers if (r := row_of.get(n)) is not None}
        found.extend(_warning(row, message, hint) for row in rows.values())
    return found


def _foc_message(record: OrderRecord, requested: datetime) -> tuple[str, str] | None:
    """What to tell the operator about the order's FOC against the requested one, and what
    to do (None when the FOC is the one asked for)."""
    chosen = parse_time(record.foc_chosen)
    if chosen is not None and chosen == requested:
        return None
    asked = requested.strftime("%Y-%m-%d %H:%M UTC")
    if is_held(record):
        return (
            f"the requested FOC {asked} lies beyond the windows Telnyx offers today: "
            f"order {record.order_id} stays a complete draft with no FOC",
            "run the file again with --confirm closer to the date",
        )
    if chosen is None:
        return (
            f"order {record.order_id} has no FOC: {record.foc_reason}",
            "ask Telnyx support for a port date, or run the file again later",
        )
    when = "EARLIER" if chosen < requested else "later"
    return (
        f"the FOC of order {record.order_id} is {chosen:%Y-%m-%d %H:%M UTC}, "
        f"{when} than the requested {asked}: {record.foc_reason}",
        "change requested_foc to a date Telnyx allows if this one does not suit",
    )


def _warning(row: InputRow, message: str, hint: str) -> Issue:
    return Issue(
        severity=Severity.WARNING,
        message=message,
        hint=hint,
        sheet=row.sheet,
        row=row.row,
        column="requested_foc",
        column_letter=row.letter("requested_foc"),
        value=shown_value(row, "requested_foc"),
        code="foc_moved",
        source="foc",
    )
