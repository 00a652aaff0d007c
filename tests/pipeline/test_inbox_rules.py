"""The inbox rules as plain functions: what is claimed, when, once, and where it is filed."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from porting_batch.inbox import (
    InboxPaths,
    Look,
    claim,
    content_hash,
    earlier_result,
    entry_problem,
    finish,
    is_ignored,
    load_claim,
    pending_claims,
    ready,
    release,
    run_name,
    take_looks,
)

NOW = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 26, 18, 5, tzinfo=UTC)


@pytest.fixture
def paths(tmp_path):
    """The four inbox folders under a temporary root."""
    return InboxPaths(tmp_path / "root").ensure()


@pytest.mark.parametrize(
    ("name", "ignored"),
    [
        ("~$sheet.xlsx", True),
        (".~lock.sheet.xlsx#", True),
        (".hidden.csv", True),
        ("sheet.xlsx.crdownload", True),
        ("sheet.csv.part", True),
        ("sheet.tmp", True),
        ("sheet.xlsx", False),
        ("batch-folder", False),
    ],
    ids=lambda v: str(v),
)
def test_lock_hidden_and_temporary_names_are_ignored(name, ignored):
    """Office lock files, hidden files and download/copy temporaries are never claimed."""
    assert is_ignored(name) is ignored


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sheet.xlsx", ("sheet.xlsx", False)),
        ("sheet.rerun.xlsx", ("sheet.xlsx", True)),
        ("Sheet.RERUN.csv", ("Sheet.csv", True)),
        ("march.rerun", ("march", True)),
        (".rerun.xlsx", (".rerun.xlsx", False)),
        ("rerun.xlsx", ("rerun.xlsx", False)),
    ],
)
def test_force_mark_is_dropped_from_the_name_the_batch_runs_under(name, expected):
    """`sheet.rerun.xlsx` forces a run and runs as `sheet.xlsx`, the same ledger batch."""
    assert run_name(name) == expected


def test_only_entries_unchanged_between_two_looks_are_ready(paths):
    """A file that grew, a new file and an empty file are not ready; a stable one is."""
    (paths.inbox / "stable.csv").write_text("a,b\n", encoding="utf-8")
    (paths.inbox / "growing.csv").write_text("a,b\n", encoding="utf-8")
    (paths.inbox / "empty.csv").write_bytes(b"")
    (paths.inbox / "~$stable.xlsx").write_bytes(b"lock")
    first = take_looks(paths.inbox)
    with (paths.inbox / "growing.csv").open("a", encoding="utf-8") as handle:
        handle.write("1,2\n")
    (paths.inbox / "late.csv").write_text("a,b\n", encoding="utf-8")
    second = take_looks(paths.inbox)
    assert "~$stable.xlsx" not in second
    assert ready(first, second) == ["stable.csv"]


def test_a_rewrite_of_the_same_size_is_seen_by_its_modification_time():
    """Same size but a newer modification time counts as still being written."""
    assert ready({"a.csv": Look(10, 1, 1)}, {"a.csv": Look(10, 2, 1)}) == []
    assert ready({"a.csv": Look(10, 1, 1)}, {"a.csv": Look(10, 1, 1)}) == ["a.csv"]


def test_a_folder_is_ready_only_when_no_file_in_it_changed(paths):
    """A batch folder still receiving its PDFs is not ready."""
    folder = paths.inbox / "march"
    folder.mkdir()
    (folder / "sheet.csv").write_text("a\n", encoding="utf-8")
    first = take_looks(paths.inbox)
    (folder / "loa.pdf").write_bytes(b"%PDF")
    assert ready(first, take_looks(paths.inbox)) == []
    assert ready(take_looks(paths.inbox), take_looks(paths.inbox)) == ["march"]


def test_claim_moves_the_file_out_of_the_inbox_once(paths):
    """The first claim takes the file; a second claim of the same name finds nothing."""
    (paths.inbox / "sheet.csv").write_text("x\n", encoding="utf-8")
    found = claim(paths, "sheet.csv", now=NOW)
    assert found is not None
    assert not (paths.inbox / "sheet.csv").exists()
    assert found.item == paths.processing / "sheet.csv-20261126T180000Z" / "sheet.csv"
    assert found.item.read_text(encoding="utf-8") == "x\n"
    assert found.sha256 == content_hash(found.item)
    assert claim(paths, "sheet.csv", now=NOW) is None
    assert [p.name for p in paths.processing.iterdir()] == ["sheet.csv-20261126T180000Z"]


def test_forced_claim_runs_under_the_plain_name(paths):
    """A file dropped as `sheet.rerun.csv` is claimed as forced and runs as `sheet.csv`."""
    (paths.inbox / "sheet.rerun.csv").write_text("x\n", encoding="utf-8")
    found = claim(paths, "sheet.rerun.csv", now=NOW)
    assert found is not None and found.forced
    assert found.item.name == "sheet.csv"


def test_a_claim_left_in_processing_is_found_again_with_its_record(paths):
    """After a crash (the claim's lock let go), the next scan finds the claim as recorded."""
    (paths.inbox / "sheet.csv").write_text("x\n", encoding="utf-8")
    found = claim(paths, "sheet.csv", now=NOW)
    assert found is not None
    release(found)
    assert pending_claims(paths) == [found]


def test_a_claim_still_running_elsewhere_is_not_resumed(paths):
    """While the process running a claim holds it, another scan leaves it alone."""
    (paths.inbox / "sheet.csv").write_text("x\n", encoding="utf-8")
    running = claim(paths, "sheet.csv", now=NOW)
    assert running is not None
    assert pending_claims(paths) == []
    release(running)
    (resumed,) = pending_claims(paths)
    assert pending_claims(paths) == []  # now held by the resuming scan
    release(resumed)


def test_a_claim_whose_record_was_never_written_is_rebuilt(paths):
    """A crash between the rename and claim.json still leaves a resumable claim."""
    folder = paths.processing / "sheet.csv-20261126T180000Z"
    folder.mkdir()
    (folder / "sheet.csv").write_text("x\n", encoding="utf-8")
    rebuilt = load_claim(folder)
    assert rebuilt is not None
    assert (rebuilt.original_name, rebuilt.item, rebuilt.forced) == (
        "sheet.csv",
        folder / "sheet.csv",
        False,
    )
    assert rebuilt.sha256 == content_hash(folder / "sheet.csv")
    assert (folder / "claim.json").exists()


def test_finished_claim_moves_with_its_reports_into_done(paths):
    """A finished claim is filed as done/<name>-<time>/ with its file, reports and result."""
    (paths.inbox / "sheet.csv").write_text("x\n", encoding="utf-8")
    found = claim(paths, "sheet.csv", now=NOW)
    assert found is not None
    report = found.folder / "reports" / "sheet-run"
    report.mkdir(parents=True)
    summary = {"batch_id": "sheet", "complete": True, "report_folder": str(report)}
    target = finish(paths, found, "done", summaries=[summary], now=LATER)
    assert target == paths.done / "sheet.csv-20261126T180500Z"
    assert (target / "sheet.csv").exists() and (target / "reports" / "sheet-run").is_dir()
    result = json.loads((target / "result.json").read_text(encoding="utf-8"))
    assert (result["status"], result["reports"]) == ("done", ["reports/sheet-run"])
    assert list(paths.processing.iterdir()) == []


def test_failed_claim_carries_an_error_report_that_says_why(paths):
    """A failed claim lands in failed/ with error.md quoting the failure."""
    (paths.inbox / "sheet.csv").write_text("x\n", encoding="utf-8")
    found = claim(paths, "sheet.csv", now=NOW)
    assert found is not None
    target = finish(paths, found, "failed", error="API answered 401: check the key", now=LATER)
    assert target.parent == paths.failed
    assert "API answered 401: check the key" in (target / "error.md").read_text(encoding="utf-8")


def test_same_content_is_found_in_done_but_not_in_failed(paths):
    """Only a successful earlier run counts as the earlier result of the same content."""
    for name, status in (("a.csv", "done"), ("b.csv", "failed")):
        (paths.inbox / name).write_text("same\n", encoding="utf-8")
        found = claim(paths, name, now=NOW)
        assert found is not None
        finish(paths, found, status, now=LATER)
    sha = content_hash(next(paths.done.iterdir()) / "a.csv")
    assert earlier_result(paths, sha) == paths.done / "a.csv-20261126T180500Z"
    assert earlier_result(paths, "0" * 64) is None


def test_duplicate_note_points_at_the_earlier_result_and_the_force_mark(paths):
    """A duplicate is filed with a note naming the earlier result and how to force a run."""
    (paths.inbox / "sheet.xlsx").write_bytes(b"content")
    found = claim(paths, "sheet.xlsx", now=NOW)
    assert found is not None
    earlier = paths.done / "sheet.xlsx-20261120T080000Z"
    target = finish(paths, found, "duplicate", earlier=earlier, now=LATER)
    note = (target / "result.md").read_text(encoding="utf-8")
    assert str(earlier) in note and "sheet.rerun.xlsx" in note


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: p.write_bytes(b"%PDF"), "not a spreadsheet"),
        (lambda p: p.write_text("a\n"), ""),
    ],
    ids=["pdf", "csv"],
)
def test_entry_problem_names_what_to_drop_instead(tmp_path, make, problem):
    """A loose PDF is refused with what to drop instead; a spreadsheet is accepted."""
    target = tmp_path / ("loa.pdf" if problem else "sheet.csv")
    make(target)
    assert (problem in entry_problem(target)) if problem else entry_problem(target) == ""


def test_a_folder_without_a_spreadsheet_is_refused(tmp_path):
    """A dropped folder must hold the spreadsheet beside its PDFs."""
    folder = tmp_path / "march"
    folder.mkdir()
    (folder / "loa.pdf").write_bytes(b"%PDF")
    assert "holds no spreadsheet" in entry_problem(folder)


CHILD = """
import os, sys
from pathlib import Path
from porting_batch.inbox import InboxPaths, claim
found = claim(InboxPaths(Path(sys.argv[1])), "sheet.csv")
print("claimed", flush=True)
if sys.argv[2] == "crash":
    os._exit(1)
sys.stdin.read()  # hold the claim until the parent closes our stdin
"""


def test_the_os_lets_go_of_a_claim_when_its_process_dies(paths):
    """A process holding a claim keeps others off it; once it dies, the claim is resumable."""
    (paths.inbox / "sheet.csv").write_text("x\n", encoding="utf-8")
    holder = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(paths.root), "hold"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "claimed\n"
    assert pending_claims(paths) == []
    holder.kill()
    holder.wait()
    (resumed,) = pending_claims(paths)
    assert resumed.original_name == "sheet.csv" and resumed.item.read_text() == "x\n"
    release(resumed)


def test_a_claim_whose_process_exited_mid_run_is_resumed(paths):
    """A process that exits right after claiming leaves a claim the next scan takes."""
    (paths.inbox / "sheet.csv").write_text("x\n", encoding="utf-8")
    subprocess.run([sys.executable, "-c", CHILD, str(paths.root), "crash"], check=False)
    (resumed,) = pending_claims(paths)
    assert resumed.sha256 == content_hash(resumed.item)
    release(resumed)
