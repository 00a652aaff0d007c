"""Hostile and huge files: each gets one clear IntakeError, and the process lives on.

Time and memory are measured by benchmarks/bench_hostile.py, not here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from porting_batch.columns import COLUMN_NAMES
from porting_batch.errors import IntakeError
from porting_batch.settings import Settings

from .conftest import GOOD_ROW, Reader, documents, good_row, write_csv
from .hostile import (
    far_cell_workbook,
    sparse_file,
    tall_claim_workbook,
    zip_bomb_workbook,
)


def _refused(read: Reader, path: Path, **settings: object) -> IntakeError:
    with pytest.raises(IntakeError) as caught:
        read(path, **settings)
    error = caught.value
    assert error.hint and error.file == str(path)
    assert "\n" not in str(error)
    return error


@pytest.mark.parametrize("prefix", ["", "x"], ids=["plain", "x-prefixed"])
def test_one_cell_at_xfd1048576_is_refused_naming_the_cell(
    tmp_path: Path, read: Reader, prefix: str
) -> None:
    """The 4.8 KB file that aborted the process gets one line: file, sheet, cell, value, fix."""
    path = far_cell_workbook(tmp_path / "far.xlsx", COLUMN_NAMES, prefix=prefix)
    error = _refused(read, path)
    assert "far.xlsx, sheet 'Numbers', cell XFD1048576 ('boom')" in error.message
    assert "PORTING_MAX_ROWS" in error.hint and error.sheet == "Numbers"


def test_a_far_cell_behind_a_small_claim_is_survived_and_named(
    tmp_path: Path, read: Reader
) -> None:
    """A claim of A1:B2 over a cell at XFD1048576: the reader process dies, not us."""
    path = far_cell_workbook(tmp_path / "liar.xlsx", COLUMN_NAMES, claim="A1:B2")
    error = _refused(read, path)
    assert "cell XFD1048576 ('boom')" in error.message


def test_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path, read: Reader) -> None:
    """A few hundred KB that unpack past max_unpacked_mb are refused, naming the limit."""
    limit = Settings().max_unpacked_mb
    path = zip_bomb_workbook(tmp_path / "bomb.xlsx", COLUMN_NAMES, unpacked_mb=int(limit) + 10)
    assert path.stat().st_size < 1_000_000
    error = _refused(read, path)
    assert f"unpacks to more than {limit:g} MB" in error.message
    assert "xl/media/image1.bin" in error.message
    assert "PORTING_MAX_UNPACKED_MB" in error.hint


def test_a_million_row_claim_over_ten_rows_reads_the_ten_rows(tmp_path: Path, read: Reader) -> None:
    """A dimension of A1:Z1048576 is only a claim: the ten real rows are read, all of them."""
    documents(tmp_path)
    records = [good_row(phone_number=f"+1 312 555 01{n:02d}") for n in range(10, 20)]
    path = tall_claim_workbook(tmp_path / "tall.xlsx", COLUMN_NAMES, records)
    intake = read(path)
    assert [row.values["phone_number"] for row in intake.rows] == [
        f"+131255501{n:02d}" for n in range(10, 20)
    ]
    assert [row.row for row in intake.rows] == list(range(2, 12))


def test_formatted_rows_past_the_limit_with_no_value_are_read(tmp_path: Path, read: Reader) -> None:
    """Formatted empty rows far down (a big sheet XML) go to the reader, which reads the data."""
    documents(tmp_path)
    path = tall_claim_workbook(
        tmp_path / "formatted.xlsx", COLUMN_NAMES, [GOOD_ROW] * 3, formatted_rows=120_000
    )
    intake = read(path, max_rows=1_000)
    assert [row.row for row in intake.rows] == [2, 3, 4]


def test_a_value_below_max_rows_in_a_big_sheet_is_named(tmp_path: Path, read: Reader) -> None:
    """A value far below the data in a big sheet is found by the reader and named by the scan."""
    from .hostile import sheet_xml, table, write_workbook

    rows = table(COLUMN_NAMES, [GOOD_ROW])
    rows[120_000] = {3: "stray"}
    xml = sheet_xml(rows, dimension="A1:Z120000", empty_rows=range(3, 120_000))
    path = write_workbook(tmp_path / "stray.xlsx", xml)
    error = _refused(read, path, max_rows=1_000)
    assert "cell C120000 ('stray')" in error.message


def test_csv_over_the_size_limit_is_refused_without_reading_it(
    tmp_path: Path, read: Reader
) -> None:
    """A 150 MB CSV (sparse: no disk, no time) is refused by its size alone."""
    path = sparse_file(tmp_path / "big.csv", 150 * 1024 * 1024)
    error = _refused(read, path)
    assert "big.csv is 150.0 MB, larger than the 50 MB limit" in error.message


def test_csv_value_past_max_columns_is_refused_naming_the_cell(
    tmp_path: Path, read: Reader
) -> None:
    """A CSV row reaching past max_columns gets one line naming its row, column and value."""
    path = write_csv(tmp_path / "wide.csv", [good_row(notes="x")])
    with path.open("a", encoding="utf-8") as handle:
        handle.write("+13125550143" + "," * 299 + "far\n")
    error = _refused(read, path)
    assert "wide.csv, row 3, column KN ('far')" in error.message
    assert "PORTING_MAX_COLUMNS" in error.hint


def test_csv_rows_past_max_rows_are_refused_but_trailing_blank_lines_are_not(
    tmp_path: Path, read: Reader
) -> None:
    """Empty lines after the data cost nothing; a value past max_rows is refused by its row."""
    path = write_csv(tmp_path / "long.csv", [good_row()])
    with path.open("a", encoding="utf-8") as handle:
        handle.write(",,,\n" * 5_000)
    assert [row.row for row in read(path, max_rows=100).rows] == [2]
    with path.open("a", encoding="utf-8") as handle:
        handle.write("+13125550143\n")
    error = _refused(read, path, max_rows=100)
    assert "long.csv, row 5,003 ('+13125550143')" in error.message


def test_zip_with_an_encrypted_part_is_refused_as_password_protected(
    tmp_path: Path, read: Reader
) -> None:
    """A zip member flagged as encrypted is one clear line, not a RuntimeError from zipfile."""
    import zipfile

    from .hostile import sheet_xml, table, write_workbook

    path = write_workbook(tmp_path / "locked.xlsx", sheet_xml(table(COLUMN_NAMES, [GOOD_ROW])))
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/sharedStrings.xml", "<sst/>")
        offset = archive.getinfo("xl/sharedStrings.xml").header_offset
    data = bytearray(path.read_bytes())
    # zipfile never writes the encryption flag: set it in the local and the central header.
    data[offset + 6] |= 0x1
    central = data.rindex(b"PK\x01\x02")  # the last entry: the member just added
    assert data[central + 46 : central + 46 + 20] == b"xl/sharedStrings.xml"
    data[central + 8] |= 0x1
    path.write_bytes(bytes(data))
    error = _refused(read, path)
    assert "locked.xlsx is password-protected" in error.message


def test_csv_line_of_millions_of_cells_is_refused_before_it_is_split(
    tmp_path: Path, read: Reader
) -> None:
    """A line of millions of delimiters is one clear line, not a list of millions of cells."""
    path = tmp_path / "monster.csv"
    path.write_text("phone_number,entity_name\n" + "," * (9 << 20) + "\n", encoding="utf-8")
    error = _refused(read, path)
    assert "monster.csv, line 2: a line of over 2,097,152 characters" in error.message


def test_csv_of_more_lines_than_any_spreadsheet_is_refused(tmp_path: Path, read: Reader) -> None:
    """Past Excel's 1,048,576 rows, even blank lines mean the file came from no spreadsheet."""
    path = write_csv(tmp_path / "blank.csv", [good_row()])
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n" * 1_048_576)
    error = _refused(read, path)
    assert "blank.csv: more than 1,048,576 lines" in error.message
