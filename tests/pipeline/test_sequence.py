"""The one sequence of a run, as the command line and the flow both execute it: which steps
run, in what order, and how a failure of one ends the run."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest

from porting_batch.errors import PortingBatchError
from porting_batch.intake import read_batch
from porting_batch.outcomes import Outcome
from porting_batch.plan import OrderGroup
from porting_batch.runner import (
    BatchOptions,
    InProcess,
    Run,
    build_result,
    run_sequence,
    start_run,
    validation_result,
)

from .conftest import SAMPLE, client_over

pytestmark = pytest.mark.anyio


class Recording(InProcess):
    """Runs every step here, noting each as it starts; ``fail`` names a step that raises."""

    def __init__(self, fail: str = "") -> None:
        super().__init__()
        self.fail = fail
        self.steps: list[str] = []

    def _enter(self, step: str) -> None:
        self.steps.append(step)
        if step == self.fail:
            raise PortingBatchError(f"{step} failed")

    def hold(self, run: Run) -> AbstractAsyncContextManager[None]:
        """Note the hold, then hold the batch as the command line does."""
        inner = super().hold(run)

        @asynccontextmanager
        async def noted() -> AsyncIterator[None]:
            self.steps.append("hold")
            async with inner:
                yield
            self.steps.append("release")

        return noted()

    async def read(self, run: Run) -> None:
        """Note, then read."""
        self._enter("read")
        await super().read(run)

    async def check_chunks(self, run: Run, numbers: list[str]) -> None:
        """Note, then check."""
        self._enter("check")
        await super().check_chunks(run, numbers)

    async def plan(self, run: Run) -> None:
        """Note, then plan."""
        self._enter("plan")
        await super().plan(run)

    async def run_group_chunks(self, run: Run, groups: Sequence[OrderGroup]) -> None:
        """Note, then make the orders."""
        self._enter("orders")
        await super().run_group_chunks(run, groups)


async def test_the_sequence_runs_each_step_once_in_order(settings, ledger, client):
    """Read, then (with the batch held) check, plan and orders, and the batch is finished
    before it is released."""
    execution = Recording()
    result = await run_sequence(start_run(settings, ledger, client, SAMPLE), execution)
    assert execution.steps == ["read", "hold", "check", "plan", "orders", "release"]
    assert result.complete, result.failure
    assert ledger.batch("sample-batch")["status"] == "complete"


async def test_a_dry_run_has_no_order_step(settings, ledger, client):
    """A dry run checks and plans, and never reaches the order step."""
    execution = Recording()
    run = start_run(settings, ledger, client, SAMPLE, BatchOptions(dry_run=True))
    result = await run_sequence(run, execution)
    assert execution.steps == ["read", "hold", "check", "plan", "release"]
    assert result.counts_by_outcome() == {"planned": 43, "not_portable": 1}


async def test_a_failed_check_ends_the_run_incomplete_naming_its_step(settings, ledger, sim_app):
    """A failure in the checks stops the run before the plan: incomplete, the failure
    prefixed by its stage, every number not processed, and the batch marked incomplete."""
    execution = Recording(fail="check")
    async with client_over(httpx.ASGITransport(app=sim_app)) as api:
        result = await run_sequence(start_run(settings, ledger, api, SAMPLE), execution)
    assert execution.steps == ["read", "hold", "check", "release"]
    assert not result.complete
    assert result.failure.startswith("portability: check failed")
    assert {n.outcome for n in result.numbers} == {Outcome.NOT_PROCESSED}
    assert ledger.batch("sample-batch")["status"] == "incomplete"


async def test_an_unreadable_file_ends_before_the_batch_is_held(settings, ledger, tmp_path):
    """A file that is no spreadsheet: no hold, no API call, a result that says why."""
    bad = tmp_path / "broken.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")

    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"no call expected: {request.url}")

    async with client_over(httpx.MockTransport(refuse)) as api:
        execution = Recording()
        result = await run_sequence(start_run(settings, ledger, api, bad), execution)
    assert execution.steps == ["read"]
    assert not result.complete and "broken.xlsx" in result.failure
    assert [i.code for i in result.issues] == ["file"]


def test_a_validation_result_needs_no_ledger_and_no_api(settings):
    """validate's result is built from the intake alone: every valid row unprocessed with
    the reason that nothing was sent, the run counted complete."""
    result = validation_result(settings, read_batch(SAMPLE, settings))
    assert result.complete and result.dry_run
    assert len(result.numbers) == 44 and not result.orders
    assert all("validated only" in n.reason for n in result.numbers)


async def test_the_result_is_built_without_writing_to_the_ledger(settings, ledger, client):
    """build_result takes the order records it is given: rebuilding a finished run's result
    again leaves the ledger exactly as it was."""
    run = start_run(settings, ledger, client, SAMPLE)
    first = await run_sequence(run, InProcess())
    before = ledger.intents_for("sample-batch"), ledger.numbers_for_batch("sample-batch")
    again = build_result(
        settings, run.state, ledger.orders_for_batch("sample-batch"), finished_at=run.now()
    )
    assert (ledger.intents_for("sample-batch"), ledger.numbers_for_batch("sample-batch")) == before
    assert again.counts_by_outcome() == first.counts_by_outcome()
