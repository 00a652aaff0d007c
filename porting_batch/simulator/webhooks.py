"""Delivering porting events to an order's ``webhook_url``, only when it is on loopback."""

from __future__ import annotations

import ipaddress
import queue
import threading
from typing import Any
from urllib.parse import urlsplit

import httpx

LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback(url: str) -> bool:
    """Whether the URL's host is loopback (the simulator never calls anything else)."""
    host = urlsplit(url).hostname or ""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WebhookSender:
    """POSTs events from a background thread so a slow receiver never blocks the API."""

    def __init__(self, log: list[dict[str, Any]]) -> None:
        self.log = log
        self._queue: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def deliver(self, url: str, envelope: dict[str, Any]) -> None:
        """Queue one delivery; non-loopback URLs are logged as skipped."""
        entry: dict[str, Any] = {
            "url": url,
            "event_type": envelope["data"]["event_type"],
            "event_id": envelope["data"]["id"],
            "status": None,
            "delivered": False,
            "skipped": not is_loopback(url),
        }
        self.log.append(entry)
        if entry["skipped"]:
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="sim-webhooks", daemon=True)
                self._thread.start()
        self._queue.put((url, {"entry": entry, "envelope": envelope}))

    def _run(self) -> None:
        with httpx.Client(timeout=5.0) as client:
            while True:
                item = self._queue.get()
                if item is None:
                    self._queue.task_done()
                    return
                url, job = item
                try:
                    response = client.post(url, json=job["envelope"])
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
