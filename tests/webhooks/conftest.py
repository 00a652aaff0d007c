"""Fixtures: a fixed key pair, a signer playing Telnyx, and a receiver in-process."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from porting_batch.webhooks import MemoryEvents, WebhookReceiver

#: A fixed "now" (2026-03-05T15:00:00Z) so skew tests never depend on the machine's clock.
NOW = 1_772_722_800
URL = "http://receiver.test/webhooks/telnyx"


def public_b64(private: Ed25519PrivateKey) -> str:
    """The public half, base64 as the Telnyx portal shows it."""
    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def signed_headers(private: Ed25519PrivateKey, body: bytes, timestamp: int = NOW) -> dict[str, str]:
    """The two headers Telnyx sends with ``body`` signed at ``timestamp``."""
    signature = private.sign(f"{timestamp}|".encode() + body)
    return {
        "telnyx-signature-ed25519": base64.b64encode(signature).decode(),
        "telnyx-timestamp": str(timestamp),
        "content-type": "application/json",
    }


def envelope(event_id: str, event_type: str = "porting_order.status_changed") -> bytes:
    """A delivery envelope as NOTES §10 shows it, serialized as Telnyx would send it."""
    body = {
        "data": {
            "event_type": event_type,
            "id": event_id,
            "occurred_at": "2026-03-05T15:00:00Z",
            "record_type": "event",
            "payload": {"id": "order-1", "status": {"value": "submitted", "details": []}},
        },
        "meta": {"attempt": 1, "delivered_to": URL},
    }
    return json.dumps(body).encode()


@dataclass
class Harness:
    """A receiver in-process behind ``httpx.ASGITransport``, its sink and Telnyx's key."""

    private: Ed25519PrivateKey
    events: MemoryEvents
    receiver: WebhookReceiver
    clock: list[float] = field(default_factory=lambda: [float(NOW)])

    def post_many(self, requests: list[tuple[bytes, dict[str, str]]]) -> list[httpx.Response]:
        """POST each (body, headers) in turn and return the answers."""
        return self.send([("POST", URL, {"content": b, "headers": h}) for b, h in requests])

    def send(self, requests: list[tuple[str, str, dict[str, Any]]]) -> list[httpx.Response]:
        """Send each (method, url, httpx keyword arguments) in turn and return the answers."""

        async def go() -> list[httpx.Response]:
            transport = httpx.ASGITransport(app=self.receiver)
            async with httpx.AsyncClient(transport=transport) as client:
                return [await client.request(m, u, **kw) for m, u, kw in requests]

        return asyncio.run(go())

    def post(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        """POST one body with the given headers."""
        return self.post_many([(body, headers)])[0]

    def deliver(self, event_id: str) -> httpx.Response:
        """POST a genuinely signed envelope for ``event_id``, timestamped now."""
        body = envelope(event_id)
        return self.post(body, signed_headers(self.private, body, int(self.clock[0])))


@pytest.fixture
def telnyx_key() -> Ed25519PrivateKey:
    """The key pair playing the Telnyx account's (fixed, so failures reproduce)."""
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@pytest.fixture
def harness(telnyx_key: Ed25519PrivateKey) -> Harness:
    """A receiver trusting ``telnyx_key``, with an in-memory sink and a clock at NOW."""
    events = MemoryEvents()
    clock = [float(NOW)]
    now: Callable[[], float] = lambda: clock[0]  # noqa: E731
    receiver = WebhookReceiver(public_b64(telnyx_key), events, clock=now)
    return Harness(telnyx_key, events, receiver, clock)
