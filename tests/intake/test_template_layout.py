"""The template file an operator fills (issue 18 items 1-3): headers, marks, example row,
checks, prompts, Instructions and print set-up, as a spreadsheet program reads them."""

from __future__ import annotations

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from porting_batch.column_spec import CONDITIONAL, OPTIONAL, REQUIRED
from porting_batch.columns import COLUMN_BY_NAME, COLUMN_NAMES, COLUMNS, canonical_column
from porting_batch.template import write_template
from porting_batch.template_instructions import LINE_HEIGHT, WIDTHS
from porting_batch.template_numbers import EXAMPLE_BLANKS, HEADER_COLOURS
from porting_batch.template_validations import PROMPT_LIMIT, TITLE_LIMIT, prompt


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    """The template as openpyxl reads it back."""
    return openpyxl.load_workbook(write_template(tmp_path_factory.mktemp("t") / "t.xlsx"))


def _letter(name: str) -> str:
    return get_column_letter(COLUMN_NAMES.index(name) + 1)


def _validation(sheet: Worksheet, name: str) -> DataValidation:
    letter = _letter(name)
    [found] = [
        dv
        for dv in sheet.data_validations.dataValidation
        if str(dv.sqref).split(":")[0] == f"{letter}2"
    ]
    return found


def test_headers_are_the_operators_words_and_read_back_as_their_columns(
    book: openpyxl.Workbook,
) -> None:
    """Row 1 says 'Business name', 'PIN', 'ZIP/Postal code'..., each naming its API column."""
    headers = [cell.value for cell in book["Numbers"][1]]
    for header, name in zip(headers, COLUMN_NAMES, strict=True):
        assert canonical_column(str(header)) == name
    for words in ("Business name", "Authorised person", "Billing telephone number (BTN)"):
        assert any(str(header).startswith(words) for header in headers)
    assert not set(headers) & set(COLUMN_NAMES)


def test_every_header_comment_names_its_api_field(book: openpyxl.Workbook) -> None:
    """Hovering a header shows its API field, whether it is required, and an example."""
    for cell, column in zip(book["Numbers"][1], COLUMNS, strict=True):
        assert cell.comment is not None
        assert f"API field: {column.name}" in cell.comment.text
        assert ("Required" in cell.comment.text) == (column.requirement != OPTIONAL)


def test_columns_are_wide_enough_for_their_headers(book: openpyxl.Workbook) -> None:
    """No header is cut: each column is at least as wide as its header text."""
    sheet = book["Numbers"]
    # adjacent columns of one width are stored as one range, filed under its first letter
    widths = {
        index: dimension.width
        for dimension in sheet.column_dimensions.values()
        for index in range(dimension.min, dimension.max + 1)
    }
    for index, cell in enumerate(sheet[1], start=1):
        assert widths[index] >= len(cell.value) + 2, cell.value


def test_headers_are_marked_required_conditional_or_optional(book: openpyxl.Workbook) -> None:
    """Required headers are red with '*', conditional ones brown with '†', optional blue."""
    marks = {REQUIRED: "*", CONDITIONAL: "†", OPTIONAL: ""}
    for cell, column in zip(book["Numbers"][1], COLUMNS, strict=True):
        colour = HEADER_COLOURS[column.requirement].lstrip("#")
        assert cell.fill.fgColor.rgb.endswith(colour), column.name
        assert str(cell.value).endswith(marks[column.requirement] or column.header)
    conditional = {c.name for c in COLUMNS if c.requirement == CONDITIONAL}
    assert {"account_number", "pin_passcode", "loa_file", "invoice_file"} <= conditional
    assert {"remaining_numbers_action", "resp_org"} <= conditional


def test_instructions_give_the_legend_and_each_columns_api_field(
    book: openpyxl.Workbook,
) -> None:
    """The Instructions sheet explains the marks and pairs every header with its API name."""
    sheet = book["Instructions"]
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value]
    assert any(text.startswith("Legend") for text in texts)
    assert any("Required on every row" in text for text in texts)
    assert any("mobile" in text and "partial" in text for text in texts)
    table = {
        row[0].value: row[1].value for row in sheet.iter_rows() if row[0].value and row[1].value
    }
    for column in COLUMNS:
        assert table[column.title] == column.name


def test_example_row_is_greyed_and_marked(book: openpyxl.Workbook) -> None:
    """Row 2 is the example: greyed, first cell starting EXAMPLE, one value per column."""
    row = book["Numbers"][2]
    assert str(row[0].value).startswith("EXAMPLE")
    for cell, column in zip(row, COLUMNS, strict=True):
        assert cell.font.color.rgb.endswith("7F7F7F")
        assert cell.font.i
        if column.example and column.name not in EXAMPLE_BLANKS:
            assert cell.value not in (None, ""), column.name


@pytest.mark.parametrize("name", ["country", "country_code", "foc_time_zone"])
def test_long_closed_lists_are_drop_downs_from_the_lists_sheet(
    book: openpyxl.Workbook, name: str
) -> None:
    """Countries and time zones come from a named list on the hidden Lists sheet."""
    validation = _validation(book["Numbers"], name)
    assert validation.type == "list"
    defined = book.defined_names[validation.formula1]
    sheet, cells = next(iter(defined.destinations))
    values = [c.value for row in book[sheet][cells.replace("$", "")] for c in row]
    assert "US" in values or "America/Chicago" in values
    assert len(values) > 15


def test_state_drop_down_follows_the_address_country(book: openpyxl.Workbook) -> None:
    """The state/province list is Canada's provinces for CA, the US states otherwise."""
    formula = _validation(book["Numbers"], "administrative_area").formula1
    assert f'${_letter("country_code")}2="CA"' in formula
    assert "Provinces_CA" in formula and "States_US" in formula
    lists = book["Lists"]
    provinces = book.defined_names["Provinces_CA"]
    _, cells = next(iter(provinces.destinations))
    assert "ON" in [c.value for row in lists[cells.replace("$", "")] for c in row]


@pytest.mark.parametrize("name", ["requested_foc", "invoice_date"])
def test_date_cells_are_dates_with_a_date_check(book: openpyxl.Workbook, name: str) -> None:
    """The FOC and invoice dates are formatted as dates and checked as dates."""
    sheet = book["Numbers"]
    assert sheet.column_dimensions[_letter(name)].number_format == "yyyy-mm-dd"
    assert _validation(sheet, name).type == "date"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("phone_number", "custom"),
        ("billing_phone_number", "custom"),
        ("postal_code", "custom"),
        ("pin_passcode", "custom"),
        ("resp_org", "textLength"),
    ],
)
def test_phone_zip_pin_and_resp_org_cells_have_length_and_pattern_checks(
    book: openpyxl.Workbook, name: str, kind: str
) -> None:
    """Phone, ZIP, PIN and RespOrg cells are checked as they are typed."""
    validation = _validation(book["Numbers"], name)
    assert validation.type == kind
    assert validation.error
    if kind == "custom":
        assert "LEN(" in validation.formula1 or "LOG10(" in validation.formula1
        assert len(validation.formula1) <= 255


def test_every_prompt_fits_excels_limits_without_cutting_a_word(
    book: openpyxl.Workbook,
) -> None:
    """Prompts stay within 255 characters and titles within 32, ending on a whole word."""
    for column in COLUMNS:
        validation = _validation(book["Numbers"], column.name)
        assert len(validation.prompt) <= PROMPT_LIMIT
        assert len(validation.promptTitle) <= TITLE_LIMIT
        text = validation.prompt.rstrip("…")
        words = text.split()
        assert words[-1] in f"{column.description} Example: {column.example}".split(), column
    foc = prompt(COLUMN_BY_NAME["requested_foc"])["input_message"]
    assert foc.endswith(f"Example: {COLUMN_BY_NAME['requested_foc'].example}")


def test_instructions_rows_are_tall_enough_for_their_wrapped_text(
    book: openpyxl.Workbook,
) -> None:
    """Every wrapped Instructions row has a height that holds all its lines."""
    sheet = book["Instructions"]
    checked = 0
    for row in sheet.iter_rows(min_row=4):
        texts = [(c.value, c.column) for c in row if isinstance(c.value, str)]
        longest = max(
            (len(text) / (WIDTHS[column - 1] - 4) for text, column in texts if column > 2),
            default=0,
        )
        if longest > 1:
            height = sheet.row_dimensions[row[0].row].height
            assert height is not None and height >= LINE_HEIGHT * 2, row[0].row
            checked += 1
    assert checked > 10


def test_numbers_sheet_prints_landscape_one_page_wide_with_the_header_repeated(
    book: openpyxl.Workbook,
) -> None:
    """Printing gives landscape pages one page wide, each starting with the header row."""
    sheet = book["Numbers"]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    # fitToWidth is left out of the file when it is 1, Excel's default
    assert sheet.page_setup.fitToWidth in (None, 1)
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows.replace("$", "") == "1:1"
    assert sheet.freeze_panes == "A2"
