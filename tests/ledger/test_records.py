"""Orders, groups, documents and intents: indexed look-ups and single-statement upserts."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from porting_batch.errors import LedgerError
from porting_batch.ledger import GroupRecord, Ledger, OrderRecord, groups, order_numbers, orders


def test_open_intents_for_finds_only_that_targets_unsettled_intents(ledger):
    """Only the open intents of the asked target (and kinds) in the asked batch come back."""
    create = ledger.record_intent("b", "create", "ref-1")
    patch = ledger.record_intent("b", "patch", "ref-1")
    settled = ledger.record_intent("b", "confirm", "ref-1")
    ledger.settle_intent(settled, "done")
    ledger.record_intent("b", "create", "ref-2")
    ledger.record_intent("other", "create", "ref-1")
    assert [i["intent_id"] for i in ledger.open_intents_for("b", "ref-1")] == [create, patch]
    assert [i["intent_id"] for i in ledger.open_intents_for("b", "ref-1", ["patch"])] == [patch]
    assert ledger.open_intents_for("b", "ref-3") == []


def test_open_intents_for_is_an_index_lookup(new_sqlite_url):
    """SQLite answers open_intents_for through the (batch_id, state, target) index."""
    with Ledger(new_sqlite_url()) as ledger, ledger.engine.connect() as conn:
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT * FROM intents "
            "WHERE batch_id = 'b' AND state = 'sent' AND target = 'ref-1'"
        ).all()
    assert "ix_intents_batch_state_target" in " ".join(str(row) for row in plan)


def test_saving_an_order_again_updates_it_and_its_numbers(ledger):
    """A second save of an order replaces its row and the numbers it holds."""
    ledger.save_group("b", "g", customer_reference="r", account="Acme", fingerprint="f1")
    ledger.save_order(OrderRecord("o1", "b", "g", "r", "draft", ["+13125550100", "+13125550101"]))
    ledger.save_order(OrderRecord("o1", "b", "g", "r", "submitted", ["+13125550101"], carrier="X"))
    [saved] = ledger.orders_for_batch("b")
    assert (saved.status, saved.phone_numbers, saved.carrier) == (
        "submitted",
        ["+13125550101"],
        "X",
    )
    with ledger.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(orders)).scalar() == 1
        held = conn.execute(sa.select(order_numbers.c.phone_number)).scalars().all()
        created = conn.execute(sa.select(groups.c.created)).scalar()
    assert held == ["+13125550101"]
    assert created is True or created == 1


def test_saving_a_group_again_keeps_it_created_and_updates_its_fingerprint(ledger):
    """Re-saving a group changes its fingerprint and account, not whether its order exists."""
    ledger.save_group("b", "g", customer_reference="r", account="Acme", fingerprint="f1")
    ledger.save_order(OrderRecord("o1", "b", "g", "r", "draft", ["+13125550100"]))
    ledger.save_group("b", "g", customer_reference="r", account="Acme Ltd", fingerprint="f2")
    assert ledger.group_accounts("b") == {"g": "Acme Ltd"}
    with ledger.engine.connect() as conn:
        row = conn.execute(sa.select(groups.c.fingerprint, groups.c.created)).one()
    assert row.fingerprint == "f2" and bool(row.created) is True


def test_saving_a_document_again_replaces_its_remote_id(ledger):
    """The same content uploaded again is remembered by its latest remote id."""
    ledger.save_document("h", "doc-1", "loa.pdf")
    ledger.save_document("h", "doc-2", "loa.pdf")
    assert ledger.document_id("h") == "doc-2"


def test_start_batch_is_new_once_then_counts_runs(ledger):
    """The first start of a batch is new; later ones count runs and keep its creation time."""
    assert ledger.start_batch("b", name="b", file_name="f", content_hash="h1", settings={}) is True
    created_at = ledger.batches_list()[0]["created_at"]
    assert ledger.start_batch("b", name="b", file_name="f", content_hash="h2", settings={}) is False
    [batch] = ledger.batches_list()
    assert (batch["runs"], batch["content_hash"], batch["created_at"]) == (2, "h2", created_at)


def test_unreachable_ledger_is_one_line_without_the_password():
    """A ledger that cannot be opened says where, on one line, with the password hidden."""
    with pytest.raises(LedgerError) as caught:
        Ledger("postgresql+psycopg://porting:s3cret@127.0.0.1:1/ledger")
    message = str(caught.value)
    assert message.startswith("cannot open the ledger at postgresql+psycopg://porting:***@")
    assert "s3cret" not in message and "\n" not in message


def _statements(ledger: Ledger) -> list[str]:
    """The SQL text of every statement the ledger's engine runs from now on."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        seen.append(statement)

    sa.event.listen(ledger.engine, "before_cursor_execute", note)
    return seen


def _writes(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_saving_a_read_order_writes_only_the_columns_that_changed(ledger):
    """An order read from the ledger and changed is saved by one UPDATE of what changed; its
    numbers are left alone, and saving it unchanged writes nothing."""
    ledger.save_group("b", "g", customer_reference="r", account="Acme", fingerprint="f1")
    ledger.save_order(OrderRecord("o1", "b", "g", "r", "draft", ["+13125550100", "+13125550101"]))
    [record] = ledger.orders_for_batch("b")
    statements = _statements(ledger)
    ledger.save_order(record)
    assert _writes(statements) == []
    record.status, record.attention = "submitted", "look"
    ledger.save_order(record)
    [update] = _writes(statements)
    assert update.upper().startswith("UPDATE ORDERS")
    assert "status" in update and "attention" in update and "carrier" not in update
    [saved] = ledger.orders_for_batch("b")
    assert (saved.status, saved.attention, saved.phone_numbers) == (
        "submitted",
        "look",
        ["+13125550100", "+13125550101"],
    )


def test_changed_numbers_of_a_read_order_are_written(ledger):
    """When a read order's numbers change, the numbers it holds are replaced too."""
    ledger.save_order(OrderRecord("o1", "b", "g", "r", "draft", ["+13125550100"]))
    [record] = ledger.orders_for_batch("b")
    record.phone_numbers = ["+13125550100", "+13125550101"]
    ledger.save_order(record)
    assert ledger.orders_for_batch("b")[0].phone_numbers == record.phone_numbers
    found = ledger.active_orders_for_numbers(["+13125550101"])
    assert found["+13125550101"].order_id == "o1"


def test_an_order_read_from_one_ledger_is_written_whole_to_another(new_ledger_url):
    """A record read from one ledger and saved into another, empty one lands there whole."""
    with Ledger(new_ledger_url()) as first, Ledger(new_ledger_url()) as second:
        first.save_order(OrderRecord("o1", "b", "g", "r", "draft", ["+13125550100"]))
        [record] = first.orders_for_batch("b")
        second.save_order(record)
        [copied] = second.orders_for_batch("b")
    assert copied == record
    assert second.active_orders_for_numbers(["+13125550100"])["+13125550100"].order_id == "o1"


def test_settling_an_intent_saves_its_orders_in_the_same_transaction(ledger):
    """An intent settled with orders records both, or, when one order cannot be written,
    neither: the intent stays open and a later save of the others still writes them."""
    ledger.save_order(OrderRecord("o1", "b", "g", "r", "draft", ["+13125550100"]))
    [record] = ledger.orders_for_batch("b")
    intent = ledger.record_intent("b", "confirm", "o1")
    record.status = "submitted"
    broken = OrderRecord("o2", "b", "g", "r", "draft", ["+13125550101"])
    broken.customer_reference = None  # type: ignore[assignment]  # NOT NULL: the write fails
    with pytest.raises(LedgerError):
        ledger.settle_intent(intent, "done", orders=[record, broken])
    assert [i["intent_id"] for i in ledger.open_intents("b")] == [intent]
    assert ledger.orders_for_batch("b")[0].status == "draft"
    ledger.save_order(record)
    assert ledger.orders_for_batch("b")[0].status == "submitted"
    ledger.settle_intent(intent, "done", orders=[record])
    assert ledger.open_intents("b") == []


def test_document_ids_finds_the_uploaded_ones_among_many_hashes(ledger):
    """document_ids answers for every known hash asked (beyond one query's 500) and omits the
    unknown ones."""
    for i in range(0, 1200, 3):
        ledger.save_document(f"h{i}", f"doc-{i}", "loa.pdf")
    found = ledger.document_ids(f"h{i}" for i in range(1200))
    assert found == {f"h{i}": f"doc-{i}" for i in range(0, 1200, 3)}


def test_settling_an_upload_saves_its_document_with_it(ledger):
    """An upload's intent settled with its document records the document in the same write."""
    intent = ledger.record_intent("b", "upload", "h1")
    ledger.settle_intent(intent, "done", "doc-1", document=("h1", "doc-1", "loa.pdf"))
    assert ledger.document_id("h1") == "doc-1"
    assert ledger.open_intents("b") == []


def test_save_groups_records_a_plan_in_one_transaction_and_updates_existing_groups(ledger):
    """save_groups writes every group of a plan in one commit; a group saved before keeps its
    created mark and takes the new fingerprint and account."""
    ledger.save_group("b", "g1", customer_reference="r1", account="Acme", fingerprint="f1")
    ledger.save_order(OrderRecord("o1", "b", "g1", "r1", "draft", ["+13125550100"]))
    commits: list[object] = []
    sa.event.listen(ledger.engine, "commit", commits.append)
    ledger.save_groups(
        "b",
        [
            GroupRecord("g1", "r1", "Acme Ltd", "f2"),
            GroupRecord("g2", "r2", "Bolt", "f3"),
            GroupRecord("g3", "r3", "Crane", "f4"),
        ],
    )
    assert len(commits) == 1
    assert ledger.group_accounts("b") == {"g1": "Acme Ltd", "g2": "Bolt", "g3": "Crane"}
    with ledger.engine.connect() as conn:
        rows = conn.execute(sa.select(groups.c.group_key, groups.c.created, groups.c.fingerprint))
        saved = {r.group_key: (bool(r.created), r.fingerprint) for r in rows}
    assert saved == {"g1": (True, "f2"), "g2": (False, "f3"), "g3": (False, "f4")}
