"""`porting-batch serve` against a real `prefect server start` on a free loopback port.

One server and one serve process for the module: starting them costs seconds, each served run
a process start. Every wait polls the API with a deadline; nothing asserts on elapsed time.
The deadlines (`HANG_S`) only bound a hang: on a machine with a load average of 10 a served
run can take minutes to start, and that must not fail a test.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import openpyxl
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterKey,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.client.schemas.objects import FlowRun
from prefect.exceptions import PrefectHTTPStatusError
from prefect.settings import PREFECT_API_URL, temporary_settings

import tests.prefect_servers as servers
from flows.deployments import INBOX_RUNS
from flows.inbox import DROP_EVENT, trigger_scan
from flows.port_in import artifact_key
from flows.runtime import api_slots
from porting_batch.inbox import InboxPaths, claim, finish, release
from porting_batch.settings import Settings
from tests.prefect_servers import HANG_S, wait_until

from .growing import growing_file

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = ROOT / "input_templates" / "sample"
SAMPLE = SAMPLE_DIR / "sample-batch.xlsx"
T = TypeVar("T")


@dataclass
class Served:
    """The running server and serve process, and the folders they use."""

    api_url: str
    root: Path
    inbox: InboxPaths
    scheduled: Path
    reports: Path
    serve_log: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    """A Prefect server on a free loopback port and `porting-batch serve` against it."""
    root = tmp_path_factory.mktemp("served")
    with servers.prefect_server(
        root, servers.prefect_env(root, PREFECT_LOGGING_LEVEL="WARNING")
    ) as server:
        serve_env = server.client_env(
            PREFECT_LOGGING_LEVEL="INFO",
            PREFECT_RUNNER_POLL_FREQUENCY="1",
            PORTING_STATE_DIR=str(root / "state"),
            PORTING_OUT_DIR=str(root / "reports"),
            PORTING_INBOX_DIR=str(root / "inbox-root"),
            PORTING_INBOX_SETTLE_S="0.5",
            PORTING_INBOX_DRY_RUN="true",
            PORTING_SCHEDULED_DIR=str(root / "scheduled"),
            PORTING_SCHEDULE_CRON="30 7 * * 1-5",
            PORTING_SCHEDULE_TIMEZONE="Europe/Paris",
            PORTING_UPLOAD_PORT=str(servers.free_port()),
        )
        for name in [k for k in serve_env if k.startswith("PORTING_API")]:
            serve_env.pop(name)
        serve_log = root / "serve.log"
        serve = servers.start(
            [str(servers.BIN / "porting-batch"), "serve"], serve_env, serve_log, root
        )
        try:
            with temporary_settings({PREFECT_API_URL: server.api_url}):
                wait_until(lambda: _deployments_ready(), "the served deployments")
                yield Served(
                    api_url=server.api_url,
                    root=root,
                    inbox=InboxPaths(root / "inbox-root").ensure(),
                    scheduled=root / "scheduled",
                    reports=root / "reports",
                    serve_log=serve_log,
                )
        finally:
            servers.stop(serve)


def run(coro: Awaitable[T]) -> T:
    """Run one coroutine on a fresh loop (each test talks to the API synchronously)."""

    async def wrapper() -> T:
        return await coro

    return asyncio.run(wrapper())


def _deployments_ready() -> bool:
    async def names() -> set[str]:
        async with get_client() as client:
            return {d.name for d in await client.read_deployments()}

    return {"manual", "scheduled", "inbox", "confirm", "track-orders"} <= run(names())


async def _trigger(name: str, parameters: dict[str, Any] | None = None) -> FlowRun:
    async with get_client() as client:
        deployment = await client.read_deployment_by_name(name)
        return await client.create_flow_run_from_deployment(
            deployment.id, parameters=parameters or {}
        )


def _wait_for_end(flow_run: FlowRun, deadline_s: float = HANG_S) -> FlowRun:
    async def read() -> FlowRun:
        async with get_client() as client:
            return await client.read_flow_run(flow_run.id)

    latest: list[FlowRun] = [flow_run]

    def finished() -> bool:
        latest[0] = run(read())
        return latest[0].state is not None and latest[0].state.is_final()

    wait_until(finished, f"flow run {flow_run.name}", deadline_s)
    return latest[0]


async def _logs(flow_run: FlowRun) -> list[str]:
    async with get_client() as client:
        logs = await client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run.id]))
        )
    return [f"{log.name}: {log.message}" for log in logs]


def _logs_once(flow_run: FlowRun, wanted: Callable[[str], bool], what: str) -> list[str]:
    """The run's logs once a line matching ``wanted`` has arrived: a run's process sends its
    last log lines after the run is already final, so they can trail its end."""
    found: list[list[str]] = [[]]

    def arrived() -> bool:
        found[0] = run(_logs(flow_run))
        return any(wanted(line) for line in found[0])

    wait_until(arrived, what)
    return found[0]


def _sample_account_numbers() -> set[str]:
    """The sample's account numbers: secrets that must never reach a log or an artifact."""
    workbook = openpyxl.load_workbook(SAMPLE, read_only=True)
    rows = list(workbook["Numbers"].iter_rows(values_only=True))
    workbook.close()
    column = list(rows[0]).index("account_number")
    return {str(row[column]) for row in rows[1:] if row[column] and len(str(row[column])) >= 6}


def _start_delay(flow_run: FlowRun) -> float:
    """Seconds from the run's creation (pressing Run) to its start on the served process."""
    assert flow_run.start_time is not None and flow_run.created is not None
    return (flow_run.start_time - flow_run.created).total_seconds()


def _states_until_one_ends(runs: list[FlowRun], deadline_s: float = HANG_S) -> list[list[str]]:
    """Poll the runs' state names until one of them is final; the names seen, per poll."""

    async def read() -> list[FlowRun]:
        async with get_client() as client:
            return [await client.read_flow_run(r.id) for r in runs]

    seen: list[list[str]] = []

    def one_final() -> bool:
        latest = run(read())
        seen.append([r.state_name or "" for r in latest])
        return any(r.state is not None and r.state.is_final() for r in latest)

    wait_until(one_final, "one of the runs to end", deadline_s)
    return seen


def test_manual_run_from_the_api_completes_with_reports_and_artifacts(served, capsys):
    """A run created through the API with parameters starts on the served process and writes
    its reports and artifacts; a second run created with it waits for a slot meanwhile."""
    request = {"request": {"spreadsheet": str(SAMPLE), "foc_policy": "earliest"}}
    runs = [run(_trigger("port-in-batch/manual", request)) for _ in range(2)]
    seen = _states_until_one_ends(runs)
    ended = 0 if seen[-1][0] in ("Completed", "Failed", "Crashed", "Cancelled") else 1
    waiting = 1 - ended
    assert any(
        names[waiting] == "AwaitingConcurrencySlot" and names[ended] in ("Pending", "Running")
        for names in seen
    ), seen  # the deployment's limit: one run at a time, the other queued
    assert "Running" not in [names[waiting] for names in seen]

    async def forget(flow_run: FlowRun) -> None:
        async with get_client() as client:
            await client.delete_flow_run(flow_run.id)

    run(forget(runs[waiting]))  # its turn would only repeat the same run
    first = _wait_for_end(runs[ended])
    assert first.state is not None and first.state.is_completed(), first.state
    assert len(list(served.reports.glob("*/numbers.csv"))) == 1

    async def artifacts() -> dict[str, Any]:
        async with get_client() as client:
            found = await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(like_="sample-batch"))
            )
        return {a.key: a for a in found if a.key}

    found = run(artifacts())
    wanted = {artifact_key("sample-batch", k) for k in ("summary", "orders", "progress")}
    assert wanted <= set(found)
    assert "43" in str(found[artifact_key("sample-batch", "summary")].data)
    logs = _logs_once(first, lambda line: "Batch sample-batch.xlsx" in line, "the run's log")
    assert not [line for line in logs if line.startswith("httpx") or "HTTP Request" in line]
    published = "\n".join(logs) + "".join(str(a.data) for a in found.values())
    accounts = _sample_account_numbers()
    assert accounts and not [a for a in accounts if a in published]
    with capsys.disabled():
        print(f"\n[measured] Run pressed -> run started: {_start_delay(first):.1f} s")


@pytest.mark.parametrize(
    "request_value",
    [
        {"spreadsheet": str(SAMPLE), "foc_policy": "whenever"},
        {"spreadsheet": str(SAMPLE), "max_in_flight": 0},
        {"confirm": True},
        {"spreadsheet": str(SAMPLE), "unknown": 1},
    ],
    ids=["bad-enum", "below-minimum", "missing-spreadsheet", "unknown-field"],
)
def test_manual_deployment_refuses_an_invalid_parameter(served, request_value):
    """The server checks the form's schema: a bad value never becomes a run."""
    with pytest.raises(PrefectHTTPStatusError) as refused:
        run(_trigger("port-in-batch/manual", {"request": request_value}))
    assert refused.value.response.status_code in (409, 422)


def test_scheduled_deployment_has_the_configured_cron_and_time_zone(served):
    """port-in-batch/scheduled runs the scheduled folder on the cron, in its time zone."""

    async def read() -> Any:
        async with get_client() as client:
            return await client.read_deployment_by_name("port-in-batch/scheduled")

    deployment = run(read())
    (schedule,) = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 7 * * 1-5", "Europe/Paris")
    assert deployment.parameters["request"]["spreadsheet"] == str(served.scheduled)
    assert deployment.global_concurrency_limit.limit == 1


def test_scheduled_run_takes_every_spreadsheet_of_the_scheduled_folder(served):
    """A run of port-in-batch/scheduled with its own parameters runs the folder's spreadsheet."""
    served.scheduled.mkdir(exist_ok=True)
    for source in SAMPLE_DIR.iterdir():
        if source.suffix in (".xlsx", ".pdf"):
            shutil.copy(source, served.scheduled / source.name)
    before = set(served.reports.glob("*/numbers.csv"))
    scheduled = _wait_for_end(run(_trigger("port-in-batch/scheduled")))
    assert scheduled.state is not None and scheduled.state.is_completed(), scheduled.state
    (report,) = set(served.reports.glob("*/numbers.csv")) - before
    assert report.parent.name.startswith("sample-batch")


def test_inbox_deployment_runs_on_drop_events_not_on_a_schedule(served):
    """inbox-scan/inbox has no schedule (no run a minute) and one trigger: the drop event,
    whose run is given the drop's name."""

    async def read() -> tuple[Any, list[Any]]:
        async with get_client() as client:
            deployment = await client.read_deployment_by_name("inbox-scan/inbox")
            automations = await client.read_automations_by_name("a drop in the inbox")
            return deployment, automations

    deployment, automations = run(read())
    assert deployment.schedules == []
    (automation,) = automations
    assert automation.trigger.expect == {DROP_EVENT}
    (action,) = automation.actions
    assert action.parameters == {"drop": "{{ event.resource.name }}"}
    assert deployment.global_concurrency_limit.limit == INBOX_RUNS


def _drop(inbox: InboxPaths, name: str, note: str, into: Path | None = None) -> Path:
    """Drop a copy of the sample batch folder; `note` makes its content (and hash) its own."""
    staging = inbox.root / f".staging-{name}"
    shutil.copytree(SAMPLE_DIR, staging, ignore=shutil.ignore_patterns("*.py"))
    (staging / "note.txt").write_text(note, encoding="utf-8")
    return staging.rename((into or inbox.inbox) / name)


def test_served_inbox_scan_resumes_runs_skips_duplicates_and_growing_files(served, capsys):
    """One served scan finishes a claim a crash left in processing/, runs a new drop, answers
    content already done with a pointer to it, and leaves a file still being written.

    A root the served watcher does not watch, so that this one scan is what takes the drops."""
    inbox = InboxPaths(served.root / "scan-root").ensure()
    overrides = {"overrides": {"inbox_dir": str(inbox.root)}}
    _drop(inbox, "march", "march")
    earlier = claim(inbox, "march")
    assert earlier is not None
    earlier_folder = finish(inbox, earlier, "done")  # an earlier result of the "march" content
    _drop(inbox, "left", "left")
    left = claim(inbox, "left")
    assert left is not None
    release(left)  # the crash came right after the claim
    dropped_at = time.time()
    _drop(inbox, "april", "april")
    _drop(inbox, "march-again", "march")
    with growing_file(inbox.inbox / "growing.csv", 0.05):
        scan = _wait_for_end(run(_trigger("inbox-scan/inbox", overrides)))
    filed_at = time.time()
    assert scan.state is not None and scan.state.is_completed(), scan.state
    results = {
        p.name.rsplit("-", 1)[0]: json.loads((p / "result.json").read_text(encoding="utf-8"))
        for p in inbox.done.iterdir()
    }
    assert {name: r["status"] for name, r in results.items()} == {
        "march": "done",
        "left": "done",
        "april": "done",
        "march-again": "duplicate",
    }
    assert results["march-again"]["earlier_result"] == str(earlier_folder)
    assert results["left"]["runs"] == 2
    assert list(inbox.processing.iterdir()) == [] and list(inbox.failed.iterdir()) == []
    assert [p.name for p in inbox.inbox.iterdir()] == ["growing.csv"]
    for name in ("left", "april"):
        (folder,) = inbox.done.glob(f"{name}-2*")
        assert list(folder.glob("reports/*/numbers.csv")), folder
    claimed = "porting_batch.inbox: claimed april"
    _logs_once(scan, lambda line: line.startswith(claimed), "the scan's log of its claim")
    with capsys.disabled():
        print(
            f"\n[measured] scan created -> started: {_start_delay(scan):.1f} s; "
            f"drop -> reports in done/ through that scan: {filed_at - dropped_at:.1f} s"
        )


def _runs_named(name: str) -> list[FlowRun]:
    async def read() -> list[FlowRun]:
        async with get_client() as client:
            return list(await client.read_flow_runs(flow_run_filter=_named(name)))

    return run(read())


def _named(name: str) -> Any:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    return FlowRunFilter(name=FlowRunFilterName(any_=[name]))


def test_a_drop_becomes_one_run_named_for_it_through_the_watchers_event(served, capsys):
    """A folder dropped into the served inbox starts one `inbox · <name>` run (serve's
    watcher emits the event, the deployment's trigger creates the run) that files it in done/;
    the seconds from drop to the run's creation are printed."""
    dropped_at = time.time()
    _drop(served.inbox, "june", "june")
    wait_until(lambda: bool(_runs_named("inbox · june")), "the drop's run")
    (drop_run,) = _runs_named("inbox · june")
    drop_run = _wait_for_end(drop_run)
    assert drop_run.state is not None and drop_run.state.is_completed(), drop_run.state
    (filed,) = served.inbox.done.glob("june-2*")
    assert json.loads((filed / "result.json").read_text(encoding="utf-8"))["status"] == "done"
    assert drop_run.created is not None
    with capsys.disabled():
        print(
            f"\n[measured] drop -> run created: {drop_run.created.timestamp() - dropped_at:.1f} s"
        )


def test_watcher_trigger_starts_one_scan_per_drop_which_files_it(served):
    """Two file events for one drop start one scan (the idempotency key is the drop's hash),
    which completes; the drop is filed in done/ once, by whichever scan claimed it (serve's own
    watcher starts one too, and scans run side by side)."""
    folder = _drop(served.inbox, "may", "may")
    first, again = trigger_scan(folder), trigger_scan(folder)
    assert first.id == again.id
    scan = _wait_for_end(first)
    assert scan.state is not None and scan.state.is_completed(), scan.state
    wait_until(lambda: any(served.inbox.done.glob("may-2*/result.json")), "the drop filed")
    (filed,) = served.inbox.done.glob("may-2*")
    assert json.loads((filed / "result.json").read_text(encoding="utf-8"))["status"] == "done"


def test_api_limit_caps_requests_in_flight_across_runs(served):
    """With a `porting-api` limit of 4, a run asking 8 holds 4 slots, a slot more is refused
    while it holds them, and a second run gets its slot once the first lets go; without the
    limit a run keeps its own setting."""
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.concurrency.asyncio import concurrency

    async def scenario() -> list[str]:
        settings = Settings(max_in_flight=8)
        events: list[str] = []
        async with api_slots(settings, name="porting-api-test-missing") as granted:
            events.append(f"no limit: {granted}")
        async with get_client() as client:
            await client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(name="porting-api-test", limit=4)
            )
        async with api_slots(settings, name="porting-api-test") as granted:
            async with get_client() as client:
                limit = await client.read_global_concurrency_limit_by_name("porting-api-test")
            events.append(f"first holds {granted}, active {limit.active_slots}")
            try:
                async with concurrency("porting-api-test", occupy=1, timeout_seconds=3):
                    events.append("a fifth slot was granted")
            except TimeoutError:
                events.append("a fifth slot is refused")
        events.append("first released")
        async with api_slots(Settings(max_in_flight=1), name="porting-api-test") as granted:
            events.append(f"second holds {granted}")
        return events

    events = run(scenario())
    assert events == [
        "no limit: 8",
        "first holds 4, active 4",
        "a fifth slot is refused",
        "first released",
        "second holds 1",
    ]


_HOLDER = """
import asyncio, sys
from flows.runtime import api_slots
from porting_batch.settings import Settings

async def main():
    async with api_slots(Settings(max_in_flight=3), name=sys.argv[1]):
        print("holding", flush=True)
        await asyncio.Event().wait()

asyncio.run(main())
"""


def test_a_killed_runs_api_slots_come_back(served):
    """A run SIGKILLed while it holds `porting-api` slots cannot release them: its lease
    expires (no renewal) and the server revokes it, so the slots come back by themselves."""
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate

    name = "porting-api-killed"

    async def create() -> None:
        async with get_client() as client:
            await client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(name=name, limit=4)
            )

    async def active() -> int:
        async with get_client() as client:
            return int((await client.read_global_concurrency_limit_by_name(name)).active_slots)

    run(create())
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, name],
        env={**os.environ, "PREFECT_API_URL": served.api_url},
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == b"holding"
        assert run(active()) == 3
    finally:
        holder.kill()
        holder.wait()
    wait_until(lambda: run(active()) == 0, "the killed holder's slots to be revoked")


def test_operating_settings_refuse_an_unknown_time_zone():
    """A time zone that is not IANA is refused with the variable, the value and an example."""
    with pytest.raises(ValueError, match=r"PORTING_SCHEDULE_TIMEZONE='Central'.*America/Chicago"):
        Settings(schedule_timezone="Central")


def test_manual_deployment_publishes_a_typed_form(served):
    """The UI's form for port-in-batch/manual: every field titled and described, the FOC
    policy as a choice, the spreadsheet required."""

    async def read() -> Any:
        async with get_client() as client:
            return await client.read_deployment_by_name("port-in-batch/manual")

    schema = run(read()).parameter_openapi_schema
    definitions = schema["definitions"]
    model = definitions["PortInRequest"]
    assert schema["required"] == ["request"] and model["required"] == ["spreadsheet"]
    for name, field in model["properties"].items():
        assert field.get("title") and field.get("description"), name
    policy = model["properties"]["foc_policy"]
    reference = policy.get("$ref") or policy["allOf"][0]["$ref"]
    assert definitions[reference.rsplit("/", 1)[1]]["enum"] == ["requested", "earliest"]


def test_the_flow_module_leaves_the_heavy_libraries_to_the_flow_body():
    """A served run's process imports flows.port_in before the run is marked Running: that
    import brings no pandas, openpyxl, SQLAlchemy, nor the library's runner, ledger or reports
    (they come inside the flow's functions), so Run pressed to run started stays short."""
    heavy = (
        "pandas",
        "openpyxl",
        "sqlalchemy",
        "porting_batch.runner",
        "porting_batch.ledger",
        "porting_batch.reports",
        "flows.artifacts",
        "flows.confirm",
    )
    probe = f"import sys, flows.port_in; print([m for m in {heavy!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
