"""An in-memory event sink: each event id once, for tests and until a ledger is wired in."""

from __future__ import annotations

import threading
from typing import Any

from porting_batch.webhooks.receiver import event_id


class MemoryEvents:
    """``on_event`` for :class:`~porting_batch.webhooks.receiver.WebhookReceiver` that keeps the
    events in arrival order, each id once; forgotten when the process ends."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self._ids: set[str] = set()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)

    def __call__(self, event: dict[str, Any]) -> bool:
        """Keep ``event`` unless its id was seen; True when it is new."""
        identifier = event_id(event)
        if identifier is None:
            raise ValueError("an event without an id cannot be deduplicated")
        with self._arrived:
            if identifier in self._ids:
                return False
            self._ids.add(identifier)
            self.events.append(event)
            self._arrived.notify_all()
            return True

    @property
    def ids(self) -> list[str]:
        """The ids kept, in arrival order."""
        with self._lock:
            return [event_id(event) or "" for event in self.events]

    def wait_for(self, count: int, timeout: float) -> bool:
        """Block until at least ``count`` events are kept (for a served receiver); False when
        ``timeout`` seconds pass first."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.events) >= count, timeout)
