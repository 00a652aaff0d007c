"""Deferred settlements: an intent settled with ``defer`` is written with the ledger's next
transaction, before anything read or written after it, and lost with a crash before then."""

from __future__ import annotations

import pytest

from porting_batch.errors import LedgerError
from porting_batch.ledger import Ledger, OrderRecord


def _other_view_of_open(url: str, batch: str) -> list[int]:
    """The batch's open intents as another process sees them (only what is committed)."""
    with Ledger(url) as other:
        return [i["intent_id"] for i in other.open_intents(batch)]


def test_a_deferred_settle_is_committed_with_the_next_intent(ledger_url):
    """Until the next write the settle is held in memory; that write commits both at once."""
    with Ledger(ledger_url) as ledger:
        first = ledger.record_intent("b", "patch", "o1")
        ledger.settle_intent(first, "done", defer=True)
        assert _other_view_of_open(ledger_url, "b") == [first]
        second = ledger.record_intent("b", "confirm", "o1")
        assert _other_view_of_open(ledger_url, "b") == [second]


def test_a_read_after_a_deferred_settle_sees_it(ledger):
    """The ledger's own reads come after what it holds: no read misses a settlement."""
    intent = ledger.record_intent("b", "upload", "h1")
    ledger.settle_intent(intent, "done", "doc-1", document=("h1", "doc-1", "loa.pdf"), defer=True)
    assert ledger.document_id("h1") == "doc-1"
    assert ledger.open_intents("b") == []


def test_a_deferred_settle_saves_its_orders_as_they_were_when_settled(ledger_url):
    """Orders changed after the settle are written as settled; a later save writes the change."""
    with Ledger(ledger_url) as ledger:
        ledger.save_order(OrderRecord("o1", "b", "g", "r", "draft", ["+13125550100"]))
        [record] = ledger.orders_for_batch("b")
        intent = ledger.record_intent("b", "patch", "o1")
        record.foc_chosen = "2030-01-07"
        ledger.settle_intent(intent, "done", orders=[record], defer=True)
        record.status = "in-process"
        ledger.flush()
        [stored] = ledger.orders_for_batch("b")
        assert (stored.foc_chosen, stored.status) == ("2030-01-07", "draft")
        ledger.save_order(record)
        assert ledger.orders_for_batch("b")[0].status == "in-process"


def test_closing_the_ledger_writes_a_deferred_settle(ledger_url):
    """A settlement still held when the ledger closes is written then."""
    with Ledger(ledger_url) as ledger:
        intent = ledger.record_intent("b", "create", "ref-1")
        ledger.settle_intent(intent, "done", "o1", defer=True)
    assert _other_view_of_open(ledger_url, "b") == []


def test_a_deferred_settle_that_cannot_be_written_leaves_its_intent_open(ledger):
    """The next write fails with it; the intent stays open (as after a crash) and later
    writes go through."""
    intent = ledger.record_intent("b", "create", "ref-1")
    broken = OrderRecord("o2", "b", "g", "r", "draft", ["+13125550101"])
    broken.customer_reference = None  # type: ignore[assignment]  # NOT NULL: the write fails
    ledger.settle_intent(intent, "done", orders=[broken], defer=True)
    with pytest.raises(LedgerError):
        ledger.record_intent("b", "patch", "o1")
    later = ledger.record_intent("b", "patch", "o1")
    assert [i["intent_id"] for i in ledger.open_intents("b")] == [intent, later]
