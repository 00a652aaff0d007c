"""The client's public surface, its independence from the simulator, and what it logs."""

from __future__ import annotations

import ast
import gzip
import logging
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

import porting_batch.client
import porting_batch.errors
from porting_batch.client import PortingClient

from .conftest import API_KEY, order_json

MockClient = Callable[..., PortingClient]
CLIENT_DIR = Path(porting_batch.client.__file__).parent


def test_public_surface_is_pinned() -> None:
    """The names the pipeline codes against are exported."""
    for name in (
        "PortingClient",
        "Timeouts",
        "Limits",
        "PortingOrder",
        "PortabilityResult",
        "FocWindow",
        "Document",
        "UpdatePortingOrder",
        "ClientStats",
    ):
        assert name in porting_batch.client.__all__
        assert hasattr(porting_batch.client, name)


def test_client_never_imports_the_simulator_prefect_or_flows() -> None:
    """No module of the client package imports the simulator, Prefect or flows."""
    forbidden = ("porting_batch.simulator", "prefect", "flows")
    for source in CLIENT_DIR.glob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(forbidden), f"{source.name} imports {name}"


@pytest.mark.anyio
async def test_retry_decisions_are_logged_with_reasons_and_no_secrets(
    mock_client: MockClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Each retry decision is logged at debug with its reason; no key or PIN reaches the log."""
    answers = [httpx.Response(503), httpx.Response(200, json={"data": order_json("o-1")})]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PATCH":
            return httpx.Response(422, json={"errors": [{"detail": "pin 97531 wrong"}]})
        return answers.pop(0)

    caplog.set_level(logging.DEBUG)
    async with mock_client(handler) as client:
        await client.get_order("o-1")
        with pytest.raises(porting_batch.errors.UnprocessableEntityError):
            await client.update_order("o-1", {"end_user": {"admin": {"pin_passcode": "97531"}}})
    client_records = [r for r in caplog.records if r.name == "porting_batch.client"]
    messages = [r.getMessage() for r in client_records]
    assert any("GET /porting_orders/o-1 attempt 1" in m and "retry in" in m for m in messages)
    assert any("status 503" in m for m in messages)
    assert any("PATCH" in m and "no retry" in m for m in messages)
    everything = caplog.text
    assert API_KEY not in everything
    assert "97531" not in everything


@pytest.mark.anyio
async def test_undecodable_body_on_a_read_is_retried(mock_client: MockClient) -> None:
    """A body that fails content decoding (broken gzip) is a lost answer, retried on a read."""
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            return httpx.Response(200, content=b"not gzip", headers={"content-encoding": "gzip"})
        body = gzip.compress(httpx.Response(200, json={"data": order_json("o-1")}).content)
        return httpx.Response(200, content=body, headers={"content-encoding": "gzip"})

    async with mock_client(handler) as client:
        order = await client.get_order("o-1")
    assert order.id == "o-1"
    assert calls == 2
