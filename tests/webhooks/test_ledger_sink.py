"""The receiver wired to the ledger: genuine events recorded once each and applied to orders."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from porting_batch.ledger import Ledger, OrderRecord
from porting_batch.webhooks import LedgerEvents, WebhookReceiver

from .conftest import NOW, Harness, public_b64, signed_headers

ORDER = "0b0c0d0e-0000-4000-8000-0000000000aa"


def status_body(event_id: str, value: str, codes: tuple[str, ...] = ()) -> bytes:
    """A status webhook for ORDER, with end-user data a log must never keep."""
    return json.dumps(
        {
            "data": {
                "event_type": "porting_order.status_changed",
                "id": event_id,
                "occurred_at": "2026-03-05T15:00:00Z",
                "record_type": "event",
                "payload": {
                    "id": ORDER,
                    "status": {"value": value, "details": [{"code": c} for c in codes]},
                    "end_user": {"admin": {"pin_passcode": "9876"}},
                },
            },
            "meta": {"attempt": 1},
        }
    ).encode()


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    """A SQLite ledger holding ORDER, submitted."""
    with Ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as opened:
        opened.save_order(OrderRecord(ORDER, "b1", "g1", "ref-1", "submitted", ["+13125550100"]))
        yield opened


@pytest.fixture
def wired(telnyx_key: Ed25519PrivateKey, ledger: Ledger) -> Harness:
    """A receiver trusting ``telnyx_key`` whose sink is the ledger."""
    clock = [float(NOW)]
    now: Callable[[], float] = lambda: clock[0]  # noqa: E731
    sink = LedgerEvents(ledger)
    receiver = WebhookReceiver(public_b64(telnyx_key), sink, clock=now)
    return Harness(telnyx_key, sink, receiver, clock)  # type: ignore[arg-type]


def test_a_rejection_webhook_puts_the_order_in_exception_with_its_codes(
    wired: Harness, ledger: Ledger
) -> None:
    """A verified exception event changes the order's status in the ledger and names the code."""
    body = status_body("ev-1", "exception", ("ENTITY_NAME_MISMATCH",))
    answer = wired.post(body, signed_headers(wired.private, body))
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"
    (record,) = [r for r in ledger.orders_for_batch("b1") if r.order_id == ORDER]
    assert record.status == "exception"
    assert "ENTITY_NAME_MISMATCH" in record.attention


def test_a_flood_reaches_the_ledger_as_exactly_the_genuine_unique_events(
    wired: Harness, ledger: Ledger
) -> None:
    """300 deliveries, with repeats and forgeries: each genuine id recorded once, none forged."""
    rng = random.Random(7)
    forger = Ed25519PrivateKey.from_private_bytes(bytes([5] * 32))
    genuine: list[str] = []
    requests = []
    for n in range(300):
        draw = rng.random()
        if draw < 0.1:
            body = status_body(f"forged-{n}", "cancelled")
            requests.append((body, signed_headers(forger, body)))
            continue
        if draw < 0.4 and genuine:
            event_id = rng.choice(genuine)
        else:
            event_id = f"ev-{n}"
            genuine.append(event_id)
        body = status_body(event_id, "submitted")
        requests.append((body, signed_headers(wired.private, body)))
    answers = wired.post_many(requests)
    accepted = [r for r in answers if r.status_code == 200 and r.json()["status"] == "accepted"]
    assert len(accepted) == len(genuine)
    stored = set(ledger.events_by_id(genuine + [f"forged-{n}" for n in range(300)]))
    assert stored == set(genuine)
    (record,) = [r for r in ledger.orders_for_batch("b1") if r.order_id == ORDER]
    assert record.status == "submitted"  # no forged "cancelled" got through


def test_a_replay_after_a_restart_is_still_a_duplicate(
    telnyx_key: Ed25519PrivateKey, ledger: Ledger
) -> None:
    """A new receiver on the same ledger (a restart) knows the ids the old one recorded."""
    body = status_body("ev-restart", "submitted")
    for expected in ("accepted", "duplicate"):
        sink = LedgerEvents(ledger)
        receiver = WebhookReceiver(public_b64(telnyx_key), sink, clock=lambda: float(NOW))
        harness = Harness(telnyx_key, sink, receiver)  # type: ignore[arg-type]
        answer = harness.post(body, signed_headers(telnyx_key, body))
        assert answer.json()["status"] == expected
