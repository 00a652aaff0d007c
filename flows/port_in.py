"""The Prefect flow ``port-in-batch``: one spreadsheet through the library's sequence of steps.

Thin on purpose: the order of the steps is the library's (``porting_batch.runner.run_sequence``);
this module only executes them as tasks (:class:`AsTasks`), per step, per chunk of numbers and
per chunk of order groups, never per phone number, each calling one library function and
returning plain data. HTTP retries stay in the client and exactly-once writes come from the
ledger, so no task here is retried by Prefect.

Light to import on purpose: a served run's process imports this module before the engine marks
the run Running, so the library's heavy modules (the runner, the ledger's SQLAlchemy, the
reports' openpyxl) and the artifact helpers are imported inside the functions that use them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE
from prefect.states import Completed, Failed, State

from flows.naming import port_in_run_name, tag_this_run
from flows.parameters import PortInRequest, spreadsheets_in
from porting_batch.errors import IntakeError, PortingBatchError
from porting_batch.settings import Settings, load_settings

if TYPE_CHECKING:
    from porting_batch.client import PortingClient
    from porting_batch.ledger import Ledger
    from porting_batch.plan import OrderGroup
    from porting_batch.results import BatchResult
    from porting_batch.runner import Run

#: Numbers per portability task (the client splits each into API-sized chunks itself).
CHECK_TASK_SIZE = 2_000
#: Order groups per task: small enough to show progress, large enough to keep Prefect's
#: per-task cost (tens of milliseconds of server time) far below the API time.
GROUPS_PER_TASK = 25


def artifact_key(batch_id: str, what: str) -> str:
    """Stable lowercase artifact keys per batch (Prefect allows lowercase, digits and dashes)."""
    cleaned = "".join(c if c.isalnum() else "-" for c in batch_id.lower()).strip("-")
    return f"{cleaned[:40]}-{what}"


#: The runs of this process by batch id. Tasks take the batch id (and group keys), never the run
#: or its rows: Prefect walks every task parameter, which at 100,000 rows costs minutes.
_RUNS: dict[str, Run] = {}
#: Each run's result, once its steps are over, for the task that writes its reports.
_RESULTS: dict[str, BatchResult] = {}


def _run(batch_id: str) -> Run:
    return _RUNS[batch_id]


@task(name="read-spreadsheet", cache_policy=NONE)
def read_spreadsheet(batch_id: str) -> dict[str, Any]:
    """Intake: read and validate the spreadsheet. A file that cannot be read comes back as
    ``{"error": ...}``: an operator's mistake, not a task traceback."""
    from porting_batch.runner import steps as library

    try:
        intake = library.read(_run(batch_id))
    except IntakeError as exc:
        return {"error": exc.message, "hint": exc.hint, "file": exc.file, "sheet": exc.sheet}
    errors = sum(1 for i in intake.issues if i.is_error)
    return {"rows": len(intake.rows), "issues": len(intake.issues), "errors": errors}


@task(name="check-portability", cache_policy=NONE)
async def check_chunk(batch_id: str, numbers: list[str]) -> int | str:
    """Portability checks for one chunk of numbers; an API failure comes back as its message
    (an operator's line, not a task traceback)."""
    from porting_batch.runner import steps as library

    try:
        await library.check(_run(batch_id), numbers)
    except PortingBatchError as exc:
        return str(exc)
    return len(numbers)


@task(name="plan-orders", cache_policy=NONE)
def plan_orders(batch_id: str) -> dict[str, int]:
    """Second-pass validation, then group by account and predict the API's split."""
    from porting_batch.runner import steps as library

    run = _run(batch_id)
    library.second_pass(run.state)
    plan = library.plan(run)
    return {"groups": len(plan.groups), "planned_orders": plan.planned_orders}


@task(name="read-csrs", cache_policy=NONE)
async def read_csrs_task(batch_id: str) -> dict[str, int]:
    """Read each planned account's CSR (the losing carrier's record) and file what differs."""
    from porting_batch.runner.csr import read_csrs

    run = _run(batch_id)
    outcomes = await read_csrs(run)
    counts: dict[str, int] = {"held": len(run.state.csr_holds)}
    for outcome in outcomes.values():
        counts[outcome.status.value] = counts.get(outcome.status.value, 0) + 1
    return counts


@task(name="run-order-groups", cache_policy=NONE)
async def run_group_chunk(batch_id: str, group_keys: list[str]) -> list[dict[str, Any]] | str:
    """Create, complete and (when asked) confirm the orders of a chunk of groups; a library
    error comes back as its message."""
    from porting_batch.runner import group_runner

    run = _run(batch_id)
    assert run.state.plan is not None
    wanted = set(group_keys)
    groups = [g for g in run.state.plan.groups if g.key in wanted]
    try:
        summaries = await group_runner(run).run_groups(groups)
    except PortingBatchError as exc:
        return str(exc)
    return [{"account": s.account, "orders": s.orders, "attention": s.attention} for s in summaries]


class AsTasks:
    """The library's sequence executed as this flow's tasks: each step, each chunk of
    numbers and each chunk of order groups a task taking ids only. The batch is held by
    :func:`run_one` already, from before the spreadsheet is read."""

    def hold(self, run: Run) -> AbstractAsyncContextManager[None]:
        """Nothing more to hold."""
        return contextlib.nullcontext()

    async def read(self, run: Run) -> None:
        """The read-spreadsheet task; a file it could not read raised again here."""
        read = read_spreadsheet(run.batch_id)
        if "error" in read:
            raise IntakeError(
                read["error"], hint=read["hint"], file=read["file"], sheet=read["sheet"]
            )

    async def check_chunks(self, run: Run, numbers: list[str]) -> None:
        """One check-portability task per chunk of numbers, all at once."""
        chunks = _chunks(numbers, CHECK_TASK_SIZE)
        checked = await asyncio.gather(*(check_chunk(run.batch_id, c) for c in chunks))
        _raise_first([c for c in checked if isinstance(c, str)])

    async def plan(self, run: Run) -> None:
        """The plan-orders task."""
        plan_orders(run.batch_id)

    async def read_csrs(self, run: Run) -> None:
        """The read-csrs task."""
        await read_csrs_task(run.batch_id)

    async def run_group_chunks(self, run: Run, groups: Sequence[OrderGroup]) -> None:
        """One run-order-groups task per chunk of groups, the progress artifact moved on as
        each chunk ends."""
        from prefect.artifacts import acreate_progress_artifact, aupdate_progress_artifact

        progress = await acreate_progress_artifact(
            progress=0.0,
            key=artifact_key(run.batch_id, "progress"),
            description=f"Order groups of batch {run.batch_id} finished (%)",
        )
        chunks = _chunks([g.key for g in groups], GROUPS_PER_TASK)
        done, errors = 0, []
        for finished in asyncio.as_completed([run_group_chunk(run.batch_id, k) for k in chunks]):
            chunk_result = await finished
            if isinstance(chunk_result, str):
                errors.append(chunk_result)
                continue
            done += len(chunk_result)
            await aupdate_progress_artifact(progress, 100.0 * done / max(len(groups), 1))
        _raise_first(errors)


def _raise_first(errors: list[str]) -> None:
    if errors:
        raise PortingBatchError(errors[0])


@task(name="write-reports", cache_policy=NONE)
def write_run_reports(batch_id: str, out_dir: Path) -> str:
    """Write the report folder of the run's result and record it in the ledger."""
    from porting_batch.reports import report_folder, write_reports

    run, result = _run(batch_id), _RESULTS[batch_id]
    folder = report_folder(out_dir, result.name, result.started_at)
    # Absolute: the operator reads it in the UI, far from the worker's working folder.
    written = str(write_reports(result, folder).folder.absolute())
    run.ledger.finish_batch(batch_id, "complete" if result.complete else "incomplete", written)
    return written


def _absolute(spreadsheet: str) -> Path:
    return Path(spreadsheet).expanduser().absolute()


def _is_folder(path: Path) -> bool:
    return path.is_dir()


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


@flow(name="port-in-batch", flow_run_name=port_in_run_name, log_prints=True)
async def port_in_batch(
    request: PortInRequest, overrides: dict[str, str] | None = None
) -> dict[str, Any] | State:
    """Port the numbers of one spreadsheet (or of each in a folder): intake, checks, plan,
    orders, reports. Returns the run's summary (``batches`` for a folder); a run that is
    incomplete or could not read its file ends Failed, with one line as its message and the
    summary as its data.

    ``overrides`` are settings given on the command line (``--out``, ``--state``...), passed
    explicitly rather than through the worker's environment.
    """
    from flows.confirm import refresh_confirm_choices
    from flows.runtime import run_logging

    run_logging()
    await tag_this_run()
    try:
        settings = load_settings({**(overrides or {}), **request.settings_overrides()})
    except PortingBatchError as exc:
        return Failed(message=str(exc).replace("\n", "; "))
    try:
        return await _port_in(settings, request)
    finally:
        await refresh_confirm_choices(settings.ledger_database_url)


async def _port_in(settings: Settings, request: PortInRequest) -> dict[str, Any] | State:
    """The spreadsheet, or each of a folder; the last log line says how it ended and where
    the reports are."""
    target = _absolute(request.spreadsheet)
    if _is_folder(target):
        summaries = [await run_one(settings, request, path) for path in spreadsheets_in(target)]
        if not summaries:
            return Failed(message=f"{target}: no spreadsheet (.xlsx or .csv) in this folder")
        summary: dict[str, Any] = {"folder": str(target), "batches": summaries}
    else:
        summary = await run_one(settings, request, target)
        summaries = [summary]
    failed = [s for s in summaries if not s["complete"]]
    folders = ", ".join(s["report_folder"] for s in summaries)
    # The message is what Prefect's own last log line of the run shows ("Finished in state
    # Completed('...')"): the outcome and where the reports are.
    if failed:
        reason = "; ".join(f"{s['batch_id']}: {s['failure'] or 'incomplete'}" for s in failed)
        return Failed(
            message=f"Not complete: {reason}; run it again to finish; report folder {folders}",
            data=summary,
        )
    if len(summaries) == 1:
        only = summaries[0]
        message = f"Completed {only['batch_id']}: {_counts(only)}; report folder {folders}"
    else:
        message = f"Completed {len(summaries)} batches; report folders {folders}"
    return Completed(message=message, data=summary)


def _counts(summary: dict[str, Any]) -> str:
    outcomes = ", ".join(f"{n} {outcome}" for outcome, n in summary["outcomes"].items())
    return f"{outcomes}; {summary['orders']} order(s)"


def exit_code(result: BatchResult) -> int:
    """The command line's exit code for one batch (flows.cli.exit_code_for)."""
    from flows.exit_codes import exit_code_for

    return exit_code_for(result)


async def run_one(settings: Settings, request: PortInRequest, path: Path) -> dict[str, Any]:
    """One spreadsheet through the steps, with its reports and artifacts."""
    from flows.runtime import api_slots, describe_api, open_client
    from porting_batch.batch_lock import hold_batch
    from porting_batch.ledger import Ledger
    from porting_batch.runner import batch_id_for

    logger = get_run_logger()
    logger.info("Batch %s against the %s", path.name, describe_api(settings))
    with Ledger(settings.ledger_database_url) as ledger:
        batch_id = batch_id_for(path, request.batch_name)
        async with (
            hold_batch(
                ledger,
                batch_id,
                wait_s=settings.batch_wait_s,
                lease_s=settings.batch_lease_s,
                on_wait=lambda who: logger.info("batch %s: held by %s; waiting", batch_id, who),
            ),
            api_slots(settings) as in_flight,
        ):
            settings = settings.model_copy(update={"max_in_flight": in_flight})
            async with open_client(settings) as client:
                return await _run_with_reports(settings, request, ledger, client, path)


async def _run_with_reports(
    settings: Settings, request: PortInRequest, ledger: Ledger, client: PortingClient, path: Path
) -> dict[str, Any]:
    """Run the library's sequence as tasks and write the reports and artifacts; a report is
    written even when the run dies of an unexpected error."""
    from flows.artifacts import outcome_line
    from porting_batch.runner import conclude, run_sequence, start_run

    run = start_run(settings, ledger, client, path, request.options())
    batch_id = run.batch_id
    _RUNS[batch_id] = run
    try:
        try:
            result = await run_sequence(run, AsTasks())
        except Exception as exc:
            # Not an error we expect (those end in an incomplete result): still leave a
            # report of how far every row got, then let Prefect mark the run failed.
            failure = f"unexpected {type(exc).__name__}: {exc}"
            _RESULTS[batch_id] = conclude(run, complete=False, failure=failure)
            write_run_reports(batch_id, settings.out_dir)
            raise
        _RESULTS[batch_id] = result
        folder = write_run_reports(batch_id, settings.out_dir)
    finally:
        _RUNS.pop(batch_id, None)
        _RESULTS.pop(batch_id, None)
    await _publish_artifacts(result, folder)
    logger = get_run_logger()
    (logger.info if result.complete else logger.warning)(outcome_line(result, folder))
    return {
        **result.summary(folder),
        "api_calls": client.stats.as_dict(),
        "exit_code": exit_code(result),
    }


async def _publish_artifacts(result: BatchResult, folder: str) -> None:
    from prefect.artifacts import acreate_markdown_artifact, acreate_table_artifact

    from flows.artifacts import summary_page
    from porting_batch.safety import mask_secret

    await acreate_markdown_artifact(
        key=artifact_key(result.batch_id, "summary"),
        markdown=summary_page(result, folder),
        description=f"Batch {result.batch_id}: what happened and what to do next",
    )
    await acreate_table_artifact(
        key=artifact_key(result.batch_id, "orders"),
        table=[
            {
                "order_id": o.order_id,
                # The account number is a secret: masked, as in the report's Orders sheet.
                "account": mask_secret(o.account),
                "country": o.country,
                "type": o.phone_number_type,
                "carrier": o.carrier,
                "fast_port": o.fast_port,
                "numbers": o.number_count,
                "status": o.status,
                "foc": o.foc_chosen.isoformat() if o.foc_chosen else "",
                "attention": o.attention,
            }
            for o in result.orders
        ]
        or [{"order_id": "", "account": "no orders"}],
        description=f"Orders of batch {result.batch_id}",
    )
