"""``porting-batch run``: one spreadsheet (or each of a folder) through the porting steps.

Without ``PREFECT_API_URL`` the library's steps (``porting_batch.runner.run_batch``) run in this
process and no Prefect is imported; with it, the ``port-in-batch`` flow runs on that server.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from flows.cli.common import (
    ApiFactory,
    flow_overrides,
    log_to_file,
    prefect_environment,
    run_until_signal,
    settings_for,
    spreadsheets,
    unexpected,
)
from flows.exit_codes import EXIT_BAD_INPUT, EXIT_FAILED, exit_code_for, worst
from porting_batch.errors import PortingBatchError
from porting_batch.ledger import BatchStatus
from porting_batch.settings import Settings


def cmd_run(args: argparse.Namespace, open_api: ApiFactory | None = None) -> int:
    """Run one spreadsheet (or each of a folder): in this process, or through the Prefect flow
    when ``PREFECT_API_URL`` names a server."""
    settings = settings_for(args, **csr_override(args))
    path = Path(args.path)
    if not path.exists():
        print(f"error: {path}: no such file or folder; check the path", file=sys.stderr)
        return EXIT_BAD_INPUT
    paths = spreadsheets(path)
    if not paths:
        print(f"error: {path}: no spreadsheet (.xlsx or .csv) in this folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    if os.environ.get("PREFECT_API_URL"):
        return _run_with_prefect(args, settings, path)
    return _run_here(args, settings, paths, open_api)


def csr_override(args: argparse.Namespace) -> dict[str, str]:
    """``--csr`` as the setting it overrides (nothing when not given: the environment's)."""
    policy = getattr(args, "csr", None)
    return {"csr_policy": policy} if policy else {}


def _options(args: argparse.Namespace) -> Any:
    from porting_batch.foc import FocPolicy
    from porting_batch.runner import BatchOptions

    return BatchOptions(
        confirm=args.confirm,
        dry_run=args.dry_run,
        batch_name=args.batch_name,
        foc_policy=FocPolicy(args.foc_policy),
    )


def _run_here(
    args: argparse.Namespace, settings: Settings, paths: list[Path], open_api: ApiFactory | None
) -> int:
    from flows.runtime import open_client
    from porting_batch.console import RunConsole
    from porting_batch.ledger import Ledger

    log = log_to_file(settings)
    console = RunConsole()
    factory = open_api or open_client

    async def all_batches() -> list[int]:
        codes = []
        with Ledger(settings.ledger_database_url) as ledger:
            async with factory(settings) as api:
                for path in paths:
                    codes.append(await _one_here(settings, ledger, api, path, args, console))
        return codes

    try:
        return worst(run_until_signal(all_batches()))
    except PortingBatchError:
        raise
    except Exception as exc:
        return unexpected(exc, log)
    finally:
        console.close()


async def _one_here(
    settings: Settings, ledger: Any, api: Any, path: Path, args: argparse.Namespace, console: Any
) -> int:
    result, folder = await batch_here(settings, ledger, api, path, _options(args), console)
    if result.file_refused:
        print(f"error: {result.failure}", file=sys.stderr)
    console.summary(result, str(folder))
    return exit_code_for(result)


async def batch_here(
    settings: Settings, ledger: Any, api: Any, path: Path, options: Any, console: Any
) -> tuple[Any, Path]:
    """One spreadsheet through the library's steps, its reports written and recorded: what
    ``run`` and the inbox without a Prefect server both do per batch."""
    from porting_batch.reports import report_folder, write_reports
    from porting_batch.runner import batch_id_for, run_batch

    batch_id = batch_id_for(path, options.batch_name)
    console.begin(f"Batch {batch_id}: reading {path}")
    with console.ticking():
        result = await run_batch(
            settings,
            ledger,
            api,
            path,
            options,
            on_progress=console.progress,
            on_wait=lambda holder: console.waiting(batch_id, holder),
        )
    files = write_reports(result, report_folder(settings.out_dir, result.name, result.started_at))
    ledger.finish_batch(
        result.batch_id,
        BatchStatus.COMPLETE if result.complete else BatchStatus.INCOMPLETE,
        str(files.folder),
    )
    return result, files.folder


def _run_with_prefect(args: argparse.Namespace, settings: Settings, path: Path) -> int:
    """The port-in-batch flow on the configured Prefect server."""
    prefect_environment(settings)
    from flows.parameters import DEFAULT_CSR, PortInRequest, mode_of
    from flows.port_in import port_in_batch
    from porting_batch.console import RunConsole

    request = PortInRequest(
        spreadsheet=str(path.expanduser().absolute()),
        mode=mode_of(args.confirm, args.dry_run),
        foc_policy=args.foc_policy,
        batch_name=args.batch_name or "",
        csr_policy=getattr(args, "csr", None) or DEFAULT_CSR,
    )

    async def flow_run() -> Any:
        state = await port_in_batch(request, overrides=flow_overrides(args), return_state=True)
        return state, await state.aresult(raise_on_failure=False)

    state, summary = run_until_signal(flow_run())
    if not isinstance(summary, dict):
        print(f"error: the flow run ended {state.name}: {state.message}", file=sys.stderr)
        return EXIT_FAILED
    console = RunConsole()
    summaries = summary.get("batches", [summary])
    for one in summaries:
        print_summary(one, console)
    return worst([one.get("exit_code", EXIT_FAILED) for one in summaries])


def print_summary(summary: dict[str, Any], console: Any = None) -> None:
    """The short console summary of a flow run's batch."""
    from porting_batch.console import unfinished_line

    out = console.line if console is not None else print
    out("")
    numbers, orders = summary["numbers"], summary["orders"]
    out(f"Batch {summary['batch_id']}: {numbers} number(s), {orders} order(s)")
    for outcome, count in summary["outcomes"].items():
        out(f"  {outcome:<18} {count}")
    if summary["orders_by_status"]:
        statuses = ", ".join(f"{k}: {v}" for k, v in summary["orders_by_status"].items())
        out(f"  orders by status: {statuses}")
    if not summary["complete"]:
        refused = bool(summary.get("file_refused"))
        out("  " + unfinished_line(summary["failure"], file_refused=refused))
    out(f"Reports: {summary['report_folder']}")
