"""Answers read from their bytes: the same models as before, and the same errors when unusable."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from porting_batch.client import PortingClient, PortingOrder
from porting_batch.client.decode import many_of, one_of
from porting_batch.errors import ServerError

from .conftest import order_json

MockClient = Callable[..., PortingClient]


def _rich_order(order_id: str) -> dict[str, object]:
    """An order with naive timestamps, secrets, nested lists and fields the models do not know."""
    order = order_json(order_id, reference="ref-1", numbers=["+13125550100", "+13125550101"])
    order.update(
        created_at="2026-03-01T10:00:00",
        updated_at="2026-03-01T10:00:00.5+02:00",
        activation_settings={"fast_port_eligible": True, "foc_datetime_requested": "2026-04-01"},
        end_user={"admin": {"entity_name": "Acme", "pin_passcode": "1234", "account_number": "77"}},
        porting_phone_numbers_count=2,
        brand_new_field={"nested": [1, 2.5, None, "x"]},
    )
    return order


def test_orders_read_from_bytes_equal_orders_read_from_parsed_json() -> None:
    """The fast path (bytes into an envelope) gives exactly the model the dict path gives."""
    orders = [_rich_order("o-1"), _rich_order("o-2")]
    one = json.dumps({"data": orders[0]}).encode()
    many = json.dumps({"data": orders, "meta": {"page_number": 1, "total_pages": 1}}).encode()
    expected = [PortingOrder.model_validate(order) for order in orders]
    assert one_of(PortingOrder).model_validate_json(one).data == expected[0]
    assert many_of(PortingOrder).model_validate_json(many).data == expected
    assert expected[0].end_user is not None
    assert expected[0].model_extra == {"brand_new_field": {"nested": [1, 2.5, None, "x"]}}


@pytest.mark.anyio
async def test_a_page_with_one_unusable_order_names_the_missing_field(
    mock_client: MockClient,
) -> None:
    """One order without a status in a page fails the listing with a message naming the field."""
    page = {"data": [order_json("o-1"), {"id": "o-2"}], "meta": {"total_pages": 1}}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=page)

    async with mock_client(handler) as client:
        with pytest.raises(ServerError) as info:
            _ = [order async for order in client.list_orders()]
    assert "PortingOrder" in str(info.value)
    assert "status: Field required" in str(info.value)


@pytest.mark.anyio
async def test_a_page_with_unreadable_meta_is_read_as_the_last_page(
    mock_client: MockClient,
) -> None:
    """Items under a meta the client cannot read are kept, and no further page is asked for."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        meta = {"page_number": "first", "total_pages": 3}
        return httpx.Response(200, json={"data": [order_json("o-1")], "meta": meta})

    async with mock_client(handler) as client:
        orders = [order async for order in client.list_orders()]
    assert [order.id for order in orders] == ["o-1"]
    assert len(seen) == 1


@pytest.mark.anyio
async def test_an_answer_without_a_data_list_is_a_server_error(mock_client: MockClient) -> None:
    """A list call answered with an object under data fails saying what it got."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": {"id": "w-1"}})

    async with mock_client(handler) as client:
        with pytest.raises(ServerError, match="without a data list \\(got dict\\)"):
            await client.allowed_foc_windows("o-1")
