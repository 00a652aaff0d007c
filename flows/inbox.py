"""The Prefect side of the inbox: the ``inbox-scan`` flow and the optional watcher.

A scan resumes the claims a crash left in ``processing/``, claims the entries of ``inbox/`` that
stayed unchanged between two looks, and runs each as its own ``port-in-batch`` subflow (its own
run, reports and artifacts in the UI), up to ``PORTING_INBOX_MAX_RUNS`` at once. The claim, move
and hash rules are plain functions in ``porting_batch.inbox``; exactly-once orders come from the
ledger, which is why a resumed claim simply runs again. The scan itself (``scan_inbox``) and the
filing are the library's: ``porting-batch inbox`` without a Prefect server runs the same scan
with the library's steps in place of the subflow.

The watcher (``porting-batch inbox --watch``) starts a scan as soon as an entry lands, through
``run_deployment`` with an idempotency key made from the entry's hash, so the several file events
of one drop start one scan; the interval scan stays the safety net.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, tags, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NONE

from flows.artifacts import scan_page
from flows.naming import PROJECT_TAG, tag_this_run
from flows.naming import run_name as run_name_of
from flows.parameters import PortInRequest, mode_of
from flows.port_in import port_in_batch
from flows.runtime import INBOX, run_logging
from porting_batch.inbox import (
    RESULT_FILE,
    Claim,
    InboxPaths,
    Look,
    claim_settled,
    content_hash,
    ready,
    report_folder_for,
    run_name,
    scan_inbox,
    take_looks,
)
from porting_batch.settings import Settings, load_settings

INBOX_FLOW = "inbox-scan"
watch_logger = logging.getLogger("flows.inbox.watch")
INBOX_DEPLOYMENT = f"{INBOX_FLOW}/{INBOX}"


@task(name="claim-ready-files", cache_policy=NONE)
async def claim_ready(paths: InboxPaths, settle_s: float) -> list[Claim]:
    """Two looks ``settle_s`` apart; claim every entry that did not change between them."""
    return await claim_settled(paths, settle_s)


@flow(name=INBOX_FLOW, flow_run_name=run_name_of("inbox scan", "every drop"), log_prints=True)
async def inbox_scan(overrides: dict[str, str] | None = None) -> dict[str, Any]:
    """Scan the inbox: resume what a crash left in processing/, claim complete drops, run each
    as its own batch, and file it in done/ or failed/. ``overrides`` are settings given on
    the command line (``--inbox``, ``--out``, ``--state``), handed on to each batch."""
    run_logging()
    await tag_this_run()
    ops = load_settings(overrides or {})
    paths = InboxPaths(ops.inbox_dir.expanduser().absolute()).ensure()
    runs: dict[str, tuple[Claim, Any]] = {}

    async def run(found: Claim) -> list[dict[str, Any]] | str:
        return await _run_subflow(found, ops, overrides or {}, runs)

    result = await scan_inbox(
        paths,
        run,
        settle_s=ops.inbox_settle_s,
        max_runs=ops.inbox_max_runs,
        ledger_url=ops.ledger_database_url,
        claim_ready=claim_ready,
    )
    for item in result["outcomes"]:
        item["why"] = _why(item)
        if item["name"] in runs:
            found, flow_run_id = runs[item["name"]]
            await _point_artifacts_at(flow_run_id, str(found.folder), item["filed"])
        log = get_run_logger().warning if item["status"] == "failed" else get_run_logger().info
        log(
            "%s: %s, filed in %s%s",
            item["name"],
            item["status"],
            item["filed"],
            f" ({item['why']})" if item["why"] else "",
        )
    if result["outcomes"]:
        await acreate_markdown_artifact(
            key="inbox-scan",
            markdown=scan_page(result["root"], result["outcomes"]),
            description=f"Last inbox scan of {paths.root}",
        )
    return result


async def _run_subflow(
    found: Claim, ops: Settings, overrides: dict[str, str], runs: dict[str, tuple[Claim, Any]]
) -> list[dict[str, Any]] | str:
    """A claim as its own ``port-in-batch`` subflow, named for the drop and tagged: its
    batches' summaries, or why it ended without any."""
    request = PortInRequest(
        spreadsheet=str(found.item),
        mode=mode_of(ops.inbox_confirm, ops.inbox_dry_run),
        out_dir=str(report_folder_for(found)),
    )
    run = port_in_batch.with_options(flow_run_name=run_name_of("inbox", found.item.name))
    with tags(PROJECT_TAG):
        state = await run(request, overrides=overrides, return_state=True)
    runs[found.original_name] = (found, state.state_details.flow_run_id)
    summary: Any = await state.aresult(raise_on_failure=False) if state.is_failed() else None
    if not state.is_completed() and not isinstance(summary, dict):
        return await _state_error(state)
    if state.is_completed():
        summary = await state.aresult()
    return list(summary.get("batches", [summary]))


def _why(item: dict[str, Any]) -> str:
    """Why a drop failed, as its filing recorded it."""
    if item["status"] != "failed":
        return ""
    try:
        filed = json.loads((Path(item["filed"]) / RESULT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "see error.md in its folder"
    return str(filed.get("error") or "see error.md in its folder")


async def _point_artifacts_at(flow_run_id: Any, claimed: str, filed: str) -> None:
    """The subflow's summary named its report under processing/, which filing moved to done/
    or failed/: publish it again, on the same run and key, with the folder where it is now."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import ArtifactCreate
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    if flow_run_id is None:
        return
    async with get_client() as client:
        found = await client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
        for artifact in found:
            if artifact.type != "markdown" or claimed not in str(artifact.data):
                continue
            await client.create_artifact(
                ArtifactCreate(
                    key=artifact.key,
                    type="markdown",
                    data=str(artifact.data).replace(claimed, filed),
                    description=artifact.description,
                    flow_run_id=flow_run_id,
                )
            )


async def _state_error(state: Any) -> str:
    from prefect.states import aget_state_exception

    if state.is_failed() and state.message:
        return str(state.message)  # port-in-batch's own one-line reason

    try:
        exc = await aget_state_exception(state)
    except Exception as unreadable:  # the state's own message is the fallback
        return f"{state.name}: {state.message or unreadable}"
    return f"{state.name}: {type(exc).__name__}: {exc}"


# --- the watcher -----------------------------------------------------------------------------


def idempotency_key(path: Path) -> str:
    """The key a drop starts its scan with: the entry's hash and whether it is forced."""
    forced = run_name(path.name)[1]
    return f"inbox-{content_hash(path)}{'-forced' if forced else ''}"


def trigger_scan(path: Path, deployment: str = INBOX_DEPLOYMENT) -> Any:
    """Start an inbox scan for a dropped entry, once per content (idempotency key)."""
    from prefect.deployments import run_deployment

    return run_deployment(
        deployment, timeout=0, idempotency_key=idempotency_key(path), as_subflow=False
    )


def watch(
    inbox: Path,
    *,
    poll_s: float = 5.0,
    settle_s: float = 2.0,
    trigger: Callable[[Path], Any] = trigger_scan,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """Watch the inbox and start a scan once a new entry has settled.

    Woken by watchdog's file-system events as files land, and every ``poll_s`` seconds anyway
    (events do not cross a network file system). Either way an entry is handed on only after
    two looks ``settle_s`` apart agree, the same rule the scan applies, and only once for the
    same look.
    """
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    woken = threading.Event()

    class _Wake(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            woken.set()

    observer = Observer()
    observer.schedule(_Wake(), str(inbox), recursive=True)
    observer.daemon = True
    observer.start()
    handed: set[tuple[str, Look]] = set()
    woken.set()  # a first look at once, for what landed before the observer started
    try:
        while not stop():
            woken.wait(timeout=poll_s)
            woken.clear()
            first = take_looks(inbox)
            if not first:
                continue
            time.sleep(settle_s)
            second = take_looks(inbox)
            for name in ready(first, second):
                if (name, second[name]) in handed:
                    continue
                try:
                    trigger(inbox / name)
                except Exception as exc:  # the server may be restarting: try again next look
                    watch_logger.warning(
                        "could not start the inbox scan for %s (%s); trying again", name, exc
                    )
                    continue
                handed.add((name, second[name]))
    finally:
        observer.stop()
        observer.join(timeout=5)
