"""Open orders in a realistic simulator and in the ledger, as a run leaves them after confirm.

Shared by tests/tracking and benchmarks/bench_tracking.py. Each order holds two numbers of one
account (so ops may split it); every ``reject_every``-th order gets an end user the carrier does
not have on file, so the carrier rejects it into ``exception`` after submission.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from porting_batch.client import PortingClient
from porting_batch.ledger import Ledger, OrderRecord
from porting_batch.simulator import SimulatorConfig, create_app
from porting_batch.simulator.carriers import record_for

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
BATCH = "track-batch"
ADMIN = "http://sim/_simulator"


@dataclass
class Seeded:
    """The simulator app, and the ids of the orders seeded."""

    app: Any
    order_ids: list[str]


def realistic_app(**overrides: Any) -> Any:
    """A realistic simulator on a stopped clock, with no rate limit (seeding is not measured)."""
    config: dict[str, Any] = {"profile": "realistic", "clock_speed": 0, "seed": 7}
    config.update(overrides)
    return create_app(SimulatorConfig(**config))


def client_for(app: Any) -> PortingClient:
    """A client over the app in-process, with no pacing."""
    return PortingClient(
        base_url="http://sim/v2", api_key="KEYSIMULATOR", transport=httpx.ASGITransport(app=app)
    )


def numbers_of(i: int) -> list[str]:
    """Two numbers of one account for order ``i`` (450 orders per exchange, from 312-555)."""
    exchange, line = 555 + i // 450, (i % 450) * 20
    return [f"+1312{exchange}{line:04d}", f"+1312{exchange}{line + 1:04d}"]


async def seed(
    app: Any, client: PortingClient, ledger: Ledger, count: int, reject_every: int = 10
) -> Seeded:
    """Create, complete and confirm ``count`` orders, and record them in the ledger."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), headers={"Authorization": "Bearer KEYSIMULATOR"}
    ) as admin:
        answer = await admin.put(f"{ADMIN}/rate_limit", json={"per_s": None})
        answer.raise_for_status()
    ledger.start_batch(BATCH, name=BATCH, file_name="t.xlsx", content_hash="h", settings={})
    loa = await client.upload_document(PDF, filename="loa.pdf")
    invoice = await client.upload_document(PDF, filename="invoice.pdf")
    focs: dict[str, datetime] = {}
    ids: list[str] = []
    for i in range(count):
        numbers = numbers_of(i)
        reference = f"ref-{i}"
        (order,) = await client.create_orders(
            numbers, customer_reference=reference, customer_group_reference=BATCH
        )
        # One FOC per exchange (its carrier's windows), read once.
        foc = focs.get(numbers[0][:8])
        if foc is None:
            foc = focs[numbers[0][:8]] = (await client.allowed_foc_windows(order.id))[0].started_at
        carrier = record_for(numbers[0], 7)
        admin_data = carrier.admin()
        if reject_every and i % reject_every == reject_every - 1:
            admin_data["entity_name"] = "Nobody Known Holdings"
        body = {
            "customer_group_reference": BATCH,
            "end_user": {"admin": admin_data, "location": carrier.location()},
            "documents": {"loa": loa.id, "invoice": invoice.id},
            "activation_settings": {"foc_datetime_requested": foc.isoformat()},
        }
        await client.update_order(order.id, body)
        confirmed = await client.confirm_order(order.id)
        ledger.save_order(
            OrderRecord(
                order.id,
                BATCH,
                f"g{i}",
                reference,
                confirmed.status.value,
                numbers,
                country="US",
                foc_chosen=foc.isoformat(),
                confirmed=True,
            )
        )
        ids.append(order.id)
    return Seeded(app, ids)


async def advance(app: Any, **amount: float) -> None:
    """Move the simulated clock (and every step that fell due)."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), headers={"Authorization": "Bearer KEYSIMULATOR"}
    ) as admin:
        answer = await admin.post(f"{ADMIN}/clock/advance", json=amount)
        answer.raise_for_status()
