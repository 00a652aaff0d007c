"""``porting-batch fix BATCH edited.xlsx``: a batch's corrected sheet sent to its existing
orders (changed fields PATCHed, exceptions resubmitted, rows marked cancel cancelled); nothing
is created. Runs in this process, without Prefect."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from flows.cli.batches import _known_settings
from flows.cli.common import ApiFactory, log_to_file, run_until_signal, unexpected
from flows.exit_codes import EXIT_BAD_INPUT, exit_code_for
from porting_batch.errors import PortingBatchError


def cmd_fix(args: argparse.Namespace, open_api: ApiFactory | None = None) -> int:
    """Send the corrected sheet to the batch's orders, write the report, list what was sent."""
    settings = _known_settings(args)
    if settings is None:
        return EXIT_BAD_INPUT
    path = Path(args.path)
    if not path.is_file():
        print(f"error: {path}: no such file; give the corrected spreadsheet", file=sys.stderr)
        return EXIT_BAD_INPUT
    from flows.runtime import open_client
    from porting_batch.ledger import BatchStatus, Ledger
    from porting_batch.reports import report_folder, write_reports
    from porting_batch.runner import BatchOptions
    from porting_batch.runner.fix import fix_batch

    log = log_to_file(settings)
    factory = open_api or open_client

    async def fix() -> tuple[Any, Path]:
        with Ledger(settings.ledger_database_url) as ledger:
            async with factory(settings) as api:
                result = await fix_batch(
                    settings, ledger, api, args.batch, path, BatchOptions(confirm=args.confirm)
                )
            folder = report_folder(settings.out_dir, result.name, result.started_at)
            files = write_reports(result, folder)
            status = BatchStatus.COMPLETE if result.complete else BatchStatus.INCOMPLETE
            ledger.finish_batch(result.batch_id, status, str(files.folder))
        return result, files.folder

    try:
        result, folder = run_until_signal(fix())
    except PortingBatchError:
        raise
    except Exception as exc:
        return unexpected(exc, log)
    print_sent(result)
    print(f"Reports: {folder}")
    return exit_code_for(result)


def print_sent(result: Any) -> None:
    """One line per order the fix changed or refused, then the numbers left for a run."""
    from porting_batch.console import unfinished_line
    from porting_batch.runner.fix import NEW_NUMBER

    for order in result.orders:
        if order.sent:
            attention = f"  ({order.attention})" if order.attention else ""
            print(f"{order.order_id}  {order.status:<18} {order.sent}{attention}")
    changed = sum(1 for o in result.orders if o.sent)
    print(f"{changed} order(s) sent a fix, {len(result.orders) - changed} untouched")
    new = [n for n in result.numbers if n.outcome.value == "not_processed"]
    if new:
        print(f"{len(new)} number(s) not sent: {new[0].reason}")
    if new and all(n.reason == NEW_NUMBER for n in new):
        # Only numbers a fix never orders are left (a failure stops numbers with its own
        # reason): the same command again would not help.
        print(f"INCOMPLETE until 'porting-batch run' has ordered the {len(new)} new number(s)")
    elif not result.complete and result.failure:
        print(unfinished_line(result.failure, file_refused=result.file_refused))
