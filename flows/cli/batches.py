"""Commands on batches already run, by name from the ledger: ``report``, ``track``, ``clean``."""

from __future__ import annotations

import argparse
import sys

from flows.cli.common import run_until_signal, settings_for
from flows.exit_codes import EXIT_ATTENTION, EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK
from porting_batch.settings import Settings


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


def _known_settings(args: argparse.Namespace) -> Settings | None:
    """The command's settings when its batch is known; else None, the refusal printed."""
    settings = settings_for(args)
    problem = _existing_batch(settings, args.batch)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return None
    return settings


def cmd_clean(args: argparse.Namespace) -> int:
    """Delete a batch's draft orders; orders that are no longer drafts are refused."""
    settings = _known_settings(args)
    if settings is None:
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
    settings = _known_settings(args)
    if settings is None:
        return EXIT_BAD_INPUT
    from flows.maintenance import rewrite_report

    folder = run_until_signal(rewrite_report(settings, args.batch, refresh=not args.offline))
    print(f"Reports: {folder}")
    return EXIT_OK


def cmd_track(args: argparse.Namespace) -> int:
    """Bring the open orders up to date, list what moved and write the tracking report; exit 3
    when orders need action (a fix in the sheet, a deadline, an exception)."""
    settings = _known_settings(args)
    if settings is None:
        return EXIT_BAD_INPUT
    from flows.maintenance import track

    result = run_until_signal(track(settings, args.batch))
    for change in result["changes"]:
        moved = f"{change['before'] or '(new)'} -> {change['after']}"
        also = "; ".join(change["changed"])
        print(f"{change['batch_id']}  {change['order_id']}  {moved}  {change['attention']}  {also}")
    for row in result["needs_action"]:
        first = row["what_to_do"].splitlines()[0]
        print(f"needs action: {row['batch_id']}  {row['order_id']}  {row['status']}  {first}")
    changed, acting = len(result["changes"]), len(result["needs_action"])
    print(f"{changed} order(s) changed, {acting} need attention")
    print(f"Tracking report: {result['report_folder']}")
    return EXIT_ATTENTION if acting else EXIT_OK
