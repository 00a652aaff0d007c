"""Porting events in the ledger: each id recorded once (also when racing), applied once, a
cursor that never moves back, and a ledger of the previous release upgraded to hold them."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from porting_batch.ledger import MIGRATIONS, Ledger, OrderSighting, migrations
from porting_batch.ledger.records import now_text

T0 = datetime(2026, 3, 5, 15, 0, tzinfo=UTC)


def record(ledger: Ledger, event_id: str, via: str = "webhook") -> bool:
    """Record a status event for order o1."""
    return ledger.record_event(
        event_id, "porting_order.status_changed", "o1", T0.isoformat(), via, {"status": "ported"}
    )


def test_an_event_is_new_only_the_first_time_its_id_is_recorded(ledger):
    """The second delivery of one event id is not new, whichever way it came."""
    assert record(ledger, "e1") is True
    assert record(ledger, "e1", via="events") is False
    assert [e.event_id for e in ledger.unapplied_events()] == ["e1"]
    assert ledger.unapplied_events()[0].received_via == "webhook"


def test_racing_receivers_of_one_event_record_it_once(ledger_url):
    """Four writers offered one event id at once: exactly one is told it is new."""
    racers = [Ledger(ledger_url) for _ in range(4)]
    barrier = threading.Barrier(len(racers))

    def offer(ledger: Ledger) -> bool:
        barrier.wait(timeout=60)
        return record(ledger, "same")

    try:
        with ThreadPoolExecutor(len(racers)) as pool:
            news = list(pool.map(offer, racers))
    finally:
        for ledger in racers:
            ledger.close()
    assert news.count(True) == 1


def test_applied_events_are_no_longer_unapplied_and_are_marked_once(ledger):
    """Marking applies to events not yet applied; a second mark changes nothing."""
    record(ledger, "e1")
    record(ledger, "e2")
    assert ledger.mark_applied(["e1"]) == 1
    assert ledger.mark_applied(["e1", "e2"]) == 1
    assert ledger.unapplied_events() == []
    assert ledger.events_by_id(["e1", "x"])["e1"].applied_at is not None


def test_the_events_cursor_moves_forward_only(ledger):
    """A cursor set to an earlier time than it holds keeps the later one."""
    assert ledger.event_cursor("porting_order.split") is None
    ledger.advance_event_cursor("porting_order.split", T0 + timedelta(hours=2))
    ledger.advance_event_cursor("porting_order.split", T0)
    assert ledger.event_cursor("porting_order.split") == T0 + timedelta(hours=2)
    ledger.advance_event_cursor("porting_order.split", T0 + timedelta(days=1))
    assert ledger.event_cursor("porting_order.split") == T0 + timedelta(days=1)
    assert ledger.event_cursor("other") is None


def test_sightings_are_kept_per_order(ledger):
    """What tracking saw of an order is read back, and a later sighting replaces it."""
    ledger.save_sightings([OrderSighting("o1", foc_actual="2026-03-10T15:00:00+00:00")])
    ledger.save_sightings([OrderSighting("o1", exception_codes="PIN_MISMATCH")])
    assert ledger.sightings(["o1", "o2"]) == {
        "o1": OrderSighting("o1", exception_codes="PIN_MISMATCH")
    }


def test_previous_release_ledger_upgrades_to_hold_events(ledger_url):
    """A ledger as the previous release left it (migrations up to 0004, with an order) opens
    with the events table added, its order intact, and records events."""
    if ledger_url.startswith("sqlite:///"):
        Path(ledger_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(ledger_url)
    with engine.begin() as conn:
        table = migrations._migrations_table(sa.MetaData())
        table.create(conn)
        for name, apply in MIGRATIONS[:4]:
            apply(conn)
            conn.execute(table.insert().values(name=name, applied_at=now_text()))
        conn.execute(
            sa.text(
                "INSERT INTO orders (order_id, batch_id, group_key, customer_reference, status,"
                " phone_numbers_json, country, phone_number_type, carrier, fast_port, foc_chosen,"
                " foc_reason, documents_json, patched_fingerprint, confirmed, attention,"
                " support_key, updated_at) VALUES ('o1', 'march', 'g1', 'ref-1', 'submitted',"
                " '[\"+13125550100\"]', 'US', '', '', false, '', '', '{}', '', true, '', '',"
                " '2026-03-05T15:00:00+00:00')"
            )
        )
    engine.dispose()
    assert MIGRATIONS[4][0] == "0005_porting_events"
    with Ledger(ledger_url) as ledger:
        assert "0005_porting_events" in ledger.applied_migrations()
        assert ledger.orders_for_batch("march")[0].phone_numbers == ["+13125550100"]
        assert record(ledger, "e1") is True
