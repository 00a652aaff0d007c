"""Delivering porting events to an order's ``webhook_url``: only to allowed loopback receivers.

An order's ``webhook_url`` comes from operator input, so the simulator treats it as untrusted:
it never calls a host that is not loopback, never calls itself (its API or its admin routes,
which would let a spreadsheet cell reset or drive the simulator), and otherwise calls only the
receivers the configuration names (``SimulatorConfig.webhook_receivers``).

Every delivery is signed as Telnyx signs it (NOTES §10): Ed25519 over ``f"{timestamp}|{body}"``
in ``telnyx-signature-ed25519`` (base64) with ``telnyx-timestamp`` (unix seconds). The key pair
is the simulator's own, fresh at each start unless ``SimulatorConfig.webhook_signing_key`` fixes
it; its public half is printed on start and served at ``GET /_simulator/webhook_public_key``.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import queue
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

LOOPBACK_NAMES = frozenset({"localhost"})
ADMIN_PREFIX = "/_simulator"
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_loopback(url: str) -> bool:
    """Whether the URL's host is loopback (the simulator never calls anything else)."""
    return _loopback_host(urlsplit(url).hostname or "")


def _loopback_host(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # other names are never resolved: a name is not proof of loopback
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


@dataclass(frozen=True)
class _Place:
    """Scheme, host, port and path of a URL, in comparable form."""

    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def of(cls, url: str) -> _Place:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS:
            raise ValueError(f"{url!r} is not an http(s) URL")
        host = (parts.hostname or "").lower()
        port = parts.port or DEFAULT_PORTS[scheme]  # a bad port raises ValueError too
        return cls(scheme, host, port, parts.path or "/")


class WebhookPolicy:
    """Which URLs may receive events: loopback, not the simulator, and on the allow-list."""

    def __init__(self, receivers: Iterable[str] = ()) -> None:
        self.receivers: list[_Place] = []
        for receiver in receivers:
            place = _Place.of(receiver)
            if not _loopback_host(place.host):
                raise ValueError(
                    f"webhook receiver {receiver!r} is not on loopback; the simulator only "
                    "calls loopback receivers"
                )
            if place.path.startswith(ADMIN_PREFIX):
                raise ValueError(f"webhook receiver {receiver!r} names the admin routes")
            self.receivers.append(place)
        self.own_ports: set[int] = set()

    def serving_on(self, port: int) -> None:
        """Record a port the simulator listens on: no webhook is ever sent to it."""
        self.own_ports.add(port)

    def refusal(self, url: str) -> str | None:
        """Why ``url`` may not receive an event, or None when it may."""
        try:
            place = _Place.of(url)
        except ValueError:
            return "not an http(s) URL"
        if not _loopback_host(place.host):
            return "not on loopback"
        if place.path.startswith(ADMIN_PREFIX):
            return "the simulator's admin routes"
        if place.port in self.own_ports:
            return "the simulator itself"
        for receiver in self.receivers:
            if (receiver.scheme, receiver.host, receiver.port) == (
                place.scheme,
                place.host,
                place.port,
            ) and _under(place.path, receiver.path):
                return None
        return "not an allowed webhook receiver"


def _under(path: str, prefix: str) -> bool:
    """Whether ``path`` is ``prefix`` or below it (``/hooks`` covers ``/hooks/a``, not ``/hx``)."""
    base = prefix.rstrip("/")
    return path == base or path.startswith(base + "/")


class WebhookSigner:
    """The simulator's Ed25519 key pair, playing the Telnyx account's webhook signing key."""

    def __init__(self, seed: str | None = None) -> None:
        """A fresh key pair, or the one whose 32-byte private seed ``seed`` gives in base64.

        Raises ValueError when ``seed`` is not base64 of 32 bytes.
        """
        if seed is None:
            self._key = Ed25519PrivateKey.generate()
            return
        try:
            raw = base64.b64decode(seed, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            raise ValueError("webhook_signing_key must be base64 of a 32-byte Ed25519 seed")
        self._key = Ed25519PrivateKey.from_private_bytes(raw)

    @property
    def public_key(self) -> str:
        """The public key, base64 of its 32 raw bytes (as the Telnyx portal shows it)."""
        raw = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return base64.b64encode(raw).decode("ascii")

    def headers(self, body: bytes, timestamp: int) -> dict[str, str]:
        """The two signature headers for ``body`` sent at ``timestamp`` (unix seconds)."""
        signature = self._key.sign(f"{timestamp}|".encode() + body)
        return {
            "telnyx-signature-ed25519": base64.b64encode(signature).decode("ascii"),
            "telnyx-timestamp": str(timestamp),
        }


class WebhookSender:
    """POSTs events from a background thread so a slow receiver never blocks the API."""

    def __init__(
        self,
        log: list[dict[str, Any]],
        policy: WebhookPolicy | None = None,
        signer: WebhookSigner | None = None,
    ) -> None:
        self.log = log
        self.policy = policy or WebhookPolicy()
        self.signer = signer or WebhookSigner()
        self._queue: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def deliver(self, url: str, envelope: dict[str, Any]) -> None:
        """Queue one delivery; a URL the policy refuses is logged as skipped, with the reason."""
        reason = self.policy.refusal(url)
        entry: dict[str, Any] = {
            "url": url,
            "event_type": envelope["data"]["event_type"],
            "event_id": envelope["data"]["id"],
            "status": None,
            "delivered": False,
            "skipped": reason is not None,
            "reason": reason,
        }
        self.log.append(entry)
        if reason is not None:
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="sim-webhooks", daemon=True)
                self._thread.start()
        self._queue.put((url, {"entry": entry, "envelope": envelope}))

    def _run(self) -> None:
        # No redirects (a receiver could bounce the POST back at the simulator) and no proxy
        # settings from the environment (the call must go straight to the checked address).
        with httpx.Client(timeout=5.0, follow_redirects=False, trust_env=False) as client:
            while True:
                item = self._queue.get()
                if item is None:
                    self._queue.task_done()
                    return
                url, job = item
                body = json.dumps(job["envelope"]).encode()
                # Wall-clock time, not the simulated clock: the receiver checks the timestamp
                # against its own clock, as it does for Telnyx, whose timestamp is the send time.
                headers = self.signer.headers(body, int(time.time()))
                headers["content-type"] = "application/json"
                try:
                    response = client.post(url, content=body, headers=headers)
                    job["entry"]["status"] = response.status_code
                    job["entry"]["delivered"] = response.is_success
                except httpx.HTTPError as exc:
                    job["entry"]["status"] = f"error: {type(exc).__name__}"
                finally:
                    self._queue.task_done()

    def wait(self) -> None:
        """Block until every queued delivery has been attempted (for tests)."""
        self._queue.join()

    def close(self) -> None:
        """Stop the delivery thread."""
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout=5)
