"""One retry layer: every call has one budget, and writes whose answers are lost are recovered
by the client itself, never sent twice when they landed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from porting_batch.client import PortingClient
from porting_batch.errors import ResponseLostError, ServerError, UnprocessableEntityError
from porting_batch.settings import Settings
from porting_batch.testing import VirtualSleep

from .conftest import API_KEY, BASE_URL, order_json

pytestmark = pytest.mark.anyio

MockClient = Callable[..., PortingClient]
PDF = b"%PDF-1.4\n" + b"loa" * 100
PDF_SHA256 = hashlib.sha256(PDF).hexdigest()

OPERATIONS: dict[str, Callable[[PortingClient], Awaitable[object]]] = {
    "get": lambda c: c.get_order("o-1"),
    "create": lambda c: c.create_orders(["+13125550001"], customer_reference="ref-1"),
    "patch": lambda c: c.update_order("o-1", {"customer_reference": "ref-1"}),
    "confirm": lambda c: c.confirm_order("o-1"),
    "upload": lambda c: c.upload_document(PDF, filename="loa.pdf", customer_reference="ref-1"),
    "delete": lambda c: c.delete_order("o-1"),
}


def page(items: list[dict[str, Any]]) -> httpx.Response:
    """One list page that is also the last."""
    meta = {"page_number": 1, "page_size": 250, "total_pages": 1, "total_results": len(items)}
    return httpx.Response(200, json={"data": items, "meta": meta})


def document_json(doc_id: str, *, reference: str = "ref-1", sha256: str | None = PDF_SHA256) -> Any:
    """A document as the API lists it."""
    return {"id": doc_id, "filename": "loa.pdf", "customer_reference": reference, "sha256": sha256}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
async def test_503_forever_sees_exactly_max_retries_plus_one_requests_per_call(
    operation: str, sleeps: VirtualSleep
) -> None:
    """Whatever the operation, a server answering 503 forever gets max_retries + 1 requests
    (write, retries and recovery look-ups together), then the call raises ServerError."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503, json={"errors": [{"code": "10007", "title": "busy"}]})

    settings = Settings(
        api="telnyx",
        api_key=SecretStr(API_KEY),
        api_base_url=BASE_URL,
        max_retries=3,
        requests_per_second=1e6,
    )
    client = PortingClient.from_settings(
        settings, transport=httpx.MockTransport(handler), sleep=sleeps
    )
    async with client:
        with pytest.raises(ServerError) as info:
            await OPERATIONS[operation](client)
    assert len(seen) == settings.max_retries + 1
    assert info.value.status_code == 503


async def test_create_whose_answers_keep_getting_lost_bounds_creates_and_look_ups(
    mock_client: MockClient,
) -> None:
    """Lost creates and the look-ups after them share one budget: max_retries + 1 creates, one
    look-up after each but the last, then the lost answer is raised."""
    methods: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        methods.append(request.method)
        if request.method == "GET":
            return page([])
        raise httpx.ReadTimeout("lost")

    async with mock_client(handler, max_retries=3) as client:
        with pytest.raises(ResponseLostError):
            await client.create_orders(["+13125550001"], customer_reference="ref-1")
    assert methods == ["POST", "GET"] * 3 + ["POST"]


async def test_patch_whose_answer_is_lost_is_sent_again_with_the_same_body(
    mock_client: MockClient,
) -> None:
    """A PATCH sets values, so after a lost answer the client repeats it and returns the order."""
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        if len(bodies) == 1:
            raise httpx.ReadTimeout("answer lost")
        return httpx.Response(200, json={"data": order_json("o-1", reference="ref-2")})

    async with mock_client(handler) as client:
        order = await client.update_order("o-1", {"customer_reference": "ref-2"})
    assert order.customer_reference == "ref-2"
    assert len(bodies) == 2
    assert bodies[0] == bodies[1]
    assert json.loads(bodies[0]) == {"customer_reference": "ref-2"}


class ConfirmServer:
    """An order that a confirm moves out of draft; answers can be lost after applying."""

    def __init__(self, *, lose: str | None = None, apply_first: bool = True) -> None:
        self.status = "draft"
        self.lose = lose
        self.apply_first = apply_first
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request.method)
        if request.method == "GET":
            return httpx.Response(200, json={"data": order_json("o-1", status=self.status)})
        first = self.requests.count("POST") == 1
        if first and not self.apply_first:
            return httpx.Response(503, json={"errors": []})
        self.status = "in-process"
        if first and self.lose == "timeout":
            raise httpx.ReadTimeout("answer lost after the confirm landed")
        if first and self.lose == "503":
            return httpx.Response(503, json={"errors": []})
        return httpx.Response(200, json={"data": order_json("o-1", status=self.status)})


@pytest.mark.parametrize("lose", ["timeout", "503"])
async def test_confirm_whose_answer_is_lost_reads_the_order_and_never_confirms_twice(
    mock_client: MockClient, lose: str
) -> None:
    """A confirm that landed but whose answer was lost is recovered by reading the order."""
    server = ConfirmServer(lose=lose)
    async with mock_client(server) as client:
        order = await client.confirm_order("o-1")
    assert order.status.value == "in-process"
    assert server.requests == ["POST", "GET"]


async def test_confirm_that_did_not_land_is_sent_again(mock_client: MockClient) -> None:
    """After a 503 that left the order a draft, the confirm is sent once more."""
    server = ConfirmServer(apply_first=False)
    async with mock_client(server) as client:
        order = await client.confirm_order("o-1")
        assert client.stats.calls["POST /porting_orders/{id}/actions/confirm"] == 2
    assert order.status.value == "in-process"
    assert server.requests == ["POST", "GET", "POST"]


@pytest.mark.parametrize(("status", "accepted"), [("in-process", True), ("draft", False)])
async def test_confirm_refused_because_an_earlier_confirm_landed_returns_the_order(
    mock_client: MockClient, status: str, accepted: bool
) -> None:
    """A 422 on confirm is success when the order was already submitted (an earlier run's
    confirm landed late), and stays an error when the order is still a draft."""
    refused = {"errors": [{"code": "10015", "title": "Only draft orders can be confirmed"}]}
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        if request.method == "POST":
            return httpx.Response(422, json=refused)
        return httpx.Response(200, json={"data": order_json("o-1", status=status)})

    async with mock_client(handler) as client:
        if accepted:
            order = await client.confirm_order("o-1")
            assert order.status.value == status
        else:
            with pytest.raises(UnprocessableEntityError):
                await client.confirm_order("o-1")
    assert seen == ["POST", "GET"]


async def test_delete_whose_answer_was_lost_is_done_when_the_order_is_gone(
    mock_client: MockClient,
) -> None:
    """A DELETE that landed but lost its answer meets a 404 on the retry: that is success."""
    answers: list[httpx.Response | Exception] = [
        httpx.RemoteProtocolError("dropped after deleting"),
        httpx.Response(404, json={"errors": [{"code": "10005", "title": "Not found"}]}),
    ]
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async with mock_client(handler) as client:
        assert await client.delete_order("o-1") is None
    assert [r.method for r in seen] == ["DELETE", "DELETE"]


class DocumentServer:
    """Records uploads; the first upload's answer can be lost after it was stored."""

    def __init__(self, *, lose_first: bool) -> None:
        self.lose_first = lose_first
        self.stored: list[dict[str, Any]] = []
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "GET":
            return page(list(self.stored))
        request.read()
        self.stored.append(document_json(f"d-{len(self.stored) + 1}"))
        if self.lose_first and len(self.stored) == 1:
            raise httpx.ReadTimeout("answer lost after the upload was stored")
        return httpx.Response(200, json={"data": self.stored[-1]})


async def test_upload_whose_answer_is_lost_is_found_by_reference_and_checksum(
    mock_client: MockClient,
) -> None:
    """An upload that landed but lost its answer is adopted, not uploaded a second time."""
    server = DocumentServer(lose_first=True)
    async with mock_client(server) as client:
        document = await client.upload_document(PDF, filename="loa.pdf", customer_reference="ref-1")
    assert document.id == "d-1"
    assert len(server.stored) == 1
    assert [r.method for r in server.requests] == ["POST", "GET"]
    look_up = server.requests[1].url.params
    assert look_up["filter[customer_reference][eq]"] == "ref-1"
    assert look_up["filter[filename][contains]"] == "loa.pdf"


async def test_on_send_runs_once_after_pacing_right_before_the_first_request(
    mock_client: MockClient, sleeps: VirtualSleep
) -> None:
    """The callback runs once, after the pacer's wait and before the request reaches the
    transport; retries do not run it again."""
    events: list[tuple[str, float]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        events.append((request.method, sleeps.now))
        if request.method == "PATCH" and len(events) == 3:
            return httpx.Response(503, json={"errors": []})
        return httpx.Response(200, json={"data": order_json("o-1")})

    async with mock_client(handler, requests_per_second=1.0) as client:
        await client.get_order("o-1")
        await client.update_order(
            "o-1",
            {"customer_reference": "ref-1"},
            on_send=lambda: events.append(("on_send", sleeps.now)),
        )
    assert [name for name, _ in events] == ["GET", "on_send", "PATCH", "PATCH"]
    # The second request's slot is a second after the first: the callback waited for it.
    assert events[1][1] == pytest.approx(1.0)
    assert events[2][1] == events[1][1]


@pytest.mark.parametrize("operation", ["create", "confirm", "upload"])
async def test_on_send_is_offered_by_every_recorded_write(
    mock_client: MockClient, operation: str
) -> None:
    """create_orders, confirm_order and upload_document run on_send before their request."""
    events: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        events.append(request.method)
        if request.url.path.endswith("/documents"):
            return httpx.Response(200, json={"data": document_json("d-1")})
        if request.url.path.endswith("/porting_orders"):
            return httpx.Response(201, json={"data": [order_json("o-1", reference="ref-1")]})
        return httpx.Response(200, json={"data": order_json("o-1", status="in-process")})

    def on_send() -> None:
        events.append("on_send")

    calls: dict[str, Callable[[PortingClient], Awaitable[object]]] = {
        "create": lambda c: c.create_orders(
            ["+13125550001"], customer_reference="ref-1", on_send=on_send
        ),
        "confirm": lambda c: c.confirm_order("o-1", on_send=on_send),
        "upload": lambda c: c.upload_document(PDF, filename="loa.pdf", on_send=on_send),
    }
    async with mock_client(handler) as client:
        await calls[operation](client)
    assert events == ["on_send", "POST"]


async def test_on_send_that_fails_sends_nothing(mock_client: MockClient) -> None:
    """If recording the intent fails, the write is not sent."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": order_json("o-1")})

    def on_send() -> None:
        raise RuntimeError("ledger unavailable")

    async with mock_client(handler) as client:
        with pytest.raises(RuntimeError, match="ledger unavailable"):
            await client.confirm_order("o-1", on_send=on_send)
    assert seen == []


async def test_create_answered_with_unusable_orders_forever_gives_up(
    mock_client: MockClient,
) -> None:
    """A 201 whose orders cannot be read is a failure that spends the budget: with nothing
    found by reference, the create is sent max_retries + 1 times, then the error is raised."""
    methods: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        methods.append(request.method)
        if request.method == "GET":
            return page([])
        return httpx.Response(201, json={"data": [{"not": "an order"}]})

    async with mock_client(handler, max_retries=2) as client:
        with pytest.raises(ServerError, match="cannot use"):
            await client.create_orders(["+13125550001"], customer_reference="ref-1")
    assert methods == ["POST", "GET", "POST", "GET", "POST"]
