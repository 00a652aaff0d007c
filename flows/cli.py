"""The ``porting-batch`` command line.

Operators see messages, never tracebacks: every error porting-batch raises on purpose is printed
as one line with its fix, unexpected ones as one line pointing at the log file (which has the
traceback), and the exit code says what happened (``EXIT_*`` below, table in the README).

``run`` without ``PREFECT_API_URL`` runs the library's steps (``porting_batch.batch.run_batch``)
in this process and imports no Prefect at all: Prefect's temporary server cost 19-60 s before
any work, and a killed run left it running and its concurrency leases held (docs/operating.md).
With ``PREFECT_API_URL`` set, ``run`` runs the ``port-in-batch`` flow against that server.
``inbox`` (one scan) does the same with the inbox; ``serve`` and ``inbox --watch`` need a
server by nature and refuse to start without one rather than let Prefect start a temporary one.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, TypeVar

from porting_batch.errors import ConfigError, IntakeError, PortingBatchError
from porting_batch.settings import Settings, load_settings

EXIT_OK = 0
#: The run failed or is incomplete (run it again), or its batch is busy elsewhere.
EXIT_FAILED = 1
#: Bad input: unreadable file, rows with errors, bad settings or flags, unknown batch.
EXIT_BAD_INPUT = 2
#: Orders need attention: the API refused part of the data.
EXIT_ATTENTION = 3
EXIT_SIGINT = 128 + signal.SIGINT
EXIT_SIGTERM = 128 + signal.SIGTERM
#: Which code wins when several batches of one command end differently.
_SEVERITY = (EXIT_FAILED, EXIT_BAD_INPUT, EXIT_ATTENTION, EXIT_OK)

LOG_NAME = "porting-batch.log"
RESUME_HINT = "nothing is lost; run the same command again to resume"
T = TypeVar("T")
ApiFactory = Callable[[Settings], AbstractAsyncContextManager[Any]]

#: Settings fields a flag can set, and the flag's name (error messages name the flag).
FLAG_FIELDS = {"out": ("out_dir", "--out"), "state": ("state_dir", "--state")}


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived: the command stops cleanly and says how to resume."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_interrupted(signum: int, _frame: object) -> None:
    raise Interrupted(signum)


def _catch_signals() -> None:
    """Outside the event loop, both signals raise ``Interrupted`` wherever the code is."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _raise_interrupted)


def run_until_signal(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` on a fresh event loop; SIGINT or SIGTERM cancels it, so every ``finally``
    and ``async with`` (the batch's hold, the client, the simulator) unwinds before the
    command ends with ``Interrupted``."""
    received: list[int] = []

    async def guarded() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None

        def on_signal(signum: int) -> None:
            if not received:
                received.append(signum)
                task.cancel()

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, on_signal, signum)
        try:
            return await main
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)

    try:
        value = asyncio.run(guarded())
    except asyncio.CancelledError:
        if received:
            raise Interrupted(received[0]) from None
        raise
    finally:
        _catch_signals()
    if received:
        raise Interrupted(received[0])
    return value


# settings and logging -------------------------------------------------------------------------
def _settings(args: argparse.Namespace, **more: Any) -> Settings:
    """The command's settings: environment, then the flags, passed explicitly."""
    overrides: dict[str, Any] = dict(more)
    flags: dict[str, str] = {}
    for attribute, (field, flag) in FLAG_FIELDS.items():
        value = getattr(args, attribute, None)
        if value:
            overrides[field] = Path(value)
            flags[field] = flag
    return load_settings(overrides, flags=flags)


def _overrides(args: argparse.Namespace) -> dict[str, str]:
    """The flags that change settings, as a flow parameter (never through os.environ)."""
    found = {}
    for attribute, (field, _flag) in FLAG_FIELDS.items():
        value = getattr(args, attribute, None)
        if value:
            found[field] = str(Path(value).expanduser().absolute())
    inbox = getattr(args, "inbox", None)
    if inbox:
        found["inbox_dir"] = str(Path(inbox).expanduser().absolute())
    return found


def log_to_file(settings: Settings) -> Path:
    """Send the library's log (and any traceback) to ``state_dir/logs/porting-batch.log``; the
    console gets none of it."""
    folder = settings.state_dir / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_NAME
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_porting_batch", False)]:
        root.removeHandler(old)
        old.close()
    handler._porting_batch = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    logging.getLogger("porting_batch").setLevel(logging.INFO)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)  # a line per request, URL and all
    return path


def _unexpected(exc: BaseException, log: Path | None) -> int:
    logging.getLogger("porting_batch.cli").error("unexpected error", exc_info=exc)
    where = f"; the details are in {log}" if log else ""
    print(f"error: unexpected {type(exc).__name__}: {exc}{where}", file=sys.stderr)
    return EXIT_FAILED


# run -------------------------------------------------------------------------------------------
def exit_code_for(result: Any) -> int:
    """What one batch's result means for the exit code (README, "Exit codes")."""
    from porting_batch.outcomes import Outcome

    if any(i.code == "file" and i.is_error for i in result.issues):
        return EXIT_BAD_INPUT
    if not result.complete:
        return EXIT_FAILED
    outcomes = {n.outcome for n in result.numbers}
    # Errors the API gave are attention on an order, not an input error of the file.
    input_errors = any(i.is_error and i.source != "api" for i in result.issues)
    if Outcome.INVALID_INPUT in outcomes or input_errors:
        return EXIT_BAD_INPUT
    if Outcome.NEEDS_ATTENTION in outcomes or any(o.attention for o in result.orders):
        return EXIT_ATTENTION
    return EXIT_OK


def _worst(codes: Sequence[int]) -> int:
    return min(codes, key=_SEVERITY.index) if codes else EXIT_OK


def _spreadsheets(path: Path) -> list[Path]:
    from flows.parameters import spreadsheets_in

    return spreadsheets_in(path) if path.is_dir() else [path]


def cmd_run(args: argparse.Namespace, open_api: ApiFactory | None = None) -> int:
    """Run one spreadsheet (or each of a folder): in this process, or through the Prefect flow
    when ``PREFECT_API_URL`` names a server."""
    settings = _settings(args)
    path = Path(args.path)
    if not path.exists():
        print(f"error: {path}: no such file or folder; check the path", file=sys.stderr)
        return EXIT_BAD_INPUT
    paths = _spreadsheets(path)
    if not paths:
        print(f"error: {path}: no spreadsheet (.xlsx or .csv) in this folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    if os.environ.get("PREFECT_API_URL"):
        return _run_with_prefect(args, settings, path)
    return _run_here(args, settings, paths, open_api)


def _options(args: argparse.Namespace) -> Any:
    from porting_batch.batch import BatchOptions
    from porting_batch.foc import FocPolicy

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
        return _worst(run_until_signal(all_batches()))
    except PortingBatchError:
        raise
    except Exception as exc:
        return _unexpected(exc, log)
    finally:
        console.close()


async def _one_here(
    settings: Settings, ledger: Any, api: Any, path: Path, args: argparse.Namespace, console: Any
) -> int:
    result, folder = await _batch_here(settings, ledger, api, path, _options(args), console)
    if any(i.code == "file" for i in result.issues):
        print(f"error: {result.failure}", file=sys.stderr)
    console.summary(result, str(folder))
    return exit_code_for(result)


async def _batch_here(
    settings: Settings, ledger: Any, api: Any, path: Path, options: Any, console: Any
) -> tuple[Any, Path]:
    """One spreadsheet through the library's steps, its reports written and recorded: what
    ``run`` and the inbox without a Prefect server both do per batch."""
    from porting_batch.batch import batch_id_for, run_batch
    from porting_batch.reports import report_folder, write_reports

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
        result.batch_id, "complete" if result.complete else "incomplete", str(files.folder)
    )
    return result, files.folder


def _run_with_prefect(args: argparse.Namespace, settings: Settings, path: Path) -> int:
    """The port-in-batch flow on the configured Prefect server."""
    prefect_environment(settings)
    from flows.parameters import PortInRequest
    from flows.port_in import port_in_batch
    from porting_batch.console import RunConsole

    request = PortInRequest(
        spreadsheet=str(path.expanduser().absolute()),
        confirm=args.confirm,
        dry_run=args.dry_run,
        foc_policy=args.foc_policy,
        batch_name=args.batch_name,
    )

    async def flow_run() -> Any:
        state = await port_in_batch(request, overrides=_overrides(args), return_state=True)
        return state, await state.aresult(raise_on_failure=False)

    state, summary = run_until_signal(flow_run())
    if not isinstance(summary, dict):
        print(f"error: the flow run ended {state.name}: {state.message}", file=sys.stderr)
        return EXIT_FAILED
    console = RunConsole()
    summaries = summary.get("batches", [summary])
    for one in summaries:
        print_summary(one, console)
    return _worst([one.get("exit_code", EXIT_FAILED) for one in summaries])


def print_summary(summary: dict[str, Any], console: Any = None) -> None:
    """The short console summary of a flow run's batch."""
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
        out(f"  INCOMPLETE: {summary['failure']}; run the same command again to finish")
    out(f"Reports: {summary['report_folder']}")


def prefect_environment(settings: Settings) -> None:
    """Prefect settings for commands that use Prefect; an operator's own values win."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "porting_batch")
    home = (settings.state_dir / "prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(home))
    os.environ.setdefault("PREFECT_RUNNER_POLL_FREQUENCY", "2")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")


# other commands --------------------------------------------------------------------------------
def cmd_validate(args: argparse.Namespace) -> int:
    """Read and validate a spreadsheet only, and write the issues report."""
    from porting_batch.batch import failed_intake_result, validation_result
    from porting_batch.intake import read_batch
    from porting_batch.reports import report_folder, write_reports

    settings = _settings(args)
    try:
        intake = read_batch(Path(args.path), settings)
    except IntakeError as exc:
        result = failed_intake_result(settings, Path(args.path), exc)
        files = write_reports(
            result, report_folder(settings.out_dir, result.name, result.started_at)
        )
        print(f"error: {exc}", file=sys.stderr)
        print(f"Issues report: {files.folder}")
        return EXIT_BAD_INPUT
    errors = [i for i in intake.issues if i.is_error]
    for issue in intake.issues[:20]:
        print(f"{issue.severity.value:<7} {issue.describe()}")
    if len(intake.issues) > 20:
        print(f"... and {len(intake.issues) - 20} more")
    result = validation_result(settings, intake)
    files = write_reports(result, report_folder(settings.out_dir, result.name, result.started_at))
    warnings = len(intake.issues) - len(errors)
    print(f"{len(intake.rows)} row(s), {len(errors)} error(s), {warnings} warning(s)")
    print(f"Issues report: {files.folder}")
    return EXIT_BAD_INPUT if errors else EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    """Write a fresh template (XLSX or CSV by the file's extension); never over a file unless
    ``--force``."""
    from porting_batch.template import write_template

    target = write_template(Path(args.path), overwrite=args.force)
    print(f"Template written: {target}")
    return EXIT_OK


def cmd_simulator(args: argparse.Namespace, rest: list[str]) -> int:
    """Serve the built-in simulator (options are the simulator's own)."""
    from porting_batch.simulator.server import main as simulator_main

    return simulator_main(rest)


#: What ``serve`` and ``inbox --watch`` say without a Prefect server: they would otherwise make
#: Prefect start a temporary one, which outlives a killed command (docs/operating.md).
NEEDS_SERVER = (
    "porting-batch {what} needs a Prefect server: start one with `prefect server start` "
    "and set PREFECT_API_URL=http://127.0.0.1:4200/api"
)


def _prefect_server() -> str:
    """The Prefect server the operator configured ("" when none)."""
    return os.environ.get("PREFECT_API_URL", "")


def _refuse_without_server(what: str) -> int:
    print(f"error: {NEEDS_SERVER.format(what=what)}", file=sys.stderr)
    return EXIT_BAD_INPUT


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve port-in-batch/manual, port-in-batch/scheduled and inbox-scan/inbox until stopped,
    on the server ``PREFECT_API_URL`` names (refused without one)."""
    if not _prefect_server():
        return _refuse_without_server("serve")
    overrides = _overrides(args)
    ops = load_settings(overrides, flags={"inbox_dir": "--inbox", "out_dir": "--out"})
    prefect_environment(ops)
    from flows.deployments import serve_deployments

    print(f"Inbox: {ops.inbox_dir.absolute()}/inbox (scanned every {ops.inbox_interval_s:g} s)")
    print(
        f"Scheduled: {ops.scheduled_dir.absolute()} at '{ops.schedule_cron}' "
        f"({ops.schedule_timezone})"
    )
    serve_deployments(ops, overrides=overrides)
    return EXIT_OK


def cmd_inbox(args: argparse.Namespace) -> int:
    """Scan the inbox once, or watch it and start the served scan on each drop.

    Without ``PREFECT_API_URL`` the one scan runs the library's steps here, as ``run`` does, and
    imports no Prefect; with it, the ``inbox-scan`` flow runs on that server. ``--watch`` needs
    the server (it starts the served scan) and is refused without one.
    """
    server = _prefect_server()
    if args.watch and not server:
        return _refuse_without_server("inbox --watch")
    overrides = _overrides(args)
    ops = load_settings(overrides, flags={"inbox_dir": "--inbox", "out_dir": "--out"})
    from porting_batch.inbox import InboxPaths

    paths = InboxPaths(ops.inbox_dir.expanduser().absolute()).ensure()
    if args.watch:
        prefect_environment(ops)
        from flows.inbox import watch

        print(f"Watching {paths.inbox}; each settled drop starts the served inbox scan")
        watch(paths.inbox, settle_s=ops.inbox_settle_s)
        return EXIT_OK
    if server:
        prefect_environment(ops)
        from flows.inbox import inbox_scan

        result = run_until_signal(inbox_scan(overrides=overrides))
    else:
        result = _scan_here(ops, paths)
    for item in result["outcomes"]:
        print(f"{item['status']:<10} {item['name']} -> {item['filed']}")
    if not result["outcomes"]:
        print(f"Nothing ready in {paths.inbox}")
    failed = any(item["status"] == "failed" for item in result["outcomes"])
    return EXIT_FAILED if failed else EXIT_OK


def _scan_here(ops: Settings, paths: Any) -> dict[str, Any]:
    """One inbox scan in this process: the library's scan, each claim run as ``run`` runs a
    spreadsheet. No Prefect, so no temporary server to outlive a killed command."""
    from porting_batch.inbox import Claim, scan_inbox

    log = log_to_file(ops)

    async def run(found: Claim) -> list[dict[str, Any]] | str:
        return await _claim_here(ops, found, log)

    return run_until_signal(
        scan_inbox(
            paths,
            run,
            settle_s=ops.inbox_settle_s,
            max_runs=ops.inbox_max_runs,
            ledger_url=ops.ledger_database_url,
        )
    )


async def _claim_here(ops: Settings, found: Any, log: Path) -> list[dict[str, Any]] | str:
    """Each spreadsheet of a claim as a batch, reports inside the claim: the batches'
    summaries for the filing, or one line saying why the claim could not run."""
    from flows.runtime import open_client
    from porting_batch.batch import BatchOptions
    from porting_batch.console import RunConsole
    from porting_batch.inbox import report_folder_for
    from porting_batch.ledger import Ledger

    settings = ops.model_copy(update={"out_dir": report_folder_for(found)})
    options = BatchOptions(confirm=ops.inbox_confirm, dry_run=ops.inbox_dry_run)
    # Lines, not bars: up to PORTING_INBOX_MAX_RUNS claims share the terminal.
    console = RunConsole(interactive=False)
    summaries: list[dict[str, Any]] = []
    try:
        with Ledger(settings.ledger_database_url) as ledger:
            async with open_client(settings) as api:
                for path in _spreadsheets(found.item):
                    result, folder = await _batch_here(
                        settings, ledger, api, path, options, console
                    )
                    console.summary(result, str(folder))
                    summaries.append(result.summary(str(folder)))
    except PortingBatchError as exc:
        return str(exc)
    except Exception as exc:  # filed in failed/ with the reason, as the flow files a crash
        logging.getLogger("porting_batch.cli").error("unexpected error", exc_info=exc)
        return f"unexpected {type(exc).__name__}: {exc}; the details are in {log}"
    finally:
        console.close()
    return summaries


def _existing_batch(settings: Settings, batch: str | None) -> str | None:
    """Refuse an unknown batch (or a missing ledger) before anything is opened or created.

    Returns the message to print, or None when the command may go on.
    """
    from porting_batch.ledger import Ledger

    if not settings.ledger_url:
        database = settings.state_dir / "ledger.db"
        if not database.exists():
            what = f"batch '{batch}'" if batch else "any batch"
            return (
                f"no ledger at {database}, so no record of {what}; "
                "give the state folder the run used (--state or PORTING_STATE_DIR)"
            )
    if batch is None:
        return None
    with Ledger(settings.ledger_database_url) as ledger:
        if ledger.batch(batch) is not None:
            return None
        known = [b["batch_id"] for b in ledger.batches_list()][:10]
    listed = ", ".join(known) if known else "none yet"
    return f"no batch '{batch}' in the ledger (known: {listed}); check the name"


def cmd_clean(args: argparse.Namespace) -> int:
    """Delete a batch's draft orders; orders that are no longer drafts are refused."""
    settings = _settings(args)
    problem = _existing_batch(settings, args.batch)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    from flows.maintenance import clean

    outcomes = run_until_signal(clean(settings, args.batch))
    for outcome in outcomes:
        print(f"{outcome['order_id']}  {outcome['status']:<18} {outcome['reason']}")
    refused = [o for o in outcomes if not o["deleted"]]
    print(f"{len(outcomes) - len(refused)} draft order(s) deleted, {len(refused)} refused")
    return EXIT_FAILED if refused else EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """Rewrite a batch's report from the ledger with its orders' current statuses."""
    settings = _settings(args)
    problem = _existing_batch(settings, args.batch)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    from flows.maintenance import rewrite_report

    folder = run_until_signal(rewrite_report(settings, args.batch, refresh=not args.offline))
    print(f"Reports: {folder}")
    return EXIT_OK


def cmd_track(args: argparse.Namespace) -> int:
    """Read the open orders' statuses from the API, record them, and list what moved."""
    settings = _settings(args)
    problem = _existing_batch(settings, args.batch)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    from flows.maintenance import track

    changes = run_until_signal(track(settings, args.batch))
    for change in changes:
        moved = f"{change['before']} -> {change['after']}"
        print(f"{change['batch_id']}  {change['order_id']}  {moved}  {change['attention']}")
    attention = [c for c in changes if c["attention"]]
    print(f"{len(changes)} order(s) changed, {len(attention)} need attention")
    return EXIT_ATTENTION if attention else EXIT_OK


# parser ----------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for the docs test)."""
    parser = argparse.ArgumentParser(
        prog="porting-batch",
        description="Port phone numbers into Telnyx in bulk from a spreadsheet.",
        epilog="Exit codes: 0 done, 1 failed or incomplete (run again) or batch busy, "
        "2 bad input, 3 orders need attention, 130/143 interrupted (run again).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one spreadsheet through the porting steps")
    run.add_argument("path", help="the spreadsheet (.xlsx or .csv), or a folder of them")
    mode = run.add_mutually_exclusive_group()
    mode.add_argument("--confirm", action="store_true", help="submit the orders (default: drafts)")
    mode.add_argument("--dry-run", action="store_true", help="plan only; send no write to the API")
    run.add_argument("--out", help="folder for the reports (default: PORTING_OUT_DIR or ./reports)")
    run.add_argument("--state", help="state folder: ledger and simulator (default: ./state)")
    run.add_argument("--batch-name", help="name of the batch (default: the file's name)")
    run.add_argument(
        "--foc-policy",
        choices=["requested", "earliest"],
        default="requested",
        help="requested: the requested FOC if allowed, else the next allowed time (default)",
    )
    run.set_defaults(handler=cmd_run)

    validate = sub.add_parser("validate", help="read and validate a spreadsheet only")
    validate.add_argument("path")
    validate.add_argument("--out", help="folder for the issues report")
    validate.set_defaults(handler=cmd_validate)

    template = sub.add_parser("template", help="write a blank template (.xlsx or .csv)")
    template.add_argument("path")
    template.add_argument(
        "--force", action="store_true", help="replace the file if it exists (default: refuse)"
    )
    template.set_defaults(handler=cmd_template)

    serve = sub.add_parser(
        "serve", help="serve the manual, scheduled and inbox deployments (needs a Prefect server)"
    )
    serve.add_argument("--inbox", help="inbox root (default: PORTING_INBOX_DIR or ./inbox)")
    serve.add_argument("--out", help="folder for the reports (default: PORTING_OUT_DIR)")
    serve.add_argument("--state", help="state folder: ledger and simulator (default: ./state)")
    serve.set_defaults(handler=cmd_serve)

    inbox = sub.add_parser("inbox", help="scan the inbox once here, or --watch it")
    inbox.add_argument("--inbox", help="inbox root (default: PORTING_INBOX_DIR or ./inbox)")
    inbox.add_argument("--out", help="folder for the reports (default: PORTING_OUT_DIR)")
    inbox.add_argument("--state", help="state folder: ledger and simulator (default: ./state)")
    inbox.add_argument(
        "--watch",
        action="store_true",
        help="watch the inbox and start the served inbox scan as soon as a file lands",
    )
    inbox.set_defaults(handler=cmd_inbox)

    report = sub.add_parser("report", help="rewrite a batch's report from the ledger")
    report.add_argument("batch", help="the batch name (the spreadsheet's name by default)")
    report.add_argument("--out", help="folder for the reports")
    report.add_argument("--state", help="state folder (ledger)")
    report.add_argument(
        "--offline", action="store_true", help="use the statuses the ledger has; call no API"
    )
    report.set_defaults(handler=cmd_report)

    track = sub.add_parser("track", help="follow open orders: record status changes")
    track.add_argument("batch", nargs="?", help="only this batch (default: every batch)")
    track.add_argument("--state", help="state folder (ledger)")
    track.set_defaults(handler=cmd_track)

    clean = sub.add_parser("clean", help="delete a batch's draft orders to start over")
    clean.add_argument("batch", help="the batch name")
    clean.add_argument("--state", help="state folder (ledger)")
    clean.set_defaults(handler=cmd_clean)

    simulator = sub.add_parser(
        "simulator", help="serve the built-in Telnyx porting simulator", add_help=False
    )
    simulator.set_defaults(handler=None)
    return parser


def main(argv: Sequence[str] | None = None, *, open_api: ApiFactory | None = None) -> int:
    """Entry point of the ``porting-batch`` command.

    ``open_api`` replaces the API a ``run`` talks to (tests pass a client over an in-process
    simulator); by default it is ``flows.runtime.open_client``.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] == "simulator":
        return cmd_simulator(argparse.Namespace(), arguments[1:])
    parser = build_parser()
    args = parser.parse_args(arguments)
    _catch_signals()
    try:
        if args.handler is cmd_run:
            return cmd_run(args, open_api)
        result: int = args.handler(args)
        return result
    except ConfigError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except PortingBatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT if isinstance(exc, IntakeError) else EXIT_FAILED
    except (Interrupted, KeyboardInterrupt) as exc:
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        name = signal.Signals(signum).name
        print(f"interrupted ({name}): {RESUME_HINT}", file=sys.stderr)
        return EXIT_SIGTERM if signum == signal.SIGTERM else EXIT_SIGINT
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.default_int_handler if signum == 2 else signal.SIG_DFL)


if __name__ == "__main__":
    sys.exit(main())
