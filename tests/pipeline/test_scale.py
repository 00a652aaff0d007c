"""The runner at scale: how many groups are under way at once, when intents are written, the
ledger's statements answered through indexes, and the heap left out of the collector's scans
while orders are made."""

from __future__ import annotations

import asyncio
import gc
import re
from collections.abc import Sequence

import httpx
import pytest
import sqlalchemy as sa

from porting_batch.client import PortingClient
from porting_batch.ledger import Ledger
from porting_batch.plan import OrderGroup
from porting_batch.runner import (
    BatchOptions,
    GroupSummary,
    InProcess,
    Run,
    frozen_heap,
    group_concurrency,
    group_runner,
    run_batch,
    run_sequence,
    start_run,
)
from porting_batch.settings import Settings

from .conftest import SAMPLE

pytestmark = pytest.mark.anyio

#: The requests whose intent the runner records: creates, uploads, PATCHes and confirms.
WRITES = re.compile(r"(POST /v2/porting_orders|POST /v2/documents|PATCH /v2/porting_orders/.+|"
                    r"POST /v2/porting_orders/.+/actions/confirm)")  # fmt: skip


class Watching(httpx.AsyncBaseTransport):
    """Passes requests to the simulator, noting how many are inside at once; ``on_write`` is
    called as each write arrives, before the simulator sees it."""

    def __init__(self, app, on_write=None) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.on_write = on_write
        self.inside = 0
        self.peak = 0
        self.writes = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Count the request in, let every other runnable task reach here too, pass it on."""
        self.inside += 1
        self.peak = max(self.peak, self.inside)
        try:
            if WRITES.fullmatch(f"{request.method} {request.url.path}"):
                self.writes += 1
                if self.on_write is not None:
                    self.on_write(request)
            # Yield a few times without waiting on anything: every task that could send a
            # request now gets to, so a peak the runner allows shows up.
            for _ in range(20):
                await asyncio.sleep(0)
            return await self.inner.handle_async_request(request)
        finally:
            self.inside -= 1


class PeakOfOrders(InProcess):
    """Runs the steps here, counting the transport's peak from the order step only."""

    def __init__(self, transport: Watching, summaries: list[GroupSummary]) -> None:
        super().__init__()
        self.transport = transport
        self.summaries = summaries

    async def run_group_chunks(self, run: Run, groups: Sequence[OrderGroup]) -> None:
        """Reset the peak, then run every group and keep their summaries."""
        self.transport.peak = 0
        self.summaries.extend(await group_runner(run).run_groups(groups))


async def test_at_most_group_concurrency_groups_are_under_way(tmp_path, sim_app):
    """With room for 16 requests but max_in_flight=1 in the settings, no more than the run's
    group concurrency (3) of the sample's groups send at once, and the batch still ends."""
    settings = Settings(state_dir=tmp_path / "state", max_in_flight=1)
    transport = Watching(sim_app)
    with Ledger(settings.ledger_database_url) as ledger:
        async with PortingClient(
            base_url="http://sim/v2", api_key="KEYSIMULATOR", transport=transport, max_in_flight=16
        ) as client:
            run = start_run(settings, ledger, client, SAMPLE)
            summaries: list[GroupSummary] = []
            result = await run_sequence(run, PeakOfOrders(transport, summaries))
    plan = run.state.plan
    assert result.complete, result.failure
    assert group_concurrency(settings) == 3
    assert plan is not None and len(plan.groups) > 3
    assert len(summaries) == len(plan.groups)
    assert all(not s.failed for s in summaries)
    assert transport.peak == 3


async def test_an_intent_is_written_only_when_its_request_is_sent(settings, ledger, sim_app):
    """With one request in flight at a time, each write finds exactly one open intent in the
    ledger as it arrives, its own: writes still waiting for their turn have recorded none."""
    seen: list[int] = []

    def on_write(_request: httpx.Request) -> None:
        seen.append(len(ledger.open_intents("sample-batch")))

    transport = Watching(sim_app, on_write)
    async with PortingClient(
        base_url="http://sim/v2", api_key="KEYSIMULATOR", transport=transport, max_in_flight=1
    ) as client:
        result = await run_batch(settings, ledger, client, SAMPLE, BatchOptions(confirm=True))
    assert result.complete
    assert transport.writes > 20
    assert seen == [1] * transport.writes
    assert ledger.open_intents("sample-batch") == []


async def test_every_ledger_statement_of_a_batch_is_answered_through_an_index(
    settings, ledger, client
):
    """SQLite plans no full-table scan for any statement a batch run sends to the ledger: a scan
    costs in proportion to every batch the ledger holds, once per order (quadratic at scale)."""
    sent: dict[str, object] = {}

    @sa.event.listens_for(ledger.engine, "before_cursor_execute")
    def note(_conn, _cursor, statement, parameters, _context, executemany) -> None:
        sent.setdefault(statement, parameters[0] if executemany else parameters)

    result = await run_batch(settings, ledger, client, SAMPLE, BatchOptions(confirm=True))
    assert result.complete, result.failure
    queries = {s: p for s, p in sent.items() if s.lstrip().upper().startswith(QUERIES)}
    assert any(s.lstrip().upper().startswith("DELETE") for s in queries)
    scans: list[str] = []
    with ledger.engine.connect() as conn:
        for statement, parameters in queries.items():
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            scans += [f"{row[-1]}: {statement}" for row in plan if row[-1].startswith("SCAN ")]
    assert scans == []


#: The statements whose plan may read a table: all but DDL and transaction control.
QUERIES = ("SELECT", "UPDATE", "DELETE", "INSERT", "WITH")


def test_the_heap_is_frozen_only_while_the_orders_are_made():
    """frozen_heap keeps existing objects out of the collector's scans inside, and hands every
    one of them back afterwards, also when the body fails."""
    before = gc.get_freeze_count()
    with frozen_heap():
        assert gc.get_freeze_count() > before
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), frozen_heap():
        raise RuntimeError("a failing run")
    assert gc.get_freeze_count() == 0
