"""Which files are spreadsheets: one list for `run FILE`, a folder run and the inbox."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from porting_batch import inbox
from porting_batch.errors import IntakeError
from porting_batch.intake import SPREADSHEET_SUFFIXES, is_spreadsheet

from .conftest import Reader, good_row, write_csv, write_xlsx


@pytest.mark.parametrize(
    ("name", "taken"),
    [
        ("batch.xlsx", True),
        ("BATCH.XLSM", True),
        ("batch.csv", True),
        ("batch.tsv", False),
        ("batch.txt", False),
        ("batch.xls", False),
        ("batch.ods", False),
        ("batch.pdf", False),
        ("~$batch.xlsx", False),
    ],
    ids=["xlsx", "xlsm-upper", "csv", "tsv", "txt", "xls", "ods", "pdf", "office-lock"],
)
def test_the_inbox_and_is_spreadsheet_agree_on_every_kind(name: str, taken: bool) -> None:
    """A name is a spreadsheet for is_spreadsheet exactly when the inbox takes it."""
    assert is_spreadsheet(Path(name)) is taken
    if not name.startswith("~$"):
        assert (inbox.entry_problem(Path(name)) == "") is taken


def test_the_inbox_uses_the_one_list_of_suffixes() -> None:
    """The inbox's list is intake's own object, not a copy that can drift."""
    assert inbox.SPREADSHEET_SUFFIXES is SPREADSHEET_SUFFIXES


@pytest.mark.parametrize("suffix", [".tsv", ".txt", ".xls", ".ods"])
def test_run_file_refuses_what_the_inbox_skips(tmp_path: Path, read: Reader, suffix: str) -> None:
    """A kind the inbox and folder runs skip is refused by read_batch too, with the fix."""
    source = write_csv(tmp_path / "b.csv", [good_row()])
    path = shutil.copy(source, tmp_path / f"b{suffix}")
    with pytest.raises(IntakeError) as caught:
        read(Path(path))
    assert "is not a spreadsheet type" in caught.value.message
    assert ".xlsx" in caught.value.hint


def test_workbook_named_csv_is_read_as_the_workbook_with_a_warning(
    tmp_path: Path, read: Reader
) -> None:
    """An XLSX renamed .csv is read as XLSX, with a warning naming the file and the fix."""
    workbook = write_xlsx(tmp_path / "b.xlsx", [good_row(), good_row(phone_number="3125550143")])
    path = workbook.rename(tmp_path / "batch.csv")
    intake = read(path)
    assert [row.values["phone_number"] for row in intake.rows] == [
        "+13125550142",
        "+13125550143",
    ]
    [note] = [issue for issue in intake.issues if issue.code == "misnamed_file"]
    assert not note.is_error and note.value == "batch.csv"
    assert note.hint == "rename it to batch.xlsx"
    assert intake.sheet == "Numbers" and not any(i.is_error for i in intake.issues)


def test_zip_named_csv_that_is_no_workbook_is_still_binary(tmp_path: Path, read: Reader) -> None:
    """A zip without xl/workbook.xml named .csv is still refused as binary data."""
    import zipfile

    path = tmp_path / "b.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(IntakeError, match="binary data"):
        read(path)
