"""The write connection: one per thread, kept between transactions, opened afresh after a
failure; and a PATCH's field fingerprints written in its intent's settling transaction."""

from __future__ import annotations

import gc
import threading

import pytest
import sqlalchemy as sa

from porting_batch.errors import LedgerError
from porting_batch.ledger import Ledger, OrderRecord


def _pool_events(ledger: Ledger) -> dict[str, int]:
    """Counts of the pool's connects, checkouts and checkins from now on."""
    counts = {"connect": 0, "checkout": 0, "checkin": 0}
    for name in counts:

        def note(*_args: object, _name: str = name) -> None:
            counts[_name] += 1

        sa.event.listen(ledger.engine, name, note)
    return counts


def test_writes_of_one_thread_share_one_connection(ledger):
    """After a thread's first write, its later writes take no connection from the pool."""
    ledger.record_intent("b", "create", "ref-0")
    counts = _pool_events(ledger)
    for n in range(20):
        intent = ledger.record_intent("b", "create", f"ref-{n + 1}")
        ledger.settle_intent(intent, "done", f"o{n}", defer=n % 2 == 0)
    ledger.flush()
    assert counts == {"connect": 0, "checkout": 0, "checkin": 0}
    assert ledger.open_intents("b") == [ledger.intents_for("b")[0]]


def test_a_second_thread_writes_through_its_own_connection_released_when_it_ends(ledger):
    """Another thread's writes commit on a connection of its own, given back once it ends;
    the first thread's writes go on as before."""
    first = ledger.record_intent("b", "create", "ref-main")
    counts = _pool_events(ledger)
    made: list[int] = []

    def other() -> None:
        for n in range(5):
            made.append(ledger.record_intent("b", "patch", f"o{n}"))

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    gc.collect()
    assert counts["checkout"] == 1 and counts["checkin"] == 1
    later = ledger.record_intent("b", "confirm", "o1")
    assert counts["checkout"] == 1
    assert [i["intent_id"] for i in ledger.open_intents("b")] == [first, *made, later]


def test_a_write_inside_a_write_of_the_same_thread_gets_a_connection_of_its_own(new_pg_url):
    """A transaction opened while the thread's own is open does not reuse (and break) it."""
    with Ledger(new_pg_url()) as ledger:
        with ledger._begin() as outer:
            inner = ledger.record_intent("b", "create", "inner")
            outer.exec_driver_sql("SELECT 1")
        after = ledger.record_intent("b", "create", "after")
        assert [i["intent_id"] for i in ledger.open_intents("b")] == [inner, after]


def test_a_failed_transaction_leaves_the_next_write_a_working_connection(ledger):
    """A write that fails is rolled back; the thread's next write goes through."""
    broken = OrderRecord("o1", "b", "g", "r", "draft", ["+13125550100"])
    broken.customer_reference = None  # type: ignore[assignment]  # NOT NULL: the write fails
    with pytest.raises(LedgerError):
        ledger.save_order(broken)
    intent = ledger.record_intent("b", "create", "ref-1")
    assert [i["intent_id"] for i in ledger.open_intents("b")] == [intent]


def test_closing_the_ledger_closes_its_write_connections_and_a_later_write_reopens(ledger_url):
    """Closed, the ledger holds no connection; written to again, it opens one."""
    ledger = Ledger(ledger_url)
    ledger.record_intent("b", "create", "ref-1")
    ledger.close()
    assert ledger.engine.pool.checkedout() == 0
    ledger.record_intent("b", "create", "ref-2")
    assert len(ledger.open_intents("b")) == 2
    ledger.close()


def test_a_write_connection_dropped_by_postgresql_is_opened_again(new_pg_url):
    """When the server drops the write connection, the write that finds out fails whole, and
    the next one goes through on a new connection."""
    url = new_pg_url()
    with Ledger(url) as ledger:
        kept = ledger.record_intent("b", "create", "ref-1")
        with ledger._begin() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        finally:
            admin.dispose()
        with pytest.raises(LedgerError):
            ledger.record_intent("b", "create", "ref-lost")
        again = ledger.record_intent("b", "create", "ref-2")
        assert [i["target"] for i in ledger.open_intents("b")] == ["ref-1", "ref-2"]
        assert [i["intent_id"] for i in ledger.open_intents("b")] == [kept, again]


def _fields_seen_by_another(url: str, order_id: str) -> dict[str, str]:
    with Ledger(url) as other:
        return other.sent_fields(order_id)


def test_a_patch_s_field_fingerprints_are_written_with_its_intent_s_settlement(ledger_url):
    """Deferred, neither the settlement nor the fingerprints are seen by another process until
    the next write, which commits both."""
    with Ledger(ledger_url) as ledger:
        intent = ledger.record_intent("b", "patch", "o1")
        sent = ("b", "o1", {"end_user.admin.entity_name": "f1", "misc.type": "f2"})
        ledger.settle_intent(intent, "done", sent=sent, defer=True)
        assert _fields_seen_by_another(ledger_url, "o1") == {}
        ledger.record_intent("b", "confirm", "o1")
        assert _fields_seen_by_another(ledger_url, "o1") == sent[2]
        assert [i["kind"] for i in ledger.open_intents("b")] == ["confirm"]


def test_field_fingerprints_are_lost_with_a_settlement_that_fails(ledger):
    """A settling transaction that fails writes no fingerprint: the intent stays open and the
    order's fields count as never sent, so the PATCH is sent again."""
    intent = ledger.record_intent("b", "patch", "o1")
    broken = OrderRecord("o1", "b", "g", "r", "draft", ["+13125550100"])
    broken.customer_reference = None  # type: ignore[assignment]  # NOT NULL: the write fails
    sent = ("b", "o1", {"misc.type": "f2"})
    ledger.settle_intent(intent, "done", orders=[broken], sent=sent, defer=True)
    with pytest.raises(LedgerError):
        ledger.flush()
    assert ledger.sent_fields("o1") == {}
    assert [i["intent_id"] for i in ledger.open_intents("b")] == [intent]
