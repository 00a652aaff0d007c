"""Porting events: every envelope read to one value, no secret kept, each id applied once."""

from __future__ import annotations

from porting_batch.ledger import OrderRecord
from porting_batch.tracking import apply_events, parse_event

ORDER = "0b0c0d0e-0000-4000-8000-000000000001"
NEW = "0b0c0d0e-0000-4000-8000-000000000002"
NUMBERS = ["+13125551000", "+13125551001", "+13125551002", "+13125551003"]


def status_webhook(event_id: str, value: str, codes: list[str] = ()) -> dict:
    """A status webhook in the {data, meta} envelope, with the end user in its payload."""
    return {
        "data": {
            "event_type": "porting_order.status_changed",
            "id": event_id,
            "occurred_at": "2026-03-05T15:00:00Z",
            "record_type": "event",
            "payload": {
                "id": ORDER,
                "customer_reference": "ref-1",
                "status": {"value": value, "details": [{"code": c} for c in codes]},
                "end_user": {"admin": {"pin_passcode": "9876", "account_number": "ACC-55"}},
            },
        },
        "meta": {"attempt": 1, "delivered_to": "http://127.0.0.1:9/hooks"},
    }


def split_event(event_id: str, order_id: str) -> dict:
    """An Events API split object: the last two numbers move to NEW."""
    return {
        "id": event_id,
        "event_type": "porting_order.split",
        "porting_order_id": order_id,
        "record_type": "porting_event",
        "created_at": "2026-03-06T15:00:00Z",
        "payload": {
            "from": {"id": ORDER},
            "to": {"id": NEW},
            "porting_phone_numbers": [{"id": "n3", "phone_number": n} for n in NUMBERS[2:]],
        },
    }


def save_order(ledger, status: str = "submitted") -> None:
    """The order ORDER in the ledger, holding NUMBERS."""
    ledger.save_order(OrderRecord(ORDER, "b1", "g1", "ref-1", status, list(NUMBERS)))


def test_the_three_envelopes_read_to_the_same_fields():
    """Webhook {data, meta}, flat webhook and Events API objects give order, type and time."""
    wrapped = parse_event(status_webhook("e1", "exception", ["PIN_MISMATCH"]), "webhook")
    flat = parse_event(
        {
            "id": "e2",
            "event_type": "porting_order.deleted",
            "occurred_at": "2026-03-05T15:00:00Z",
            "format": "v2",
            "payload": {"id": ORDER, "customer_reference": "r", "deleted_at": "x"},
        },
        "webhook",
    )
    listed = parse_event(split_event("e3", NEW), "events")
    assert (wrapped.order_id, wrapped.status, wrapped.exception_codes) == (
        ORDER,
        "exception",
        ("PIN_MISMATCH",),
    )
    assert (flat.order_id, flat.event_type) == (ORDER, "porting_order.deleted")
    assert (listed.order_id, listed.split_to, listed.split_numbers) == (
        NEW,
        NEW,
        tuple(NUMBERS[2:]),
    )
    assert listed.occurred_at == "2026-03-06T15:00:00Z"


def test_the_kept_summary_holds_no_secret_and_no_comment_text():
    """PIN, account number and a comment's words are not in what the ledger keeps."""
    status = parse_event(status_webhook("e1", "exception", ["PIN_MISMATCH"]), "webhook")
    comment = parse_event(
        {
            "data": {
                "event_type": "porting_order.new_comment",
                "id": "e2",
                "occurred_at": "2026-03-05T15:00:00Z",
                "payload": {
                    "comment": {"id": "c1", "body": "PIN is 9876", "user_type": "admin"},
                    "porting_order_id": ORDER,
                },
            }
        },
        "webhook",
    )
    text = repr(status.summary()) + repr(comment.summary())
    assert "9876" not in text and "ACC-55" not in text
    assert comment.summary() == {"comment_id": "c1", "comment_length": 11, "comment_by": "admin"}


def test_a_duplicate_event_is_applied_once(ledger):
    """The same exception delivered twice (webhook, then the Events API) is one change."""
    save_order(ledger)
    event = parse_event(status_webhook("e1", "exception", ["PIN_MISMATCH"]), "webhook")
    first = apply_events(ledger, [event])
    again = apply_events(ledger, [parse_event(status_webhook("e1", "exception"), "events")])
    assert [(c.before, c.after, c.exception_codes) for c in first] == [
        ("submitted", "exception", ["PIN_MISMATCH"])
    ]
    assert again == []
    (record,) = ledger.orders_for_batch("b1")
    assert record.status == "exception" and "PIN_MISMATCH" in record.attention
    assert ledger.unapplied_events() == []


def test_a_split_moves_its_numbers_to_a_new_order_record(ledger):
    """Both split events (one per order) move the named numbers once to a new record of the
    same batch; every number is still held by exactly one order."""
    save_order(ledger)
    changes = apply_events(
        ledger,
        [
            parse_event(split_event("s1", ORDER), "events"),
            parse_event(split_event("s2", NEW), "events"),
        ],
    )
    records = {r.order_id: r for r in ledger.orders_for_batch("b1")}
    assert records[ORDER].phone_numbers == NUMBERS[:2]
    assert records[NEW].phone_numbers == NUMBERS[2:]
    assert records[NEW].customer_reference == "ref-1" and records[NEW].status == "submitted"
    assert set(ledger.active_orders_for_numbers(NUMBERS)[n].order_id for n in NUMBERS[2:]) == {NEW}
    assert {c.order_id for c in changes} == {ORDER, NEW}
    assert apply_events(ledger, [parse_event(split_event("s1", ORDER), "webhook")]) == []


def test_an_old_event_arriving_late_does_not_reopen_a_ported_order(ledger):
    """A retried 'submitted' webhook after the order was ported leaves it ported."""
    save_order(ledger, status="ported")
    apply_events(ledger, [parse_event(status_webhook("e1", "submitted"), "webhook")])
    assert ledger.orders_for_batch("b1")[0].status == "ported"


def test_events_recorded_by_a_receiver_that_died_are_applied_later(ledger):
    """An event recorded but never applied is applied when given again, by any receiver."""
    save_order(ledger)
    event = parse_event(status_webhook("e1", "foc-date-confirmed"), "webhook")
    assert event.record(ledger) is True
    assert ledger.orders_for_batch("b1")[0].status == "submitted"
    apply_events(ledger, [event])
    assert ledger.orders_for_batch("b1")[0].status == "foc-date-confirmed"
