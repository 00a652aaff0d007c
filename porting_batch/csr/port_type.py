"""Full or partial: the numbers on the carrier's record against the numbers the sheet ports.

Every number of the account moving is a full port; some staying is a partial one, and the
numbers left behind keep the account alive: if the BTN moves with the port, they need a new
BTN (``new_billing_phone_number``). A ``port_type`` that says otherwise is a warning on its cell.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from porting_batch.csr.compare import digits
from porting_batch.csr.record import CarrierView
from porting_batch.intake import InputRow
from porting_batch.issues import Issue, Severity

CODE = "csr_port_type"
#: How many of the numbers left behind a message names.
SHOWN = 3


def port_type_from(view: CarrierView, ported: Collection[str]) -> tuple[str, list[str]]:
    """``("full" | "partial", the record's numbers the sheet does not port)``; "" when the
    record lists no numbers to compare with."""
    if not view.associated_phone_numbers:
        return "", []
    moving = {digits(n) for n in ported}
    left = [n for n in view.associated_phone_numbers if digits(n) not in moving]
    return ("partial" if left else "full"), left


def _message(sheet: str, actual: str, left: Sequence[str], btn_moves: bool) -> str:
    if actual == "full":
        return (
            f"port_type is '{sheet}', but every number on the carrier's record for this "
            "account is in the sheet: that is a full port"
        )
    named = ", ".join(left[:SHOWN]) + ("..." if len(left) > SHOWN else "")
    text = (
        f"port_type is '{sheet or 'full'}', but the carrier's record lists {len(left)} "
        f"number(s) on this account that the sheet does not port ({named}): that is a "
        "partial port"
    )
    if btn_moves:
        text += "; the BTN moves with it, so the numbers left behind need a new BTN"
    return text


def port_type_issues(
    rows: Sequence[InputRow],
    fields: dict[str, str],
    view: CarrierView,
    ported: Collection[str],
    shown: Callable[[InputRow, str], str],
) -> list[Issue]:
    """A warning on each row's ``port_type`` cell when the record says otherwise."""
    actual, left = port_type_from(view, ported)
    sheet = fields.get("port_type", "") or "full"
    if not actual or actual == sheet:
        return []
    btn = digits(view.billing_phone_number or fields.get("billing_phone_number", ""))
    btn_moves = bool(btn) and btn in {digits(n) for n in ported}
    message = _message(sheet, actual, left, btn_moves)
    hint = (
        "set port_type to partial and say what happens to the numbers left behind "
        "(remaining_numbers_action, new_billing_phone_number)"
        if actual == "partial"
        else "set port_type to full, or add the numbers the account keeps"
    )
    return [
        Issue(
            severity=Severity.WARNING,
            message=message,
            hint=hint,
            sheet=row.sheet,
            row=row.row,
            column="port_type",
            column_letter=row.letter("port_type"),
            value=shown(row, "port_type"),
            code=CODE,
            source="csr",
        )
        for row in rows
    ]
