"""The Numbers sheet's "What to do" column, read back from the files the writer makes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from porting_batch.issues import Issue, Severity
from porting_batch.outcomes import Outcome
from porting_batch.reports import write_reports
from porting_batch.results import BatchResult, NumberResult
from tests.reports.conftest import make_result
from tests.reports.helpers import csv_rows, sheet_dicts

TODO = "What to do"


def _todo(result: BatchResult, tmp_path: Path) -> list[str]:
    """The column as report.xlsx shows it, after checking numbers.csv says the same."""
    files = write_reports(result, tmp_path / "out")
    shown = [row[TODO] or "" for row in sheet_dicts(files.xlsx, "Numbers")]
    header, *rows = csv_rows(files.numbers_csv)
    assert [row[header.index(TODO)] for row in rows] == shown
    return shown


def test_what_to_do_follows_reason_and_order_id_in_both_files(
    result: BatchResult, tmp_path: Path
) -> None:
    """The column sits right after Order id, before the operator's own columns, in XLSX and CSV."""
    files = write_reports(result, tmp_path / "out")
    header = next(iter(sheet_dicts(files.xlsx, "Numbers")))
    assert list(header)[3:8] == ["Outcome", "Reason", "Order id", TODO, "Phone Number"]
    assert csv_rows(files.numbers_csv)[0][3:8] == list(header)[3:8]


def test_each_outcome_gets_a_short_imperative(result: BatchResult, tmp_path: Path) -> None:
    """Drafts need nothing, a bad cell is named with its header, a refused number stays put."""
    assert _todo(result, tmp_path) == [
        "Nothing: draft ready; confirm after review",
        "Nothing: draft ready; confirm after review",
        "Nothing: draft ready; confirm after review",
        "Nothing: draft ready; confirm after review",
        "Correct cell A6 (Phone Number) and run again",
        "Not portable: leave with the current carrier or contact it",
    ]


def test_an_account_level_error_points_every_row_at_its_one_cell(tmp_path: Path) -> None:
    """An error reported once for the rows of an account names that cell on each of them."""
    result = make_result(tmp_path)
    result.numbers = [replace(n, outcome=Outcome.INVALID_INPUT) for n in result.numbers[:4]]
    result.issues = [
        Issue(
            Severity.ERROR,
            "the ZIP differs between the account's rows",
            sheet="Numbers",
            row=3,
            rows=(4, 5),
            column="entity_name",
            column_letter="B",
            value="Acme Inc",
        ),
        Issue(Severity.WARNING, "a warning does not ask for a correction", sheet="Numbers",
              row=4, column="notes", column_letter="F"),
    ]  # fmt: skip
    assert _todo(result, tmp_path) == ["Correct cell B3 (Entity) and run again"] * 4


def test_several_bad_cells_are_named_up_to_three(tmp_path: Path) -> None:
    """A row with four bad cells names three and counts the rest."""
    result = make_result(tmp_path)
    result.numbers = [result.numbers[4]]
    result.issues = [
        Issue(Severity.ERROR, "bad", sheet="Numbers", row=6, column=column, column_letter=letter)
        for column, letter in (("phone_number", "A"), ("entity_name", "B"),
                               ("pin_passcode", "D"), ("billing_phone_number", "E"))
    ]  # fmt: skip
    assert _todo(result, tmp_path) == [
        "Correct cells A6 (Phone Number), B6 (Entity), D6 (PIN) and 1 more, and run again"
    ]


def test_a_carriers_exception_names_the_columns_to_correct_or_the_remedy(
    tmp_path: Path,
) -> None:
    """Exception codes are answered from the remedies catalogue: a column, or what else to do."""
    result = make_result(tmp_path)
    first = result.numbers[0]
    result.numbers = [
        replace(first, outcome=Outcome.NEEDS_ATTENTION, reason=reason)
        for reason in (
            "exception: PASSCODE_PIN_INVALID",
            "exception: LOCATION_MISMATCH: street differs; POSTAL_CODE_MISMATCH",
            "exception: LSR_PENDING",
            "exception: NO_SUCH_CODE",
            "cancel refused: the order has ported",
        )
    ]
    result.issues = []
    todo = _todo(result, tmp_path)
    assert todo[0] == "Correct PIN to match the losing carrier's record and run again"
    assert todo[1] == (
        "Correct service street address, service city, service state / province, service "
        "postal code to match the losing carrier's record and run again"
    )
    assert todo[2].startswith("Nothing to change in the sheet: wait for the carrier")
    assert "NO_SUCH_CODE" in todo[3] and todo[3].startswith("Read the order's comments")
    assert todo[4] == "Read the Reason, act on it and run again"


def test_cells_telnyx_refused_are_named_for_a_number_needing_attention(tmp_path: Path) -> None:
    """A refusal mapped onto a cell (an api issue) is what the operator corrects."""
    result = make_result(tmp_path)
    result.numbers = [replace(result.numbers[0], outcome=Outcome.NEEDS_ATTENTION, reason="x")]
    result.issues = [
        Issue(Severity.ERROR, "Telnyx refused it", sheet="Numbers", row=3,
              column="billing_phone_number", column_letter="E", source="api"),
    ]  # fmt: skip
    assert _todo(result, tmp_path) == ["Correct cell E3 (BTN) and run again"]


def test_a_held_draft_under_confirm_says_when_or_what_to_correct(tmp_path: Path) -> None:
    """Under --confirm a draft waits for its FOC, or for the cells its CSR disagrees with."""
    result = make_result(tmp_path)
    result.confirm = True
    result.numbers = result.numbers[:2]
    result.issues = [
        Issue(Severity.WARNING, "the carrier has another name", sheet="Numbers", row=4,
              column="entity_name", column_letter="B", source="csr"),
    ]  # fmt: skip
    assert _todo(result, tmp_path) == [
        "Nothing now: confirm it closer to the FOC date (run again with --confirm)",
        "Correct cell B4 (Entity) and run again with --confirm",
    ]


def test_unprocessed_rows_say_run_again_unless_the_file_was_only_checked(
    tmp_path: Path,
) -> None:
    """A stopped run asks for another; a validate-only run says a valid row needs nothing."""
    result = make_result(tmp_path, complete=False, failure="stopped")
    number = NumberResult("Numbers", 3, "+13125552486", "+13125552486", Outcome.NOT_PROCESSED)
    result.numbers, result.issues = [number], []
    assert _todo(result, tmp_path / "a") == ["Run again: not processed"]
    result.validate_only, result.complete = True, True
    assert _todo(result, tmp_path / "b") == ["Nothing: valid; run the file to order it"]
