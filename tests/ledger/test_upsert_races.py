"""Writers racing on one key: each dialect upsert leaves exactly one row, with a racer's values.

Every racer has its own ``Ledger`` (its own engine and connections) and all are released at once
by a barrier, so on PostgreSQL their statements really do overlap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa

from porting_batch.ledger import (
    Ledger,
    NumberRecord,
    OrderRecord,
    batches,
    documents,
    order_numbers,
)

RACERS = 4


@pytest.fixture
def racers(ledger_url: str) -> Iterator[list[Ledger]]:
    """One ledger per racer, all on the same database."""
    opened = [Ledger(ledger_url) for _ in range(RACERS)]
    try:
        yield opened
    finally:
        for ledger in opened:
            ledger.close()


def race(racers: list[Ledger], write: Callable[[Ledger, int], Any]) -> list[Any]:
    """Run ``write(ledger, i)`` for every racer at once; their results, in racer order."""
    barrier = threading.Barrier(len(racers))

    def run(i: int) -> Any:
        barrier.wait(timeout=60)
        return write(racers[i], i)

    with ThreadPoolExecutor(len(racers)) as pool:
        return list(pool.map(run, range(len(racers))))


def count(ledger: Ledger, table: sa.Table) -> int:
    """Rows in ``table``, read around the ledger's methods."""
    with ledger.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_racing_starts_of_a_new_batch_make_one_row_and_one_new_batch(racers):
    """Runs starting one new batch together leave one row counting every run, and exactly one
    of them is told the batch is new."""
    news = race(
        racers,
        lambda ledger, i: ledger.start_batch(
            "march", name="march", file_name="f.xlsx", content_hash=f"h{i}", settings={}
        ),
    )
    assert news.count(True) == 1
    assert count(racers[0], batches) == 1
    batch = racers[0].batch("march")
    assert batch is not None and batch["runs"] == RACERS
    assert batch["content_hash"] in {f"h{i}" for i in range(RACERS)}


def test_racing_saves_of_one_document_keep_one_row_with_a_racers_values(racers):
    """The same content saved by several writers at once is one row, holding one writer's id
    and file name together."""
    race(racers, lambda ledger, i: ledger.save_document("h", f"doc-{i}", f"loa-{i}.pdf"))
    assert count(racers[0], documents) == 1
    with racers[0].engine.connect() as conn:
        row = conn.execute(sa.select(documents.c.document_id, documents.c.file_name)).one()
    assert (row.document_id, row.file_name) in {(f"doc-{i}", f"loa-{i}.pdf") for i in range(RACERS)}


def test_racing_replacements_of_a_batchs_numbers_leave_one_writers_list(racers):
    """Per-number states replaced by several writers at once end as exactly one writer's whole
    list, without a key conflict (a delete-then-insert fails here on PostgreSQL)."""
    offered = [
        [NumberRecord("Numbers", r, f"+1312555{i}{r:03d}", "ready") for r in range(2 + i * 3)]
        for i in range(RACERS)
    ]
    race(racers, lambda ledger, i: ledger.save_numbers("march", offered[i]))
    assert racers[0].numbers_for_batch("march") in offered


def test_racing_saves_of_one_order_leave_one_order_holding_its_numbers_once(racers):
    """One order saved whole by several writers at once is one row, and each of its numbers is
    held by it once."""
    numbers = ["+13125550100", "+13125550101"]
    race(
        racers,
        lambda ledger, i: ledger.save_order(
            OrderRecord("o1", "march", "g", "r", "draft", numbers, carrier=f"carrier-{i}")
        ),
    )
    [order] = racers[0].orders_for_batch("march")
    assert order.phone_numbers == numbers
    assert order.carrier in {f"carrier-{i}" for i in range(RACERS)}
    assert count(racers[0], order_numbers) == len(numbers)
    found = racers[0].active_orders_for_numbers(numbers)
    assert {n: o.order_id for n, o in found.items()} == dict.fromkeys(numbers, "o1")
