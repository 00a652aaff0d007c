"""write_reports: the report folder a run leaves behind."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from porting_batch.errors import IntakeError, ReportError
from porting_batch.intake import read_batch
from porting_batch.outcomes import Outcome
from porting_batch.reports import (
    ReportFiles,
    report_folder,
    summary_dict,
    summary_markdown,
    write_reports,
)
from porting_batch.reports.files import WRITER_FILE
from porting_batch.reports.tables import Tables
from porting_batch.reports.workbook import overflow_notes, write_report_files
from porting_batch.results import BatchResult, NumberResult
from porting_batch.runner import failed_intake_result
from porting_batch.settings import Settings

from .conftest import ACCOUNT, FOC, FORMULA, HEADERS, PIN, make_result
from .helpers import all_text, csv_rows, sheet_dicts, sheet_rows

FOC_NAIVE = FOC.replace(tzinfo=None)


def write(result: BatchResult, tmp_path: Path) -> ReportFiles:
    """Write the reports of ``result`` into a fresh folder."""
    return write_reports(result, tmp_path / "out")


def test_report_folder_is_named_after_the_batch_and_its_start_time(tmp_path: Path) -> None:
    """The folder is <out>/<batch name>-<YYYYmmdd-HHMMSS> in UTC, with a safe name; only
    <out> is created: the folder itself appears when the report is written, whole."""
    started = datetime(2026, 11, 26, 12, 0, 5, tzinfo=timezone(timedelta(hours=-6)))
    folder = report_folder(tmp_path / "reports", "acme / ports: Q4", started)
    assert folder == tmp_path / "reports" / "acme_ports_Q4-20261126-180005"
    assert folder.parent.is_dir() and not folder.exists()


def test_every_file_of_the_run_is_written_into_the_folder(
    result: BatchResult, tmp_path: Path
) -> None:
    """report.xlsx, three CSVs, summary.json and annotated.xlsx, and no temporary leftovers."""
    files = write(result, tmp_path)
    names = sorted(path.name for path in files.folder.iterdir())
    assert names == [
        "annotated.xlsx",
        "issues.csv",
        "numbers.csv",
        "orders.csv",
        "report.xlsx",
        "summary.json",
    ]
    assert files.annotated == files.folder / "annotated.xlsx"
    assert load_workbook(files.xlsx).sheetnames == ["Summary", "Numbers", "Orders", "Issues"]


def test_numbers_sheet_has_one_line_per_number_with_the_rows_values(
    result: BatchResult, tmp_path: Path
) -> None:
    """Whole rows read back: input row, original values (secrets masked), number, outcome, order."""
    files = write(result, tmp_path)
    header, *rows = sheet_rows(files.xlsx, "Numbers")
    assert header == [
        "Input sheet",
        "Input row",
        "Phone number (E.164)",
        "Outcome",
        "Reason",
        "Order id",
        "What to do",
        *HEADERS,
        "Order status",
        "FOC chosen (UTC)",
        "FOC reason",
        "Number type",
        "Losing carrier",
        "Portable",
        "FastPort",
    ]
    assert rows[0] == [
        "Numbers", 3, "+13125552486", "ready_as_draft", Outcome.READY_AS_DRAFT.description,
        "ord_0001", "Nothing: draft ready; confirm after review",
        "+13125552486", "Acme Inc", "••••••34", "••••17", "+13125550100", None,
        "draft", FOC_NAIVE, "earliest allowed", "local", "Bell Local", "yes", "yes",
    ]  # fmt: skip
    assert rows[5] == [
        "Numbers", 7, "+13125552499", "not_portable", "carrier refuses: account ••••••34 closed",
        None, "Not portable: leave with the current carrier or contact it",
        "+13125552499", "Acme Inc", "••••••34", "••••17", "+13125550100", "@SUM(1,2)",
        None, None, None, None, None, "no", None,
    ]  # fmt: skip


def test_every_input_row_appears_and_no_number_line_is_repeated(
    result: BatchResult, tmp_path: Path
) -> None:
    """Each input row is named at least once, and each (row, number) exactly once."""
    files = write(result, tmp_path)
    lines = [
        (r["Input row"], r["Phone number (E.164)"]) for r in sheet_dicts(files.xlsx, "Numbers")
    ]
    expected = [(n.row, n.phone_number or None) for n in result.numbers]
    assert lines == expected
    assert len(set(lines)) == len(lines)
    assert {row for row, _ in lines} == {3, 4, 5, 6, 7}


def test_numbers_csv_matches_the_numbers_sheet_with_a_bom(
    result: BatchResult, tmp_path: Path
) -> None:
    """numbers.csv holds the same lines, dates as text, starting with the UTF-8 BOM."""
    files = write(result, tmp_path)
    header, *rows = csv_rows(files.numbers_csv)
    assert header[:8] == [
        "Input sheet", "Input row", "Phone number (E.164)", "Outcome", "Reason", "Order id",
        "What to do", "Phone Number",
    ]  # fmt: skip
    assert len(rows) == len(result.numbers)
    assert rows[0] == [
        "Numbers", "3", "+13125552486", "ready_as_draft", Outcome.READY_AS_DRAFT.description,
        "ord_0001", "Nothing: draft ready; confirm after review",
        "+13125552486", "Acme Inc", "••••••34", "••••17", "+13125550100", "",
        "draft", "2026-12-03 15:00:00", "earliest allowed", "local", "Bell Local", "yes", "yes",
    ]  # fmt: skip


def test_orders_sheet_and_csv_describe_each_order(result: BatchResult, tmp_path: Path) -> None:
    """Whole order rows: ids, masked account, counts, FOCs, documents, status."""
    files = write(result, tmp_path)
    header, row = sheet_rows(files.xlsx, "Orders")
    assert dict(zip(header, row, strict=True)) == {
        "Order id": "ord_0001",
        "Customer reference": "pb-acme-1",
        "Account": "••••••34",
        "Country": "US",
        "Number type": "local",
        "Losing carrier / SPID": "Bell Local",
        "FastPort": "yes",
        "Numbers": 4,
        "FOC requested (UTC)": FOC_NAIVE,
        "FOC chosen (UTC)": FOC_NAIVE,
        "FOC reason": "earliest allowed",
        "Documents attached": "invoice: doc_inv_1, loa: doc_loa_1",
        "Status": "draft",
        "Needs attention": None,
        "Support key": "sr_1",
        "Sent": None,
    }
    csv_header, csv_row = csv_rows(files.orders_csv)
    assert csv_header == header
    assert csv_row[:8] == [
        "ord_0001",
        "pb-acme-1",
        "••••••34",
        "US",
        "local",
        "Bell Local",
        "yes",
        "4",
    ]


def test_issues_sheet_lists_each_issue_with_its_cell_and_fix(
    result: BatchResult, tmp_path: Path
) -> None:
    """Whole issue rows, file-level issues with no cell, secrets masked in value and message."""
    files = write(result, tmp_path)
    header, *rows = sheet_rows(files.xlsx, "Issues")
    assert header == [
        "Severity", "Input cell", "Input sheet", "Input row", "Column", "Value", "Message",
        "How to fix", "Code", "Source",
    ]  # fmt: skip
    assert rows == [
        ["error", "Numbers!A6", "Numbers", 6, "phone_number", "+1 555",
         "'+1 555' is not a valid phone number", "write it as +1 312 555 2486", "PHONE_INVALID",
         "intake"],
        ["warning", "Numbers!D3", "Numbers", 3, "pin_passcode", "••••17",
         "PIN ••••17 looks like a date", "check the PIN with the losing carrier",
         "PIN_SUSPICIOUS", "intake"],
        ["error", "Numbers!A7", "Numbers", 7, "phone_number", "+13125552499",
         "the carrier says this number is not portable", None, "NOT_PORTABLE", "portability"],
        ["warning", None, None, None, None, None, "the file has a hidden sheet 'Lookup'", None,
         "HIDDEN_SHEET", "intake"],
    ]  # fmt: skip
    assert csv_rows(files.issues_csv)[1][:6] == [
        "error", "Numbers!A6", "Numbers", "6", "phone_number", "+1 555",
    ]  # fmt: skip


def test_each_issue_names_the_input_cell_that_holds_the_bad_value(
    result: BatchResult, tmp_path: Path
) -> None:
    """Following 'Input cell' into the operator's workbook finds the value the issue quotes."""
    files = write(result, tmp_path)
    source = load_workbook(result.input_path)
    cell_issues = [issue for issue in result.issues if issue.row]
    assert cell_issues
    for issue, line in zip(result.issues, sheet_dicts(files.xlsx, "Issues"), strict=True):
        if not issue.row:
            continue
        sheet, ref = line["Input cell"].split("!")
        assert source[sheet][ref].value == issue.value


def test_secrets_never_appear_in_clear_in_any_file(result: BatchResult, tmp_path: Path) -> None:
    """PIN, account number and API key are absent from every file but the annotated copy."""
    files = write(result, tmp_path)
    assert files.annotated is not None
    for path in files.all_paths():
        if path == files.annotated:
            continue
        text = all_text(path)
        assert PIN not in text, path.name
        assert ACCOUNT not in text, path.name
        assert "KEYsecret123" not in text, path.name
    markdown = summary_markdown(result, files)
    assert PIN not in markdown and ACCOUNT not in markdown


def test_formula_looking_text_stays_text_in_the_workbook(
    result: BatchResult, tmp_path: Path
) -> None:
    """Formula-looking cells are text with a quote prefix; E.164 is plain text."""
    files = write(result, tmp_path)
    sheet = load_workbook(files.xlsx)["Numbers"]
    notes = sheet["M"]
    assert [cell.value for cell in notes] == [
        "Notes",
        None,
        FORMULA,
        None,
        None,
        "-5 days",
        "@SUM(1,2)",
    ]
    risky = [cell for cell in notes[1:] if cell.value]
    assert [cell.value for cell in risky] == [FORMULA, "-5 days", "@SUM(1,2)"]
    for cell in risky:
        assert cell.data_type == "s"
        assert cell.quotePrefix
    phone = sheet["C2"]
    assert (phone.value, phone.data_type, phone.quotePrefix) == ("+13125552486", "s", False)


def test_formula_looking_text_gets_an_apostrophe_in_csv(
    result: BatchResult, tmp_path: Path
) -> None:
    """In CSV risky text is prefixed with an apostrophe; phone numbers keep their '+'."""
    files = write(result, tmp_path)
    _, *rows = csv_rows(files.numbers_csv)
    assert [row[12] for row in rows] == ["", "'" + FORMULA, "", "", "'-5 days", "'@SUM(1,2)"]
    assert [row[2] for row in rows] == [
        "+13125552486", "+13125552487", "+13125552490", "+13125552491", "", "+13125552499",
    ]  # fmt: skip


def test_numbers_sheet_is_formatted_for_reading(result: BatchResult, tmp_path: Path) -> None:
    """Frozen header, filter over every row, widths set, dates as dates, outcomes coloured."""
    files = write(result, tmp_path)
    sheet = load_workbook(files.xlsx)["Numbers"]
    assert sheet.freeze_panes == "D2"
    assert sheet.auto_filter.ref == "A1:T7"
    assert sheet.column_dimensions["E"].width > 40
    assert sheet["E2"].alignment.wrap_text
    foc = sheet["O2"]
    assert foc.is_date and foc.value == FOC_NAIVE
    assert sheet["D2"].fill.fgColor.rgb.endswith("C6EFCE")
    assert sheet["D6"].fill.fgColor.rgb.endswith("FFC7CE")


def test_summary_sheet_gives_counts_settings_and_the_input_hash(
    result: BatchResult, tmp_path: Path
) -> None:
    """Summary names the input and its hash, counts by outcome and status, and safe settings."""
    files = write(result, tmp_path)
    rows: dict[str, list[Any]] = {}
    for row in sheet_rows(files.xlsx, "Summary"):
        if row and row[0]:
            rows.setdefault(row[0], row[1:])
    assert rows["Status"][0].startswith("Complete")
    assert rows["Input file SHA-256"][0] == "ab" * 32
    assert rows["Input file"][0] == str(result.input_path)
    assert rows["Input rows"][0] == 5
    assert rows["ready_as_draft"][:2] == [4, Outcome.READY_AS_DRAFT.description]
    assert rows["not_processed"][:2] == [0, Outcome.NOT_PROCESSED.description]
    assert rows["draft"][0] == 1
    assert rows["api_key"][0] == "set (hidden)"
    assert rows["requests_per_second"][0] == 20.0
    assert rows["Started (UTC)"][0] == datetime(2026, 11, 26, 17, 0, 5)


def test_summary_json_holds_the_counts_and_the_file_names(
    result: BatchResult, tmp_path: Path
) -> None:
    """summary.json is summary_dict plus the files, with counts for the whole closed outcome set."""
    files = write(result, tmp_path)
    data = json.loads(files.summary_json.read_text(encoding="utf-8"))
    assert data == summary_dict(result, files=files)
    assert data["status"] == "complete"
    assert data["outcomes"]["ready_as_draft"] == 4
    assert data["outcomes"]["not_portable"] == 1
    assert set(data["outcomes"]) == {outcome.value for outcome in Outcome}
    assert data["orders_by_status"] == {"draft": 1}
    assert data["issues"] == {"error": 2, "warning": 2}
    assert data["input_rows"] == 5
    assert data["started_at"] == "2026-11-26T17:00:05Z"
    assert data["files"]["annotated"] == "annotated.xlsx"


def test_a_failed_run_still_reports_marked_incomplete(tmp_path: Path) -> None:
    """complete=False: Summary and summary.json say INCOMPLETE and why; rows keep their state."""
    result = make_result(tmp_path, complete=False, failure=f"API unreachable while PIN {PIN} sent")
    result.finished_at = None
    result.numbers[-1].outcome = Outcome.NOT_PROCESSED
    result.numbers[-1].reason = ""
    files = write(result, tmp_path)
    status = next(row for row in sheet_rows(files.xlsx, "Summary") if row[0] == "Status")
    assert status[1].startswith("INCOMPLETE: API unreachable while PIN ••••17 sent")
    data = json.loads(files.summary_json.read_text(encoding="utf-8"))
    assert (data["status"], data["complete"], data["finished_at"]) == ("incomplete", False, None)
    assert data["failure"] == "API unreachable while PIN ••••17 sent"
    last = sheet_dicts(files.xlsx, "Numbers")[-1]
    assert (last["Outcome"], last["Reason"]) == ("not_processed", Outcome.NOT_PROCESSED.description)
    assert "INCOMPLETE" in summary_markdown(result, files)


def test_the_report_of_an_unreadable_file_says_to_fix_it_before_running_it_again(
    tmp_path: Path,
) -> None:
    """A file refused whole: Summary sheet and page say nothing was sent and to fix the file."""
    settings = Settings(out_dir=tmp_path / "reports")
    path = tmp_path / "old.xls"
    path.write_bytes(b"not a workbook")
    with pytest.raises(IntakeError) as caught:
        read_batch(path, settings)
    result = failed_intake_result(settings, path, caught.value)
    files = write(result, tmp_path)
    status = next(row for row in sheet_rows(files.xlsx, "Summary") if row[0] == "Status")
    assert status[1].startswith("INCOMPLETE: old.xls: '.xls' is not a spreadsheet type")
    assert status[1].endswith("Nothing was sent: fix the file, then run it again.")
    page = summary_markdown(result, files)
    assert "fix the file, then run it again" in page and "Run the file again" not in page


class _Exploding(str):
    """A value that fails when written, as a full disk would half-way through a file."""

    def __str__(self) -> str:
        raise OSError(28, "No space left on device")


def test_an_interrupted_write_leaves_no_partial_file(result: BatchResult, tmp_path: Path) -> None:
    """A failure half-way raises ReportError; no report folder and no temporary one remain."""
    folder = tmp_path / "out"
    result.numbers[3].raw = {**result.numbers[3].raw, "Entity": _Exploding("x")}
    with pytest.raises(ReportError, match=r"report\.xlsx"):
        write_reports(result, folder)
    assert not folder.exists()
    assert list(tmp_path.glob(".out.*")) == []


def test_a_failed_rewrite_keeps_the_previous_report_whole(tmp_path: Path) -> None:
    """Rewriting over an earlier report and failing leaves the earlier file as it was."""
    result = make_result(tmp_path)
    folder = tmp_path / "out"
    write_reports(result, folder)
    before = (folder / "report.xlsx").read_bytes()
    result.numbers[0].raw = {**result.numbers[0].raw, "Entity": _Exploding("x")}
    with pytest.raises(ReportError):
        write_reports(result, folder)
    assert (folder / "report.xlsx").read_bytes() == before
    assert not [path for path in folder.iterdir() if path.name.startswith(".")]


def test_an_empty_run_still_writes_every_file(tmp_path: Path) -> None:
    """No numbers, orders or issues: the sheets hold just their headers."""
    result = make_result(tmp_path)
    result.numbers, result.orders, result.issues = [], [], []
    files = write(result, tmp_path)
    assert len(sheet_rows(files.xlsx, "Numbers")) == 1
    assert len(csv_rows(files.orders_csv)) == 1
    assert "(none)" in summary_markdown(result, files)


def test_summary_markdown_names_counts_first_errors_and_files(
    result: BatchResult, tmp_path: Path
) -> None:
    """The Markdown artifact gives outcome and status counts, first errors and the folder."""
    files = write(result, tmp_path)
    text = summary_markdown(result, files)
    assert "- 5 input rows, 6 numbers, 1 order\n" in text
    assert "| ready_as_draft | 4 |" in text
    assert "| draft | 1 |" in text
    assert "Numbers!A6 (phone_number): '+1 555': '+1 555' is not a valid phone number" in text
    assert str(files.folder) in text
    assert "`report.xlsx`" in text


def test_masked_headers_given_by_the_caller_replace_the_default(
    result: BatchResult, tmp_path: Path
) -> None:
    """A caller naming 'Entity' as secret gets it masked, and 'PIN' then shows as typed."""
    files = write_reports(result, tmp_path / "out", masked_headers={"Entity", "Account #"})
    first = sheet_dicts(files.xlsx, "Numbers")[0]
    assert (first["Entity"], first["PIN"]) == ("••••••nc", PIN)


def test_naive_and_aware_times_are_written_in_utc(tmp_path: Path) -> None:
    """An aware FOC in another zone is shown in UTC; a naive one is taken as UTC already."""
    result = make_result(tmp_path)
    result.numbers[0].foc_chosen = datetime(2026, 12, 3, 9, 0, tzinfo=timezone(timedelta(hours=-6)))
    result.numbers[1].foc_chosen = datetime(2026, 12, 4, 15, 0)
    files = write(result, tmp_path)
    lines = sheet_dicts(files.xlsx, "Numbers")
    assert [line["FOC chosen (UTC)"] for line in lines[:2]] == [
        datetime(2026, 12, 3, 15, 0),
        datetime(2026, 12, 4, 15, 0),
    ]
    assert UTC  # the zone the report speaks


def test_raw_values_missing_from_the_headers_still_get_a_column(tmp_path: Path) -> None:
    """A value under a header the result did not list is shown, not lost."""
    result = make_result(tmp_path)
    result.input_headers = []
    result.numbers.append(
        NumberResult("Numbers", 8, "x", "", Outcome.INVALID_INPUT, raw={"Extra": "kept"})
    )
    files = write(result, tmp_path)
    header, *rows = sheet_rows(files.xlsx, "Numbers")
    assert header[7:14] == [*HEADERS, "Extra"]
    assert rows[-1][13] == "kept"


def test_a_table_longer_than_a_sheet_goes_on_in_its_csv(
    result: BatchResult, tmp_path: Path
) -> None:
    """Past the sheet's row limit the sheet stops, the CSV holds every line, a note says so."""
    tables = Tables(result)
    paths = tuple(tmp_path / name for name in ("n.csv", "o.csv", "i.csv"))
    write_report_files(tmp_path / "r.xlsx", paths, tables, [], sheet_max_rows=4)  # type: ignore[arg-type]
    assert len(sheet_rows(tmp_path / "r.xlsx", "Numbers")) == 4
    assert len(csv_rows(paths[0])) == 1 + len(result.numbers)
    assert overflow_notes(tables, 4) == [
        "The Numbers sheet holds the first 3 of 6 lines, Excel's limit; "
        "numbers.csv holds them all.",
        "The Issues sheet holds the first 3 of 4 lines, Excel's limit; issues.csv holds them all.",
    ]


def test_default_masking_follows_the_template_catalogue(tmp_path: Path) -> None:
    """'Port-out PIN' and 'Acct' (catalogue synonyms) are masked; 'Account type' is not."""
    result = make_result(tmp_path)
    for number in result.numbers:
        number.raw = {"Port-out PIN": "55667788", "Acct": "12345678", "Account type": "business"}
    result.input_headers = ["Port-out PIN", "Acct", "Account type"]
    files = write(result, tmp_path)
    first = sheet_dicts(files.xlsx, "Numbers")[0]
    assert (first["Port-out PIN"], first["Acct"], first["Account type"]) == (
        "••••••88",
        "••••••78",
        "business",
    )


def test_an_order_that_needs_attention_is_highlighted(tmp_path: Path) -> None:
    """A filled-in 'Needs attention' cell is amber; an empty one stays plain."""
    result = make_result(tmp_path)
    second = dataclasses.replace(
        result.orders[0], order_id="ord_0002", attention="upload the invoice"
    )
    result.orders.append(second)
    files = write(result, tmp_path)
    sheet = load_workbook(files.xlsx)["Orders"]
    assert sheet["N3"].value == "upload the invoice"
    assert sheet["N3"].fill.fgColor.rgb == "FFFFEB9C"
    assert sheet["N2"].value is None and sheet["N2"].fill.fill_type is None


def test_a_folder_that_cannot_be_made_is_a_report_error(
    result: BatchResult, tmp_path: Path
) -> None:
    """An output path blocked by a file gives ReportError naming it, not a traceback."""
    blocker = tmp_path / "taken"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    with pytest.raises(ReportError, match="cannot create the report folder"):
        report_folder(blocker, "acme", datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ReportError, match="cannot create the report folder"):
        write_reports(result, blocker / "sub")


def test_temporary_files_left_by_a_killed_writer_are_cleared(
    result: BatchResult, tmp_path: Path
) -> None:
    """An old '.report.<hex>.tmp.xlsx' goes; a fresh one (a live writer) and other files stay."""
    folder = tmp_path / "out"
    folder.mkdir()
    stale = folder / ".report.0123456789ab.tmp.xlsx"
    fresh = folder / ".numbers.ba9876543210.tmp.csv"
    mine = folder / ".operator-notes.txt"
    for path in (stale, fresh, mine):
        path.write_text("x", encoding="utf-8")
    os.utime(stale, (1_000_000_000, 1_000_000_000))
    write_reports(result, folder)
    assert not stale.exists()
    assert fresh.exists() and mine.exists()


def _left_by(tmp_path: Path, name: str, pid: int) -> Path:
    """A temporary report folder as a writer with ``pid`` would have left it."""
    folder = tmp_path / f".{name}.0123456789ab.tmp"
    folder.mkdir()
    (folder / "report.xlsx").write_text("half", encoding="utf-8")
    (folder / WRITER_FILE).write_text(f"{socket.gethostname()} {pid}\n", encoding="utf-8")
    return folder


def _dead_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=30)
    return child.pid


def test_a_killed_writers_temporary_folder_of_the_batch_is_removed(
    result: BatchResult, tmp_path: Path
) -> None:
    """The next write of the batch removes the folder a dead writer left; a live writer's
    folder and another batch's are left alone."""
    dead = _left_by(tmp_path, "acme-20260101-000000", _dead_pid())
    live = _left_by(tmp_path, "acme-20260101-000001", os.getpid())
    other = _left_by(tmp_path, "globex-20260101-000000", _dead_pid())
    files = write_reports(result, tmp_path / "acme-20260102-000000")
    assert not dead.exists()
    assert live.exists() and other.exists()
    assert (files.folder / "summary.json").exists()


def test_a_new_report_folder_appears_whole(result: BatchResult, tmp_path: Path) -> None:
    """The summary names the final folder, and nothing of the temporary one is left."""
    out = tmp_path / "out"
    files = write_reports(result, out / "acme-20260102-000000")
    data = json.loads(files.summary_json.read_text(encoding="utf-8"))
    assert str(out / "acme-20260102-000000") in json.dumps(data)
    assert ".tmp" not in json.dumps(data)
    assert [p.name for p in out.iterdir()] == ["acme-20260102-000000"]
    assert WRITER_FILE not in {p.name for p in files.folder.iterdir()}


def test_an_foc_on_another_day_than_requested_is_flagged_in_the_orders_sheet(
    result: BatchResult, tmp_path: Path
) -> None:
    """An order whose FOC moved two days past the requested one says so; an on-time one not."""
    on_time = dataclasses.replace(result.orders[0], order_id="ord_0002")
    result.orders[0].foc_chosen = FOC + timedelta(days=2)
    result.orders.append(on_time)
    files = write(result, tmp_path)
    reasons = [line["FOC reason"] for line in sheet_dicts(files.xlsx, "Orders")]
    assert reasons[0].startswith("earliest allowed; FOC 2 day(s) later than requested (2026-12-03)")
    assert reasons[1] == "earliest allowed"
    assert csv_rows(files.orders_csv)[1][10] == reasons[0]
