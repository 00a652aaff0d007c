"""The ``porting-batch`` command line.

Operators see messages, never tracebacks: every error porting-batch raises on purpose is printed
as one line with its fix, and the command exits non-zero.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from porting_batch.errors import IntakeError, PortingBatchError
from porting_batch.settings import Settings

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def prefect_environment(settings: Settings) -> None:
    """Prefect settings for a local, offline run; an operator's own values win."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "porting_batch")
    home = (settings.state_dir / "prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(home))
    os.environ.setdefault("PREFECT_RUNNER_POLL_FREQUENCY", "2")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    # The temporary server takes ~10 s on an idle machine and much longer on a busy one.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "out", None):
        overrides["out_dir"] = Path(args.out)
    if getattr(args, "state", None):
        overrides["state_dir"] = Path(args.state)
    settings = Settings(**overrides)
    # The flow builds its own Settings from the environment: hand the overrides on that way.
    for key, value in overrides.items():
        os.environ[f"PORTING_{key.upper()}"] = str(value)
    return settings


def cmd_run(args: argparse.Namespace) -> int:
    """Run one spreadsheet through the Prefect flow and print where the reports are."""
    settings = _settings(args)
    path = Path(args.path)
    if not path.exists():
        print(f"error: {path}: no such file; check the path", file=sys.stderr)
        return EXIT_BAD_INPUT
    prefect_environment(settings)
    from flows.parameters import PortInRequest
    from flows.port_in import port_in_batch

    request = PortInRequest(
        spreadsheet=str(path),
        confirm=args.confirm,
        dry_run=args.dry_run,
        foc_policy=args.foc_policy,
        out_dir=str(settings.out_dir),
        batch_name=args.batch_name,
    )
    summary = asyncio.run(port_in_batch(request))
    summaries = summary.get("batches", [summary])
    for one in summaries:
        print_summary(one)
    return EXIT_OK if all(one["complete"] for one in summaries) else EXIT_FAILED


def print_summary(summary: dict[str, Any]) -> None:
    """The short console summary of a run."""
    print()
    print(
        f"Batch {summary['batch_id']}: {summary['numbers']} number(s), {summary['orders']} order(s)"
    )
    for outcome, count in summary["outcomes"].items():
        print(f"  {outcome:<18} {count}")
    if summary["orders_by_status"]:
        statuses = ", ".join(f"{k}: {v}" for k, v in summary["orders_by_status"].items())
        print(f"  orders by status: {statuses}")
    if not summary["complete"]:
        print(f"  INCOMPLETE: {summary['failure']}")
    print(f"Reports: {summary['report_folder']}")


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
    target = files.folder
    warnings = len(intake.issues) - len(errors)
    print(f"{len(intake.rows)} row(s), {len(errors)} error(s), {warnings} warning(s)")
    print(f"Issues report: {target}")
    return EXIT_BAD_INPUT if errors else EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    """Write a fresh template (XLSX or CSV by the file's extension)."""
    from porting_batch.template import write_template

    target = write_template(Path(args.path))
    print(f"Template written: {target}")
    return EXIT_OK


def cmd_simulator(args: argparse.Namespace, rest: list[str]) -> int:
    """Serve the built-in simulator (options are the simulator's own)."""
    from porting_batch.simulator.server import main as simulator_main

    return simulator_main(rest)


def _operating(args: argparse.Namespace) -> Any:
    """The serve/inbox settings, after handing ``--inbox`` on through the environment."""
    if getattr(args, "inbox", None):
        os.environ["PORTING_INBOX_DIR"] = str(Path(args.inbox).expanduser().absolute())
    return Settings()


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve port-in-batch/manual, port-in-batch/scheduled and inbox-scan/inbox until stopped."""
    settings = _settings(args)
    prefect_environment(settings)
    ops = _operating(args)
    from flows.deployments import serve_deployments

    print(f"Inbox: {ops.inbox_dir.absolute()}/inbox (scanned every {ops.inbox_interval_s:g} s)")
    print(
        f"Scheduled: {ops.scheduled_dir.absolute()} at '{ops.schedule_cron}' "
        f"({ops.schedule_timezone})"
    )
    serve_deployments(ops)
    return EXIT_OK


def cmd_inbox(args: argparse.Namespace) -> int:
    """Scan the inbox once in this process, or watch it and start the served scan on each drop."""
    settings = _settings(args)
    prefect_environment(settings)
    ops = _operating(args)
    from porting_batch.inbox import InboxPaths

    paths = InboxPaths(ops.inbox_dir.expanduser().absolute()).ensure()
    if args.watch:
        from flows.inbox import watch

        print(f"Watching {paths.inbox}; each settled drop starts the served inbox scan")
        watch(paths.inbox, settle_s=ops.inbox_settle_s)
        return EXIT_OK
    from flows.inbox import inbox_scan

    result = asyncio.run(inbox_scan())
    for item in result["outcomes"]:
        print(f"{item['status']:<10} {item['name']} -> {item['filed']}")
    if not result["outcomes"]:
        print(f"Nothing ready in {paths.inbox}")
    failed = any(item["status"] == "failed" for item in result["outcomes"])
    return EXIT_FAILED if failed else EXIT_OK


def cmd_clean(args: argparse.Namespace) -> int:
    """Delete a batch's draft orders; orders that are no longer drafts are refused."""
    from flows.maintenance import clean

    settings = _settings(args)
    outcomes = asyncio.run(clean(settings, args.batch))
    for outcome in outcomes:
        print(f"{outcome['order_id']}  {outcome['status']:<18} {outcome['reason']}")
    refused = [o for o in outcomes if not o["deleted"]]
    print(f"{len(outcomes) - len(refused)} draft order(s) deleted, {len(refused)} refused")
    return EXIT_FAILED if refused else EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """Rewrite a batch's report from the ledger with its orders' current statuses."""
    from flows.maintenance import rewrite_report

    settings = _settings(args)
    folder = asyncio.run(rewrite_report(settings, args.batch, refresh=not args.offline))
    print(f"Reports: {folder}")
    return EXIT_OK


def cmd_track(args: argparse.Namespace) -> int:
    """Read the open orders' statuses from the API, record them, and list what moved."""
    from flows.maintenance import track

    settings = _settings(args)
    changes = asyncio.run(track(settings, args.batch))
    for change in changes:
        moved = f"{change['before']} -> {change['after']}"
        print(f"{change['batch_id']}  {change['order_id']}  {moved}  {change['attention']}")
    attention = [c for c in changes if c["attention"]]
    print(f"{len(changes)} order(s) changed, {len(attention)} need attention")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for the docs test)."""
    parser = argparse.ArgumentParser(
        prog="porting-batch",
        description="Port phone numbers into Telnyx in bulk from a spreadsheet.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one spreadsheet through the porting flow")
    run.add_argument("path", help="the spreadsheet (.xlsx or .csv)")
    run.add_argument("--confirm", action="store_true", help="submit the orders (default: drafts)")
    run.add_argument("--dry-run", action="store_true", help="plan only; send no write to the API")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``porting-batch`` command."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if arguments and arguments[0] == "simulator":
        return cmd_simulator(argparse.Namespace(), arguments[1:])
    args = parser.parse_args(arguments)
    try:
        result: int = args.handler(args)
        return result
    except PortingBatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT if isinstance(exc, IntakeError) else EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted; run the same command again to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
