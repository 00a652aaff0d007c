"""Order statuses, intent states and batch statuses as enums that still behave as their strings."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from porting_batch.ledger import (
    INACTIVE_STATUSES,
    BatchStatus,
    IntentState,
    OrderRecord,
    OrderStatus,
    orders,
)


@pytest.mark.parametrize("enum", [OrderStatus, IntentState, BatchStatus], ids=lambda e: e.__name__)
def test_members_equal_and_serialise_as_their_strings(enum):
    """Each member compares equal to, formats as and JSON-encodes as its plain string."""
    for member in enum:
        assert member == member.value
        assert (str(member), f"{member}") == (member.value, member.value)
        assert json.dumps(member) == json.dumps(member.value)


def test_order_statuses_are_telnyxs_plus_deleted():
    """The order statuses are the API's eight plus the ledger's own 'deleted'."""
    assert {s.value for s in OrderStatus} == {
        "draft",
        "in-process",
        "submitted",
        "exception",
        "foc-date-confirmed",
        "cancel-pending",
        "ported",
        "cancelled",
        "deleted",
    }
    assert {"cancelled", "deleted"} == INACTIVE_STATUSES


def test_an_order_saved_with_an_enum_status_is_stored_as_its_string(ledger):
    """A status given as an enum member lands as the plain string and is found as active."""
    ledger.save_order(OrderRecord("o1", "b", "g", "r", OrderStatus.SUBMITTED, ["+13125550100"]))
    with ledger.engine.connect() as conn:
        assert conn.execute(sa.select(orders.c.status)).scalar_one() == "submitted"
    [saved] = ledger.orders_for_batch("b")
    assert saved.status == OrderStatus.SUBMITTED
    assert set(ledger.active_orders_for_numbers(["+13125550100"])) == {"+13125550100"}
    ledger.delete_order("o1")
    assert ledger.orders_for_batch("b")[0].status == OrderStatus.DELETED
    assert ledger.active_orders_for_numbers(["+13125550100"]) == {}


def test_an_intent_settled_with_an_enum_state_is_closed(ledger):
    """Settling with IntentState.DONE stores 'done', and the intent is no longer open."""
    intent = ledger.record_intent("b", "create", "ref-1")
    assert ledger.open_intents("b")[0]["state"] == IntentState.SENT
    ledger.settle_intent(intent, IntentState.DONE, "o1")
    assert ledger.open_intents("b") == []
    assert [i["state"] for i in ledger.intents_for("b")] == ["done"]


def test_a_batch_finished_with_an_enum_status_reads_as_its_string(ledger):
    """finish_batch takes a BatchStatus; the batch then reads as the plain string."""
    ledger.start_batch("b", name="b", file_name="f", content_hash="h", settings={})
    ledger.finish_batch("b", BatchStatus.COMPLETE)
    batch = ledger.batch("b")
    assert batch is not None and batch["status"] == "complete"
