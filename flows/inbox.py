"""The Prefect side of the inbox: the ``inbox-scan`` flow and the optional watcher.

A scan resumes the claims a crash left in ``processing/``, claims the entries of ``inbox/`` that
stayed unchanged between two looks, and runs each as its own ``port-in-batch`` subflow (its own
run, reports and artifacts in the UI), up to ``PORTING_INBOX_MAX_RUNS`` at once. The claim, move
and hash rules are plain functions in ``porting_batch.inbox``; exactly-once orders come from the
ledger, which is why a resumed claim simply runs again. The scan itself (``scan_inbox``) and the
filing are the library's: ``porting-batch inbox`` without a Prefect server runs the same scan
with the library's steps in place of the subflow.

A drop starts its run through a Prefect event: the watcher (run by ``porting-batch serve``, or
alone as ``porting-batch inbox --watch``) emits :data:`DROP_EVENT` once an entry has settled, and
the ``inbox-scan/inbox`` deployment's trigger (:func:`inbox_triggers`) creates one run per event,
named for the drop, which claims that entry only. The watcher's slow look every
``PORTING_INBOX_INTERVAL_S`` is the safety net (events missed while the server was down, claims
a crash left in ``processing/``); it emits nothing, so creates no run, when nothing waits.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
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
    claim,
    claim_settled,
    content_hash,
    pending_claims,
    ready,
    release,
    report_folder_for,
    run_name,
    scan_inbox,
    take_looks,
)
from porting_batch.settings import Settings, load_settings

INBOX_FLOW = "inbox-scan"
watch_logger = logging.getLogger("flows.inbox.watch")
INBOX_DEPLOYMENT = f"{INBOX_FLOW}/{INBOX}"
#: What the watcher emits for a settled drop (or for claims a crash left in processing/).
DROP_EVENT = "porting-batch.inbox.drop"
#: The resource name of the event that asks for a plain scan (resume processing/, claim all).
SCAN_ALL = "*"
#: The inbox deployment's trigger that resumes after a crashed scan, and the event it expects.
CRASHED_SCAN = "a crashed inbox scan"
CRASHED_EVENT = "prefect.flow-run.Crashed"


@task(name="claim-ready-files", cache_policy=NONE)
async def claim_ready(paths: InboxPaths, settle_s: float) -> list[Claim]:
    """Two looks ``settle_s`` apart; claim every entry that did not change between them."""
    return await claim_settled(paths, settle_s)


@task(name="claim-the-drop", cache_policy=NONE)
async def claim_drop(paths: InboxPaths, name: str) -> list[Claim]:
    """Claim the one entry the event named (the watcher saw it settle); none when another run
    took it first or the name is not a plain entry of the inbox."""
    if not name or name in {".", ".."} or "/" in name or "\\" in name:
        return []
    found = claim(paths, name)
    return [found] if found is not None else []


def _claiming_only(drop: str) -> Callable[[InboxPaths, float], Any]:
    async def claim_it(paths: InboxPaths, _settle_s: float) -> list[Claim]:
        return await claim_drop(paths, drop)

    return claim_it


def _scan_run_name() -> str:
    """``inbox · march.xlsx`` for a drop's run, ``inbox scan`` for a plain scan."""
    from prefect.runtime import flow_run

    drop = (flow_run.parameters or {}).get("drop")
    return f"inbox · {drop}" if drop and drop != SCAN_ALL else "inbox scan"


@flow(name=INBOX_FLOW, log_prints=True, flow_run_name=_scan_run_name)
async def inbox_scan(
    overrides: dict[str, str] | None = None, drop: str | None = None
) -> dict[str, Any]:
    """Scan the inbox: resume what a crash left in processing/, claim complete drops (only the
    entry ``drop`` when given: a drop event's run), run each as its own batch, and file it in
    done/ or failed/. ``overrides`` are settings given on the command line (``--inbox``,
    ``--out``, ``--state``), handed on to each batch."""
    run_logging()
    await tag_this_run()
    ops = load_settings(overrides or {})
    paths = InboxPaths(ops.inbox_dir.expanduser().absolute()).ensure()
    runs: dict[str, tuple[Claim, Any]] = {}
    claim_ready_here: Any = claim_ready
    if drop and drop != SCAN_ALL:
        claim_ready_here = _claiming_only(drop)

    async def run(found: Claim) -> list[dict[str, Any]] | str:
        return await _run_subflow(found, ops, overrides or {}, runs)

    result = await scan_inbox(
        paths,
        run,
        settle_s=ops.inbox_settle_s,
        max_runs=ops.inbox_max_runs,
        ledger_url=ops.ledger_database_url,
        claim_ready=claim_ready_here,
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


def inbox_triggers() -> list[Any]:
    """The inbox deployment's triggers: one run per :data:`DROP_EVENT`, for the drop it names;
    and a plain scan when an inbox scan crashed (its worker died, or Prefect marked it Crashed
    for missing heartbeats), which resumes the claim it left in ``processing/`` on whichever
    worker is alive."""
    from prefect.events import DeploymentEventTrigger

    return [
        DeploymentEventTrigger(
            name="a drop in the inbox",
            expect={DROP_EVENT},
            match={"prefect.resource.id": "porting-batch.inbox.*"},
            parameters={"drop": "{{ event.resource.name }}"},
        ),
        DeploymentEventTrigger(
            name=CRASHED_SCAN,
            expect={CRASHED_EVENT},
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={"prefect.resource.role": "flow", "prefect.resource.name": INBOX_FLOW},
            parameters={"drop": SCAN_ALL},
        ),
    ]


def drop_resource(name: str, key: str) -> dict[str, str]:
    """The event's resource: the drop's name, and an id that is the same for the same content."""
    return {"prefect.resource.id": f"porting-batch.inbox.{key}", "prefect.resource.name": name}


def emit_drop(path: Path) -> Any:
    """Announce a settled drop; the inbox deployment's trigger starts its run. The event id is
    made from the content, so the same drop announced twice is one event."""
    key = idempotency_key(path)
    return _emit(drop_resource(path.name, key), key)


def emit_rescan(reason: str) -> Any:
    """Ask for a plain scan (claims a crash left in processing/)."""
    watch_logger.info("asking for an inbox scan: %s", reason)
    key = f"rescan-{uuid.uuid4()}"
    return _emit(drop_resource(SCAN_ALL, key), key)


def _emit(resource: dict[str, str], key: str) -> Any:
    from prefect.events import emit_event

    event = emit_event(DROP_EVENT, resource=resource, id=uuid.uuid5(uuid.NAMESPACE_URL, key))
    if event is None:
        raise RuntimeError("Prefect events are off here (no PREFECT_API_URL?)")
    return event


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
    trigger: Callable[[Path], Any] = emit_drop,
    stop: Callable[[], bool] = lambda: False,
    stranded: Callable[[], Any] | None = None,
) -> None:
    """Watch the inbox and start a run once a new entry has settled.

    Woken by watchdog's file-system events as files land, and every ``poll_s`` seconds anyway
    (events do not cross a network file system). Either way an entry is handed on only after
    two looks ``settle_s`` apart agree, the same rule the scan applies, and only once for the
    same look. ``stranded``, when given, is called on every wake: the safety net for claims a
    crash left behind (:func:`rescan_stranded`).
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
    looked_once = False
    woken.set()  # a first look at once, for what landed before the observer started
    try:
        while not stop():
            # The slow look (a timeout, or the first) checks processing/; file events do not.
            slow = not woken.wait(timeout=poll_s) or not looked_once
            woken.clear()
            if stranded is not None and slow:
                looked_once = True
                _quietly(stranded)
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


def _quietly(call: Callable[[], Any]) -> None:
    try:
        call()
    except Exception as exc:  # the server may be restarting: the next look tries again
        watch_logger.warning("could not ask for a scan of processing/ (%s); trying again", exc)


def rescan_stranded(paths: InboxPaths) -> Callable[[], Any]:
    """A check for claims a crash left in ``processing/`` (none of them locked by a running
    scan): when there are some, a plain scan is asked for; otherwise nothing is created."""

    def check() -> Any:
        found = pending_claims(paths)
        for each in found:
            release(each)
        if found:
            return emit_rescan(f"{len(found)} claim(s) left in processing/")
        return None

    return check


def start_watching(paths: InboxPaths, ops: Settings) -> threading.Event:
    """The watcher in a daemon thread of this process (``serve``); set the event to stop it."""
    stopping = threading.Event()
    thread = threading.Thread(
        target=watch,
        args=(paths.inbox,),
        kwargs={
            "poll_s": ops.inbox_interval_s,
            "settle_s": ops.inbox_settle_s,
            "stop": stopping.is_set,
            "stranded": rescan_stranded(paths),
        },
        name="inbox-watcher",
        daemon=True,
    )
    thread.start()
    return stopping
