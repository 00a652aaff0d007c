"""From a rejection webhook's arrival to its line in the tracking report (issue 16, closing
note), on the realistic simulator in process. Shared by tests/loop and
``benchmarks/bench_tracking.py --rejection-latency``.

A batch is confirmed with one row the carrier rejects; the simulated clock moves until the
simulator has rejected it (nobody tracking). Its ``porting_order.status_changed`` event, in
the webhook envelope and signed with the simulator's key, is POSTed to the receiver with the
ledger sink; then what the ``track-orders`` flow does runs: ``track``, and the tracking report.
The time is from the POST to the report written with the order's Needs-action line.
"""

from __future__ import annotations

import csv
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from porting_batch.client import PortingClient
from porting_batch.ledger import Ledger
from porting_batch.runner import BatchOptions, run_batch
from porting_batch.settings import Settings
from porting_batch.simulator import SimulatorConfig, create_app
from porting_batch.simulator.carriers import record_for
from porting_batch.tracking import track, write_tracking
from porting_batch.tracking.events import STATUS_CHANGED
from porting_batch.webhooks import LedgerEvents, WebhookReceiver

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "input_templates" / "sample"
START = "2026-03-05T15:00:00Z"
GOOD, REJECTED = "+13125550155", "+13125600155"
HEADER = [
    "phone_number", "entity_name", "auth_person_name", "account_number", "pin_passcode",
    "billing_phone_number", "street_address", "locality", "administrative_area", "postal_code",
    "country_code", "port_type", "loa_file", "invoice_file",
]  # fmt: skip
HOUR = 3600.0


@dataclass(frozen=True)
class Latency:
    """One measured rejection: the order, the webhook's answer, the report's line, the times."""

    order_id: str
    answer: int
    line: dict[str, str]
    #: The order's status in the ledger right after the webhook, before any API call.
    after_webhook: str
    to_ledger_s: float
    to_report_s: float


def _row(number: str, **changes: str) -> list[str]:
    record = record_for(number)
    cells = {"phone_number": number, **record.admin(), **record.location(), "port_type": "full",
             "loa_file": "loa.pdf", "invoice_file": "invoice.pdf", **changes}  # fmt: skip
    return [cells[column] for column in HEADER]


def _sheet(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for kind in ("loa", "invoice"):  # an LOA and an invoice of the sample, under own names
        shutil.copy(min(SAMPLE_DIR.glob(f"{kind}-*.pdf")), folder / f"{kind}.pdf")
    path = folder / "batch.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        rows = [HEADER, _row(GOOD), _row(REJECTED, entity_name="Keystone Dentistry")]
        csv.writer(handle).writerows(rows)
    return path


async def _rejection_event(app: Any, client: PortingClient, order_id: str) -> dict[str, Any]:
    """Move the clock until the simulator has rejected the order; its status event."""
    for _ in range(24 * 7):
        app.state.sim.advance(HOUR)
        if str((await client.get_order(order_id)).status.value) == "exception":
            break
    for item in await client.list_events(event_type=STATUS_CHANGED):
        event = item.model_dump(mode="json")
        status = (event.get("payload") or {}).get("status") or {}
        if event.get("porting_order_id") == order_id and status.get("value") == "exception":
            return event
    raise AssertionError(f"the simulator never rejected {order_id}")


async def rejection_latency(folder: Path) -> Latency:
    """Run the scenario in ``folder``; the measured rejection."""
    settings = Settings(state_dir=folder / "state", out_dir=folder / "reports")
    app = create_app(SimulatorConfig(profile="realistic", clock_speed=0.0, start_time=START))
    transport = httpx.ASGITransport(app=app)
    with Ledger(settings.ledger_database_url) as ledger:
        async with PortingClient(
            base_url="http://sim/v2", api_key="KEYSIMULATOR", transport=transport
        ) as client:
            path = _sheet(folder / "sheets")
            await run_batch(settings, ledger, client, path, BatchOptions(confirm=True))
            order_id = next(
                o.order_id for o in ledger.orders_for_batch("batch") if REJECTED in o.phone_numbers
            )
            event = await _rejection_event(app, client, order_id)
            body = json.dumps(
                {
                    "data": {
                        "event_type": event["event_type"],
                        "id": event["id"],
                        "occurred_at": event["created_at"],
                        "record_type": "event",
                        "payload": event["payload"],
                    },
                    "meta": {"attempt": 1},
                }
            ).encode()
            now = app.state.sim.clock.now()
            signer = app.state.webhooks.signer
            receiver = WebhookReceiver(
                signer.public_key, LedgerEvents(ledger), clock=lambda: now.timestamp()
            )
            headers = {
                **signer.headers(body, int(now.timestamp())),
                "content-type": "application/json",
            }
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=receiver), base_url="http://receiver"
            ) as hooks:
                started = time.perf_counter()
                answer = await hooks.post("/webhooks/telnyx", content=body, headers=headers)
                in_ledger = time.perf_counter()
                [record] = [o for o in ledger.orders_for_batch("batch") if o.order_id == order_id]
                changes = await track(ledger, client, "batch")
                look = write_tracking(settings, ledger, changes, now, "batch")
                written = time.perf_counter()
    lines = _needs_action(look.files.needs_action_csv, order_id)
    return Latency(order_id, answer.status_code, lines[0] if lines else {}, record.status,
                   in_ledger - started, written - started)  # fmt: skip


def _needs_action(path: Path, order_id: str) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [r for r in csv.DictReader(handle) if r["Order id"] == order_id and r["Input cell"]]
