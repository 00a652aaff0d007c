"""The port-in-batch flow end to end: Prefect harness, simulator served on loopback."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

from flows.cli import main
from flows.parameters import PortInRequest
from flows.port_in import artifact_key, port_in_batch

SAMPLE = Path(__file__).resolve().parents[2] / "input_templates" / "sample" / "sample-batch.xlsx"


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


def test_flow_reports_a_file_it_cannot_read(porting_env):
    """A file that is not a spreadsheet ends the run with a report that says why."""
    bad = porting_env / "not-a-sheet.xlsx"
    bad.write_text("this is not a workbook", encoding="utf-8")
    summary = asyncio.run(port_in_batch(PortInRequest(spreadsheet=str(bad))))
    assert summary["complete"] is False
    assert "not-a-sheet.xlsx" in summary["failure"]
    assert (Path(summary["report_folder"]) / "report.xlsx").exists()


def test_cli_run_prints_summary_and_report_folder(porting_env, capsys):
    """`porting-batch run` prints the outcome counts and where the reports are."""
    code = main(["run", str(SAMPLE), "--dry-run", "--out", str(porting_env / "out")])
    printed = capsys.readouterr().out
    assert code == 0
    assert "planned            43" in printed
    assert f"Reports: {porting_env / 'out'}" in printed


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_cli_template_writes_a_template(tmp_path, suffix, capsys):
    """`porting-batch template PATH` writes a template of the kind its suffix names."""
    target = tmp_path / f"template{suffix}"
    assert main(["template", str(target)]) == 0
    assert target.stat().st_size > 0
    assert str(target) in capsys.readouterr().out


def _template_header() -> str:
    template = SAMPLE.parents[1] / "porting-template.csv"
    return template.read_text(encoding="utf-8-sig").splitlines()[0]


def test_cli_validate_names_the_bad_cell_and_fails(tmp_path, capsys):
    """`porting-batch validate` prints each issue with its cell and exits 2 on errors."""
    header = _template_header()
    values = {name: "" for name in header.split(",")}
    values["phone_number"] = "312-555-01"
    sheet = tmp_path / "bad.csv"
    sheet.write_text(header + "\n" + ",".join(values.values()) + "\n", encoding="utf-8")
    code = main(["validate", str(sheet), "--out", str(tmp_path / "out")])
    printed = capsys.readouterr().out
    assert code == 2
    assert "A2 (phone_number): '312-555-01'" in printed
    assert "Issues report:" in printed


def test_cli_validate_reports_a_file_it_cannot_read(tmp_path, capsys):
    """A file missing required columns gets one message naming them all, and a report."""
    sheet = tmp_path / "short.csv"
    sheet.write_text("phone_number,entity_name\n312-555-0100,Acme\n", encoding="utf-8")
    code = main(["validate", str(sheet), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 2
    assert "required column(s) missing: auth_person_name" in captured.err
    assert (tmp_path / "out").exists() and any((tmp_path / "out").iterdir())


def test_cli_rerun_report_and_clean_meet_the_orders_of_the_last_run(porting_env, capsys):
    """The simulator keeps its state in the state folder: a re-run, `report` and `clean` all
    see the orders the first run made."""
    state, out = porting_env / "cli-state", porting_env / "cli-out"
    common = ["--state", str(state)]
    assert main(["run", str(SAMPLE), "--out", str(out), *common]) == 0
    assert main(["run", str(SAMPLE), "--out", str(out), *common]) == 0
    second = capsys.readouterr().out.split("Batch sample-batch")[-1]
    assert "ready_as_draft     43" in second
    assert main(["report", "sample-batch", "--out", str(out / "again"), *common]) == 0
    assert "Reports: " in capsys.readouterr().out
    assert main(["track", *common]) == 0
    assert "0 order(s) changed, 0 need attention" in capsys.readouterr().out
    assert main(["clean", "sample-batch", *common]) == 0
    assert "17 draft order(s) deleted, 0 refused" in capsys.readouterr().out


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
    summary = asyncio.run(port_in_batch(PortInRequest(spreadsheet=str(SAMPLE))))
    assert summary["complete"] is False
    assert "POST /portability_checks" in summary["failure"]
    rows = _numbers_csv(Path(summary["report_folder"]))
    assert len(rows) == 44
    assert {r["Outcome"] for r in rows} == {"not_processed"}
    assert "KEYTEST" not in (Path(summary["report_folder"]) / "summary.json").read_text()
