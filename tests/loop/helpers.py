"""Shared steps of the loop tests: a recording transport, the simulated clock moved with
``track`` between hours, and the tracking report's Needs-action sheet read back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

from porting_batch.client import PortingClient
from porting_batch.ledger import Ledger
from porting_batch.tracking import OrderChange, track

HOUR = 3600.0


async def track_until(
    app: Any, client: PortingClient, ledger: Ledger, order_id: str, status: str, limit_h: int
) -> list[OrderChange]:
    """Move the simulated clock an hour at a time, tracking after each, until the order has
    ``status``; every change tracking found on the way."""
    found: list[OrderChange] = []
    for _ in range(limit_h):
        app.state.sim.advance(HOUR)
        found += await track(ledger, client, "batch")
        if status_of(ledger, order_id) == status:
            return found
    raise AssertionError(f"order {order_id} is {status_of(ledger, order_id)}, not {status}")


def status_of(ledger: Ledger, order_id: str) -> str:
    """The order's status as the ledger has it."""
    return next(o.status for o in ledger.orders_for_batch("batch") if o.order_id == order_id)


def order_of(ledger: Ledger, number: str) -> str:
    """The id of the order holding ``number``."""
    return next(o.order_id for o in ledger.orders_for_batch("batch") if number in o.phone_numbers)


def sheet_rows(xlsx: Path, sheet: str) -> list[dict[str, Any]]:
    """A sheet of the tracking report as dicts by header."""
    book = openpyxl.load_workbook(xlsx, read_only=True)
    try:
        rows = list(book[sheet].iter_rows(values_only=True))
    finally:
        book.close()
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:] if any(row)]
