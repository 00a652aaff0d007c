"""Reading hazards: every cell comes back as the operator typed it, or the file gets one error."""

from __future__ import annotations

import codecs
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from porting_batch.cells import column_letter
from porting_batch.columns import COLUMN_NAMES, REQUIRED_COLUMNS
from porting_batch.errors import IntakeError

from .conftest import GOOD_ROW, Reader, codes, documents, good_row, write_csv, write_xlsx


def _one(read: Reader, tmp_path: Path, **changes: object):  # type: ignore[no-untyped-def]
    intake = read(write_xlsx(tmp_path / "b.xlsx", [good_row(**changes)]))
    return intake, intake.rows[0]


@pytest.mark.parametrize(
    ("column", "cell", "raw", "value"),
    [
        ("phone_number", 13125550142.0, "13125550142", "+13125550142"),
        ("phone_number", 3125550142, "3125550142", "+13125550142"),
        ("billing_phone_number", 3125550100.0, "3125550100", "+13125550100"),
        ("account_number", 12345.0, "12345", "12345"),
        ("pin_passcode", 520, "520", "520"),
        ("postal_code", 60606, "60606", "60606"),
        (
            "account_number",
            1.2345678901234e19,
            str(int(1.2345678901234e19)),
            str(int(1.2345678901234e19)),
        ),
    ],
    ids=[
        "phone-float",
        "phone-int",
        "btn-number",
        "account-number",
        "pin-number",
        "zip-number",
        "twenty-digits-no-exponent",
    ],
)
def test_number_cells_come_back_without_dot_zero_and_warn(
    tmp_path: Path, read: Reader, column: str, cell: object, raw: str, value: str
) -> None:
    """A number cell reads as integer text, and an identifier column warns about lost zeros."""
    intake, row = _one(read, tmp_path, **{column: cell})
    assert row.raw[column] == raw
    assert row.values[column] == value
    warnings = [i for i in intake.issues if i.code == "numeric_cell"]
    assert [(w.column, w.row) for w in warnings] == [(column, 2)]
    assert not row.errors


def test_numeric_zip_that_lost_its_zero_is_an_error_with_the_reason(
    tmp_path: Path, read: Reader
) -> None:
    """ZIP 01234 (Massachusetts) typed as a number reads 1234: refused, with a hint about the
    lost zero."""
    intake, row = _one(read, tmp_path, postal_code=1234, administrative_area="MA")
    errors = [i for i in intake.issues if i.code == "invalid_postal_code"]
    assert len(errors) == 1 and "leading zero" in errors[0].hint
    assert row.errors


@pytest.mark.parametrize(
    ("column", "text"),
    [
        ("postal_code", "01234"),
        ("pin_passcode", "0520"),
        ("account_number", "00012345"),
        ("phone_number", "+13125550142"),
    ],
    ids=["zip", "pin", "account", "e164"],
)
def test_text_cells_keep_leading_zeros_and_plus(
    tmp_path: Path, read: Reader, column: str, text: str
) -> None:
    """Identifiers typed as text keep every character."""
    intake, row = _one(read, tmp_path, **{column: text})
    assert row.raw[column] == text
    assert "numeric_cell" not in codes(intake)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (date(2026, 12, 21), datetime(2026, 12, 21, 15, tzinfo=UTC)),
        (datetime(2026, 12, 21, 18, 30), datetime(2026, 12, 21, 18, 30, tzinfo=UTC)),
        (46377, datetime(2026, 12, 21, 15, tzinfo=UTC)),
        ("46377", datetime(2026, 12, 21, 15, tzinfo=UTC)),
        ("2026-12-21", datetime(2026, 12, 21, 15, tzinfo=UTC)),
        ("2026-12-21 09:00", datetime(2026, 12, 21, 9, tzinfo=UTC)),
        ("2026-12-21T09:00:00-06:00", datetime(2026, 12, 21, 15, tzinfo=UTC)),
        ("12/21/2026", datetime(2026, 12, 21, 15, tzinfo=UTC)),
        ("12/21/2026 3:30 PM", datetime(2026, 12, 21, 15, 30, tzinfo=UTC)),
        ("12/12/2026", datetime(2026, 12, 12, 15, tzinfo=UTC)),
        ("Dec 21, 2026", datetime(2026, 12, 21, 15, tzinfo=UTC)),
    ],
    ids=[
        "date-cell",
        "datetime-cell",
        "serial-number",
        "serial-text",
        "iso",
        "iso-time",
        "iso-offset",
        "us-text",
        "us-text-pm",
        "same-day-month",
        "month-name",
    ],
)
def test_dates_are_dates_however_typed(
    tmp_path: Path, read: Reader, cell: object, expected: datetime
) -> None:
    """Date cells, Excel serials and text dates all give the same aware UTC FOC."""
    intake, row = _one(read, tmp_path, requested_foc=cell)
    assert row.requested_foc == expected
    assert not row.errors, [i.describe() for i in intake.issues]


def test_day_month_date_that_could_be_either_is_an_error_saying_so(
    tmp_path: Path, read: Reader
) -> None:
    """03/04/2027 could be March 4 or April 3: refused, naming both readings."""
    intake, row = _one(read, tmp_path, requested_foc="03/04/2027")
    [issue] = [i for i in intake.issues if i.code == "invalid_date"]
    assert "March 4" in issue.message and "April 3" in issue.message
    assert issue.column_letter == "S" and issue.value == "03/04/2027"
    assert row.errors


def test_unambiguous_day_month_date_is_read_with_a_warning(tmp_path: Path, read: Reader) -> None:
    """21/12/2026 can only be 21 December: read, with a warning that says so."""
    intake, row = _one(read, tmp_path, requested_foc="21/12/2026")
    assert row.requested_foc == datetime(2026, 12, 21, 15, tzinfo=UTC)
    assert "date_read_day_month" in codes(intake)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("  Acme Widgets Inc.  ", "Acme Widgets Inc."),
        ("\u00a0Acme Widgets Inc.\u00a0", "Acme Widgets Inc."),
        ("\u200bAcme Widgets Inc.", "Acme Widgets Inc."),
        ("Acme\u00a0Widgets Inc.", "Acme Widgets Inc."),
    ],
    ids=["spaces", "nbsp", "zero-width", "inner-nbsp"],
)
def test_whitespace_and_nbsp_are_trimmed(
    tmp_path: Path, read: Reader, cell: str, expected: str
) -> None:
    """Surrounding spaces, NBSP and invisible characters do not reach the values."""
    _, row = _one(read, tmp_path, entity_name=cell)
    assert row.values["entity_name"] == expected
    assert row.raw["entity_name"] == cell


@pytest.mark.parametrize(
    "text", ["NA", "None", "null", "N/A", "nan"], ids=["NA", "None", "null", "N-A", "nan"]
)
def test_missing_value_words_stay_text(tmp_path: Path, read: Reader, text: str) -> None:
    """Words pandas would turn into NaN are kept as the operator typed them."""
    _, row = _one(read, tmp_path, extended_address=text)
    assert row.values["extended_address"] == text


def test_boolean_cell_reads_as_a_yes_no_value(tmp_path: Path, read: Reader) -> None:
    """A TRUE cell in enable_messaging means yes."""
    _, row = _one(read, tmp_path, enable_messaging=True)
    assert row.values["enable_messaging"] == "true"


def _xlsxwriter_book(path: Path, write) -> Path:  # type: ignore[no-untyped-def]
    documents(path.parent)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Numbers")
    for col, name in enumerate(COLUMN_NAMES):
        sheet.write_string(0, col, name)
        value = GOOD_ROW.get(name)
        if value is not None:
            sheet.write_string(1, col, str(value))
    write(sheet)
    workbook.close()
    return path


def test_formula_is_read_by_its_cached_value(tmp_path: Path, read: Reader) -> None:
    """A formula cell gives the value Excel last calculated."""
    path = _xlsxwriter_book(
        tmp_path / "f.xlsx",
        lambda sheet: sheet.write_formula(1, 0, '="+1"&"3125550142"', None, "+13125550142"),
    )
    intake = read(path)
    assert intake.rows[0].phone_numbers == ["+13125550142"]
    assert intake.issues == []


@pytest.mark.parametrize(
    ("write", "words"),
    [
        (lambda s: s.write_formula(1, 4, '=UPPER("acme")', None, ""), "no calculated value"),
        (lambda s: s.write_formula(1, 4, "=NA()", None, "#N/A"), "#N/A"),
    ],
    ids=["no-cached-value", "cached-error"],
)
def test_formula_without_a_value_is_an_error(
    tmp_path: Path, read: Reader, write: object, words: str
) -> None:
    """A formula with no cached value, or a cached error, is an error on that cell."""
    intake = read(_xlsxwriter_book(tmp_path / "f.xlsx", write))
    [issue] = [i for i in intake.issues if i.code == "formula_without_value"]
    assert words in issue.message
    assert (issue.row, issue.column, issue.column_letter) == (2, "entity_name", "E")
    assert intake.rows[0].errors


def test_openpyxl_formula_without_cached_value_is_an_error(tmp_path: Path, read: Reader) -> None:
    """Files written by scripts (openpyxl) hold formulas with no value at all."""
    path = write_xlsx(tmp_path / "b.xlsx", [good_row(locality='=LOWER("CHICAGO")')])
    intake = read(path)
    assert next((i.code, i.column) for i in intake.issues if i.is_error) == (
        "formula_without_value",
        "locality",
    )


def _multi_sheet(path: Path, layout: list[tuple[str, str]]) -> Path:
    """Sheets named and with visibility as given; each holds the same good batch."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, state in layout:
        sheet = workbook.create_sheet(name)
        sheet.append(list(COLUMN_NAMES))
        sheet.append([GOOD_ROW.get(c) for c in COLUMN_NAMES])
        sheet.sheet_state = state
    workbook.active = next(i for i, (_, s) in enumerate(layout) if s == "visible")
    workbook.save(path)
    return path


@pytest.mark.parametrize(
    ("layout", "chosen"),
    [
        ([("Lookup", "visible"), ("Numbers", "visible")], "Numbers"),
        ([("Lookup", "hidden"), ("Batch", "visible")], "Batch"),
        ([("Lookup", "veryHidden"), ("Old", "hidden"), ("Mine", "visible")], "Mine"),
        ([("Numbers", "hidden"), ("Mine", "visible")], "Mine"),
    ],
    ids=["named-numbers", "only-visible", "very-hidden-ignored", "hidden-numbers-ignored"],
)
def test_sheet_is_numbers_else_the_only_visible_one(
    tmp_path: Path, read: Reader, layout: list[tuple[str, str]], chosen: str
) -> None:
    """The Numbers sheet is read, else the only visible sheet; hidden sheets never."""
    assert read(_multi_sheet(tmp_path / "b.xlsx", layout)).sheet == chosen


def test_several_visible_sheets_without_numbers_is_one_error(tmp_path: Path, read: Reader) -> None:
    """With two visible sheets and no Numbers sheet, the error names the sheets."""
    path = _multi_sheet(tmp_path / "b.xlsx", [("January", "visible"), ("February", "visible")])
    with pytest.raises(IntakeError, match="January, February"):
        read(path)


def test_blank_trailing_rows_are_ignored(tmp_path: Path, read: Reader) -> None:
    """Formatted but empty rows and whitespace-only rows after the data are not rows."""
    path = write_xlsx(tmp_path / "b.xlsx", [good_row(), *[{} for _ in range(30)], {"notes": "   "}])
    workbook = openpyxl.load_workbook(path)
    for row in range(3, 60):
        workbook["Numbers"].cell(row, 3).number_format = "@"
    workbook.save(path)
    intake = read(path)
    assert [row.row for row in intake.rows] == [2]
    assert intake.issues == []


def test_blank_interior_row_is_skipped_with_one_warning(tmp_path: Path, read: Reader) -> None:
    """A blank row between data rows is skipped; the rows keep their own numbers."""
    path = write_xlsx(
        tmp_path / "b.xlsx", [good_row(), {}, good_row(phone_number="+1 312 555 0143")]
    )
    intake = read(path)
    assert [row.row for row in intake.rows] == [2, 4]
    assert codes(intake) == ["blank_row"]


@pytest.mark.parametrize(
    "header",
    ["Phone Number", "PHONE_NUMBER", " phone number ", "Phone\u00a0Number", "TN", "Number"],
    ids=["title-case", "upper", "spaces", "nbsp", "tn", "number"],
)
def test_header_names_match_loosely(tmp_path: Path, read: Reader, header: str) -> None:
    """The phone column is found whatever the operator called it."""
    headers = [header if c == "phone_number" else c for c in COLUMN_NAMES]
    row = {header if k == "phone_number" else k: v for k, v in GOOD_ROW.items()}
    intake = read(write_xlsx(tmp_path / "b.xlsx", [row], headers=headers))
    assert intake.rows[0].phone_numbers == ["+13125550142"]
    assert intake.rows[0].raw[header.strip()] == GOOD_ROW["phone_number"]


def test_synonym_headers_from_another_tracker_are_understood(tmp_path: Path, read: Reader) -> None:
    """A tracker with BTN, Zip, State, City headers reads like the template."""
    names = {
        "billing_phone_number": "BTN",
        "postal_code": "Zip",
        "administrative_area": "State",
        "locality": "City",
        "entity_name": "Business Name",
        "auth_person_name": "Authorized Person",
        "street_address": "Service Address",
        "country_code": "Service Country",
        "port_type": "Port Type",
        "phone_number": "Telephone Number",
        "account_number": "Account #",
        "loa_file": "LOA",
        "invoice_file": "Invoice",
    }
    headers = [names.get(c, c) for c in REQUIRED_COLUMNS] + ["Account #", "LOA", "Invoice"]
    row = {names.get(k, k): v for k, v in GOOD_ROW.items()}
    intake = read(write_xlsx(tmp_path / "b.xlsx", [row], headers=headers))
    assert intake.issues == []
    assert intake.rows[0].values["billing_phone_number"] == "+13125550142"
    assert intake.columns["postal_code"] == "H"


def test_unknown_columns_are_carried_with_a_warning(tmp_path: Path, read: Reader) -> None:
    """An extra column is kept in raw and reported once, at its header cell."""
    headers = [*COLUMN_NAMES, "Sales Rep"]
    intake = read(
        write_xlsx(tmp_path / "b.xlsx", [good_row(**{"Sales Rep": "Kim"})], headers=headers)
    )
    assert intake.unknown_columns == ["Sales Rep"]
    assert intake.rows[0].raw["Sales Rep"] == "Kim"
    [issue] = intake.issues
    extra = column_letter(len(COLUMN_NAMES))  # the first column after the catalogue's
    assert (issue.code, issue.row, issue.column_letter) == ("unknown_column", 1, extra)


def test_missing_required_columns_stop_the_file_naming_them_all(
    tmp_path: Path, read: Reader
) -> None:
    """Without some required columns nothing is read, and one message names every one."""
    headers = [c for c in COLUMN_NAMES if c not in {"postal_code", "entity_name", "port_type"}]
    with pytest.raises(IntakeError) as caught:
        read(write_xlsx(tmp_path / "b.xlsx", [GOOD_ROW], headers=headers))
    for name in ("postal_code", "entity_name", "port_type"):
        assert name in caught.value.message
    assert caught.value.hint


def test_two_headers_meaning_the_same_column_stop_the_file(tmp_path: Path, read: Reader) -> None:
    """'BTN' next to 'billing_phone_number' is ambiguous: one error names both columns."""
    with pytest.raises(IntakeError, match="both mean billing_phone_number"):
        read(write_xlsx(tmp_path / "b.xlsx", [GOOD_ROW], headers=[*COLUMN_NAMES, "BTN"]))


def test_title_rows_above_the_header_are_skipped(tmp_path: Path, read: Reader) -> None:
    """A title and a blank row above the header: the header is found and rows keep numbers."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Numbers"
    sheet.append(["Port request for Acme, November"])
    sheet.append([])
    sheet.append(list(COLUMN_NAMES))
    sheet.append([GOOD_ROW.get(c) for c in COLUMN_NAMES])
    workbook.save(tmp_path / "b.xlsx")
    documents(tmp_path)
    intake = read(tmp_path / "b.xlsx")
    assert [row.row for row in intake.rows] == [4]
    assert intake.issues == []


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [
        (",", "utf-8"),
        (",", "utf-8-sig"),
        (";", "utf-8"),
        ("\t", "utf-8"),
        (";", "cp1252"),
        (",", "cp1252"),
        ("\t", "utf-16"),
        (",", "utf-16"),
        (",", "utf-32"),
    ],
    ids=[
        "comma",
        "comma-bom",
        "semicolon",
        "tab",
        "semicolon-cp1252",
        "comma-cp1252",
        "tab-utf16",
        "comma-utf16",
        "comma-utf32",
    ],
)
def test_csv_encodings_and_delimiters_are_detected(
    tmp_path: Path, read: Reader, delimiter: str, encoding: str
) -> None:
    """UTF-8 with or without BOM, UTF-16 or -32 by their BOM, cp1252, and comma, semicolon or
    tab all read the same."""
    path = write_csv(
        tmp_path / "b.csv",
        [good_row(entity_name="Société Générale, Inc.")],
        delimiter=delimiter,
        encoding=encoding,
    )
    intake = read(path)
    assert intake.issues == []
    assert intake.rows[0].values["entity_name"] == "Société Générale, Inc."
    assert intake.headers[0] == "phone_number"


def test_a_big_endian_utf16_csv_reads_by_its_bom(tmp_path: Path, read: Reader) -> None:
    """UTF-16 big-endian with its byte-order mark reads like any other CSV."""
    source = write_csv(tmp_path / "s.csv", [good_row(entity_name="Société Générale, Inc.")])
    path = tmp_path / "b.csv"
    path.write_bytes(codecs.BOM_UTF16_BE + source.read_text(encoding="utf-8").encode("utf-16-be"))
    intake = read(path)
    assert intake.issues == []
    assert intake.rows[0].values["entity_name"] == "Société Générale, Inc."


def test_a_utf16_csv_cut_short_is_refused_in_one_line(tmp_path: Path, read: Reader) -> None:
    """A UTF-16 file with an odd byte at the end: one error naming the file and the byte."""
    source = write_csv(tmp_path / "s.csv", [good_row()], encoding="utf-16")
    path = tmp_path / "b.csv"
    path.write_bytes(source.read_bytes() + b"\x00")
    with pytest.raises(IntakeError) as caught:
        read(path)
    assert caught.value.message.startswith("b.csv starts as UTF-16 text but is cut short")


def test_csv_keeps_plus_and_leading_zeros(tmp_path: Path, read: Reader) -> None:
    """CSV text is never type-inferred: '+1...' and '01234' stay as written."""
    path = write_csv(tmp_path / "b.csv", [good_row(pin_passcode="0042", account_number="00012345")])
    row = read(path).rows[0]
    assert (row.values["pin_passcode"], row.values["account_number"]) == ("0042", "00012345")


def test_rows_carry_sheet_row_and_column_letters(tmp_path: Path, read: Reader) -> None:
    """Each row knows its sheet, its spreadsheet row number and the letters of its columns."""
    intake = read(
        write_xlsx(tmp_path / "b.xlsx", [good_row(), good_row(phone_number="3125550143")])
    )
    assert [(r.sheet, r.row) for r in intake.rows] == [("Numbers", 2), ("Numbers", 3)]
    assert intake.rows[0].letter("postal_code") == "N"
    assert intake.rows[0].letter("no_such_column") == ""
    assert len(intake.content_hash) == 64


def _password_protected(path: Path) -> Path:
    # An encrypted OOXML file is an OLE2 compound file holding an EncryptedPackage stream.
    body = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    path.write_bytes(body + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 2048)
    return path


def _not_a_zip(path: Path) -> Path:
    path.write_text("phone_number,entity_name\n+13125550142,Acme\n")
    return path


def _broken_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return path


def _empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def _header_only(path: Path) -> Path:
    return write_xlsx(path, [])


def _header_only_csv(path: Path) -> Path:
    return write_csv(path.with_suffix(".csv"), [])


def _blank_sheet(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    workbook.active.title = "Numbers"
    workbook.save(path)
    return path


def _no_header(path: Path) -> Path:
    return write_xlsx(path, [{"a": "x"}], headers=["a", "b", "c"])


def _binary_csv(path: Path) -> Path:
    target = path.with_suffix(".csv")
    target.write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    return target


def _pdf_named_xlsx(path: Path) -> Path:
    path.write_bytes(b"%PDF-1.4\n%binary\n")
    return path


def _word_document(path: Path) -> Path:
    target = path.with_suffix(".docx")
    target.write_bytes(b"PK\x03\x04")
    return target


def _missing(path: Path) -> Path:
    return path.with_name("nope.xlsx")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (_empty, "empty"),
        (_header_only, "no data rows"),
        (_header_only_csv, "no data rows"),
        (_blank_sheet, "empty"),
        (_no_header, "no header row"),
        (_not_a_zip, "not a spreadsheet"),
        (_pdf_named_xlsx, "not a spreadsheet"),
        (_broken_zip, "could not be read"),
        (_password_protected, "password-protected"),
        (_binary_csv, "binary"),
        (_word_document, "not a spreadsheet type"),
        (_missing, "no such file"),
    ],
    ids=[
        "empty-file",
        "header-only",
        "header-only-csv",
        "blank-sheet",
        "no-header",
        "csv-named-xlsx",
        "pdf-named-xlsx",
        "zip-without-workbook",
        "password",
        "binary-csv",
        "docx",
        "missing",
    ],
)
def test_unreadable_files_get_one_clear_error(
    tmp_path: Path, read: Reader, make: object, words: str
) -> None:
    """Files that cannot be read raise IntakeError with a message and a hint, no traceback."""
    path = make(tmp_path / "b.xlsx")  # type: ignore[operator]
    with pytest.raises(IntakeError) as caught:
        read(path)
    assert words in caught.value.message
    assert caught.value.hint


def test_file_over_the_size_limit_is_refused(tmp_path: Path, read: Reader) -> None:
    """A file larger than max_input_mb is refused before it is opened."""
    path = write_csv(tmp_path / "b.csv", [good_row(notes="x" * 3000)] * 400)
    with pytest.raises(IntakeError, match="larger than the 1 MB limit"):
        read(path, max_input_mb=1)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9], ids=["30pct", "60pct", "90pct"])
def test_truncated_workbook_gets_one_clear_error(tmp_path: Path, read: Reader, keep: float) -> None:
    """A workbook cut short (an interrupted copy) is refused with a message, not a traceback."""
    whole = write_xlsx(tmp_path / "whole.xlsx", [GOOD_ROW] * 50).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole[: int(len(whole) * keep)])
    with pytest.raises(IntakeError) as caught:
        read(path)
    assert caught.value.hint


def test_blank_and_repeated_headers_keep_every_cell(tmp_path: Path, read: Reader) -> None:
    """A column without a header, and two columns with the same header, all reach raw."""
    headers = [*COLUMN_NAMES, "Extra", "", "Extra"]
    row = good_row(Extra="first")
    path = write_xlsx(tmp_path / "b.xlsx", [row], headers=headers)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Numbers"]
    sheet.cell(2, len(COLUMN_NAMES) + 2).value = "no header"
    sheet.cell(2, len(COLUMN_NAMES) + 3).value = "second"
    workbook.save(path)
    raw = read(path).rows[0].raw
    blank, repeated = column_letter(len(COLUMN_NAMES) + 1), column_letter(len(COLUMN_NAMES) + 2)
    assert (raw["Extra"], raw[blank], raw[f"Extra ({repeated})"]) == (
        "first",
        "no header",
        "second",
    )
    assert raw["postal_code"] == "60606"


def test_csv_with_excels_sep_line_uses_it_and_keeps_row_numbers(
    tmp_path: Path, read: Reader
) -> None:
    """A first line 'sep=;' names the delimiter and, as in Excel, is not a row."""
    body = write_csv(tmp_path / "body.csv", [good_row(entity_name="Acme; Sons")], delimiter=";")
    path = tmp_path / "b.csv"
    path.write_text("sep=;\r\n" + body.read_text(encoding="utf-8"), encoding="utf-8")
    intake = read(path)
    assert intake.issues == []
    assert [(row.row, row.values["entity_name"]) for row in intake.rows] == [(2, "Acme; Sons")]


def test_workbook_in_the_1904_date_system_reads_the_same_dates(
    tmp_path: Path, read: Reader
) -> None:
    """Old Mac workbooks count days from 1904; their date cells still mean the same day."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    workbook = openpyxl.Workbook()
    workbook.epoch = CALENDAR_MAC_1904
    sheet = workbook.active
    sheet.title = "Numbers"
    sheet.append(list(COLUMN_NAMES))
    sheet.append([good_row(requested_foc=date(2026, 12, 21)).get(c) for c in COLUMN_NAMES])
    workbook.save(tmp_path / "b.xlsx")
    documents(tmp_path)
    assert read(tmp_path / "b.xlsx").rows[0].requested_foc == datetime(2026, 12, 21, 15, tzinfo=UTC)
