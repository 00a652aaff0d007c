"""A whole batch through the library against the in-process simulator, and its re-runs."""

from __future__ import annotations

import json

import httpx
import pytest

from porting_batch.foc import FocReason
from porting_batch.outcomes import Outcome
from porting_batch.runner import BatchOptions, run_batch
from porting_batch.simulator import SimulatorConfig, create_app

from .conftest import SAMPLE, client_over

pytestmark = pytest.mark.anyio

CREATE = "POST /porting_orders"
PATCH = "PATCH /porting_orders/{id}"
CONFIRM = "POST /porting_orders/{id}/actions/confirm"
UPLOAD = "POST /documents"


def calls(client) -> dict[str, int]:
    """The client's calls so far, per kind."""
    return dict(client.stats.as_dict()["calls"])


async def test_every_sample_row_ends_with_an_order_or_a_reason(settings, ledger, client):
    """Each number of the sample has an order id, or an outcome with a stated reason."""
    result = await run_batch(settings, ledger, client, SAMPLE)
    assert result.complete
    assert {n.row for n in result.numbers} == set(range(2, 41))
    assert len(result.numbers) == 44
    for number in result.numbers:
        assert number.order_id or (number.outcome is not Outcome.READY_AS_DRAFT and number.reason)
    assert result.counts_by_outcome() == {"ready_as_draft": 43, "not_portable": 1}


async def test_not_portable_numbers_are_in_no_order(settings, ledger, client):
    """The number the simulator calls not portable is in no order."""
    result = await run_batch(settings, ledger, client, SAMPLE)
    refused = {n.phone_number for n in result.numbers if n.outcome is Outcome.NOT_PORTABLE}
    assert refused == {"+13125559950"}
    ordered = {p for o in result.orders for p in o.phone_numbers}
    assert refused.isdisjoint(ordered)


async def test_no_order_mixes_two_accounts(settings, ledger, client):
    """Every order's numbers come from rows of one end-user account."""
    result = await run_batch(settings, ledger, client, SAMPLE)
    account_of = {n.phone_number: n.raw["entity_name"] for n in result.numbers}
    assert len(result.orders) == 8
    for order in result.orders:
        assert len({account_of[p] for p in order.phone_numbers}) == 1, order.order_id


async def test_each_document_is_uploaded_once(settings, ledger, client):
    """Each distinct LOA and invoice is uploaded once, and never again on a re-run."""
    await run_batch(settings, ledger, client, SAMPLE)
    assert calls(client)[UPLOAD] == len(list(SAMPLE.parent.glob("*.pdf")))
    await run_batch(settings, ledger, client, SAMPLE, BatchOptions(batch_name="again"))
    assert calls(client)[UPLOAD] == len(list(SAMPLE.parent.glob("*.pdf")))


async def test_rerun_creates_nothing_and_patches_nothing(settings, ledger, client):
    """Running the same file again finds every step done."""
    first = await run_batch(settings, ledger, client, SAMPLE)
    before = calls(client)
    second = await run_batch(settings, ledger, client, SAMPLE)
    after = calls(client)
    assert after[CREATE] == before[CREATE]
    assert after[PATCH] == before[PATCH]
    assert second.counts_by_outcome() == first.counts_by_outcome()
    assert sorted(o.order_id for o in second.orders) == sorted(o.order_id for o in first.orders)


async def test_rerun_with_confirm_submits_the_drafts(settings, ledger, client):
    """A second run with confirm submits each draft once and creates nothing; drafts held
    for a FOC beyond today's windows stay drafts, and the run is complete."""
    first = await run_batch(settings, ledger, client, SAMPLE)
    creates = calls(client)[CREATE]
    held = [o for o in first.orders if o.foc_reason == FocReason.HELD_BEYOND_WINDOWS.value]
    second = await run_batch(settings, ledger, client, SAMPLE, BatchOptions(confirm=True))
    assert second.complete, second.failure
    assert calls(client)[CREATE] == creates
    assert calls(client)[CONFIRM] == len(first.orders) - len(held)
    expected = {"in-process": len(first.orders) - len(held), "draft": len(held)}
    assert second.orders_by_status() == {k: v for k, v in expected.items() if v}
    in_held = sum(o.number_count for o in held)
    counts = {"confirmed": 43 - in_held, "ready_as_draft": in_held, "not_portable": 1}
    assert second.counts_by_outcome() == {k: v for k, v in counts.items() if v}


async def test_dry_run_sends_no_write(settings, ledger, client):
    """A dry run checks portability and plans, and writes nothing remote."""
    result = await run_batch(settings, ledger, client, SAMPLE, BatchOptions(dry_run=True))
    assert set(calls(client)) == {"POST /portability_checks"}
    assert result.counts_by_outcome() == {"planned": 43, "not_portable": 1}
    assert result.orders
    assert all(o.status == "planned" and not o.order_id for o in result.orders)


async def test_numbers_ordered_by_another_batch_are_skipped(settings, ledger, client):
    """The same numbers under another batch name are reported as already in an order."""
    await run_batch(settings, ledger, client, SAMPLE)
    creates = calls(client)[CREATE]
    other = await run_batch(settings, ledger, client, SAMPLE, BatchOptions(batch_name="other"))
    assert calls(client)[CREATE] == creates
    assert other.counts_by_outcome() == {"already_in_order": 43, "not_portable": 1}


async def test_numbers_the_api_says_are_in_an_order_are_skipped(tmp_path, settings, client):
    """With a fresh ledger, the API's per-number refusal marks numbers already in an order."""
    from porting_batch.ledger import Ledger

    first = Ledger(f"sqlite:///{tmp_path / 'first.db'}")
    second = Ledger(f"sqlite:///{tmp_path / 'second.db'}")
    await run_batch(settings, first, client, SAMPLE)
    result = await run_batch(settings, second, client, SAMPLE)
    assert result.counts_by_outcome() == {"already_in_order": 43, "not_portable": 1}
    assert result.orders == []


async def test_lost_responses_never_duplicate_an_order(settings, ledger):
    """With half of all write answers lost, every number still ends in exactly one order."""
    faults = {"lost_response_rate": 0.5}
    app = create_app(SimulatorConfig(faults=faults, seed=7))
    async with client_over(httpx.ASGITransport(app=app)) as client:
        await run_batch(settings, ledger, client, SAMPLE)
        await run_batch(settings, ledger, client, SAMPLE)
        app.state.sim.faults.update({"lost_response_rate": 0.0})
        orders = [o async for o in client.list_orders(customer_group_reference="sample-batch")]
    numbers = [n.phone_number for o in orders for n in (o.phone_numbers or [])]
    assert len(numbers) == len(set(numbers)) == 43


async def test_patch_refusal_is_mapped_to_the_rows_and_column(settings, ledger, sim_app):
    """A 422 on PATCH names the cell of every row of the order, and the order needs attention."""
    inner = httpx.ASGITransport(app=sim_app)
    refusal = {
        "errors": [
            {
                "code": "80014",
                "title": "Service address mismatch",
                "detail": "The postal code does not match the losing carrier's records.",
                "source": {"pointer": "/end_user/location/postal_code"},
                "meta": {"retryable": False},
            }
        ]
    }

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            body = json.loads(request.content)
            if body["end_user"]["admin"]["entity_name"] == "Bluebird Bakery LLC":
                return httpx.Response(422, json=refusal)
        return await inner.handle_async_request(request)

    async with client_over(httpx.MockTransport(handler)) as client:
        result = await run_batch(settings, ledger, client, SAMPLE)
    acme = [n for n in result.numbers if n.raw["entity_name"] == "Bluebird Bakery LLC"]
    assert {n.outcome for n in acme} == {Outcome.NEEDS_ATTENTION, Outcome.NOT_PORTABLE}
    api_issues = [i for i in result.issues if i.source == "api"]
    assert {i.cell for i in api_issues} == {f"Numbers!N{n.row}" for n in acme if n.order_id}
    assert api_issues
    assert all(i.column == "postal_code" and i.value == "53703" for i in api_issues)
    others = [n for n in result.numbers if n.raw["entity_name"] != "Bluebird Bakery LLC"]
    assert {n.outcome for n in others} == {Outcome.READY_AS_DRAFT}


async def test_edited_file_repatches_changed_accounts_and_plans_new_rows(
    settings, ledger, client, sample_copy
):
    """An edit re-patches only the changed account, orders a new row and reports a removed one."""
    original = sample_copy()
    first = await run_batch(settings, ledger, client, original)
    patches = calls(client)[PATCH]

    def edit(rows: list[list[str]]) -> list[list[str]]:
        header = rows[0]
        street = header.index("street_address")
        for row in rows[1:]:
            if row[header.index("entity_name")] == "Ironwood Realty Ltd.":
                row[street] = "9306 Congress Boulevard"
        new = list(rows[-1])
        new[header.index("phone_number")] = "+1 503 555 0177"
        removed = rows.pop(2)
        assert removed[header.index("entity_name")] == "Bluebird Bakery LLC"
        return [*rows, new]

    edited = sample_copy(edit)
    second = await run_batch(settings, ledger, client, edited)
    lakeside_numbers = {
        n.phone_number for n in first.numbers if n.raw["entity_name"].startswith("Ironwood")
    }
    lakeside = {o.order_id for o in first.orders if lakeside_numbers & set(o.phone_numbers)}
    assert calls(client)[PATCH] - patches == len(lakeside) + 1
    assert any(i.code == "removed_rows" for i in second.issues)
    new_number = next(n for n in second.numbers if n.phone_number == "+15035550177")
    assert new_number.outcome is Outcome.READY_AS_DRAFT
    assert new_number.order_id not in {o.order_id for o in first.orders}


async def test_logs_tell_the_steps_and_hold_no_secret(settings, ledger, client, caplog):
    """Each step logs a summary; no PIN, account number or API key appears at any level."""
    import logging

    caplog.set_level(logging.DEBUG, logger="porting_batch")
    await run_batch(settings, ledger, client, SAMPLE)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "39 row(s) read" in text
    assert "plan: 8 account group(s)" in text
    assert "orders: 8 group(s) done, 8 order(s)" in text
    for secret in ("3976", "359497206", "KEYSIMULATOR"):
        assert secret not in text


async def test_a_split_unlike_the_plan_is_adopted_and_reported(
    settings, ledger, sim_app, sample_copy
):
    """When the API splits a create differently from the plan, its split is used and the
    difference is reported."""
    inner = httpx.ASGITransport(app=sim_app)

    def another_carrier(rows: list[list[str]]) -> list[list[str]]:
        # A number of the first account at another carrier that is not FastPort either: only
        # the SPID tells the two apart.
        extra = list(rows[1])
        extra[rows[0].index("phone_number")] = "312-557-0144"
        return [*rows, extra]

    async def handler(request: httpx.Request) -> httpx.Response:
        response = await inner.handle_async_request(request)
        if request.method == "POST" and request.url.path.endswith("/portability_checks"):
            # Answers without carrier facts: the plan cannot foresee the split by SPID.
            body = json.loads(await response.aread())
            for item in body["data"]:
                item.pop("spid", None)
                item.pop("carrier_name", None)
            return httpx.Response(response.status_code, json=body)
        return response

    async with client_over(httpx.MockTransport(handler)) as client:
        result = await run_batch(settings, ledger, client, sample_copy(another_carrier))
    differences = [i for i in result.issues if i.code == "split_differs"]
    assert differences and all(i.severity.value == "warning" for i in differences)
    assert len(result.orders) == 9
    assert result.counts_by_outcome() == {"ready_as_draft": 44, "not_portable": 1}
