"""The one sequence of a run: read, hold the batch, check in chunks, validate again, plan, make
the orders in chunks, build the result, finish.

Every remote write goes through the ledger first, so that a re-run, after a crash, an edit or
by mistake, never creates a second order for a number and never loses a row. Retries and the
recovery of lost answers belong to the client; the runner sends each write once.

How the steps are executed is the caller's: :class:`InProcess` (the command line, tests and
benchmarks, through :func:`run_batch`) runs them here; the Prefect flow submits them as its
tasks. Both go through :func:`run_sequence`, so the order of the steps lives in one place.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from porting_batch.batch_lock import hold_batch
from porting_batch.errors import IntakeError, PortingBatchError
from porting_batch.ledger import Ledger
from porting_batch.plan import OrderGroup
from porting_batch.progress import ProgressCallback
from porting_batch.results import BatchResult
from porting_batch.runner import csr, steps
from porting_batch.runner.api import PortingApi
from porting_batch.runner.cancel import apply_cancellations
from porting_batch.runner.context import Run, start_run
from porting_batch.runner.groups import group_runner
from porting_batch.runner.rebuild import issue_to_dict
from porting_batch.runner.result import build_result, file_issue, number_record
from porting_batch.runner.state import BatchOptions
from porting_batch.settings import Settings


class Execution(Protocol):
    """How the sequence's steps are executed. Each raises ``PortingBatchError`` for a failure
    that ends the run incomplete (``IntakeError`` from ``read``: nothing can be done)."""

    def hold(self, run: Run) -> AbstractAsyncContextManager[None]:
        """Hold the batch for the steps after intake (or nothing, if the caller holds it)."""
        ...

    async def read(self, run: Run) -> None:
        """Read and validate the spreadsheet (:func:`steps.read`)."""
        ...

    async def check_chunks(self, run: Run, numbers: list[str]) -> None:
        """Check the portability of ``numbers`` (:func:`steps.check`), in chunks."""
        ...

    async def plan(self, run: Run) -> None:
        """The second validation pass, then the plan (:func:`steps.plan`)."""
        ...

    async def read_csrs(self, run: Run) -> None:
        """Read each account's CSR and file the differences (:func:`csr.read_csrs`)."""
        ...

    async def run_group_chunks(self, run: Run, groups: Sequence[OrderGroup]) -> None:
        """Make the orders of ``groups`` (``GroupRunner.run_groups``), in chunks."""
        ...


@dataclass
class InProcess:
    """Every step in this process, each chunked only as the step itself chunks."""

    on_wait: Callable[[str], None] | None = None

    def hold(self, run: Run) -> AbstractAsyncContextManager[None]:
        """Hold the batch in the ledger (``hold_batch``)."""
        settings = run.settings
        return hold_batch(
            run.ledger,
            run.batch_id,
            wait_s=settings.batch_wait_s,
            lease_s=settings.batch_lease_s,
            on_wait=self.on_wait,
        )

    async def read(self, run: Run) -> None:
        """Read the spreadsheet."""
        steps.read(run)

    async def check_chunks(self, run: Run, numbers: list[str]) -> None:
        """Check every number, the API's chunks concurrently."""
        await steps.check(run, numbers)

    async def plan(self, run: Run) -> None:
        """Validate again, then plan."""
        steps.second_pass(run.state)
        steps.plan(run)

    async def read_csrs(self, run: Run) -> None:
        """Every account's CSR at once, polled until the deadline."""
        await csr.read_csrs(run)

    async def run_group_chunks(self, run: Run, groups: Sequence[OrderGroup]) -> None:
        """Every group at once, as many under way as the group slots allow."""
        await group_runner(run).run_groups(groups)


async def run_sequence(run: Run, execution: Execution) -> BatchResult:
    """Run the steps in order and return the result (saved in the ledger); the batch is
    marked ``complete`` or ``incomplete`` unless the file could not be read at all."""
    state = run.state
    try:
        await execution.read(run)
    except IntakeError as exc:
        state.failure = str(exc)
        state.extra_issues.append(file_issue(exc))
        return conclude(run, complete=False, failure=str(exc))
    async with execution.hold(run):
        try:
            state.stage = "portability"
            numbers = steps.numbers_to_check(run)
            if numbers:
                await execution.check_chunks(run, numbers)
                steps.log_portability(state, numbers)
            await execution.plan(run)
            if state.plan is not None and run.settings.csr_policy != "off":
                await execution.read_csrs(run)
            if not state.options.dry_run and state.plan is not None:
                group_runner(run)  # reads the ledger before any chunk records an intent
                with frozen_heap():
                    await execution.run_group_chunks(run, state.plan.groups)
                await apply_cancellations(run)
        except PortingBatchError as exc:
            state.failure = f"{state.stage}: {exc}"
        result = conclude(run)
        finish_run(run.ledger, result)
    return result


def conclude(run: Run, *, complete: bool | None = None, failure: str = "") -> BatchResult:
    """The run's result as it stands, its numbers and issues saved in the ledger."""
    records = run.ledger.orders_for_batch(run.batch_id)
    result = build_result(
        run.settings, run.state, records, finished_at=run.now(), complete=complete, failure=failure
    )
    save_result(run.ledger, result)
    return result


def save_result(ledger: Ledger, result: BatchResult) -> None:
    """Keep every number's outcome and every issue, for rebuilding the report later."""
    ledger.save_numbers(
        result.batch_id,
        [number_record(n) for n in result.numbers],
    )
    ledger.save_issues(result.batch_id, [issue_to_dict(i) for i in result.issues])


def finish_run(ledger: Ledger, result: BatchResult) -> None:
    """Mark the batch ``complete`` or ``incomplete`` in the ledger, keeping its report folder."""
    batch = ledger.batch(result.batch_id)
    folder = str(batch.get("report_folder") or "") if batch else ""
    ledger.finish_batch(result.batch_id, "complete" if result.complete else "incomplete", folder)


async def run_batch(
    settings: Settings,
    ledger: Ledger,
    api: PortingApi,
    path: Path,
    options: BatchOptions | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> BatchResult:
    """Run one spreadsheet end to end without Prefect; the flow runs the same sequence.

    After intake the batch is held in the ledger (``hold_batch``) so that no other run of it
    writes at the same time: a batch held elsewhere for longer than ``settings.batch_wait_s``
    raises ``BatchBusyError`` (nothing of this run was written). The batch is then marked
    ``complete`` or ``incomplete`` in the ledger. ``on_progress`` receives the steps'
    :class:`~porting_batch.progress.ProgressEvent`; ``on_wait`` is told who holds the batch.
    """
    run = start_run(settings, ledger, api, path, options, on_progress=on_progress)
    return await run_sequence(run, InProcess(on_wait))


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Leave what exists now (the intake, the answers, the plan: at 100,000 rows most of the
    heap) out of the garbage collector's scans while the orders are made: a full collection
    would otherwise walk all of it, again and again, while each request allocates a little.
    Those objects are handed back to the collector afterwards."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
