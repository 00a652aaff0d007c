"""The simulator's state: orders, documents, events, CSRs, the clock and the lifecycle."""

from __future__ import annotations

import heapq
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from porting_batch.simulator.clock import SimClock, iso, parse_iso
from porting_batch.simulator.config import (
    REALISTIC_OPS_SPLIT_RATE,
    REALISTIC_RANDOM_REJECTION_RATE,
    REALISTIC_RATE_LIMIT_BURST,
    REALISTIC_RATE_LIMIT_PER_S,
    SimulatorConfig,
)
from porting_batch.simulator.lifecycle import run_step
from porting_batch.simulator.limits import RateLimiter
from porting_batch.simulator.realism import sweep
from porting_batch.simulator.scenario import Scenario, load_scenario
from porting_batch.simulator.store import Store

USER_ID = "5c3d8f0e-6a1b-4c2d-9e3f-7a8b9c0d1e2f"
ACTIVE_STATUSES = frozenset(
    {"draft", "in-process", "submitted", "exception", "foc-date-confirmed", "cancel-pending"}
)

_ID_NAMESPACE = uuid.UUID("6f1c2a52-93a4-4b7e-8d0e-2f5b8f0c7a11")


class SimState:
    """Everything one simulator instance knows; handlers call its methods on one event loop."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.scenario: Scenario = load_scenario(config.scenario)
        self.store = Store(config.state_file)
        self.faults = config.build_faults()
        self.profile = config.effective_profile(self.scenario.profile)
        self.realistic = self.profile == "realistic"
        rate, burst = config.rate_limit_per_s, config.rate_limit_burst
        if self.realistic and rate is None:
            rate = REALISTIC_RATE_LIMIT_PER_S
            burst = burst if burst is not None else REALISTIC_RATE_LIMIT_BURST
        self.limiter = RateLimiter(rate, burst)
        rejections = config.random_rejection_rate
        if rejections is None:
            rejections = REALISTIC_RANDOM_REJECTION_RATE if self.realistic else 0.0
        if not 0.0 <= rejections <= 1.0:
            raise ValueError(f"random_rejection_rate must be between 0 and 1, got {rejections}")
        self.random_rejection_rate = rejections
        splits = config.ops_split_rate
        if splits is None:
            splits = REALISTIC_OPS_SPLIT_RATE if self.realistic else 0.0
        if not 0.0 <= splits <= 1.0:
            raise ValueError(f"ops_split_rate must be between 0 and 1, got {splits}")
        self.ops_split_rate = splits
        start = parse_iso(config.start_time) if config.start_time else None
        self.clock = SimClock(speed=config.clock_speed, start=start)
        self._schedule: list[tuple[float, str, str]] = []
        self.number_index: dict[str, str] = {}
        self.pending_csrs: set[str] = set()
        self.webhook_sink: Callable[[str, dict[str, Any]], None] | None = None
        self.webhook_log: list[dict[str, Any]] = []
        #: Extra work each tick runs after the orders' steps (the CSR module settles CSRs).
        self.tick_hooks: list[Callable[[SimState], None]] = []
        self._lock = threading.RLock()
        self._clock_saved_at = float("-inf")
        self._take_in_store()
        if self.realistic:
            # Unlinked documents and stale drafts expire (issue 15 item 4).
            self.tick_hooks.append(sweep)

    # ---- identity and time -------------------------------------------------------------
    def new_id(self) -> str:
        """A fresh UUID, deterministic for a seed, never reused across restarts."""
        counter = self.store.next_counter("id_counter")
        return str(uuid.uuid5(_ID_NAMESPACE, f"{self.config.seed}:{counter}"))

    def short_key(self, prefix: str) -> str:
        """A support key such as ``sr_1a2b3c``."""
        counter = self.store.next_counter("key_counter")
        return f"{prefix}_{(counter * 2654435761) % 16**6:06x}"

    def now(self) -> datetime:
        """Simulated now."""
        return self.clock.now()

    def now_iso(self) -> str:
        """Simulated now as the API writes it."""
        text = iso(self.now())
        assert text is not None
        return text

    def advance(self, seconds: float) -> datetime:
        """Move the simulated clock and run everything that fell due."""
        moment = self.clock.advance(seconds)
        self.store.set_meta("clock_now", iso(moment))
        self.tick()
        return moment

    def refresh(self) -> None:
        """Take in what another process sharing the state file committed since (a second run
        on the same state folder starts a simulator of its own): its orders, documents and
        clock, as one API would show them to both."""
        with self._lock:
            if self.store.refresh():
                self._take_in_store()

    def _take_in_store(self) -> None:
        # What the store holds decides the clock (never moved back) and the indexes: at start,
        # and again when another process changed it.
        saved_now = self.store.meta.get("clock_now")
        if saved_now:
            self.clock.reset_to(max(parse_iso(saved_now), self.clock.now()))
        self._rebuild_indexes()

    # ---- indexes and schedule ----------------------------------------------------------
    def _rebuild_indexes(self) -> None:
        self.number_index.clear()
        self._schedule.clear()
        self.pending_csrs = {c["id"] for c in self.store.all("csrs") if c["status"] == "pending"}
        for order in self.store.all("orders"):
            self._index_order(order)
            due = order["_sim"].get("next_at")
            if due:
                heapq.heappush(self._schedule, (parse_iso(due).timestamp(), order["id"], due))

    def _index_order(self, order: dict[str, Any]) -> None:
        active = order["status"]["value"] in ACTIVE_STATUSES
        for number in order["_sim"]["numbers"]:
            if active:
                self.number_index[number["phone_number"]] = order["id"]
            elif self.number_index.get(number["phone_number"]) == order["id"]:
                del self.number_index[number["phone_number"]]

    def unindex_order(self, order: dict[str, Any]) -> None:
        """Forget an order's numbers (it was deleted)."""
        for number in order["_sim"]["numbers"]:
            if self.number_index.get(number["phone_number"]) == order["id"]:
                del self.number_index[number["phone_number"]]

    def schedule(self, order: dict[str, Any], delay_s: float | None, step: str | None) -> None:
        """Plan the order's next automatic step ``delay_s`` simulated seconds from now."""
        if delay_s is None or step is None:
            order["_sim"]["next_at"] = None
            order["_sim"]["next_step"] = None
            return
        self.schedule_at(order, self.now() + timedelta(seconds=delay_s), step)

    def schedule_at(self, order: dict[str, Any], moment: datetime, step: str) -> None:
        """Plan the order's next automatic step at ``moment``."""
        due = iso(moment)
        assert due is not None
        order["_sim"]["next_at"] = due
        order["_sim"]["next_step"] = step
        heapq.heappush(self._schedule, (moment.timestamp(), order["id"], due))

    def tick(self) -> None:
        """Apply every automatic step that is due by simulated now (cheap when none is)."""
        with self._lock:
            now = self.now()
            limit = now.timestamp()
            while self._schedule and self._schedule[0][0] <= limit:
                _, order_id, due = heapq.heappop(self._schedule)
                order = self.store.get("orders", order_id)
                if order is None or order["_sim"].get("next_at") != due:
                    continue  # superseded or deleted
                step = order["_sim"]["next_step"]
                order["_sim"]["next_at"] = None
                order["_sim"]["next_step"] = None
                run_step(self, order, step, parse_iso(due))
            for hook in self.tick_hooks:
                hook(self)
            # Persisting the clock on every request would be a write per read; once a second
            # (plus every advance) keeps a restart within a second of where it was.
            real = time.monotonic()
            if real - self._clock_saved_at >= 1.0:
                self._clock_saved_at = real
                self.store.set_meta("clock_now", iso(now))

    # ---- orders ------------------------------------------------------------------------
    def save_order(self, order: dict[str, Any], *, touch: bool = True) -> None:
        """Store an order and refresh its numbers' status and the number index."""
        if touch:
            order["updated_at"] = self.now_iso()
        status = order["status"]["value"]
        for number in order["_sim"]["numbers"]:
            number["porting_order_status"] = status
            number["support_key"] = order["support_key"] or ""
        self.store.put("orders", order)
        self._index_order(order)

    def order_or_none(self, order_id: str) -> dict[str, Any] | None:
        """An order by id."""
        return self.store.get("orders", order_id)

    # ---- events ------------------------------------------------------------------------
    def add_comment(self, order: dict[str, Any], body: str, user_type: str) -> dict[str, Any]:
        """Record a comment on an order (by the customer, or by porting ops as ``admin``) and
        its ``porting_order.new_comment`` event."""
        now = self.now_iso()
        comment = {
            "id": self.new_id(),
            "body": body,
            "porting_order_id": order["id"],
            "user_type": user_type,
            "record_type": "porting_comment",
            "created_at": now,
        }
        self.store.put("comments", comment)
        self.add_event(
            order,
            "porting_order.new_comment",
            {
                "comment": {
                    "id": comment["id"],
                    "body": body,
                    "inserted_at": now,
                    "user_id": order["user_id"],
                    "user_type": user_type,
                },
                "porting_order_id": order["id"],
                "support_key": order["support_key"] or "",
            },
        )
        return comment

    def add_event(
        self, order: dict[str, Any], event_type: str, payload: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Record a porting event and deliver it to the order's loopback webhook."""
        now = self.now_iso()
        event = {
            "id": self.new_id(),
            "event_type": event_type,
            "payload": payload,
            "payload_status": "completed",
            "porting_order_id": order["id"],
            "available_notification_methods": ["email", "webhook"],
            "record_type": "porting_event",
            "created_at": now,
            "updated_at": now,
        }
        self.store.put("events", event)
        url = order.get("webhook_url")
        if url and self.webhook_sink is not None:
            envelope = {
                "data": {
                    "event_type": event_type,
                    "id": event["id"],
                    "occurred_at": now,
                    "record_type": "event",
                    "payload": payload,
                },
                "meta": {"attempt": 1, "delivered_to": url},
            }
            self.webhook_sink(url, envelope)
        return event

    def status_payload(self, order: dict[str, Any]) -> dict[str, Any]:
        """The payload of a ``porting_order.status_changed`` event."""
        return {
            "id": order["id"],
            "customer_reference": order["customer_reference"] or "",
            "support_key": order["support_key"] or "",
            "status": order["status"],
            "updated_at": order["updated_at"],
            "webhook_url": order["webhook_url"] or "",
        }

    def set_status(
        self,
        order: dict[str, Any],
        value: str,
        details: list[dict[str, str]] | None = None,
    ) -> None:
        """Move an order to a status, store it and emit its event."""
        order["status"] = {"value": value, "details": details or []}
        self.save_order(order)
        self.add_event(order, "porting_order.status_changed", self.status_payload(order))

    def reset(self) -> None:
        """Forget every object (admin reset); the clock keeps running."""
        self.store.clear()
        self._rebuild_indexes()
        self.webhook_log.clear()
