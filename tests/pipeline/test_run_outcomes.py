"""The runner reports the truth: big orders recorded whole, API failures leaving the run
incomplete and retried, attention cleared once its cause is gone, one set of attempts per
upload, and the FOC never moved earlier without a warning."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from porting_batch.client import PortingClient
from porting_batch.foc import FocPolicy, FocReason
from porting_batch.outcomes import Outcome
from porting_batch.progress import ProgressEvent
from porting_batch.runner import BatchOptions, run_batch, start_run, steps
from porting_batch.tracking import refresh_order_statuses

from .conftest import SAMPLE, sample_rows

pytestmark = pytest.mark.anyio

CREATE = "POST /porting_orders"
PATCH = "PATCH /porting_orders/{id}"
CONFIRM = "POST /porting_orders/{id}/actions/confirm"
UPLOAD = "POST /documents"


async def _no_sleep(_seconds: float) -> None:
    """Back-off without waiting: the tests count attempts, not seconds."""


def quick_client(transport: httpx.AsyncBaseTransport, *, max_retries: int = 4) -> PortingClient:
    """A client over ``transport`` whose retries do not wait."""
    return PortingClient(
        base_url="http://sim/v2",
        api_key="KEYSIMULATOR",
        transport=transport,
        max_retries=max_retries,
        sleep=_no_sleep,
    )


def calls(client: PortingClient) -> Counter[str]:
    """The client's calls so far, per kind."""
    return Counter(client.stats.as_dict()["calls"])


def one_account(count: int):
    """An edit of the sample: ``count`` numbers of the Acme account, one per row."""

    def edit(rows: list[list[str]]) -> list[list[str]]:
        header, template = rows[0], rows[1]
        column = header.index("phone_number")
        out = [header]
        for index in range(count):
            row = list(template)
            row[column] = f"+1312555{index:04d}"
            out.append(row)
        return out

    return edit


# 1. orders of more than 50 numbers ---------------------------------------------------------
async def test_an_order_of_a_thousand_numbers_is_recorded_whole(
    settings, ledger, sim_app, sample_copy
):
    """1,000 numbers of one account: every one in an order of the ledger, ready as a draft,
    and a second run reuses the orders without creating any."""
    path = sample_copy(one_account(1000))
    async with quick_client(httpx.ASGITransport(app=sim_app)) as client:
        first = await run_batch(settings, ledger, client, path)
        creates = calls(client)[CREATE]
        second = await run_batch(settings, ledger, client, path)
        assert calls(client)[CREATE] == creates
    assert first.complete, first.failure
    assert first.counts_by_outcome() == {"ready_as_draft": 1000}
    assert second.counts_by_outcome() == {"ready_as_draft": 1000}
    in_orders = [n for o in second.orders for n in o.phone_numbers]
    assert len(in_orders) == len(set(in_orders)) == 1000
    assert {o.order_id for o in first.orders} == {o.order_id for o in second.orders}
    remote = sim_app.state.sim.store.all("orders")
    assert sum(len(o["_sim"]["numbers"]) for o in remote) == 1000


async def test_an_order_answer_without_a_count_is_read_in_full(
    settings, ledger, sim_app, sample_copy
):
    """Answers that show 50 numbers and no count still lead to every number being read."""
    inner = httpx.ASGITransport(app=sim_app)

    async def handler(request: httpx.Request) -> httpx.Response:
        response = await inner.handle_async_request(request)
        if request.method == "POST" and request.url.path.endswith("/porting_orders"):
            body = json.loads(await response.aread())
            for order in body.get("data", []):
                order.pop("porting_phone_numbers_count", None)
            return httpx.Response(response.status_code, json=body)
        return response

    path = sample_copy(one_account(120))
    async with quick_client(httpx.MockTransport(handler)) as client:
        result = await run_batch(settings, ledger, client, path)
    assert result.complete, result.failure
    assert result.counts_by_outcome() == {"ready_as_draft": 120}
    assert sum(o.number_count for o in result.orders) == 120


async def test_an_order_recorded_with_only_50_numbers_is_repaired(
    settings, ledger, client, sample_copy
):
    """A ledger order cut to 50 numbers (as older versions recorded it) is read again by
    reference: no create is sent and every number ends ready as a draft."""
    path = sample_copy(one_account(120))
    await run_batch(settings, ledger, client, path)
    (record,) = ledger.orders_for_batch("sample-batch")
    record.phone_numbers = record.phone_numbers[:50]
    ledger.save_order(record)
    creates = calls(client)[CREATE]
    again = await run_batch(settings, ledger, client, path)
    assert calls(client)[CREATE] == creates
    assert again.complete, again.failure
    assert again.counts_by_outcome() == {"ready_as_draft": 120}
    assert len(ledger.orders_for_batch("sample-batch")[0].phone_numbers) == 120


async def test_tracking_repairs_an_order_recorded_with_only_50_numbers(
    settings, ledger, client, sample_copy
):
    """Refreshing statuses reads every number of an order the ledger holds only 50 of."""
    await run_batch(settings, ledger, client, sample_copy(one_account(120)))
    (record,) = ledger.orders_for_batch("sample-batch")
    record.phone_numbers = record.phone_numbers[:50]
    ledger.save_order(record)
    await refresh_order_statuses(ledger, client, "sample-batch")
    (repaired,) = ledger.orders_for_batch("sample-batch")
    assert len(set(repaired.phone_numbers)) == 120
    assert len(ledger.active_orders_for_numbers(repaired.phone_numbers)) == 120


# 2. API failures leave the run incomplete ---------------------------------------------------
async def test_an_api_failure_on_a_group_leaves_the_run_incomplete_and_is_retried(
    settings, ledger, sim_app
):
    """PATCHes of one account answering 500: those numbers are not_processed, the failure
    names the failed group, the batch is incomplete; a run without the fault finishes it."""
    inner = httpx.ASGITransport(app=sim_app)
    failing = {"on": True}

    async def handler(request: httpx.Request) -> httpx.Response:
        if failing["on"] and request.method == "PATCH":
            body = json.loads(request.content)
            if body["end_user"]["admin"]["entity_name"] == "Ironwood Realty Ltd.":
                return httpx.Response(500, json={"errors": [{"code": "10001", "title": "boom"}]})
        return await inner.handle_async_request(request)

    async with quick_client(httpx.MockTransport(handler), max_retries=1) as client:
        first = await run_batch(settings, ledger, client, SAMPLE)
        failing["on"] = False
        creates = calls(client)[CREATE]
        second = await run_batch(settings, ledger, client, SAMPLE)
        assert calls(client)[CREATE] == creates
    assert not first.complete
    assert first.failure.startswith("1 of 8 order group(s) failed; first: ServerError")
    lakeside = [n for n in first.numbers if n.raw["entity_name"].startswith("Ironwood")]
    assert lakeside and {n.outcome for n in lakeside} == {Outcome.NOT_PROCESSED}
    assert first.not_processed == len(lakeside)
    assert first.needs_attention == 0 and not first.has_input_errors
    assert second.complete, second.failure
    assert second.counts_by_outcome() == {"ready_as_draft": 43, "not_portable": 1}
    batch = ledger.batch("sample-batch")
    assert batch is not None and batch["status"] == "complete"


async def test_a_failed_run_is_marked_incomplete_in_the_ledger(settings, ledger, sim_app):
    """Every create answering 503: nothing is ordered, and the ledger says incomplete."""
    inner = httpx.ASGITransport(app=sim_app)

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/porting_orders"):
            return httpx.Response(503, json={"errors": [{"code": "10001", "title": "down"}]})
        return await inner.handle_async_request(request)

    async with quick_client(httpx.MockTransport(handler), max_retries=0) as client:
        result = await run_batch(settings, ledger, client, SAMPLE)
    assert not result.complete
    assert result.failure.startswith("8 of 8 order group(s) failed")
    assert result.counts_by_outcome() == {"not_processed": 43, "not_portable": 1}
    assert "run the file again" in result.numbers[0].reason
    batch = ledger.batch("sample-batch")
    assert batch is not None and batch["status"] == "incomplete"


# 3. attention clears when its cause is gone -------------------------------------------------
async def test_a_confirm_that_landed_despite_a_500_ends_confirmed(settings, ledger, sim_app):
    """Confirms apply but answer 500: the run is incomplete, not 'needs attention'; a clean
    re-run reads the orders and ends with every order confirmed and no attention."""
    inner = httpx.ASGITransport(app=sim_app)
    failing = {"on": True}

    async def handler(request: httpx.Request) -> httpx.Response:
        response = await inner.handle_async_request(request)
        if failing["on"] and request.url.path.endswith("/actions/confirm"):
            await response.aread()
            return httpx.Response(500, json={"errors": [{"code": "10001", "title": "lost"}]})
        return response

    options = BatchOptions(confirm=True)
    async with quick_client(httpx.MockTransport(handler), max_retries=0) as client:
        first = await run_batch(settings, ledger, client, SAMPLE, options)
        failing["on"] = False
        confirms = calls(client)[CONFIRM]
        second = await run_batch(settings, ledger, client, SAMPLE, options)
        assert calls(client)[CONFIRM] == confirms
    assert not first.complete and first.needs_attention == 0
    assert second.complete, second.failure
    assert not [o for o in second.orders if o.attention]
    held = sum(o.number_count for o in second.orders if o.status == "draft")
    assert second.counts_by_outcome()["confirmed"] == 43 - held


async def test_attention_left_by_an_old_run_clears_when_the_order_is_as_wanted(
    settings, ledger, client
):
    """An in-process order still flagged 'confirm answered 500' loses the flag on a clean run."""
    await run_batch(settings, ledger, client, SAMPLE)
    record = ledger.orders_for_batch("sample-batch")[0]
    await client.confirm_order(record.order_id)
    record.attention = "ServerError: POST /porting_orders/{id}/actions/confirm answered 500"
    ledger.save_order(record)
    again = await run_batch(settings, ledger, client, SAMPLE)
    assert again.complete, again.failure
    (order,) = [o for o in again.orders if o.order_id == record.order_id]
    assert (order.status, order.attention) == ("in-process", "")
    mine = [n for n in again.numbers if n.order_id == record.order_id]
    assert mine and {n.outcome for n in mine} == {Outcome.CONFIRMED}


async def test_a_refused_patch_clears_once_the_data_lands(settings, ledger, sim_app):
    """A PATCH refused with 422 flags the order; once Telnyx accepts it the flag is gone."""
    inner = httpx.ASGITransport(app=sim_app)
    refusing = {"on": True}
    refusal = {
        "errors": [
            {
                "code": "80014",
                "title": "Service address mismatch",
                "source": {"pointer": "/end_user/location/postal_code"},
            }
        ]
    }

    async def handler(request: httpx.Request) -> httpx.Response:
        if refusing["on"] and request.method == "PATCH":
            return httpx.Response(422, json=refusal)
        return await inner.handle_async_request(request)

    async with quick_client(httpx.MockTransport(handler)) as client:
        first = await run_batch(settings, ledger, client, SAMPLE)
        refusing["on"] = False
        second = await run_batch(settings, ledger, client, SAMPLE)
    assert first.complete and first.needs_attention == 43
    assert second.complete and second.needs_attention == 0
    assert not [o for o in ledger.orders_for_batch("sample-batch") if o.attention]


# 4. one set of attempts per upload ----------------------------------------------------------
async def test_an_upload_answering_503_forever_is_tried_max_retries_plus_one_times(
    settings, ledger, sim_app
):
    """Each document is attempted exactly max_retries+1 times in a run (the client's
    retries, none added by the runner); its groups fail and the run is incomplete."""
    inner = httpx.ASGITransport(app=sim_app)
    attempts: Counter[str] = Counter()

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/documents"):
            body = request.read()
            name = body.split(b'filename="', 1)[1].split(b'"', 1)[0].decode()
            attempts[name] += 1
            return httpx.Response(503, json={"errors": [{"code": "10001", "title": "busy"}]})
        return await inner.handle_async_request(request)

    max_retries = 2
    async with quick_client(httpx.MockTransport(handler), max_retries=max_retries) as client:
        result = await run_batch(settings, ledger, client, SAMPLE)
    assert attempts and set(attempts.values()) == {max_retries + 1}
    assert not result.complete
    assert result.failure.startswith("8 of 8 order group(s) failed")
    assert sim_app.state.sim.store.all("orders") == []


# 7. the FOC ----------------------------------------------------------------------------------
def _far_foc(account: str, when: datetime):
    """An edit of the sample: ``account`` asks for ``when`` as its FOC."""

    def edit(rows: list[list[str]]) -> list[list[str]]:
        header = rows[0]
        for row in rows[1:]:
            if row[header.index("entity_name")] == account:
                row[header.index("requested_foc")] = when.strftime("%Y-%m-%d")
        return rows

    return edit


FAR = datetime.now(UTC) + timedelta(days=200)


async def test_a_foc_beyond_the_windows_holds_the_draft_and_says_so(
    settings, ledger, client, sample_copy
):
    """A FOC later than every window today: the order stays a complete draft with no FOC,
    is not confirmed even with --confirm, and each of its rows gets a warning on the FOC
    cell; the run is complete."""
    path = sample_copy(_far_foc("Bluebird Bakery LLC", FAR))
    result = await run_batch(settings, ledger, client, path, BatchOptions(confirm=True))
    assert result.complete, result.failure
    acme = [n for n in result.numbers if n.raw["entity_name"] == "Bluebird Bakery LLC"]
    ordered = [n for n in acme if n.order_id]
    assert ordered and {n.outcome for n in ordered} == {Outcome.READY_AS_DRAFT}
    assert {n.order_status for n in ordered} == {"draft"}
    assert all(n.foc_chosen is None for n in ordered)
    assert {n.foc_reason for n in ordered} == {FocReason.HELD_BEYOND_WINDOWS.value}
    rows = {n.row for n in acme}
    warnings = [i for i in result.issues if i.code == "foc_moved" and i.row in rows]
    assert {i.row for i in warnings} == {n.row for n in ordered}
    assert all(i.severity.value == "warning" and i.column == "requested_foc" for i in warnings)
    assert all("beyond the windows" in i.message for i in warnings)


async def test_a_held_draft_is_still_held_on_a_rerun(settings, ledger, client, sample_copy):
    """Re-running a batch with a held draft re-reads its windows, sends no PATCH, keeps the
    warning and confirms nothing."""
    path = sample_copy(_far_foc("Bluebird Bakery LLC", FAR))
    await run_batch(settings, ledger, client, path, BatchOptions(confirm=True))
    before = calls(client)
    again = await run_batch(settings, ledger, client, path, BatchOptions(confirm=True))
    after = calls(client)
    assert after[PATCH] == before[PATCH] and after[CONFIRM] == before[CONFIRM]
    assert again.complete
    assert [i for i in again.issues if i.code == "foc_moved" and "beyond" in i.message]


async def test_the_earliest_policy_takes_the_earliest_time_with_a_warning(
    settings, ledger, client, sample_copy
):
    """With the earliest policy a far FOC is replaced by the earliest allowed time, and
    the rows are warned that it is earlier than asked."""
    path = sample_copy(_far_foc("Bluebird Bakery LLC", FAR))
    options = BatchOptions(foc_policy=FocPolicy.EARLIEST)
    result = await run_batch(settings, ledger, client, path, options)
    acme = [
        n for n in result.numbers if n.raw["entity_name"] == "Bluebird Bakery LLC" and n.order_id
    ]
    assert acme and all(n.foc_chosen is not None and n.foc_chosen < FAR for n in acme)
    warnings = [
        i for i in result.issues if i.code == "foc_moved" and i.row in {n.row for n in acme}
    ]
    assert warnings and all("EARLIER" in i.message for i in warnings)


# 9. progress -----------------------------------------------------------------------------------
async def test_progress_is_told_per_chunk_and_per_group(settings, ledger, client):
    """run_batch reports check chunks and groups with their order counts."""
    events: list[ProgressEvent] = []
    result = await run_batch(settings, ledger, client, SAMPLE, on_progress=events.append)
    steps = [e.step for e in events]
    assert steps[0] == "read" and "plan" in steps
    checks = [e for e in events if e.step == "check"]
    assert checks and checks[-1].done == checks[-1].total == 44
    groups = [e for e in events if e.step == "orders"]
    assert [e.done for e in groups] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert groups[-1].counts["orders"] == len(result.orders)
    assert groups[-1].counts["created"] == len(result.orders)
    assert groups[-1].counts["reused"] == 0


async def test_the_steps_themselves_emit_progress(settings, ledger, client):
    """The steps run one by one (as the Prefect flow's tasks run them) emit the same events."""
    events: list[ProgressEvent] = []
    run = start_run(settings, ledger, client, SAMPLE, on_progress=events.append)
    steps.read(run)
    await steps.check(run, steps.numbers_to_check(run))
    assert [e.step for e in events][:2] == ["read", "check"]
    assert sample_rows()  # the sample the events describe is there
