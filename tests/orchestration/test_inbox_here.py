"""`porting-batch inbox` without a Prefect server: the same scan, claims and filing as the
`inbox-scan` flow, each claim run through the library's steps as `run` runs a spreadsheet."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from flows.cli import main
from porting_batch.inbox import InboxPaths, claim, finish, release
from porting_batch.ledger import Ledger
from porting_batch.settings import Settings

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "input_templates" / "sample"
WHERE_TO_START = "`prefect server start` and set PREFECT_API_URL=http://127.0.0.1:4200/api"


def drop_sample(inbox: InboxPaths, name: str = "march") -> Path:
    """Drop the sample batch (spreadsheet and PDFs) as one folder, the way an operator would."""
    staging = inbox.root / f".staging-{name}"
    shutil.copytree(SAMPLE_DIR, staging, ignore=shutil.ignore_patterns("*.py"))
    target = inbox.inbox / name
    staging.rename(target)
    return target


def result_of(folder: Path) -> dict:
    """The result.json the inbox wrote beside a filed entry."""
    return json.loads((folder / "result.json").read_text(encoding="utf-8"))


@pytest.fixture
def here(tmp_path, monkeypatch):
    """An inbox root, state and reports in the test's folder; no Prefect server configured."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("PORTING_API", raising=False)
    monkeypatch.setenv("PORTING_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PORTING_OUT_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("PORTING_INBOX_DIR", str(tmp_path / "root"))
    monkeypatch.setenv("PORTING_INBOX_SETTLE_S", "0.2")
    monkeypatch.setenv("PORTING_INBOX_DRY_RUN", "true")
    monkeypatch.chdir(tmp_path)
    return InboxPaths(tmp_path / "root").ensure()


def _filed(printed: str, status: str, name: str) -> Path:
    """Where the scan's output says an entry was filed."""
    prefix = f"{status:<10} {name} -> "
    (line,) = [line for line in printed.splitlines() if line.startswith(prefix)]
    return Path(line.removeprefix(prefix))


@pytest.mark.parametrize("command", [["serve"], ["inbox", "--watch"]], ids=["serve", "watch"])
def test_serve_and_watch_without_a_prefect_server_refuse_with_what_to_start(here, capsys, command):
    """Without PREFECT_API_URL, `serve` and `inbox --watch` exit 2 with one line naming the
    server to start and the variable to set, and touch nothing."""
    shutil.rmtree(here.root)
    code = main(command)
    out, err = capsys.readouterr()
    assert code == 2
    assert out == "" and len(err.splitlines()) == 1
    assert WHERE_TO_START in err and f"porting-batch {' '.join(command)}" in err
    assert not here.root.exists()


@pytest.mark.slow  # the embedded simulator is a real loopback server
def test_scan_here_runs_a_drop_then_answers_its_duplicate_and_a_forced_rerun(here, capsys):
    """A drop runs through the library's steps and lands in done/ with its reports, the ledger
    pointing at them; the same content again is a duplicate; renamed `.rerun` it runs again."""
    drop_sample(here)
    assert main(["inbox"]) == 0
    done = _filed(capsys.readouterr().out, "done", "march")
    assert done.parent == here.done
    assert (done / "march" / "sample-batch.xlsx").exists()
    result = result_of(done)
    assert result["batches"][0]["outcomes"] == {"planned": 43, "not_portable": 1}
    assert (done / result["reports"][0] / "numbers.csv").exists()
    assert list(here.inbox.iterdir()) == list(here.processing.iterdir()) == []
    with Ledger(Settings().ledger_database_url) as ledger:
        batch = ledger.batch("sample-batch")
    assert batch is not None and batch["report_folder"] == str(done / result["reports"][0])

    drop_sample(here)
    assert main(["inbox"]) == 0
    duplicate = _filed(capsys.readouterr().out, "duplicate", "march")
    assert result_of(duplicate)["earlier_result"] == str(done)

    drop_sample(here, "march.rerun")
    assert main(["inbox"]) == 0
    rerun = _filed(capsys.readouterr().out, "done", "march.rerun")
    assert result_of(rerun)["forced"] is True


@pytest.mark.slow  # the embedded simulator is a real loopback server
def test_scan_here_resumes_a_claim_a_crash_left_in_processing(here, capsys):
    """A claim left in processing/ runs on the next scan here and counts as a second run."""
    drop_sample(here)
    left = claim(here, "march")
    assert left is not None
    release(left)  # the crash: the process that held the claim is gone
    assert main(["inbox"]) == 0
    filed = _filed(capsys.readouterr().out, "done", "march")
    assert result_of(filed)["runs"] == 2
    assert list(here.processing.iterdir()) == []


@pytest.mark.slow  # a claim opens the embedded simulator, a real loopback server
def test_scan_here_files_what_it_cannot_run_in_failed_with_the_reason(here, capsys):
    """An unreadable workbook and a loose PDF land in failed/ with error.md saying why, and
    the scan exits 1."""
    (here.inbox / "broken.xlsx").write_text("not a workbook", encoding="utf-8")
    shutil.copy(SAMPLE_DIR / "loa-bluebird-bakery.pdf", here.inbox / "loa-bluebird-bakery.pdf")
    assert main(["inbox"]) == 1
    printed = capsys.readouterr().out
    broken = _filed(printed, "failed", "broken.xlsx")
    loose = _filed(printed, "failed", "loa-bluebird-bakery.pdf")
    assert broken.parent == loose.parent == here.failed
    assert "broken.xlsx" in (broken / "error.md").read_text(encoding="utf-8")
    assert "not a spreadsheet" in (loose / "error.md").read_text(encoding="utf-8")


def test_scan_here_with_nothing_dropped_says_so(here, capsys):
    """An empty inbox: one line saying nothing is ready, exit 0."""
    assert main(["inbox"]) == 0
    assert f"Nothing ready in {here.inbox}" in capsys.readouterr().out


def test_the_inbox_logs_claim_and_filing_under_one_logger_name(here, caplog):
    """Claiming and filing an entry are logged as ``porting_batch.inbox``, the name operators
    filter on, whichever module of the inbox package does the work."""
    (here.inbox / "april.csv").write_text("x\n", encoding="utf-8")
    with caplog.at_level("INFO", logger="porting_batch.inbox"):
        found = claim(here, "april.csv")
        assert found is not None
        finish(here, found, "failed", error="not a real batch")
    messages = [(r.name, r.getMessage().split(" ", 1)[0]) for r in caplog.records]
    assert ("porting_batch.inbox", "claimed") in messages
    assert ("porting_batch.inbox", "april.csv:") in messages
