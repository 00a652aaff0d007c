"""Client operations against MockTransport handlers: what goes on the wire, what comes back."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from porting_batch.client import (
    DEFAULT_LIMITS,
    DEFAULT_TIMEOUTS,
    Limits,
    PortingClient,
    Timeouts,
    UpdatePortingOrder,
    config,
    detect_content_type,
)
from porting_batch.errors import ConfigError, ResponseLostError, ServerError
from porting_batch.settings import Settings
from porting_batch.testing import VirtualSleep

from .conftest import API_KEY, order_json

pytestmark = pytest.mark.anyio

MockClient = Callable[..., PortingClient]


async def test_from_settings_uses_base_url_key_and_limits() -> None:
    """A client built from settings sends the settings' key as a bearer token to its base URL."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": order_json("o-1")})

    settings = Settings(
        api="telnyx",
        api_key=SecretStr(API_KEY),
        api_base_url="http://x.test/v2",
        max_retries=2,
        check_chunk_size=7,
        requests_per_second=50,
    )
    async with PortingClient.from_settings(
        settings, transport=httpx.MockTransport(handler)
    ) as client:
        await client.get_order("o-1")
        assert client.max_retries == 2
        assert client.check_chunk_size == 7
        assert API_KEY not in repr(client)
    assert str(seen[0].url) == "http://x.test/v2/porting_orders/o-1"
    assert seen[0].headers["authorization"] == f"Bearer {API_KEY}"
    assert API_KEY not in repr(seen[0].headers)


def test_from_settings_without_a_key_is_a_config_error() -> None:
    """No key anywhere is a ConfigError that says what to set."""
    with pytest.raises(ConfigError, match="PORTING_API_KEY"):
        PortingClient.from_settings(Settings())


async def test_from_settings_overrides_base_url_and_key() -> None:
    """Explicit base_url and api_key (a simulator's) win over the settings."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": order_json("o-1")})

    client = PortingClient.from_settings(
        Settings(), transport=httpx.MockTransport(handler), base_url="http://sim/v2", api_key="K2"
    )
    async with client:
        await client.get_order("o-1")
    assert seen[0].url.host == "sim"
    assert seen[0].headers["authorization"] == "Bearer K2"


async def test_check_portability_chunks_and_keeps_input_order(mock_client: MockClient) -> None:
    """Numbers go in chunks of check_chunk_size; results come back in input order."""
    bodies: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        numbers = json.loads(request.content)["phone_numbers"]
        bodies.append(numbers)
        results = [
            {
                "phone_number": n,
                "portable": n != "+13125550003",
                "fast_portable": False,
                "not_portable_reason": "" if n != "+13125550003" else "no_coverage",
                "carrier_name": "ACME",
            }
            for n in reversed(numbers)
        ]
        return httpx.Response(201, json={"data": results})

    numbers = [f"+1312555000{i}" for i in range(1, 8)]
    async with mock_client(handler, check_chunk_size=3) as client:
        results = await client.check_portability(numbers)
    assert sorted(len(b) for b in bodies) == [1, 3, 3]
    assert [r.phone_number for r in results] == numbers
    assert [r.portable for r in results] == [True, True, False, True, True, True, True]
    assert results[2].not_portable_reason == "no_coverage"
    assert results[0].carrier_name == "ACME"


async def test_check_portability_retries_a_5xx_as_a_read(mock_client: MockClient) -> None:
    """A portability check only reads, so a 503 on its POST is retried."""
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(503)
        n = json.loads(request.content)["phone_numbers"][0]
        return httpx.Response(201, json={"data": [{"phone_number": n, "portable": True}]})

    async with mock_client(handler) as client:
        results = await client.check_portability(["+13125550001"])
    assert len(calls) == 2
    assert results[0].portable


async def test_check_portability_missing_answers_raise(mock_client: MockClient) -> None:
    """An answer that leaves numbers out is an error naming them, not a silent gap."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            201, json={"data": [{"phone_number": "+13125550001", "portable": True}]}
        )

    async with mock_client(handler) as client:
        with pytest.raises(ServerError, match=r"\+13125550002"):
            await client.check_portability(["+13125550001", "+13125550002"])


async def test_create_orders_returns_every_order_of_a_split(mock_client: MockClient) -> None:
    """A create answered with two orders (a split) returns both, with the body as sent."""
    sent: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(
            201,
            json={
                "data": [
                    order_json("o-1", reference="ref-1", numbers=["+13125550001"]),
                    order_json("o-2", reference="ref-1", numbers=["+18005550002"]),
                ]
            },
        )

    async with mock_client(handler) as client:
        orders = await client.create_orders(
            ["+13125550001", "+18005550002"],
            customer_reference="ref-1",
            customer_group_reference="grp",
        )
    assert [o.id for o in orders] == ["o-1", "o-2"]
    assert sent == [
        {
            "phone_numbers": ["+13125550001", "+18005550002"],
            "customer_reference": "ref-1",
            "customer_group_reference": "grp",
        }
    ]


async def test_create_timeout_after_sending_adopts_the_order_found_by_reference(
    mock_client: MockClient,
) -> None:
    """A create whose answer is lost is looked up by reference and adopted, never re-posted."""
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.method == "POST":
            raise httpx.ReadTimeout("answer lost")
        assert request.url.params["filter[customer_reference]"] == "ref-1"
        return httpx.Response(
            200,
            json={
                "data": [order_json("o-9", reference="ref-1", numbers=["+13125550001"])],
                "meta": {"page_number": 1, "page_size": 250, "total_pages": 1, "total_results": 1},
            },
        )

    async with mock_client(handler) as client:
        orders = await client.create_orders(["+13125550001"], customer_reference="ref-1")
        assert client.stats.adopted_orders == 1
    assert [o.id for o in orders] == ["o-9"]
    assert [r.method for r in requests] == ["POST", "GET"]


async def test_create_5xx_with_no_order_found_tries_again(mock_client: MockClient) -> None:
    """After a 500 on create and no order under the reference, the create is sent once more."""
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.method == "GET":
            return httpx.Response(
                200, json={"data": [], "meta": {"page_number": 1, "total_pages": 0}}
            )
        if sum(r.method == "POST" for r in requests) == 1:
            return httpx.Response(500, json={"errors": [{"code": "10000"}]})
        return httpx.Response(201, json={"data": [order_json("o-1", reference="ref-1")]})

    async with mock_client(handler) as client:
        orders = await client.create_orders(["+13125550001"], customer_reference="ref-1")
    assert [o.id for o in orders] == ["o-1"]
    assert [r.method for r in requests] == ["POST", "GET", "POST"]


async def test_create_ignores_orders_whose_reference_only_resembles(
    mock_client: MockClient,
) -> None:
    """Adoption takes only orders whose reference is exactly the one sent."""
    posts = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal posts
        if request.method == "GET":
            return httpx.Response(
                200,
                json={
                    "data": [order_json("other", reference="ref-10")],
                    "meta": {"page_number": 1, "total_pages": 1},
                },
            )
        posts += 1
        if posts == 1:
            raise httpx.RemoteProtocolError("dropped")
        return httpx.Response(201, json={"data": [order_json("o-1", reference="ref-1")]})

    async with mock_client(handler) as client:
        orders = await client.create_orders(["+13125550001"], customer_reference="ref-1")
    assert [o.id for o in orders] == ["o-1"]


async def test_create_gives_up_when_answers_keep_getting_lost(mock_client: MockClient) -> None:
    """With every answer lost and nothing found, the lost-response error reaches the caller."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(
                200, json={"data": [], "meta": {"page_number": 1, "total_pages": 0}}
            )
        raise httpx.ReadTimeout("lost")

    async with mock_client(handler, max_retries=2) as client:
        with pytest.raises(ResponseLostError):
            await client.create_orders(["+13125550001"], customer_reference="ref-1")


async def test_list_orders_reads_every_page_with_filters(mock_client: MockClient) -> None:
    """list_orders follows meta.total_pages and sends typed filters as deepObject parameters."""
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        page = int(request.url.params["page[number]"])
        data = [order_json(f"o-{page}-{i}") for i in range(2)]
        return httpx.Response(
            200,
            json={
                "data": data,
                "meta": {"page_number": page, "page_size": 2, "total_pages": 3, "total_results": 6},
            },
        )

    async with mock_client(handler) as client:
        orders = [
            o
            async for o in client.list_orders(
                customer_reference="r",
                fast_port_eligible=True,
                country_code="US",
                foc_requested_after=datetime(2026, 12, 1, tzinfo=UTC),
                sort="-created_at",
                page_size=2,
            )
        ]
    assert len(orders) == 6
    assert [u.params["page[number]"] for u in seen] == ["1", "2", "3"]
    params = seen[0].params
    assert params["filter[customer_reference]"] == "r"
    assert params["filter[activation_settings][fast_port_eligible]"] == "true"
    assert params["filter[phone_numbers][country_code]"] == "US"
    assert params["filter[activation_settings][foc_datetime_requested][gt]"] == (
        "2026-12-01T00:00:00Z"
    )
    assert params["sort[value]"] == "-created_at"
    assert "filter[misc][type]" not in params


async def test_update_order_sends_only_given_fields_with_secrets_revealed(
    mock_client: MockClient,
) -> None:
    """A PATCH carries the fields given (explicit nulls too) and the real PIN, not a mask."""
    sent: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json={"data": order_json("o-1")})

    patch = UpdatePortingOrder.model_validate(
        {
            "end_user": {"admin": {"pin_passcode": "1234", "entity_name": "ACME Inc."}},
            "webhook_url": None,
            "activation_settings": {"foc_datetime_requested": "2026-12-01T15:00:00Z"},
        }
    )
    assert "1234" not in repr(patch)
    async with mock_client(handler) as client:
        await client.update_order("o-1", patch)
    assert sent == [
        {
            "end_user": {"admin": {"pin_passcode": "1234", "entity_name": "ACME Inc."}},
            "webhook_url": None,
            "activation_settings": {"foc_datetime_requested": "2026-12-01T15:00:00Z"},
        }
    ]


async def test_order_secrets_are_masked_in_repr(mock_client: MockClient) -> None:
    """An order read back with a PIN and account number does not show them in its repr."""
    data = order_json("o-1") | {
        "end_user": {"admin": {"pin_passcode": "4321", "account_number": "998877"}}
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": data})

    async with mock_client(handler) as client:
        order = await client.get_order("o-1")
    assert order.end_user and order.end_user.admin and order.end_user.admin.pin_passcode
    assert order.end_user.admin.pin_passcode.get_secret_value() == "4321"
    assert "4321" not in repr(order)
    assert "998877" not in repr(order)
    assert "998877" not in order.model_dump_json()


async def test_delete_confirm_and_foc_windows(mock_client: MockClient) -> None:
    """delete answers 204 with nothing, confirm returns the order, FOC windows are aware."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            return httpx.Response(204)
        if request.url.path.endswith("/actions/confirm"):
            return httpx.Response(200, json={"data": order_json("o-1", status="in-process")})
        return httpx.Response(
            200,
            json={
                "data": [
                    {
                        "started_at": "2026-12-01T14:00:00Z",
                        "ended_at": "2026-12-01T22:00:00Z",
                        "record_type": "allowed_foc_window",
                    }
                ]
            },
        )

    async with mock_client(handler) as client:
        assert await client.delete_order("o-1") is None
        confirmed = await client.confirm_order("o-1")
        windows = await client.allowed_foc_windows("o-1")
    assert confirmed.status.value == "in-process"
    assert windows[0].started_at == datetime(2026, 12, 1, 14, tzinfo=UTC)
    assert windows[0].ended_at.tzinfo is not None


class StreamRecordingTransport(httpx.AsyncBaseTransport):
    """Reads the request body chunk by chunk, as a socket would, and keeps the chunk sizes."""

    def __init__(self, answer: httpx.Response) -> None:
        self.answer = answer
        self.chunks: list[bytes] = []
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert isinstance(request.stream, httpx.AsyncByteStream)
        self.chunks = [chunk async for chunk in request.stream]
        return self.answer


async def test_upload_document_is_a_streamed_multipart_with_detected_type(
    mock_client: MockClient, tmp_path: Path
) -> None:
    """The file goes as multipart/form-data in chunks, with its name, detected type and bytes."""
    pdf = tmp_path / "loa.bin"
    content = b"%PDF-1.4\n" + bytes(range(256)) * 1000
    pdf.write_bytes(content)
    answer = httpx.Response(
        200, json={"data": {"id": "d-1", "filename": "loa.bin", "content_type": "application/pdf"}}
    )
    transport = StreamRecordingTransport(answer)
    async with mock_client(None, transport=transport) as client:
        document = await client.upload_document(pdf, customer_reference="ref-1")
    assert document.id == "d-1"
    request = transport.requests[0]
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert max(len(chunk) for chunk in transport.chunks) < len(content)
    body = b"".join(transport.chunks)
    assert b'name="file"; filename="loa.bin"' in body
    assert b"Content-Type: application/pdf" in body
    assert content in body
    assert b'name="customer_reference"\r\n\r\nref-1' in body


def test_content_type_is_detected_from_bytes_then_name(tmp_path: Path) -> None:
    """Magic bytes win over the extension; unknown files fall back to their name, then octets."""
    cases = {
        "a.txt": b"%PDF-1.7",
        "b.png": b"\x89PNG\r\n\x1a\nxx",
        "c.csv": b"a,b\n",
        "d": b"\x00\x01",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    assert [detect_content_type(tmp_path / n) for n in cases] == [
        "application/pdf",
        "image/png",
        "text/csv",
        "application/octet-stream",
    ]


async def test_stats_count_calls_per_route_template(
    mock_client: MockClient, sleeps: VirtualSleep
) -> None:
    """Calls are counted per method and route template, not per concrete path."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": order_json("x")})

    async with mock_client(handler) as client:
        await client.get_order("a")
        await client.get_order("b")
        assert client.stats.as_dict()["calls"] == {"GET /porting_orders/{id}": 2}
    assert sleeps.calls == []


async def test_naive_timestamps_are_read_as_utc(mock_client: MockClient) -> None:
    """FOC windows and FOC dates without an offset come back as aware UTC datetimes."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("allowed_foc_windows"):
            window = {"started_at": "2026-12-01T14:00:00", "ended_at": "2026-12-01T22:00:00"}
            return httpx.Response(200, json={"data": [window]})
        data = order_json("o-1") | {
            "activation_settings": {"foc_datetime_requested": "2026-12-01T15:00:00"}
        }
        return httpx.Response(200, json={"data": data})

    async with mock_client(handler) as client:
        (window,) = await client.allowed_foc_windows("o-1")
        order = await client.get_order("o-1")
    assert window.started_at == datetime(2026, 12, 1, 14, tzinfo=UTC)
    assert order.activation_settings is not None
    assert order.activation_settings.foc_datetime_requested == datetime(2026, 12, 1, 15, tzinfo=UTC)


async def test_naive_foc_request_is_sent_as_utc(mock_client: MockClient) -> None:
    """A naive FOC date given in a PATCH is sent with an explicit UTC offset."""
    sent: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json={"data": order_json("o-1")})

    patch = {"activation_settings": {"foc_datetime_requested": datetime(2026, 12, 1, 15)}}
    async with mock_client(handler) as client:
        await client.update_order("o-1", patch)
    assert sent[0]["activation_settings"]["foc_datetime_requested"] == "2026-12-01T15:00:00Z"


async def test_timeouts_value_object_reaches_every_request(mock_client: MockClient) -> None:
    """The Timeouts given to the client are the timeouts each request carries."""
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json={"data": order_json("o-1")})

    timeouts = Timeouts(connect=1.5, read=7.0, write=3.0, pool=2.0)
    async with mock_client(handler, timeouts=timeouts, limits=Limits(max_connections=2)) as client:
        await client.get_order("o-1")
    assert seen == [{"connect": 1.5, "read": 7.0, "write": 3.0, "pool": 2.0}]


def test_default_timeouts_and_limits_are_named_values() -> None:
    """The defaults are the module constants, and convert to httpx's own objects."""
    assert DEFAULT_TIMEOUTS.to_httpx() == httpx.Timeout(
        connect=config.DEFAULT_CONNECT_TIMEOUT_S,
        read=config.DEFAULT_READ_TIMEOUT_S,
        write=config.DEFAULT_WRITE_TIMEOUT_S,
        pool=config.DEFAULT_POOL_TIMEOUT_S,
    )
    assert DEFAULT_LIMITS.to_httpx().max_connections == config.DEFAULT_MAX_CONNECTIONS


async def test_check_portability_matches_numbers_written_differently(
    mock_client: MockClient,
) -> None:
    """Answers are matched to the input by digits, whatever punctuation either side uses."""

    def handler(request: httpx.Request) -> httpx.Response:
        data = [
            {"phone_number": "+1 312 555 0002", "portable": False},
            {"phone_number": "+1-312-555-0001", "portable": True},
        ]
        return httpx.Response(201, json={"data": data})

    async with mock_client(handler) as client:
        results = await client.check_portability(["+13125550001", "+13125550002"])
    assert [r.portable for r in results] == [True, False]
