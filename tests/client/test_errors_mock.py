"""Error mapping and retries, driven by MockTransport sequences."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from porting_batch.client import PortingClient
from porting_batch.errors import (
    ApiError,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestNotSentError,
    ResponseLostError,
    ServerError,
    UnprocessableEntityError,
)
from porting_batch.testing import VirtualSleep

from .conftest import API_KEY, order_json

pytestmark = pytest.mark.anyio

MockClient = Callable[..., PortingClient]


def sequence(*responses: httpx.Response | Exception) -> tuple[list[httpx.Request], Callable]:
    """A handler answering ``responses`` in turn (raising exceptions), and the requests seen."""
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return seen, handler


def ok_order(order_id: str = "o-1") -> httpx.Response:
    """A 200 answer carrying one order."""
    return httpx.Response(200, json={"data": order_json(order_id)})


async def test_429_then_success_waits_for_retry_after(
    mock_client: MockClient, sleeps: VirtualSleep
) -> None:
    """A 429 is retried after the Retry-After the API named, and counted in stats."""
    seen, handler = sequence(
        httpx.Response(429, headers={"Retry-After": "3"}, json={"errors": [{"code": "10011"}]}),
        ok_order(),
    )
    async with mock_client(handler) as client:
        order = await client.get_order("o-1")
        assert order.id == "o-1"
        assert len(seen) == 2
        assert 3.0 in sleeps.calls
        assert client.stats.rate_limited == 1
        assert client.stats.retries == 1
        assert client.stats.calls["GET /porting_orders/{id}"] == 2


async def test_429_uses_ratelimit_reset_when_no_retry_after(
    mock_client: MockClient, sleeps: VirtualSleep
) -> None:
    """Without Retry-After, a 429 waits for x-ratelimit-reset."""
    _, handler = sequence(
        httpx.Response(429, headers={"x-ratelimit-reset": "2"}, json={"errors": []}),
        ok_order(),
    )
    async with mock_client(handler) as client:
        await client.get_order("o-1")
    assert 2.0 in sleeps.calls


async def test_429_on_a_write_is_retried(mock_client: MockClient) -> None:
    """A 429 means nothing was done, so even a confirm is sent again."""
    seen, handler = sequence(
        httpx.Response(429, headers={"Retry-After": "1"}, json={"errors": []}), ok_order()
    )
    async with mock_client(handler) as client:
        await client.confirm_order("o-1")
    assert [r.method for r in seen] == ["POST", "POST"]


async def test_5xx_then_success_on_a_read(mock_client: MockClient, sleeps: VirtualSleep) -> None:
    """A 503 on a GET is retried after an exponential back-off."""
    seen, handler = sequence(httpx.Response(503, text=""), httpx.Response(502), ok_order())
    async with mock_client(handler) as client:
        await client.get_order("o-1")
    assert len(seen) == 3
    assert len(sleeps.calls) == 2
    assert 0 < sleeps.calls[0] < sleeps.calls[1]


async def test_5xx_on_a_write_is_not_retried(mock_client: MockClient) -> None:
    """A 503 on a cancel may have landed, and nothing tells: it is raised, not resent."""
    seen, handler = sequence(httpx.Response(503, json={"errors": []}), ok_order())
    async with mock_client(handler) as client:
        with pytest.raises(ServerError) as info:
            await client.cancel_order("o-1")
    assert len(seen) == 1
    assert info.value.status_code == 503


async def test_connection_failure_on_a_write_is_retried(mock_client: MockClient) -> None:
    """A failed connect proves the request never left, so a write is sent again."""
    seen, handler = sequence(httpx.ConnectError("refused"), ok_order())
    async with mock_client(handler) as client:
        await client.confirm_order("o-1")
    assert len(seen) == 2


async def test_timeout_after_sending_a_write_raises_response_lost(mock_client: MockClient) -> None:
    """A read timeout on a cancel is not retried and says the request may have landed."""
    seen, handler = sequence(httpx.ReadTimeout("slow"), ok_order())
    async with mock_client(handler) as client:
        with pytest.raises(ResponseLostError) as info:
            await client.cancel_order("o-1")
    assert len(seen) == 1
    assert info.value.may_have_landed
    assert "may have applied" in str(info.value)


async def test_retries_stop_after_max_retries(mock_client: MockClient) -> None:
    """A read that keeps failing to connect gives up after max_retries + 1 attempts."""
    seen, handler = sequence(*[httpx.ConnectError("refused")] * 4)
    async with mock_client(handler, max_retries=3) as client:
        with pytest.raises(RequestNotSentError):
            await client.get_order("o-1")
    assert len(seen) == 4


async def test_malformed_json_becomes_a_readable_api_error(mock_client: MockClient) -> None:
    """A 200 whose body is broken JSON is retried on a read, then raises a readable ServerError."""
    broken = httpx.Response(
        200, text='{"data": {"id": ', headers={"content-type": "application/json"}
    )
    seen, handler = sequence(broken, broken)
    async with mock_client(handler, max_retries=1) as client:
        with pytest.raises(ServerError) as info:
            await client.get_order("o-1")
    message = str(info.value)
    assert len(seen) == 2
    assert "GET /porting_orders/o-1" in message
    assert "not JSON" in message
    assert '{"data": {"id":' in message
    assert info.value.__cause__ is None


async def test_malformed_json_on_create_is_ambiguous_and_adopts(mock_client: MockClient) -> None:
    """A create answered 201 with a broken body may have landed: the order is looked up."""
    listing = httpx.Response(
        200,
        json={
            "data": [order_json("o-7", reference="r")],
            "meta": {"page_number": 1, "total_pages": 1},
        },
    )
    seen, handler = sequence(httpx.Response(201, text="<html>oops</html>"), listing)
    async with mock_client(handler) as client:
        orders = await client.create_orders(["+13125550001"], customer_reference="r")
    assert [o.id for o in orders] == ["o-7"]
    assert [r.method for r in seen] == ["POST", "GET"]


async def test_html_502_page_becomes_a_readable_api_error(mock_client: MockClient) -> None:
    """A proxy's HTML 502 page becomes a ServerError naming the page title."""
    page = (
        "<html><head><title>502 Bad Gateway</title></head>"
        "<body><center><h1>502 Bad Gateway</h1></center><hr>nginx</body></html>"
    )
    _, handler = sequence(
        *[httpx.Response(502, text=page, headers={"content-type": "text/html"})] * 2
    )
    async with mock_client(handler, max_retries=1) as client:
        with pytest.raises(ServerError) as info:
            await client.get_order("o-1")
    assert info.value.status_code == 502
    assert "502 Bad Gateway" in str(info.value)
    assert "<html>" not in str(info.value)


async def test_422_keeps_every_error_item(mock_client: MockClient) -> None:
    """A 422 with several errors keeps each code, title, detail, pointer and retryable flag."""
    body = {
        "errors": [
            {
                "code": "10015",
                "title": "Bad Request",
                "detail": "FOC date outside allowed windows",
                "source": {"pointer": "/activation_settings/foc_datetime_requested"},
                "meta": {"retryable": False},
            },
            {
                "code": "10004",
                "title": "Missing required parameter",
                "detail": "entity_name is required",
                "source": {"pointer": "/end_user/admin/entity_name"},
                "meta": {"retryable": False, "url": "https://example/10004"},
            },
        ]
    }
    _, handler = sequence(httpx.Response(422, json=body, headers={"x-request-id": "req-42"}))
    async with mock_client(handler) as client:
        with pytest.raises(UnprocessableEntityError) as info:
            await client.update_order("o-1", {"customer_reference": "r"})
    error = info.value
    assert error.method == "PATCH"
    assert error.path == "/porting_orders/o-1"
    assert error.status_code == 422
    assert error.request_id == "req-42"
    assert [(e.code, e.pointer, e.retryable) for e in error.errors] == [
        ("10015", "/activation_settings/foc_datetime_requested", False),
        ("10004", "/end_user/admin/entity_name", False),
    ]
    assert error.errors[1].title == "Missing required parameter"
    assert error.errors[1].meta["url"] == "https://example/10004"
    assert "entity_name is required" in str(error)
    assert "req-42" in str(error)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (500, ServerError),
        (418, ServerError),
    ],
    ids=["401", "403", "404", "409", "422", "500", "unexpected-418"],
)
async def test_status_maps_to_its_exception_class(
    mock_client: MockClient, status: int, cls: type[ApiError]
) -> None:
    """Each error status raises its own class of the one exception tree."""
    _, handler = sequence(*[httpx.Response(status, json={"errors": []})] * 5)
    async with mock_client(handler) as client:
        with pytest.raises(cls):
            await client.confirm_order("o-1")


async def test_api_key_never_appears_in_error_messages(mock_client: MockClient) -> None:
    """An error body that echoes the API key is redacted in the message and the kept body."""
    body = {"errors": [{"code": "10009", "detail": f"key {API_KEY} is not valid"}]}
    _, handler = sequence(httpx.Response(401, json=body))
    async with mock_client(handler) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.get_order("o-1")
        assert API_KEY not in repr(client)
    assert API_KEY not in str(info.value)
    assert API_KEY not in info.value.body
    assert API_KEY not in repr(info.value.errors)


async def test_pin_and_account_number_never_appear_in_error_messages(
    mock_client: MockClient,
) -> None:
    """A 422 that echoes the PIN and account number sent in a PATCH has them redacted."""
    pin, account = "864209", "ACCT-99887766"
    detail = f"pin {pin} does not match account {account}"
    _, handler = sequence(
        httpx.Response(422, json={"errors": [{"code": "80014", "detail": detail}]})
    )
    patch = {"end_user": {"admin": {"pin_passcode": pin, "account_number": account}}}
    async with mock_client(handler) as client:
        with pytest.raises(UnprocessableEntityError) as info:
            await client.update_order("o-1", patch)
    text = str(info.value) + info.value.body + repr(info.value.errors)
    assert pin not in text
    assert account not in text


async def test_rate_limit_error_raised_when_429_persists(mock_client: MockClient) -> None:
    """When every attempt is rate limited the caller gets a RateLimitError."""
    _, handler = sequence(*[httpx.Response(429, json={"errors": []})] * 3)
    async with mock_client(handler, max_retries=2) as client:
        with pytest.raises(RateLimitError):
            await client.get_order("o-1")


async def test_missing_required_field_fails_clearly(mock_client: MockClient) -> None:
    """An order without a status raises ServerError naming the missing field."""
    _, handler = sequence(httpx.Response(200, json={"data": {"id": "o-1"}}))
    async with mock_client(handler) as client:
        with pytest.raises(ServerError) as info:
            await client.get_order("o-1")
    assert "status" in str(info.value)
    assert "PortingOrder" in str(info.value)


async def test_unknown_fields_are_kept(mock_client: MockClient) -> None:
    """Fields the API adds later are tolerated and readable on the model."""
    data = order_json("o-1") | {"brand_new_field": {"x": 1}}
    _, handler = sequence(httpx.Response(200, text=json.dumps({"data": data})))
    async with mock_client(handler) as client:
        order = await client.get_order("o-1")
    assert order.model_extra == {"brand_new_field": {"x": 1}}


async def test_authentication_error_says_what_to_check(mock_client: MockClient) -> None:
    """A 401 carries a hint naming the setting to check."""
    _, handler = sequence(httpx.Response(401, json={"errors": [{"code": "10009"}]}))
    async with mock_client(handler) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.get_order("o-1")
    assert "PORTING_API_KEY" in str(info.value)
