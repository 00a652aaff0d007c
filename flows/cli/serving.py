"""``porting-batch serve`` and ``porting-batch inbox``: the served deployments and the inbox.

``inbox`` (one scan) without ``PREFECT_API_URL`` runs the library's scan here, each claim through
the same steps as ``run``, and imports no Prefect; with it, the ``inbox-scan`` flow runs on that
server. ``serve`` and ``inbox --watch`` need a server by nature and refuse to start without one
rather than let Prefect start a temporary one. With ``PORTING_WEBHOOK_PUBLIC_KEY`` set,
``serve`` also runs the webhook receiver (``porting-batch webhooks``) as a child process that
stops with it.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from flows.cli.common import (
    flow_overrides,
    log_to_file,
    prefect_environment,
    prefect_server,
    refuse_without_server,
    run_until_signal,
    spreadsheets,
)
from flows.cli.run import batch_here
from flows.exit_codes import EXIT_FAILED, EXIT_OK
from porting_batch.errors import PortingBatchError
from porting_batch.settings import Settings, load_settings


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve port-in-batch/manual, port-in-batch/scheduled, inbox-scan/inbox,
    track-orders/track-orders and confirm-batch/confirm until stopped, on the server
    ``PREFECT_API_URL`` names (refused without one), with the inbox watcher and the upload page
    in the same process, and the webhook receiver beside them when its public key is set."""
    if not prefect_server():
        return refuse_without_server("serve")
    overrides = flow_overrides(args)
    ops = load_settings(overrides, flags={"inbox_dir": "--inbox", "out_dir": "--out"})
    prefect_environment(ops)
    from flows.deployments import serve_deployments
    from flows.inbox import start_watching
    from flows.upload import start_upload_page
    from porting_batch.inbox import InboxPaths

    # Refused before anything starts: an upload page bound elsewhere without its token.
    upload = start_upload_page(ops, overrides)
    paths = InboxPaths(ops.inbox_dir.expanduser().absolute()).ensure()
    print(
        f"Inbox: {paths.inbox} (a drop starts its run at once; "
        f"safety-net look every {ops.inbox_interval_s:g} s)"
    )
    print(
        f"Scheduled: {ops.scheduled_dir.absolute()} at '{ops.schedule_cron}' "
        f"({ops.schedule_timezone})"
    )
    print(f"Tracking: every open order every {ops.track_interval_s / 60:g} min (track-orders)")
    if upload is not None:
        print(f"Upload page: {upload.url}")
    receiver = _start_receiver(ops)
    stopping = start_watching(paths, ops)
    try:
        serve_deployments(ops, overrides=overrides)
    finally:
        stopping.set()
        if upload is not None:
            upload.stop()
        if receiver is not None:
            _stop_receiver(receiver)
    return EXIT_OK


def _start_receiver(ops: Settings) -> subprocess.Popen[bytes] | None:
    """``porting-batch webhooks`` in a child process when the public key is set: its own
    server loop and signal handling, apart from Prefect's runner."""
    if not ops.webhook_public_key:
        print("Webhooks: not received (set PORTING_WEBHOOK_PUBLIC_KEY to receive them)")
        return None
    host = f"[{ops.webhook_host}]" if ":" in ops.webhook_host else ops.webhook_host
    print(f"Webhooks: http://{host}:{ops.webhook_port}{ops.webhook_path}", flush=True)
    command = [sys.executable, "-m", "flows.cli", "webhooks", "--state", str(ops.state_dir)]
    # The receiver's settings as serve resolved them (a .env file, say), not re-read by chance.
    env = {
        **os.environ,
        "PORTING_WEBHOOK_PUBLIC_KEY": ops.webhook_public_key,
        "PORTING_WEBHOOK_HOST": ops.webhook_host,
        "PORTING_WEBHOOK_PORT": str(ops.webhook_port),
        "PORTING_WEBHOOK_PATH": ops.webhook_path,
    }
    return subprocess.Popen(command, env=env)  # noqa: S603 - our own interpreter and command


def _stop_receiver(receiver: subprocess.Popen[bytes]) -> None:
    """Stop the receiver child (SIGTERM, then a kill if it hangs) and reap it."""
    if receiver.poll() is None:
        receiver.terminate()
        try:
            receiver.wait(timeout=10)
        except subprocess.TimeoutExpired:
            receiver.kill()
            receiver.wait()


def cmd_inbox(args: argparse.Namespace) -> int:
    """Scan the inbox once, or watch it and start the served scan on each drop.

    Without ``PREFECT_API_URL`` the one scan runs the library's steps here, as ``run`` does, and
    imports no Prefect; with it, the ``inbox-scan`` flow runs on that server. ``--watch`` needs
    the server (it starts the served scan) and is refused without one.
    """
    server = prefect_server()
    if args.watch and not server:
        return refuse_without_server("inbox --watch")
    overrides = flow_overrides(args)
    ops = load_settings(overrides, flags={"inbox_dir": "--inbox", "out_dir": "--out"})
    from porting_batch.inbox import InboxPaths

    paths = InboxPaths(ops.inbox_dir.expanduser().absolute()).ensure()
    if args.watch:
        prefect_environment(ops)
        from flows.inbox import rescan_stranded, watch

        print(f"Watching {paths.inbox}; each settled drop starts its run (an event)")
        watch(
            paths.inbox,
            poll_s=ops.inbox_interval_s,
            settle_s=ops.inbox_settle_s,
            stranded=rescan_stranded(paths),
        )
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
    from porting_batch.console import RunConsole
    from porting_batch.inbox import report_folder_for
    from porting_batch.ledger import Ledger
    from porting_batch.runner import BatchOptions

    settings = ops.model_copy(update={"out_dir": report_folder_for(found)})
    options = BatchOptions(confirm=ops.inbox_confirm, dry_run=ops.inbox_dry_run)
    # Lines, not bars: up to PORTING_INBOX_MAX_RUNS claims share the terminal.
    console = RunConsole(interactive=False)
    summaries: list[dict[str, Any]] = []
    try:
        with Ledger(settings.ledger_database_url) as ledger:
            async with open_client(settings) as api:
                for path in spreadsheets(found.item):
                    result, folder = await batch_here(settings, ledger, api, path, options, console)
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
