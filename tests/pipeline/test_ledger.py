"""The ledger on real SQLite: migrations, orders, documents, intents and numbers."""

from __future__ import annotations

import sqlite3

import pytest

from porting_batch.ledger import Ledger, NumberRecord, OrderRecord


@pytest.fixture
def ledger(tmp_path):
    """A fresh ledger file in a temporary state folder."""
    ledger = Ledger(f"sqlite:///{tmp_path / 'state' / 'ledger.db'}")
    yield ledger
    ledger.close()


def test_ledger_applies_named_migrations_once(tmp_path):
    """Opening a ledger twice applies each migration once and records it."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    first = Ledger(url)
    assert first.applied_migrations() == [
        "0001_initial_schema",
        "0002_issues",
        "0003_batch_holds",
        "0004_intents_by_target",
        "0005_porting_events",
        "0006_sent_fields",
        "0007_csr_records",
        "0008_number_answers_and_run_start",
        "0009_indexes_at_scale",
    ]
    first.close()
    second = Ledger(url)
    assert second.migrate() == []
    second.close()


def test_ledger_uses_wal_journal(tmp_path, ledger):
    """SQLite runs in WAL mode so readers never block a run."""
    ledger.start_batch("b", name="b", file_name="f.xlsx", content_hash="h", settings={})
    mode = (
        sqlite3.connect(tmp_path / "state" / "ledger.db").execute("PRAGMA journal_mode").fetchone()
    )
    assert mode == ("wal",)


def test_start_batch_reports_new_then_resumed(ledger):
    """The first start of a batch is new; later ones count as runs of the same batch."""
    assert ledger.start_batch("b", name="b", file_name="f", content_hash="h1", settings={}) is True
    assert ledger.start_batch("b", name="b", file_name="f", content_hash="h2", settings={}) is False
    batch = ledger.batch("b")
    assert batch is not None
    assert (batch["runs"], batch["content_hash"]) == (2, "h2")


def test_active_orders_for_numbers_ignores_deleted_orders(ledger):
    """A number in a deleted order is free again; one in a draft is not."""
    ledger.save_order(OrderRecord("o1", "b", "g", "r", "draft", ["+13125550100"]))
    ledger.save_order(OrderRecord("o2", "b", "g", "r", "draft", ["+13125550101"]))
    ledger.delete_order("o2")
    found = ledger.active_orders_for_numbers(["+13125550100", "+13125550101", "+13125550102"])
    assert {n: o.order_id for n, o in found.items()} == {"+13125550100": "o1"}


def test_open_intents_are_those_never_settled(ledger):
    """An intent written before a send stays open until its answer is recorded."""
    done = ledger.record_intent("b", "create", "ref-1")
    left = ledger.record_intent("b", "create", "ref-2")
    ledger.settle_intent(done, "done", "o1")
    assert [i["intent_id"] for i in ledger.open_intents("b", "create")] == [left]


def test_documents_are_found_by_content_hash(ledger):
    """A document uploaded once is found again by its content hash."""
    assert ledger.document_id("abc") is None
    ledger.save_document("abc", "doc-1", "loa.pdf")
    assert ledger.document_id("abc") == "doc-1"


def test_numbers_round_trip_in_input_order(ledger):
    """Per-number states come back in the order they were saved."""
    records = [
        NumberRecord("Numbers", 3, "+13125550101", "ready_as_draft", "", "o1"),
        NumberRecord("Numbers", 2, "+13125550100", "not_portable", "No coverage"),
    ]
    ledger.save_numbers("b", records)
    assert ledger.numbers_for_batch("b") == records


def test_migration_adds_issues_to_an_older_ledger(tmp_path):
    """A ledger made before the issues table gets it on open, its data intact."""
    import sqlalchemy as sa

    from porting_batch import ledger as module

    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = sa.create_engine(url)
    with old.begin() as conn:
        module.migrations_table.create(conn)
        module._initial_schema(conn)
        conn.execute(
            module.migrations_table.insert().values(name="0001_initial_schema", applied_at="x")
        )
        conn.execute(
            module.documents.insert().values(
                content_hash="h", document_id="d", file_name="f", uploaded_at="x"
            )
        )
    old.dispose()
    ledger = Ledger(url)
    assert ledger.applied_migrations() == [
        "0001_initial_schema",
        "0002_issues",
        "0003_batch_holds",
        "0004_intents_by_target",
        "0005_porting_events",
        "0006_sent_fields",
        "0007_csr_records",
        "0008_number_answers_and_run_start",
        "0009_indexes_at_scale",
    ]
    ledger.save_issues("b", [{"message": "m"}])
    assert ledger.issues_for_batch("b") == [{"message": "m"}]
    assert ledger.document_id("h") == "d"
    ledger.close()
