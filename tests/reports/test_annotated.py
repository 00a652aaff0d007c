"""annotated.xlsx: the operator's workbook with a result column and the bad cells marked."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.styles import Border, PatternFill, Side

from porting_batch.issues import Issue, Severity
from porting_batch.reports import write_reports
from porting_batch.results import BatchResult

from .conftest import FORMULA, HEADERS, PIN, make_result
from .helpers import sheet_rows


def test_annotated_copy_adds_a_result_column_after_the_operators_columns(
    result: BatchResult, tmp_path: Path
) -> None:
    """The header row (under the title row) gets porting_batch_result; each row its outcome."""
    files = write_reports(result, tmp_path / "out")
    assert files.annotated is not None
    rows = sheet_rows(files.annotated, "Numbers")
    assert rows[1] == [*HEADERS, "porting_batch_result"]
    assert [row[len(HEADERS)] for row in rows[2:]] == [
        "ready_as_draft",
        "ready_as_draft",
        "2 ready_as_draft",
        "invalid_input: '+1 555' is not a phone number",
        "not_portable: carrier refuses: account ••••••34 closed",
    ]


def test_annotated_copy_leaves_the_operators_cells_as_they_were(
    result: BatchResult, tmp_path: Path
) -> None:
    """Every original cell, title row included, reads back exactly as in the input."""
    files = write_reports(result, tmp_path / "out", annotated_clear_secrets=True)
    assert files.annotated is not None
    before = sheet_rows(result.input_path, "Numbers")
    after = sheet_rows(files.annotated, "Numbers")
    assert [row[: len(HEADERS)] for row in after] == [
        (row + [None] * len(HEADERS))[: len(HEADERS)] for row in before
    ]
    assert after[3][5] == FORMULA
    book = load_workbook(files.annotated)
    assert book["Numbers"]["F4"].data_type == "s"


def test_each_issue_cell_is_highlighted_and_carries_its_message(
    result: BatchResult, tmp_path: Path
) -> None:
    """Errors are red, warnings yellow, and the comment holds message and fix, secrets masked."""
    files = write_reports(result, tmp_path / "out", annotated_clear_secrets=True)
    assert files.annotated is not None
    sheet = load_workbook(files.annotated)["Numbers"]
    for issue in result.issues:
        if not issue.row:
            continue
        cell = sheet[f"{issue.column_letter}{issue.row}"]
        assert cell.value == issue.value
        colour = "FFC7CE" if issue.is_error else "FFEB9C"
        assert cell.fill.fgColor.rgb.endswith(colour), issue.cell
        assert cell.comment is not None
        assert issue.message.replace(PIN, "••••17") in cell.comment.text
    pin_comment = sheet["D3"].comment
    assert pin_comment is not None
    assert pin_comment.text == (
        "warning: PIN ••••17 looks like a date Fix: check the PIN with the losing carrier"
    )
    assert sheet["A3"].comment is None
    assert sheet["A3"].fill.fill_type is None


def test_a_csv_input_becomes_a_workbook_that_keeps_every_value_as_text(tmp_path: Path) -> None:
    """From CSV: "+" and leading zeros survive, formula-like text stays text, cells are marked."""
    result = make_result(tmp_path)
    source = tmp_path / "acme.csv"
    lines = [
        ",".join(HEADERS),
        '+13125552486,Acme Inc,0088001234,0520,+13125550100,"=1+2"',
    ]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    result.input_path = source
    result.numbers = result.numbers[:1]
    result.numbers[0].row = 2
    result.issues = [issue for issue in result.issues if issue.code == "PHONE_INVALID"]
    issue = result.issues[0]
    result.issues = [
        type(issue)(issue.severity, "bad", sheet="Numbers", row=2, column_letter="A", value="x")
    ]
    files = write_reports(result, tmp_path / "out", annotated_clear_secrets=True)
    assert files.annotated is not None
    sheet = load_workbook(files.annotated)["Numbers"]
    assert [cell.value for cell in sheet[2]] == [
        "+13125552486", "Acme Inc", "0088001234", "0520", "+13125550100", "=1+2", "ready_as_draft",
    ]  # fmt: skip
    assert sheet["F2"].data_type == "s"
    assert sheet["G1"].value == "porting_batch_result"
    assert sheet["A2"].comment is not None and sheet["A2"].comment.text == "error: bad"


def test_a_big_input_gets_no_annotated_copy_and_the_summary_says_why(
    result: BatchResult, tmp_path: Path
) -> None:
    """Above the row limit annotated is None, and Summary and summary.json carry the note."""
    files = write_reports(result, tmp_path / "out", annotated_max_rows=4)
    assert files.annotated is None
    assert not (files.folder / "annotated.xlsx").exists()
    note = files.notes[0]
    assert note.startswith(
        "annotated.xlsx was not written: the input has 5 rows, more than 4 (for 6 columns)"
    )
    assert ["Note", note, None] in sheet_rows(files.xlsx, "Summary")
    data = json.loads(files.summary_json.read_text(encoding="utf-8"))
    assert (data["files"]["annotated"], data["notes"]) == (None, [note])


def test_a_vanished_input_gets_no_annotated_copy_but_the_report_is_written(
    result: BatchResult, tmp_path: Path
) -> None:
    """The input file removed since the run: a note, and every other file as usual."""
    Path(result.input_path).unlink()
    files = write_reports(result, tmp_path / "out")
    assert files.annotated is None
    assert "is no longer there" in files.notes[0]
    assert files.xlsx.exists() and files.summary_json.exists()


def test_an_input_openpyxl_cannot_read_gets_a_note(result: BatchResult, tmp_path: Path) -> None:
    """A legacy .xls (or a corrupt .xlsx) is reported without an annotated copy."""
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    result.input_path = broken
    files = write_reports(result, tmp_path / "out")
    assert files.annotated is None
    assert "could not be opened again" in files.notes[0]
    legacy = tmp_path / "old.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0")
    result.input_path = legacy
    files = write_reports(result, tmp_path / "out2")
    assert "only .xlsx, .xlsm and .csv" in files.notes[0]


def test_a_wide_input_is_limited_by_its_cells(tmp_path: Path) -> None:
    """A row limit is lowered for wide sheets: 25,000 cells in 6 columns is 4,166 rows."""
    result = make_result(tmp_path)
    template = result.numbers[0]
    result.numbers = [dataclasses.replace(template, row=row) for row in range(2, 4_200)]
    files = write_reports(
        result, tmp_path / "out", annotated_max_rows=10_000, annotated_max_cells=25_000
    )
    assert files.annotated is None
    assert "more than 4,166 (for 6 columns)" in files.notes[0]


def test_odd_issue_cells_are_commented_on_the_rows_result(tmp_path: Path) -> None:
    """An issue on a merged cell or with an unusable column letter is noted on the result cell."""
    result = make_result(tmp_path)
    book = load_workbook(result.input_path)
    book["Numbers"].merge_cells("E3:F3")
    book.save(result.input_path)
    error = result.issues[0]
    result.issues = [
        dataclasses.replace(error, row=3, column_letter="F", message="merged away"),
        dataclasses.replace(error, row=4, column_letter="7", message="no such column"),
    ]
    files = write_reports(result, tmp_path / "out")
    assert files.annotated is not None
    sheet = load_workbook(files.annotated)["Numbers"]
    assert sheet["G3"].comment is not None and sheet["G3"].comment.text.startswith(
        "error: merged away"
    )
    assert sheet["G4"].comment is not None and "no such column" in sheet["G4"].comment.text


def test_a_csv_with_a_long_name_is_still_annotated(tmp_path: Path) -> None:
    """Rows named after a CSV stem longer than a sheet title still land on the one sheet."""
    result = make_result(tmp_path)
    source = tmp_path / ("a-very-long-file-name-for-a-porting-batch" + ".csv")
    source.write_text(",".join(HEADERS) + "\n+13125552486,Acme,1,2,3,4\n", encoding="utf-8")
    result.input_path = source
    result.numbers = [dataclasses.replace(result.numbers[0], sheet=source.stem, row=2)]
    result.issues = [dataclasses.replace(result.issues[0], sheet=source.stem, row=2)]
    files = write_reports(result, tmp_path / "out")
    assert files.annotated is not None
    sheet = load_workbook(files.annotated).active
    assert sheet["G2"].value == "ready_as_draft"
    assert sheet["A2"].comment is not None


def _styled_input(result: BatchResult) -> None:
    """The operator's header row filled and bordered, with an auto-filter over the table."""
    book = load_workbook(result.input_path)
    sheet = book["Numbers"]
    thin = Side(style="thin")
    for cell in sheet[2]:
        cell.fill = PatternFill("solid", start_color="FF305496")
        cell.border = Border(bottom=thin)
    sheet.auto_filter.ref = "A2:F7"
    book.save(result.input_path)


def test_result_column_is_inside_the_filter_and_styled_like_the_header(
    result: BatchResult, tmp_path: Path
) -> None:
    """The operator's auto-filter grows to the result column, whose header copies theirs."""
    _styled_input(result)
    files = write_reports(result, tmp_path / "out")
    assert files.annotated is not None
    sheet = load_workbook(files.annotated)["Numbers"]
    assert sheet.auto_filter.ref == "A2:G7"
    header = sheet["G2"]
    assert header.value == "porting_batch_result"
    assert header.fill.fgColor.rgb == sheet["F2"].fill.fgColor.rgb == "FF305496"
    assert header.border.bottom.style == "thin"
    assert header.font.b


def test_an_invalid_rows_result_stays_red_under_a_warning(
    result: BatchResult, tmp_path: Path
) -> None:
    """A row-level warning on an invalid row does not turn its red result cell amber."""
    result.issues.append(
        Issue(Severity.WARNING, "the row looks odd", sheet="Numbers", row=6, code="odd")
    )
    files = write_reports(result, tmp_path / "out")
    assert files.annotated is not None
    cell = load_workbook(files.annotated)["Numbers"]["G6"]
    assert cell.value.startswith("invalid_input")
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert "the row looks odd" in cell.comment.text


def test_no_cell_gets_an_empty_comment(result: BatchResult, tmp_path: Path) -> None:
    """An issue with neither message nor fix marks its cell but leaves no blank comment."""
    result.issues.append(
        Issue(Severity.WARNING, "", sheet="Numbers", row=3, column="notes", column_letter="F")
    )
    files = write_reports(result, tmp_path / "out")
    assert files.annotated is not None
    sheet = load_workbook(files.annotated)["Numbers"]
    comments = [cell.comment.text for row in sheet.iter_rows() for cell in row if cell.comment]
    assert comments and all(text.strip() for text in comments)
    assert sheet["F3"].comment is None
