"""The port-in-batch flow end to end: Prefect harness, simulator served on loopback."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterKey,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.client.schemas.objects import State

from flows.cli import main
from flows.parameters import PortInRequest
from flows.port_in import artifact_key, port_in_batch

SAMPLE = Path(__file__).resolve().parents[2] / "input_templates" / "sample" / "sample-batch.xlsx"

pytestmark = pytest.mark.slow  # the Prefect harness is a server


def _numbers_csv(folder: Path) -> list[dict[str, str]]:
    with (folder / "numbers.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


async def _artifact_keys(prefix: str) -> set[str]:
    async with get_client() as client:
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(like_=prefix))
        )
    return {a.key for a in artifacts if a.key}


def test_flow_runs_the_sample_batch_and_reports_every_row(porting_env):
    """The flow orders the sample, writes the report folder and publishes its artifacts."""
    summary = asyncio.run(port_in_batch(PortInRequest(spreadsheet=str(SAMPLE))))
    assert summary["complete"] is True
    assert summary["outcomes"] == {"ready_as_draft": 43, "not_portable": 1}
    folder = Path(summary["report_folder"])
    assert folder.parent == porting_env / "reports"
    rows = _numbers_csv(folder)
    assert len(rows) == 44
    for row in rows:
        assert row["Order id"] or row["Reason"], row
    keys = asyncio.run(_artifact_keys("sample-batch"))
    assert {artifact_key("sample-batch", k) for k in ("summary", "orders", "progress")} <= keys


def _failed_run(request: PortInRequest) -> tuple[State, dict]:
    async def go() -> tuple[State, dict]:
        state = await port_in_batch(request, return_state=True)
        return state, await state.aresult(raise_on_failure=False)

    return asyncio.run(go())


async def _logs_of(state: State) -> list[str]:
    async with get_client() as client:
        flow_run = await client.read_flow_run(state.state_details.flow_run_id)
        logs = await client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run.id]))
        )
    return [log.message for log in logs]


def test_flow_reports_a_file_it_cannot_read(porting_env):
    """A file that is not a spreadsheet: the run ends Failed with one line naming the file as
    its message, a report that says why, and no traceback in its logs."""
    bad = porting_env / "not-a-sheet.xlsx"
    bad.write_text("this is not a workbook", encoding="utf-8")
    state, summary = _failed_run(PortInRequest(spreadsheet=str(bad)))
    assert state.is_failed(), state
    assert "not-a-sheet.xlsx" in (state.message or "") and "\n" not in (state.message or "")
    assert summary["complete"] is False
    assert (Path(summary["report_folder"]) / "report.xlsx").exists()
    assert not [m for m in asyncio.run(_logs_of(state)) if "Traceback" in m]


def test_flow_of_a_missing_file_ends_failed_not_completed(porting_env):
    """A path that does not exist ends Failed, with the path in its one-line message."""
    state, _summary = _failed_run(PortInRequest(spreadsheet=str(porting_env / "nope.xlsx")))
    assert state.is_failed(), state
    assert "nope.xlsx" in (state.message or "")


def test_cli_run_with_a_prefect_server_runs_the_flow_there(porting_env, monkeypatch, capsys):
    """With PREFECT_API_URL set, `run` runs port-in-batch on that server and prints the
    summary; a bad file still exits 2 through the flow."""
    from prefect.settings import PREFECT_API_URL

    monkeypatch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))
    code = main(["run", str(SAMPLE), "--dry-run", "--out", str(porting_env / "out")])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "planned            43" in printed
    assert f"Reports: {porting_env / 'out'}" in printed

    async def runs() -> list[str]:
        async with get_client() as client:
            return [r.state_name or "" for r in await client.read_flow_runs()]

    assert "Completed" in asyncio.run(runs())
    bad = porting_env / "bad.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    assert main(["run", str(bad), "--out", str(porting_env / "out")]) == 2


def test_cli_rerun_report_and_clean_meet_the_orders_of_the_last_run(tmp_path, monkeypatch, capsys):
    """The simulator keeps its state in the state folder: a re-run, `report` and `clean` all
    see the orders the first run made (each command starts the built-in simulator)."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("PORTING_API", raising=False)
    state, out = tmp_path / "cli-state", tmp_path / "cli-out"
    common = ["--state", str(state)]
    assert main(["run", str(SAMPLE), "--out", str(out), *common]) == 0
    assert main(["run", str(SAMPLE), "--out", str(out), *common]) == 0
    second = capsys.readouterr().out.split("Batch sample-batch")[-1]
    assert "ready_as_draft     43" in second
    assert main(["report", "sample-batch", "--out", str(out / "again"), *common]) == 0
    assert "Reports: " in capsys.readouterr().out
    assert main(["track", "--out", str(out / "tracking"), *common]) == 0
    assert "0 order(s) changed, 0 need attention" in capsys.readouterr().out
    assert main(["clean", "sample-batch", *common]) == 0
    assert "8 draft order(s) deleted, 0 refused" in capsys.readouterr().out


def test_flow_reports_a_run_cut_short_by_an_unreachable_api(porting_env, monkeypatch):
    """With the API unreachable the run ends incomplete, every row still in its report."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setenv("PORTING_API", "telnyx")
    monkeypatch.setenv("PORTING_API_KEY", "KEYTEST")
    monkeypatch.setenv("PORTING_API_BASE_URL", f"http://127.0.0.1:{closed_port}/v2")
    monkeypatch.setenv("PORTING_MAX_RETRIES", "0")
    state, summary = _failed_run(PortInRequest(spreadsheet=str(SAMPLE)))
    assert state.is_failed() and "POST /portability_checks" in (state.message or "")
    assert not [m for m in asyncio.run(_logs_of(state)) if "Traceback" in m]
    assert summary["complete"] is False
    assert "POST /portability_checks" in summary["failure"]
    rows = _numbers_csv(Path(summary["report_folder"]))
    assert len(rows) == 44
    assert {r["Outcome"] for r in rows} == {"not_processed"}
    assert "KEYTEST" not in (Path(summary["report_folder"]) / "summary.json").read_text()
