"""Events are POSTed to an order's webhook_url when, and only when, it is on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from starlette.testclient import TestClient

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


def test_status_changes_are_posted_to_a_loopback_webhook(
    api: TestClient, receiver: tuple[str, list[dict[str, Any]]]
) -> None:
    """Confirm and the following steps each POST a status_changed envelope to the URL."""
    url, received = receiver
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
    log = api.get("http://sim.test/_simulator/webhooks").json()["data"]
    assert [(e["event_type"], e["skipped"]) for e in log] == [("porting_order.new_comment", True)]


def test_a_settled_csr_is_posted_to_its_webhook_without_being_polled(
    api: TestClient, receiver: tuple[str, list[dict[str, Any]]]
) -> None:
    """When its delay passes, a CSR settles on the clock's tick and is POSTed to its URL."""
    url, received = receiver
    created = api.post(
        "/customer_service_records", json={"phone_number": "+13125550107", "webhook_url": url}
    ).json()["data"]
    api.app.state.sim.advance(600)  # type: ignore[attr-defined]
    api.app.state.webhooks.wait()  # type: ignore[attr-defined]
    [body] = received
    assert body["data"]["event_type"] == "customer_service_record.status_changed"
    assert body["data"]["payload"]["id"] == created["id"]
    assert body["data"]["payload"]["status"] == "completed"
