"""annotated.xlsx from what intake read: secrets masked unless asked, refused files untouched."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from porting_batch.errors import IntakeError
from porting_batch.intake import read_batch
from porting_batch.reports import write_reports
from porting_batch.runner import failed_intake_result, validation_result
from porting_batch.settings import Settings

from .conftest import TODAY, good_row, write_csv, write_xlsx
from .hostile import sparse_file

PIN = "904217"
ACCOUNT = "ACM-88001234"


def _annotated_values(tmp_path: Path, source: Path, **options: object) -> list[list[object]]:
    settings = Settings(out_dir=tmp_path / "reports")
    intake = read_batch(source, settings, today=TODAY)
    files = write_reports(validation_result(settings, intake), tmp_path / "out", **options)  # type: ignore[arg-type]
    assert files.annotated is not None
    sheet = openpyxl.load_workbook(files.annotated)["Numbers"]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _column(values: list[list[object]], header: str) -> list[object]:
    index = values[0].index(header)
    return [row[index] for row in values[1:]]


def test_annotated_copy_masks_pins_and_account_numbers_by_default(tmp_path: Path) -> None:
    """A PIN shows nothing of itself and an account number its last four characters."""
    rows = [good_row(pin_passcode=PIN, account_number=ACCOUNT), good_row(pin_passcode="0520")]
    values = _annotated_values(tmp_path, write_xlsx(tmp_path / "b.xlsx", rows))
    assert _column(values, "pin_passcode") == ["••••", "••••"]
    assert _column(values, "account_number") == ["••••1234", "••••0042"]
    cells = " ".join(str(value) for row in values for value in row)
    assert PIN not in cells and "88001234" not in cells and "0520" not in cells
    assert _column(values, "entity_name") == ["Acme Widgets Inc.", "Acme Widgets Inc."]


def test_annotated_copy_masks_the_password_of_a_webhook_url(tmp_path: Path) -> None:
    """A webhook cell with user:pass@ shows the URL without them; intake refused it anyway."""
    rows = [good_row(webhook_url="https://ops:hunter2@example.com/hook")]
    values = _annotated_values(tmp_path, write_xlsx(tmp_path / "b.xlsx", rows))
    assert _column(values, "webhook_url") == ["https://••••@example.com/hook"]


def test_annotated_copy_keeps_secrets_in_clear_when_asked(tmp_path: Path) -> None:
    """annotated_clear_secrets=True gives the operator's own values back as typed."""
    rows = [good_row(pin_passcode=PIN, account_number=ACCOUNT)]
    values = _annotated_values(
        tmp_path, write_xlsx(tmp_path / "b.xlsx", rows), annotated_clear_secrets=True
    )
    assert _column(values, "pin_passcode") == [PIN]
    assert _column(values, "account_number") == [ACCOUNT]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_csv_with_an_excel_sep_line_is_annotated_as_intake_read_it(
    tmp_path: Path, encoding: str
) -> None:
    """A 'sep=;' CSV: the copy splits on ';' with the line left out, so rows and masks line up."""
    rows = [good_row(phone_number="312-555-01", pin_passcode=PIN, account_number=ACCOUNT)]
    plain = write_csv(tmp_path / "plain.csv", rows, delimiter=";")
    source = tmp_path / "b.csv"
    source.write_text("sep=;\r\n" + plain.read_text(encoding="utf-8"), encoding=encoding)
    settings = Settings(out_dir=tmp_path / "reports")
    intake = read_batch(source, settings, today=TODAY)
    files = write_reports(validation_result(settings, intake), tmp_path / "out")
    assert files.annotated is not None
    sheet = openpyxl.load_workbook(files.annotated).worksheets[0]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "phone_number" and values[1][0] == "312-555-01"
    assert _column(values, "pin_passcode") == ["••••"]
    assert _column(values, "account_number") == ["••••1234"]
    assert "not a valid phone number" in sheet["A2"].comment.text
    cells = " ".join(str(value) for row in values for value in row)
    assert PIN not in cells and "88001234" not in cells


def test_workbook_named_csv_is_annotated_as_the_workbook_it_is(tmp_path: Path) -> None:
    """The annotated copy of an XLSX named .csv is made from the workbook, masked."""
    source = write_xlsx(tmp_path / "b.xlsx", [good_row(pin_passcode=PIN)])
    values = _annotated_values(tmp_path, source.rename(tmp_path / "b.csv"))
    assert _column(values, "pin_passcode") == ["••••"]
    assert _column(values, "phone_number") == ["+1 312 555 0142"]


def test_a_file_refused_as_too_large_is_never_opened_for_the_report(tmp_path: Path) -> None:
    """The failed-intake report of a 150 MB CSV is written without loading the file."""
    settings = Settings(out_dir=tmp_path / "reports")
    path = sparse_file(tmp_path / "big.csv", 150 * 1024 * 1024)
    with pytest.raises(IntakeError) as caught:
        read_batch(path, settings)
    files = write_reports(failed_intake_result(settings, path, caught.value), tmp_path / "out")
    assert files.annotated is None
    assert files.notes[0] == (
        "annotated.xlsx was not written: the input file could not be read, so there is "
        "nothing to mark in it."
    )
    assert files.xlsx.exists() and files.summary_json.exists()
