"""Events are POSTed to an order's webhook_url only when it is an allowed loopback receiver,
and never to the simulator itself."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from porting_batch.simulator import SimulatorConfig, create_app
from porting_batch.simulator.server import build_parser, running_simulator

from .conftest import START, frozen_config, sim_client
from .helpers import SLOW_NUMBERS, complete, create


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A loopback HTTP server that records the JSON bodies POSTed to it."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["content-length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks", received
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def hooked(receiver: tuple[str, list[dict[str, Any]]]) -> Iterator[TestClient]:
    """A validating client on a simulator that allows the receiver."""
    url, _ = receiver
    with sim_client(create_app(frozen_config(webhook_receivers=(url,)))) as client:
        yield client


def _log(api: TestClient) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = api.get("http://sim.test/_simulator/webhooks").json()["data"]
    return log


def test_status_changes_are_posted_to_an_allowed_loopback_webhook(
    hooked: TestClient, receiver: tuple[str, list[dict[str, Any]]]
) -> None:
    """Confirm and the following steps each POST a status_changed envelope to the URL."""
    url, received = receiver
    api = hooked
    [order] = create(api, SLOW_NUMBERS)
    api.patch(f"/porting_orders/{order['id']}", json={"webhook_url": url})
    complete(api, order["id"])
    api.post(f"/porting_orders/{order['id']}/actions/confirm")
    api.app.state.sim.advance(2 * 3600)  # type: ignore[attr-defined]
    api.app.state.webhooks.wait()  # type: ignore[attr-defined]
    statuses = [
        body["data"]["payload"]["status"]["value"]
        for body in received
        if body["data"]["event_type"] == "porting_order.status_changed"
    ]
    assert statuses == ["in-process", "submitted"]
    assert received[-1]["meta"]["delivered_to"] == url


def test_webhooks_to_other_hosts_are_never_sent(api: TestClient) -> None:
    """A non-loopback webhook_url is logged as skipped and never called."""
    [order] = create(api, SLOW_NUMBERS)
    api.patch(f"/porting_orders/{order['id']}", json={"webhook_url": "https://example.com/h"})
    api.post(f"/porting_orders/{order['id']}/comments", json={"body": "hi"})
    assert [(e["event_type"], e["skipped"], e["reason"]) for e in _log(api)] == [
        ("porting_order.new_comment", True, "not on loopback")
    ]


def test_a_loopback_receiver_not_on_the_allow_list_is_never_called(
    api: TestClient, receiver: tuple[str, list[dict[str, Any]]]
) -> None:
    """With no receivers configured, a loopback webhook_url is skipped, not called."""
    url, received = receiver
    [order] = create(api, SLOW_NUMBERS)
    api.patch(f"/porting_orders/{order['id']}", json={"webhook_url": url})
    api.post(f"/porting_orders/{order['id']}/comments", json={"body": "hi"})
    api.app.state.webhooks.wait()  # type: ignore[attr-defined]
    assert received == []
    assert [e["reason"] for e in _log(api)] == ["not an allowed webhook receiver"]


def test_webhooks_never_go_to_admin_routes_even_on_an_allowed_receiver(
    hooked: TestClient, receiver: tuple[str, list[dict[str, Any]]]
) -> None:
    """A webhook_url under /_simulator is refused whatever its host, and nothing is reset."""
    url, received = receiver
    api = hooked
    origin = url.rsplit("/", 1)[0]
    [order] = create(api, SLOW_NUMBERS)
    local = origin.replace("127.0.0.1", "localhost")
    for target in (f"{origin}/_simulator/reset", f"{local}/_simulator/clock/advance"):
        api.patch(f"/porting_orders/{order['id']}", json={"webhook_url": target})
        api.post(f"/porting_orders/{order['id']}/comments", json={"body": "hi"})
    api.app.state.webhooks.wait()  # type: ignore[attr-defined]
    assert received == []
    assert [e["reason"] for e in _log(api)] == ["the simulator's admin routes"] * 2
    assert api.get(f"/porting_orders/{order['id']}").status_code == 200


def test_a_settled_csr_is_posted_to_its_webhook_without_being_polled(
    hooked: TestClient, receiver: tuple[str, list[dict[str, Any]]]
) -> None:
    """When its delay passes, a CSR settles on the clock's tick and is POSTed to its URL."""
    url, received = receiver
    api = hooked
    created = api.post(
        "/customer_service_records", json={"phone_number": "+13125550107", "webhook_url": url}
    ).json()["data"]
    api.app.state.sim.advance(600)  # type: ignore[attr-defined]
    api.app.state.webhooks.wait()  # type: ignore[attr-defined]
    [body] = received
    assert body["data"]["event_type"] == "customer_service_record.status_changed"
    assert body["data"]["payload"]["id"] == created["id"]
    assert body["data"]["payload"]["status"] == "completed"


def test_receivers_must_be_loopback_http_urls() -> None:
    """A receiver off loopback, not http(s), or under /_simulator is refused at start."""
    for bad in ("https://example.com/h", "ftp://127.0.0.1/h", "http://127.0.0.1:9/_simulator"):
        with pytest.raises(ValueError):
            create_app(SimulatorConfig(webhook_receivers=(bad,)))
    args = build_parser().parse_args(["--webhook-receiver", "http://localhost:8123/hooks"])
    assert args.webhook_receiver == ["http://localhost:8123/hooks"]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--webhook-receiver", "http://10.0.0.1/hooks"])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.slow
def test_a_served_simulator_never_posts_webhooks_to_itself() -> None:
    """Even allow-listed, the simulator's own address gets no webhook: its state survives."""
    port = _free_port()
    own = f"http://127.0.0.1:{port}"
    config = SimulatorConfig(clock_speed=0.0, start_time=START, webhook_receivers=(own,))
    with running_simulator(config, port=port) as sim, httpx.Client(headers=sim.headers) as http:
        [order] = http.post(
            f"{sim.base_url}/porting_orders", json={"phone_numbers": SLOW_NUMBERS}
        ).json()["data"]
        for target in (f"{sim.admin_url}/reset", f"{sim.base_url}/porting_orders"):
            url = f"{sim.base_url}/porting_orders/{order['id']}"
            assert http.patch(url, json={"webhook_url": target}).status_code == 200
            assert http.post(f"{url}/comments", json={"body": "hi"}).status_code == 201
        sim.app.state.webhooks.wait()
        log = http.get(f"{sim.admin_url}/webhooks").json()["data"]
        assert [e["reason"] for e in log] == [
            "the simulator's admin routes",
            "the simulator itself",
        ]
        listed = http.get(f"{sim.base_url}/porting_orders").json()
        assert [o["id"] for o in listed["data"]] == [order["id"]]


def test_a_receiver_path_covers_only_the_paths_below_it(
    receiver: tuple[str, list[dict[str, Any]]],
) -> None:
    """Receiver /hooks allows /hooks and /hooks/x, not /hooksx or another port."""
    url, _ = receiver
    port = int(url.split(":")[2].split("/")[0])
    policy = create_app(frozen_config(webhook_receivers=(url,))).state.webhooks.policy
    origin = f"http://127.0.0.1:{port}"
    assert policy.refusal(f"{origin}/hooks") is None
    assert policy.refusal(f"{origin}/hooks/orders?x=1") is None
    assert policy.refusal(f"{origin}/hooksx") == "not an allowed webhook receiver"
    assert policy.refusal(f"http://127.0.0.1:{port + 1}/hooks") == (
        "not an allowed webhook receiver"
    )
    assert policy.refusal(f"http://[::ffff:127.0.0.1]:{port}/hooks") == (
        "not an allowed webhook receiver"
    )
