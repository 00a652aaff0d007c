"""The inbox-scan flow under the Prefect harness: drops become batches in done/ or failed/."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import threading
from pathlib import Path

import pytest

from flows.cli import main
from flows.inbox import inbox_scan, watch
from flows.parameters import PortInRequest
from flows.port_in import port_in_batch
from porting_batch.inbox import InboxPaths, claim, release, report_folder_for
from porting_batch.ledger import Ledger
from porting_batch.settings import Settings

from .growing import growing_file
from .test_inbox_here import drop_sample, result_of

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "input_templates" / "sample"

pytestmark = pytest.mark.slow  # the Prefect harness is a server


@pytest.fixture
def inbox(porting_env, monkeypatch):
    """An inbox root in the test's folder, with a short settle time."""
    monkeypatch.setenv("PORTING_INBOX_DIR", str(porting_env / "root"))
    monkeypatch.setenv("PORTING_INBOX_SETTLE_S", "0.3")
    monkeypatch.setenv("PORTING_INBOX_DRY_RUN", "true")
    return InboxPaths(porting_env / "root").ensure()


def test_scan_runs_a_dropped_folder_then_answers_its_duplicate_and_a_forced_rerun(inbox):
    """A drop runs and lands in done/ with reports; the same content again is pointed at the
    earlier result; renamed with `.rerun` it runs again."""
    drop_sample(inbox)
    first = asyncio.run(inbox_scan())
    assert [o["status"] for o in first["outcomes"]] == ["done"]
    done = Path(first["outcomes"][0]["filed"])
    assert done.parent == inbox.done and done.name.startswith("march-")
    assert (done / "march" / "sample-batch.xlsx").exists()
    result = result_of(done)
    assert result["batches"][0]["outcomes"] == {"planned": 43, "not_portable": 1}
    assert (done / result["reports"][0] / "numbers.csv").exists()
    assert list(inbox.inbox.iterdir()) == list(inbox.processing.iterdir()) == []
    ledger = Ledger(Settings().ledger_database_url)
    try:
        batch = ledger.batch("sample-batch")
    finally:
        ledger.close()
    assert batch is not None and batch["report_folder"] == str(done / result["reports"][0])

    drop_sample(inbox)
    second = asyncio.run(inbox_scan())
    assert [o["status"] for o in second["outcomes"]] == ["duplicate"]
    duplicate = Path(second["outcomes"][0]["filed"])
    assert result_of(duplicate)["earlier_result"] == str(done)
    assert str(done) in (duplicate / "result.md").read_text(encoding="utf-8")

    drop_sample(inbox, "march.rerun")
    third = asyncio.run(inbox_scan())
    assert [o["status"] for o in third["outcomes"]] == ["done"]
    rerun = Path(third["outcomes"][0]["filed"])
    assert result_of(rerun)["forced"] is True
    assert (rerun / "march" / "sample-batch.xlsx").exists()


def test_scan_leaves_a_file_that_is_still_being_written(inbox):
    """A file growing between the scan's two looks stays in the inbox, unclaimed."""
    with growing_file(inbox.inbox / "growing.csv", 0.02) as growing:
        result = asyncio.run(inbox_scan())
    assert result["claimed"] == [] and result["outcomes"] == []
    assert growing.exists()
    assert list(inbox.processing.iterdir()) == []


def test_scan_resumes_a_claim_a_crash_left_in_processing(inbox):
    """A claim left in processing/ runs on the next scan and counts as a second run."""
    drop_sample(inbox)
    left = claim(inbox, "march")
    assert left is not None
    release(left)  # the crash: the process that held the claim is gone
    result = asyncio.run(inbox_scan())
    assert result["resumed"] == ["march"]
    assert [o["status"] for o in result["outcomes"]] == ["done"]
    assert result_of(Path(result["outcomes"][0]["filed"]))["runs"] == 2


def test_scan_files_what_it_cannot_run_in_failed_with_the_reason(inbox):
    """An unreadable workbook and a loose PDF land in failed/ with error.md saying why."""
    (inbox.inbox / "broken.xlsx").write_text("not a workbook", encoding="utf-8")
    shutil.copy(SAMPLE_DIR / "loa-bluebird-bakery.pdf", inbox.inbox / "loa-bluebird-bakery.pdf")
    result = asyncio.run(inbox_scan())
    by_name = {o["name"]: Path(o["filed"]) for o in result["outcomes"]}
    assert {o["status"] for o in result["outcomes"]} == {"failed"}
    assert set(by_name) == {"broken.xlsx", "loa-bluebird-bakery.pdf"}
    assert "broken.xlsx" in (by_name["broken.xlsx"] / "error.md").read_text(encoding="utf-8")
    loa_error = by_name["loa-bluebird-bakery.pdf"] / "error.md"
    assert "not a spreadsheet" in loa_error.read_text(encoding="utf-8")
    assert all(p.parent == inbox.failed for p in by_name.values())


def test_watcher_hands_on_a_settled_drop_once(tmp_path):
    """The watcher triggers one scan per settled entry and ignores lock files."""
    (tmp_path / "sheet.csv").write_text("a\n", encoding="utf-8")
    (tmp_path / "~$sheet.xlsx").write_text("lock", encoding="utf-8")
    triggered: list[str] = []
    rounds = iter(range(3))
    watch(
        tmp_path,
        poll_s=0.01,
        settle_s=0.01,
        trigger=lambda p: triggered.append(p.name),
        stop=lambda: next(rounds, None) is None,
    )
    assert triggered == ["sheet.csv"]


def test_resumed_claim_adopts_the_orders_its_first_run_created(inbox, monkeypatch):
    """A claim whose run created orders before the crash is resumed through the ledger: the
    second run ends with the same orders, none created twice."""
    monkeypatch.setenv("PORTING_INBOX_DRY_RUN", "false")
    drop_sample(inbox)
    left = claim(inbox, "march")
    assert left is not None
    before = asyncio.run(
        port_in_batch(
            PortInRequest(spreadsheet=str(left.item), out_dir=str(report_folder_for(left)))
        )
    )
    release(left)  # the crash came after the orders were created, before the filing
    ledger = Ledger(Settings().ledger_database_url)
    try:
        created = {o.order_id for o in ledger.orders_for_batch("sample-batch")}
        result = asyncio.run(inbox_scan())
        after = {o.order_id for o in ledger.orders_for_batch("sample-batch")}
    finally:
        ledger.close()
    assert created and after == created
    (outcome,) = result["outcomes"]
    filed = result_of(Path(outcome["filed"]))
    assert (outcome["status"], filed["runs"]) == ("done", 2)
    assert filed["batches"][0]["orders"] == before["batches"][0]["orders"] == len(created)


def test_cli_inbox_scans_once_and_prints_where_each_drop_went(inbox, capsys, monkeypatch):
    """With PREFECT_API_URL set, `porting-batch inbox --inbox ROOT` runs the inbox-scan flow on
    that server and prints each drop's filing."""
    from prefect.settings import PREFECT_API_URL

    monkeypatch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))
    drop_sample(inbox, "june")
    (inbox.inbox / "~$june.xlsx").write_bytes(b"lock")
    code = main(["inbox", "--inbox", str(inbox.root)])
    printed = capsys.readouterr().out
    assert code == 0
    (filed,) = inbox.done.iterdir()
    assert f"done       june -> {filed}" in printed
    assert [p.name for p in inbox.inbox.iterdir()] == ["~$june.xlsx"]


def test_watcher_wakes_on_a_file_event_not_on_its_next_look(tmp_path):
    """With an hour between its own looks, the watcher still hands on a drop: the file-system
    event wakes it."""
    looked_once, handed = threading.Event(), threading.Event()
    triggered: list[str] = []
    calls = itertools.count()

    def stop() -> bool:
        if next(calls) >= 1:
            looked_once.set()  # the first (empty) look is done; now it waits for an event
        return handed.is_set()

    def trigger(path: Path) -> None:
        triggered.append(path.name)
        handed.set()

    watcher = threading.Thread(
        target=watch,
        args=(tmp_path,),
        kwargs={"poll_s": 3600, "settle_s": 0.05, "trigger": trigger, "stop": stop},
        daemon=True,
    )
    watcher.start()
    assert looked_once.wait(30)
    (tmp_path / "sheet.csv").write_text("a\n", encoding="utf-8")
    assert handed.wait(30), "no file-system event woke the watcher"
    watcher.join(10)
    assert triggered == ["sheet.csv"] and not watcher.is_alive()


def test_watcher_tries_again_when_the_scan_could_not_be_started(tmp_path):
    """A failed trigger (server unreachable) is retried on the next look, not forgotten."""
    (tmp_path / "sheet.csv").write_text("a\n", encoding="utf-8")
    attempts: list[str] = []

    def trigger(path: Path) -> None:
        attempts.append(path.name)
        if len(attempts) == 1:
            raise ConnectionError("server restarting")

    rounds = iter(range(4))
    watch(
        tmp_path,
        poll_s=0.01,
        settle_s=0.01,
        trigger=trigger,
        stop=lambda: next(rounds, None) is None,
    )
    assert attempts == ["sheet.csv", "sheet.csv"]
