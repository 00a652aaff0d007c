"""The tracking report: what needs action first, every order, what moved; safe to open."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from porting_batch.deadlines import OrderFacts, deadline_warnings
from porting_batch.errors import ReportError
from porting_batch.remedies import ExceptionDetail, remedy_for
from porting_batch.reports import TrackedOrder, write_tracking_report

from .rows import ACCOUNT, PIN, input_row

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
FORMULA = '=HYPERLINK("http://evil.example","x")'


def _tracked() -> list[TrackedOrder]:
    rows = [input_row(12), input_row(13)]
    details = [ExceptionDetail("ENTITY_NAME_MISMATCH", "Entity name does not match")]
    rejected = TrackedOrder(
        "batch-1",
        "ord-rejected",
        "exception",
        customer_reference=FORMULA,
        support_key="sr_1",
        foc_requested=NOW + timedelta(days=9),
        changes=["status submitted -> exception", f"carrier says account {ACCOUNT} is closed"],
        exception_details=details,
        remedies=remedy_for(details, rows, csr={"entity_name": "ACME INC"}),
        rows=rows,
    )
    quiet = TrackedOrder(
        "batch-1",
        "ord-quiet",
        "submitted",
        foc_requested=NOW + timedelta(days=9),
        rows=[input_row(14)],
    )
    draft_facts = OrderFacts("ord-draft", "draft", created_at=NOW - timedelta(days=29))
    old_draft = TrackedOrder(
        "batch-2", "ord-draft", "draft", warnings=deadline_warnings(draft_facts, NOW)
    )
    bare = TrackedOrder("batch-2", "ord-bare", "exception", changes=[f"PIN {PIN} refused"])
    ported = TrackedOrder(
        "batch-2",
        "ord-ported",
        "ported",
        foc_confirmed=NOW - timedelta(hours=3),
        changes=["status foc-date-confirmed -> ported", "-1 number moved"],
    )
    return [rejected, quiet, old_draft, bare, ported]


@pytest.fixture
def report(tmp_path: Path):
    """The report of five orders: three need action, two do not."""
    return write_tracking_report(_tracked(), tmp_path / "track", NOW)


def _values(path: Path, sheet: str) -> list[tuple]:
    return list(load_workbook(path)[sheet].iter_rows(values_only=True))


def test_workbook_opens_with_its_sheets_in_order(report) -> None:
    """openpyxl reads the four sheets, Needs action first, headers frozen and filtered."""
    book = load_workbook(report.xlsx)
    assert book.sheetnames == ["Needs action", "Orders", "Changes", "Summary"]
    for name in ("Needs action", "Orders", "Changes"):
        assert book[name].freeze_panes == "A2"
        assert book[name].auto_filter.ref.startswith("A1:")


def test_needs_action_holds_exactly_the_orders_that_need_action(report) -> None:
    """Rejected, near-deleted draft and detail-less exception are there; the rest are not."""
    rows = _values(report.xlsx, "Needs action")[1:]
    assert sorted({row[1] for row in rows}) == ["ord-bare", "ord-draft", "ord-rejected"]
    assert [o.order_id for o in _tracked() if o.needs_action] == [
        "ord-rejected",
        "ord-draft",
        "ord-bare",
    ]


def test_needs_action_line_names_the_cell_and_the_carrier_value(report) -> None:
    """The remedy's line, cells, current and carrier values fill one row."""
    row = _values(report.xlsx, "Needs action")[1]
    assert row[4:9] == (
        "entity name does not match the losing carrier's record: the carrier has 'ACME INC'; "
        "correct Numbers!B12:B13",
        "Numbers!B12:B13",
        "Acme Widgets",
        "ACME INC",
        "ENTITY_NAME_MISMATCH",
    )


def test_deadline_rows_carry_their_due_time_as_a_date_time(report) -> None:
    """A draft near deletion shows when it goes, as a real date-time."""
    [row] = [r for r in _values(report.xlsx, "Needs action") if r[1] == "ord-draft"]
    assert (row[8], row[9]) == ("draft_expiry", datetime(2026, 12, 3, 12, 0))


def test_csv_holds_the_needs_action_rows(report) -> None:
    """needs_action.csv is the first sheet, row for row (formula text behind an apostrophe)."""
    with report.needs_action_csv.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    sheet = _values(report.xlsx, "Needs action")
    assert len(lines) == len(sheet)
    assert [line[1] for line in lines[1:]] == [row[1] for row in sheet[1:]]
    assert lines[1][2] == "'" + FORMULA


def test_orders_lists_every_order_with_status_and_focs(report) -> None:
    """Orders has one row per order, FOCs as date-times and the input rows as a range."""
    rows = _values(report.xlsx, "Orders")[1:]
    assert [r[1] for r in rows] == [o.order_id for o in _tracked()]
    rejected = rows[0]
    assert rejected[3:8] == (
        "exception",
        datetime(2026, 12, 11, 12, 0),
        None,
        "Numbers!12:13",
        "ENTITY_NAME_MISMATCH",
    )
    assert rows[4][5] == datetime(2026, 12, 2, 9, 0)


def test_changes_has_a_line_per_change(report) -> None:
    """Every change since the last look is one row, naming its order."""
    rows = _values(report.xlsx, "Changes")[1:]
    assert [(r[1], r[4]) for r in rows][-2:] == [
        ("ord-ported", "status foc-date-confirmed -> ported"),
        ("ord-ported", "-1 number moved"),
    ]
    assert len(rows) == 5


def test_formula_looking_values_stay_text(report) -> None:
    """A reference or change that looks like a formula is a quoted text cell."""
    book = load_workbook(report.xlsx)
    cell = book["Orders"]["C2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (FORMULA, "s", True)
    change = book["Changes"]["E6"]
    assert (change.value, change.data_type, change.quotePrefix) == ("-1 number moved", "s", True)


def test_no_secret_is_written_in_clear(report) -> None:
    """An account number or PIN quoted by any order's text is masked everywhere."""
    book = load_workbook(report.xlsx)
    text = " ".join(
        str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row
    )
    text += report.needs_action_csv.read_text(encoding="utf-8-sig")
    assert ACCOUNT not in text and "••••••23" in text
    assert PIN not in text and "PIN ••••17 refused" in text


def test_summary_counts_orders_by_status(report) -> None:
    """Summary gives the totals and each status's count."""
    rows = _values(report.xlsx, "Summary")
    labels = {row[0]: row[1] for row in rows if row and row[0]}
    assert (labels["Orders"], labels["Orders needing action"]) == (5, 3)
    assert labels["exception"] == 2 and labels["ported"] == 1 and labels["draft"] == 1
    assert labels["Written (UTC)"] == datetime(2026, 12, 2, 12, 0)


def test_a_folder_that_cannot_be_made_raises_report_error(tmp_path: Path) -> None:
    """Writing under a file instead of a folder fails with ReportError, leaving nothing."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ReportError):
        write_tracking_report(_tracked(), blocker / "track", NOW)
    assert list(tmp_path.iterdir()) == [blocker]
