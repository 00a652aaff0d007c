"""The argument parser of ``porting-batch``: one function per command, in ``--help``'s order."""

from __future__ import annotations

import argparse
from typing import Any

from flows.cli.batches import cmd_clean, cmd_report, cmd_track
from flows.cli.fix import cmd_fix
from flows.cli.ledger import add_ledger_command
from flows.cli.local import cmd_template, cmd_validate
from flows.cli.run import cmd_run
from flows.cli.serving import cmd_inbox, cmd_serve
from flows.cli.webhooks import add_webhooks_command

#: ``add_subparsers``' return type is private to argparse.
Commands = Any

STATE_HELP = "state folder: ledger and simulator (default: ./state)"
INBOX_HELP = "inbox root (default: PORTING_INBOX_DIR or ./inbox)"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for the docs test)."""
    parser = argparse.ArgumentParser(
        prog="porting-batch",
        description="Port phone numbers into Telnyx in bulk from a spreadsheet.",
        epilog="Exit codes: 0 done, 1 failed or incomplete (run again) or batch busy, "
        "2 bad input, 3 orders need attention, 130/143 interrupted (run again).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run(sub)
    _add_validate(sub)
    _add_template(sub)
    _add_serve(sub)
    _add_inbox(sub)
    _add_report(sub)
    _add_track(sub)
    _add_fix(sub)
    _add_clean(sub)
    add_webhooks_command(sub)
    add_ledger_command(sub)
    simulator = sub.add_parser(
        "simulator", help="serve the built-in Telnyx porting simulator", add_help=False
    )
    simulator.set_defaults(handler=None)
    return parser


def _add_run(sub: Commands) -> None:
    run = sub.add_parser("run", help="run one spreadsheet through the porting steps")
    run.add_argument("path", help="the spreadsheet (.xlsx or .csv), or a folder of them")
    mode = run.add_mutually_exclusive_group()
    mode.add_argument("--confirm", action="store_true", help="submit the orders (default: drafts)")
    mode.add_argument("--dry-run", action="store_true", help="plan only; send no write to the API")
    run.add_argument("--out", help="folder for the reports (default: PORTING_OUT_DIR or ./reports)")
    run.add_argument("--state", help=STATE_HELP)
    run.add_argument("--batch-name", help="name of the batch (default: the file's name)")
    run.add_argument(
        "--foc-policy",
        choices=["requested", "earliest"],
        default="requested",
        help="requested: the requested FOC if allowed, else the next allowed time (default)",
    )
    run.add_argument(
        "--csr",
        choices=["off", "warn", "hold"],
        help="the carrier record (CSR) check: off, warn (default), hold",
    )
    run.set_defaults(handler=cmd_run)


def _add_validate(sub: Commands) -> None:
    validate = sub.add_parser("validate", help="read and validate a spreadsheet only")
    validate.add_argument("path")
    validate.add_argument("--out", help="folder for the issues report")
    validate.set_defaults(handler=cmd_validate)


def _add_template(sub: Commands) -> None:
    template = sub.add_parser("template", help="write a blank template (.xlsx or .csv)")
    template.add_argument("path")
    template.add_argument(
        "--force", action="store_true", help="replace the file if it exists (default: refuse)"
    )
    template.set_defaults(handler=cmd_template)


def _add_serve(sub: Commands) -> None:
    serve = sub.add_parser(
        "serve", help="serve the manual, scheduled and inbox deployments (needs a Prefect server)"
    )
    serve.add_argument("--inbox", help=INBOX_HELP)
    serve.add_argument("--out", help="folder for the reports (default: PORTING_OUT_DIR)")
    serve.add_argument("--state", help=STATE_HELP)
    serve.set_defaults(handler=cmd_serve)


def _add_inbox(sub: Commands) -> None:
    inbox = sub.add_parser("inbox", help="scan the inbox once here, or --watch it")
    inbox.add_argument("--inbox", help=INBOX_HELP)
    inbox.add_argument("--out", help="folder for the reports (default: PORTING_OUT_DIR)")
    inbox.add_argument("--state", help=STATE_HELP)
    inbox.add_argument(
        "--watch",
        action="store_true",
        help="watch the inbox and start the served inbox scan as soon as a file lands",
    )
    inbox.set_defaults(handler=cmd_inbox)


def _add_report(sub: Commands) -> None:
    report = sub.add_parser("report", help="rewrite a batch's report from the ledger")
    report.add_argument("batch", help="the batch name (the spreadsheet's name by default)")
    report.add_argument("--out", help="folder for the reports")
    report.add_argument("--state", help="state folder (ledger)")
    report.add_argument(
        "--offline", action="store_true", help="use the statuses the ledger has; call no API"
    )
    report.set_defaults(handler=cmd_report)


def _add_track(sub: Commands) -> None:
    track = sub.add_parser(
        "track", help="follow open orders: record what moved, write the tracking report"
    )
    track.add_argument("batch", nargs="?", help="only this batch (default: every batch)")
    track.add_argument("--out", help="folder for the tracking report (default: ./reports)")
    track.add_argument("--state", help="state folder (ledger)")
    track.set_defaults(handler=cmd_track)


def _add_fix(sub: Commands) -> None:
    fix = sub.add_parser(
        "fix",
        help="send a batch's corrected sheet to its orders (changed fields, resubmit, cancel)",
    )
    fix.add_argument("batch", help="the batch name")
    fix.add_argument("path", help="the corrected spreadsheet (.xlsx or .csv)")
    fix.add_argument("--confirm", action="store_true", help="also submit complete drafts")
    fix.add_argument("--out", help="folder for the reports (default: PORTING_OUT_DIR or ./reports)")
    fix.add_argument("--state", help=STATE_HELP)
    fix.set_defaults(handler=cmd_fix)


def _add_clean(sub: Commands) -> None:
    clean = sub.add_parser("clean", help="delete a batch's draft orders to start over")
    clean.add_argument("batch", help="the batch name")
    clean.add_argument("--state", help="state folder (ledger)")
    clean.set_defaults(handler=cmd_clean)
