"""The receiver's sink in production: each verified event recorded in the ledger and applied."""

from __future__ import annotations

import threading
from typing import Any

from porting_batch.ledger import Ledger
from porting_batch.tracking import apply_events, parse_event


class LedgerEvents:
    """``on_event`` for :class:`~porting_batch.webhooks.receiver.WebhookReceiver`: records the
    event (``Ledger.record_event``: each id once, across processes and restarts) and, when it is
    new, applies it to the batch's orders (``apply_events``). A replay returns False.

    A body that is not a porting event raises ``ValueError``, which the receiver answers 400.
    Tracking by list and ``/porting/events`` stays the reconcile for webhooks that never came.
    """

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        # uvicorn may run the sink from several connections; the ledger's own transactions make
        # each write atomic, the lock keeps record-then-apply of one event together.
        self._lock = threading.Lock()

    def __call__(self, body: dict[str, Any]) -> bool:
        """Record ``body``; apply it when its id is new. True when it was new."""
        event = parse_event(body, "webhook")
        with self._lock:
            if not event.record(self.ledger):
                return False
            apply_events(self.ledger, [event])
        return True
