"""The simulator signs its webhooks as Telnyx does, with a key it prints and serves."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn

from porting_batch.simulator import SimulatorConfig, create_app
from porting_batch.simulator.webhooks import WebhookSigner
from porting_batch.webhooks import MemoryEvents, WebhookReceiver, verify

from .conftest import NOW, Harness

SEED = base64.b64encode(bytes(range(32))).decode()
#: The public half of SEED (the same seed as the ``telnyx_key`` fixture).
SEED_PUBLIC = "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="


def test_a_fixed_signing_key_gives_a_fixed_public_key() -> None:
    """``webhook_signing_key`` makes the public key reproducible (tests, long-lived set-ups)."""
    assert WebhookSigner(SEED).public_key == SEED_PUBLIC


def test_without_a_signing_key_each_start_has_its_own_key_pair() -> None:
    """Two simulators started without a key sign with different keys."""
    assert WebhookSigner().public_key != WebhookSigner().public_key


@pytest.mark.parametrize("seed", ["", "not base64!", base64.b64encode(b"short").decode()])
def test_a_signing_key_that_is_not_a_32_byte_seed_stops_the_simulator_start(seed: str) -> None:
    """``create_app`` raises ValueError naming the setting, before any state is built."""
    with pytest.raises(ValueError, match="webhook_signing_key"):
        create_app(SimulatorConfig(webhook_signing_key=seed))


def test_the_admin_route_serves_the_public_key() -> None:
    """GET /_simulator/webhook_public_key answers the key its webhooks verify with."""
    app = create_app(SimulatorConfig(webhook_signing_key=SEED))

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim.test") as client:
            return await client.get(
                "/_simulator/webhook_public_key", headers={"Authorization": "Bearer KEYSIMULATOR"}
            )

    response = asyncio.run(go())
    assert (response.status_code, response.json()) == (
        200,
        {"public_key": SEED_PUBLIC, "algorithm": "ed25519"},
    )


def test_the_simulators_signature_verifies_with_its_public_key(harness: Harness) -> None:
    """The headers the simulator's signer makes are accepted by the receiver with its key."""
    signer = WebhookSigner(SEED)
    body = json.dumps({"data": {"id": "ev-sim", "event_type": "porting_order.split"}}).encode()
    headers = signer.headers(body, NOW)
    assert verify(harness.receiver.public_key, headers["telnyx-signature-ed25519"],
                  headers["telnyx-timestamp"], body, NOW) is None  # fmt: skip
    assert harness.post(body, headers).status_code == 200
    assert harness.events.ids == ["ev-sim"]


def _bound_socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


@contextmanager
def served(receiver: WebhookReceiver, sock: socket.socket) -> Iterator[None]:
    """The receiver served by uvicorn on ``sock`` in a thread for the ``with`` block."""
    config = uvicorn.Config(receiver, log_level="critical", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            assert thread.is_alive(), "the receiver stopped while starting"
            thread.join(0.01)
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


async def _order_with_two_comments(sim: httpx.AsyncClient, url: str) -> list[str]:
    """An order whose webhook_url is ``url``, commented twice; the ids of its events."""
    created = await sim.post(
        "/v2/porting_orders",
        json={"phone_numbers": ["+13125550101"], "customer_reference": "hooks"},
    )
    order = created.json()["data"][0]["id"]
    await sim.patch(f"/v2/porting_orders/{order}", json={"webhook_url": url})
    for text in ("one", "two"):
        await sim.post(f"/v2/porting_orders/{order}/comments", json={"body": text})
    listed = await sim.get("/v2/porting/events", params={"page[size]": 50})
    return [event["id"] for event in listed.json()["data"]]


@pytest.mark.slow
def test_a_simulator_webhook_reaches_the_receiver_over_loopback_and_verifies() -> None:
    """Simulator -> receiver over real HTTP with the key the simulator serves: each event is
    recorded once, and a republished event is answered as a replay."""
    sock = _bound_socket()  # bound first: the simulator must allow its URL from the start
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/webhooks/telnyx"
    app = create_app(SimulatorConfig(webhook_receivers=(url,), profile="realistic"))
    events = MemoryEvents()

    async def scenario() -> list[str]:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://sim.test",
            headers={"Authorization": "Bearer KEYSIMULATOR"},
        ) as sim:
            key = (await sim.get("/_simulator/webhook_public_key")).json()["public_key"]
            with served(WebhookReceiver(key, events), sock):
                ids = await _order_with_two_comments(sim, url)
                await asyncio.to_thread(app.state.webhooks.wait)
                await sim.post(f"/v2/porting/events/{ids[0]}/republish")
                await asyncio.to_thread(app.state.webhooks.wait)
            return ids

    try:
        ids = asyncio.run(scenario())
    finally:
        app.state.webhooks.close()
    assert len(ids) == 2 and sorted(events.ids) == sorted(ids)
    assert [entry["status"] for entry in app.state.sim.webhook_log] == [200] * (len(ids) + 1)
