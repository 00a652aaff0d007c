"""Shared steps of the fix tests (also used by the crash suite): sheets whose rows match the
carriers' records, a recording transport, and the simulated clock moved until an order reaches a
status."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import httpx

from porting_batch.client import PortingClient
from porting_batch.ledger import Ledger
from porting_batch.simulator.carriers import record_for
from porting_batch.tracking import refresh_order_statuses

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "input_templates" / "sample"
#: A fixed Thursday morning, so that windows and business hours are the same on every run.
START = "2026-03-05T15:00:00Z"
#: Bluegrass Telco: its data in the sheet matches the carrier's record.
GOOD = "+13125550155"
#: Prairie Bell Telephone: the sheet misspells the entity, so the carrier rejects the order.
REJECTED = "+13125600155"
HEADER = [
    "phone_number", "entity_name", "auth_person_name", "account_number", "pin_passcode",
    "billing_phone_number", "street_address", "extended_address", "locality",
    "administrative_area", "postal_code", "country_code", "port_type", "loa_file",
    "invoice_file", "action",
]  # fmt: skip
HOUR = 3600.0


def row_for(number: str, **changes: str) -> list[str]:
    """A row whose cells match the losing carrier's record for ``number``, then ``changes``."""
    record = record_for(number)
    cells = {
        "phone_number": number,
        **record.admin(),
        **record.location(),
        "extended_address": "",
        "port_type": "full",
        "loa_file": "loa.pdf",
        "invoice_file": "invoice.pdf",
        "action": "",
    }
    cells.update(changes)
    return [cells[column] for column in HEADER]


def write_sheet(folder: Path, rows: list[list[str]], name: str = "batch.csv") -> Path:
    """Write rows as ``folder/name`` (CSV) beside the sample's PDFs."""
    folder.mkdir(parents=True, exist_ok=True)
    for kind in ("loa", "invoice"):  # an LOA and an invoice of the sample, under own names
        shutil.copy(min(SAMPLE_DIR.glob(f"{kind}-*.pdf")), folder / f"{kind}.pdf")
    target = folder / name
    with target.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return target


class Recording:
    """A transport over the simulator that keeps every request's method, path and body."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.seen: list[tuple[str, str, Any]] = []

    async def handle(self, request: httpx.Request) -> httpx.Response:
        """Record, then pass on."""
        body = json.loads(request.content) if request.method == "PATCH" else None
        self.seen.append((request.method, request.url.path, body))
        return await self.inner.handle_async_request(request)

    def client(self) -> PortingClient:
        """A client whose requests this records."""
        transport = httpx.MockTransport(self.handle)
        return PortingClient(base_url="http://sim/v2", api_key="KEYSIMULATOR", transport=transport)

    def writes(self) -> list[tuple[str, str, Any]]:
        """The requests that change something, in order."""
        writes = {"POST", "PATCH", "DELETE"}
        return [r for r in self.seen if r[0] in writes and "checks" not in r[1]]

    def touching(self, order_id: str) -> list[tuple[str, str, Any]]:
        """Every request naming the order."""
        return [r for r in self.seen if order_id in r[1]]


async def advance_until(
    app: Any, client: PortingClient, ledger: Ledger, order_id: str, status: str, limit_h: int
) -> None:
    """Move the simulated clock an hour at a time until the order has ``status``."""
    for _ in range(limit_h):
        app.state.sim.advance(HOUR)
        await refresh_order_statuses(ledger, client, "batch")
        if status_of(ledger, order_id) == status:
            return
    raise AssertionError(f"order {order_id} is {status_of(ledger, order_id)}, not {status}")


def status_of(ledger: Ledger, order_id: str) -> str:
    """The order's status as the ledger has it."""
    return next(o.status for o in ledger.orders_for_batch("batch") if o.order_id == order_id)


def order_of(ledger: Ledger, number: str) -> str:
    """The id of the order holding ``number``."""
    return next(o.order_id for o in ledger.orders_for_batch("batch") if number in o.phone_numbers)
