"""A confirm whose answer was lost is decided by reading the order against the status it was
sent from: a draft submitted, or an order in exception resubmitted, exactly once."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from porting_batch.client import PortingClient

from .conftest import order_json

pytestmark = pytest.mark.anyio

MockClient = Callable[..., PortingClient]
LOSSES = {
    "timeout": httpx.ReadTimeout("answer lost after sending"),
    "dropped": httpx.RemoteProtocolError("connection dropped after sending"),
}


class ConfirmServer:
    """An order in ``status`` whose first confirm lands (or not) and loses its answer."""

    def __init__(self, status: str, *, first_lands: bool, loss: Exception) -> None:
        self.status = status
        self.first_lands = first_lands
        self.loss = loss
        self.requests: list[str] = []
        self.applied = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request.method)
        if request.method == "POST":
            first = self.requests.count("POST") == 1
            if not first or self.first_lands:
                self.status = "in-process"
                self.applied += 1
            if first:
                raise self.loss
        return httpx.Response(200, json={"data": order_json("o-1", status=self.status)})


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("from_status", ["draft", "exception"])
async def test_a_confirm_that_landed_before_its_answer_was_lost_is_not_sent_again(
    mock_client: MockClient, from_status: str, loss: str
) -> None:
    """The order read after the lost answer has left its status: one confirm, no second."""
    server = ConfirmServer(from_status, first_lands=True, loss=LOSSES[loss])
    async with mock_client(server) as client:
        order = await client.confirm_order("o-1", from_status=from_status)
    assert order.status.value == "in-process"
    assert server.requests == ["POST", "GET"]
    assert server.applied == 1


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("from_status", ["draft", "exception"])
async def test_a_confirm_that_did_not_land_before_its_answer_was_lost_is_sent_again(
    mock_client: MockClient, from_status: str, loss: str
) -> None:
    """The order read after the lost answer is still in its status: the confirm goes again."""
    server = ConfirmServer(from_status, first_lands=False, loss=LOSSES[loss])
    async with mock_client(server) as client:
        order = await client.confirm_order("o-1", from_status=from_status)
        assert client.stats.retries == 1
    assert order.status.value == "in-process"
    assert server.requests == ["POST", "GET", "POST"]
    assert server.applied == 1


async def test_a_confirm_from_a_status_that_cannot_be_confirmed_is_refused_before_any_call(
    mock_client: MockClient,
) -> None:
    """Only draft and exception orders are confirmed: anything else is a caller's mistake."""
    server = ConfirmServer("in-process", first_lands=True, loss=LOSSES["dropped"])
    async with mock_client(server) as client:
        with pytest.raises(ValueError, match="in-process"):
            await client.confirm_order("o-1", from_status="in-process")
    assert server.requests == []
