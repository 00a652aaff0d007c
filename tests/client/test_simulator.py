"""Every client operation against the simulator in-process (ASGITransport)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from porting_batch.client import PortingClient, UpdatePortingOrder
from porting_batch.errors import (
    AuthenticationError,
    NotFoundError,
    UnprocessableEntityError,
)
from porting_batch.simulator import SimulatorConfig, create_app
from porting_batch.testing import SpecCheckingTransport, VirtualSleep

pytestmark = pytest.mark.anyio

SIM_KEY = "KEYSIMULATOR"
SIM_URL = "http://sim/v2"
PORTABLE = "+13125550100"
NOT_PORTABLE = "+13125559950"
TOLL_FREE = "+18005550100"


@pytest.fixture
def sim_app() -> Any:
    """A fresh in-memory simulator."""
    return create_app(SimulatorConfig())


@pytest.fixture
async def client(sim_app: Any, sleeps: VirtualSleep) -> AsyncIterator[PortingClient]:
    """A client talking to the simulator in-process."""
    transport = SpecCheckingTransport(httpx.ASGITransport(app=sim_app))
    async with PortingClient(
        base_url=SIM_URL,
        api_key=SIM_KEY,
        transport=transport,
        sleep=sleeps,
        clock=sleeps.clock,
    ) as client:
        yield client
    assert transport.checked > 0


@pytest.fixture
async def admin(sim_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client for the simulator's admin routes (they need the API key too)."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim_app),
        base_url="http://sim/_simulator",
        headers={"Authorization": f"Bearer {SIM_KEY}"},
    ) as http:
        yield http


def ready_patch(foc: Any, loa: str, invoice: str) -> UpdatePortingOrder:
    """Everything the simulator needs before it lets an order be confirmed."""
    return UpdatePortingOrder.model_validate(
        {
            "end_user": {
                "admin": {
                    "entity_name": "ACME Inc.",
                    "auth_person_name": "Ada Lovelace",
                    "billing_phone_number": PORTABLE,
                    "account_number": "ACC-778899",
                    "pin_passcode": "2468",
                },
                "location": {
                    "street_address": "311 W Superior St",
                    "locality": "Chicago",
                    "administrative_area": "IL",
                    "postal_code": "60654",
                    "country_code": "US",
                },
            },
            "documents": {"loa": loa, "invoice": invoice},
            "activation_settings": {"foc_datetime_requested": foc},
        }
    )


async def test_portability_checks_against_the_simulator(client: PortingClient) -> None:
    """Checks come back in input order with the simulator's verdicts and extras."""
    numbers = [NOT_PORTABLE, PORTABLE, TOLL_FREE]
    client.check_chunk_size = 2
    results = await client.check_portability(numbers)
    assert [r.phone_number for r in results] == numbers
    assert [r.portable for r in results] == [False, True, True]
    assert results[0].not_portable_reason
    assert client.stats.calls["POST /portability_checks"] == 2


async def test_create_get_list_find_and_delete(client: PortingClient) -> None:
    """A create splits by number type; each order can be read, listed, found and deleted."""
    orders = await client.create_orders([PORTABLE, TOLL_FREE], customer_reference="batch-1:g1")
    assert len(orders) == 2
    assert {o.customer_reference for o in orders} == {"batch-1:g1"}
    assert all(o.status.value == "draft" for o in orders)
    got = await client.get_order(orders[0].id)
    assert got.id == orders[0].id
    assert [p.phone_number for p in got.phone_numbers] == [
        p.phone_number for p in orders[0].phone_numbers
    ]
    found = await client.find_orders_by_reference("batch-1:g1")
    assert {o.id for o in found} == {o.id for o in orders}
    assert [o async for o in client.list_orders(customer_reference="nobody")] == []
    await client.delete_order(orders[1].id)
    with pytest.raises(NotFoundError):
        await client.get_order(orders[1].id)


async def test_list_orders_reads_every_page(client: PortingClient) -> None:
    """Five orders listed three per page all come back once."""
    made = []
    for i in range(5):
        made += await client.create_orders([f"+1312555010{i}"], customer_reference=f"r{i}")
    listed = [o async for o in client.list_orders(page_size=3)]
    assert sorted(o.id for o in listed) == sorted(o.id for o in made)
    assert client.stats.calls["GET /porting_orders"] == 2


async def test_full_order_workflow(client: PortingClient, tmp_path: Path) -> None:
    """Upload documents, pick a FOC window, PATCH once, confirm, comment, cancel."""
    (order,) = await client.create_orders([PORTABLE], customer_reference="wf-1")
    pdf = tmp_path / "loa.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% signed LOA\n" + b"0" * 5000)
    loa = await client.upload_document(pdf, customer_reference="wf-1")
    invoice = await client.upload_document(pdf)
    assert loa.content_type == "application/pdf"
    assert (await client.get_document(loa.id)).id == loa.id
    assert await client.download_document(loa.id) == pdf.read_bytes()

    windows = await client.allowed_foc_windows(order.id)
    assert windows and windows[0].started_at.utcoffset() == timedelta(0)
    foc = windows[0].started_at + timedelta(minutes=1)
    updated = await client.update_order(order.id, ready_patch(foc, loa.id, invoice.id))
    assert updated.documents and updated.documents.loa == loa.id
    assert updated.activation_settings and updated.activation_settings.foc_datetime_requested

    confirmed = await client.confirm_order(order.id)
    assert confirmed.status.value == "in-process"

    comment = await client.create_comment(order.id, "Please port on the requested date.")
    comments = await client.list_comments(order.id)
    assert comment.id in {c.id for c in comments}

    events = await client.list_events(porting_order_id=order.id)
    assert any(e.event_type == "porting_order.status_changed" for e in events)

    numbers = await client.list_porting_phone_numbers(porting_order_id=order.id)
    assert [n.phone_number for n in numbers] == [PORTABLE]

    cancelled = await client.cancel_order(order.id)
    assert cancelled.status.value in {"cancel-pending", "cancelled"}


async def test_confirm_incomplete_order_lists_every_gap(client: PortingClient) -> None:
    """Confirming a bare draft raises a 422 whose items point at each missing field."""
    (order,) = await client.create_orders([PORTABLE], customer_reference="gap-1")
    with pytest.raises(UnprocessableEntityError) as info:
        await client.confirm_order(order.id)
    pointers = {item.pointer for item in info.value.errors}
    assert "/documents/loa" in pointers
    assert "/activation_settings/foc_datetime_requested" in pointers
    assert len(info.value.errors) > 3


async def test_requirements_and_loa_template(client: PortingClient, tmp_path: Path) -> None:
    """A draft requires an LOA and an invoice, each pending until set; the LOA template is a PDF."""
    (order,) = await client.create_orders([PORTABLE], customer_reference="loa-1")
    requirements = await client.requirements(order.id)
    assert [
        (r.record_type, r.field_type, r.field_value, r.requirement_status) for r in requirements
    ] == [("porting_requirement", "document", "", "pending")] * 2
    kinds = [r.requirement_type or {} for r in requirements]
    assert [(k.get("name"), k.get("type")) for k in kinds] == [
        ("Letter of Authorization", "document"),
        ("Latest Invoice", "document"),
    ]
    assert all(k.get("id") for k in kinds)
    pdf = tmp_path / "loa.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% signed LOA\n")
    loa = await client.upload_document(pdf)
    await client.update_order(
        order.id, UpdatePortingOrder.model_validate({"documents": {"loa": loa.id}})
    )
    after = await client.requirements(order.id)
    assert [(r.field_value, r.requirement_status) for r in after] == [
        (loa.id, "approved"),
        ("", "pending"),
    ]
    template = await client.loa_template(order.id)
    assert template.startswith(b"%PDF")
    assert order.id.encode() in template


async def test_activate_a_draft_is_refused(client: PortingClient) -> None:
    """Activation of an order that is not FOC-confirmed is a 422, not a crash."""
    (order,) = await client.create_orders([PORTABLE], customer_reference="act-1")
    with pytest.raises(UnprocessableEntityError):
        await client.activate_order(order.id)


async def test_csr_coverage_create_and_get(client: PortingClient) -> None:
    """CSR coverage answers per number; a CSR request can be created and read back."""
    coverage = await client.csr_coverage([PORTABLE, "+16175550123"])
    assert [c.phone_number for c in coverage] == [PORTABLE, "+16175550123"]
    csr = await client.create_csr(PORTABLE, additional_data={"pin": "1357"})
    assert csr.status == "pending"
    again = await client.get_csr(csr.id)
    assert again.id == csr.id


async def test_wrong_key_is_an_authentication_error(sim_app: Any, sleeps: VirtualSleep) -> None:
    """The simulator's 401 becomes AuthenticationError, and the wrong key is not in it."""
    async with PortingClient(
        base_url=SIM_URL,
        api_key="WRONGKEY123",
        transport=httpx.ASGITransport(app=sim_app),
        sleep=sleeps,
    ) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.get_order("x")
    assert "WRONGKEY123" not in str(info.value)
    assert info.value.errors[0].code == "10009"
