"""What an operator reads in the Prefect UI, read back from a real Prefect server (the harness):
run names, the project tag, the summary artifacts and the run's last log line (issue 19)."""

from __future__ import annotations

import asyncio
import csv
import shutil
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterParentFlowRunId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.client.schemas.objects import FlowRun
from prefect.logging.handlers import APILogHandler

from flows.inbox import inbox_scan
from flows.naming import PROJECT_TAG
from flows.parameters import PortInRequest
from flows.port_in import port_in_batch

from .test_inbox_flow import inbox  # noqa: F401  (the fixture)
from .test_inbox_here import drop_sample

SAMPLE = Path(__file__).resolve().parents[2] / "input_templates" / "sample" / "sample-batch.xlsx"

pytestmark = pytest.mark.slow  # the Prefect harness is a server


async def _latest_run(name_prefix: str) -> FlowRun:
    async with get_client() as client:
        runs = await client.read_flow_runs()
    return max((r for r in runs if r.name.startswith(name_prefix)), key=lambda r: r.created)


async def _markdown(flow_run: FlowRun) -> dict[str, str]:
    async with get_client() as client:
        found = await client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run.id]))
        )
    # Newest version per key: an artifact published again replaces the page in the UI.
    latest: dict[str, Any] = {}
    for artifact in sorted(found, key=lambda a: a.created):
        if artifact.type == "markdown" and artifact.key:
            latest[artifact.key] = artifact
    return {key: str(a.data) for key, a in latest.items()}


async def _log_lines(flow_run: FlowRun) -> list[str]:
    """The run's log lines in order, once every line this process logged has been sent (they
    go to the server in the background)."""
    await APILogHandler.aflush()
    async with get_client() as client:
        logs = await client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run.id]))
        )
    return [log.message for log in sorted(logs, key=lambda log: log.timestamp)]


def _with_bad_row(folder: Path) -> Path:
    """The sample as CSV beside its PDFs, its first row's phone number made unreadable."""
    import openpyxl

    shutil.copytree(SAMPLE.parent, folder, ignore=shutil.ignore_patterns("*.py", "*.xlsx"))
    workbook = openpyxl.load_workbook(SAMPLE, read_only=True)
    rows = [
        ["" if v is None else str(v) for v in row]
        for row in workbook["Numbers"].iter_rows(values_only=True)
    ]
    workbook.close()
    rows[1][rows[0].index("phone_number")] = "call me"
    target = folder / "march.csv"
    with target.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return target


def test_a_port_in_run_is_named_for_its_file_tagged_and_ends_with_its_outcome(porting_env):
    """Started without a deployment, the run is `port-in · sample-batch.xlsx`, carries the
    project tag, and its last log line gives the outcome and the absolute report folder."""
    summary = asyncio.run(port_in_batch(PortInRequest(spreadsheet=str(SAMPLE))))
    flow_run = asyncio.run(_latest_run("port-in"))
    assert flow_run.name == "port-in · sample-batch.xlsx"
    assert PROJECT_TAG in flow_run.tags
    folder = summary["report_folder"]
    assert Path(folder).is_absolute() and Path(folder).is_dir()
    last = asyncio.run(_log_lines(flow_run))[-1]
    assert "Completed sample-batch: 43 ready_as_draft, 1 not_portable" in last
    assert f"report folder {folder}" in last


def test_the_summary_page_says_what_to_do_in_the_uis_words(porting_env):
    """The summary names the report folder, says how to confirm through the UI (no command
    line flags), and lists the number that is not portable."""
    summary = asyncio.run(port_in_batch(PortInRequest(spreadsheet=str(SAMPLE))))
    flow_run = asyncio.run(_latest_run("port-in"))
    page = asyncio.run(_markdown(flow_run))["sample-batch-summary"]
    assert f"**Report folder:** `{summary['report_folder']}`" in page
    assert "confirm-batch/confirm" in page and "Run mode 'confirm'" in page
    assert "--" not in page.replace("|---", "").replace("---|", "")
    assert "## Not portable (all 1)" in page and "+13125559950" in page


def test_the_summary_page_lists_rows_with_errors_by_cell_value_and_fix(porting_env):
    """A row in error shows with its cell, its value and how to fix it."""
    sheet = _with_bad_row(porting_env / "march")
    asyncio.run(port_in_batch(PortInRequest(spreadsheet=str(sheet)), return_state=True))
    page = asyncio.run(_markdown(asyncio.run(_latest_run("port-in · march.csv"))))["march-summary"]
    assert "## Rows with errors (all 1)" in page
    (row,) = [line for line in page.splitlines() if "call me" in line]
    cell, value, fix = (part.strip() for part in row.strip("|").split("|"))
    assert cell.endswith("A2") and value == "call me" and fix


def test_inbox_runs_are_named_tagged_and_point_at_the_filed_report(inbox):  # noqa: F811
    """Each drop's run is `inbox · <drop>` with the project tag, a subflow of the tagged scan;
    its summary names the report under done/, and the scan's page says why a drop failed."""
    drop_sample(inbox)
    (inbox.inbox / "broken.xlsx").write_text("not a workbook", encoding="utf-8")
    result = asyncio.run(inbox_scan())
    filed = {o["name"]: o["filed"] for o in result["outcomes"]}
    scan = asyncio.run(_latest_run("inbox scan"))
    assert PROJECT_TAG in scan.tags

    async def children() -> list[FlowRun]:
        async with get_client() as client:
            return await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[scan.id])
                )
            )

    by_name = {r.name: r for r in asyncio.run(children())}
    assert {"inbox · march", "inbox · broken.xlsx"} <= set(by_name)
    assert all(PROJECT_TAG in r.tags for r in by_name.values())
    page = asyncio.run(_markdown(by_name["inbox · march"]))["sample-batch-summary"]
    assert f"**Report folder:** `{filed['march']}/reports/" in page
    assert str(inbox.processing) not in page
    scan_page = asyncio.run(_markdown(scan))["inbox-scan"]
    (broken,) = [line for line in scan_page.splitlines() if "broken.xlsx" in line]
    assert "| failed |" in broken and broken.rstrip("|").rsplit("|", 1)[1].strip()
