"""A batch never stays 'running' after its run is gone."""

from __future__ import annotations

import sqlalchemy as sa

from porting_batch.ledger import batch_holds, batches


def start(ledger, batch_id: str = "march") -> None:
    """Record a run of the batch as started."""
    ledger.start_batch(batch_id, name=batch_id, file_name="f.xlsx", content_hash="h", settings={})


def stored_status(ledger, batch_id: str = "march") -> str:
    """The status as stored, read around the ledger's methods."""
    with ledger.engine.connect() as conn:
        return str(
            conn.execute(sa.select(batches.c.status).where(batches.c.batch_id == batch_id)).scalar()
        )


def test_running_batch_that_no_run_holds_reads_as_interrupted(ledger):
    """'running' with no hold at all is reported, and stored, as interrupted."""
    start(ledger)
    batch = ledger.batch("march")
    assert batch is not None and batch["status"] == "interrupted"
    assert stored_status(ledger) == "interrupted"


def test_running_batch_held_by_a_live_run_stays_running(ledger):
    """While a live run holds the batch, it reads as running."""
    ledger.acquire_hold("march", "run-1", lease_s=30)
    start(ledger)
    batch = ledger.batch("march")
    assert batch is not None and batch["status"] == "running"
    assert [b["status"] for b in ledger.batches_list()] == ["running"]
    assert stored_status(ledger) == "running"


def test_running_batch_whose_hold_expired_is_listed_as_interrupted(ledger):
    """A run on another host whose lease ran out counts as gone: the list says interrupted and
    its stale hold is cleared."""
    ledger.acquire_hold("march", "far", lease_s=0, host="far-away", pid=7)
    start(ledger)
    start(ledger, "april")
    ledger.finish_batch("april", "complete")
    assert {b["batch_id"]: b["status"] for b in ledger.batches_list()} == {
        "march": "interrupted",
        "april": "complete",
    }
    assert stored_status(ledger) == "interrupted"
    with ledger.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(batch_holds)).scalar() == 0


def test_next_run_of_an_interrupted_batch_is_running_again(ledger):
    """Reading a batch as interrupted does not stop the next run from recording 'running'."""
    start(ledger)
    assert ledger.batch("march")["status"] == "interrupted"
    ledger.acquire_hold("march", "run-2", lease_s=30)
    start(ledger)
    batch = ledger.batch("march")
    assert batch is not None and (batch["status"], batch["runs"]) == ("running", 2)
