"""The template's Numbers sheet (headers, marks, example row, checks, print set-up) and the
hidden Lists sheet its drop-downs read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from porting_batch.column_spec import CONDITIONAL, REQUIRED, Column
from porting_batch.columns import (
    COLUMN_NAMES,
    COLUMNS,
    EXAMPLE_MARK,
    LISTS_SHEET,
    NUMBERS_SHEET,
    TIME_ZONES,
)
from porting_batch.template_validations import (
    CA_PROVINCES_NAME,
    COUNTRIES_NAME,
    TIME_ZONES_NAME,
    US_STATES_NAME,
    requirement_text,
    validation,
)
from porting_batch.validation.reference import CA_PROVINCES, ISO_COUNTRIES, US_STATES

#: Rows that get drop-downs and text formatting in the template (Excel's limit is 1,048,576).
FORMATTED_ROWS = 100_000
#: Header fill per requirement: the legend on the Instructions sheet names them.
HEADER_COLOURS = {REQUIRED: "#C00000", CONDITIONAL: "#B45F06", "optional": "#1F4E78"}
#: The example row is a full port of one account: the partial-port, EU and toll-free columns
#: stay empty so that it reads as one consistent order.
EXAMPLE_BLANKS = frozenset(
    {
        "remaining_numbers_action",
        "new_billing_phone_number",
        "tax_identifier",
        "business_identifier",
        "resp_org",
    }
)
DATE_FORMAT = "yyyy-mm-dd"


def example_phone() -> str:
    """The example row's first cell: the mark the reader skips it by, then the example."""
    return f"{EXAMPLE_MARK}: {COLUMNS[0].example}"


def width(column: Column) -> int:
    """The column's width: its own, or wide enough for its header and the filter arrow."""
    return max(column.width, len(column.title) + 4)


def numbers_sheet(
    workbook: xlsxwriter.Workbook,
    rows: Iterable[Mapping[str, str]],
    *,
    example: bool,
    api_headers: bool = False,
) -> None:
    """The Numbers sheet: marked headers with comments, checks, ``rows``, maybe the example;
    the headers are the API names with ``api_headers``."""
    sheet = workbook.add_worksheet(NUMBERS_SHEET)
    text = workbook.add_format({"num_format": "@"})
    dates = workbook.add_format({"num_format": DATE_FORMAT})
    general = workbook.add_format({})
    headers = {
        level: workbook.add_format(
            {"bold": True, "bg_color": colour, "font_color": "#FFFFFF", "border": 1}
        )
        for level, colour in HEADER_COLOURS.items()
    }
    formats = [
        text if c.text_formatted else dates if c.kind in {"date", "datetime"} else general
        for c in COLUMNS
    ]
    sheet.freeze_panes(1, 0)
    for index, column in enumerate(COLUMNS):
        sheet.set_column(index, index, width(column), formats[index])
        title = column.name if api_headers else column.title
        sheet.write_string(0, index, title, headers[column.requirement])
        sheet.write_comment(0, index, header_comment(column), {"x_scale": 2, "y_scale": 2})
        sheet.data_validation(1, index, FORMATTED_ROWS, index, validation(column))
    first = 1
    if example:
        _example_row(workbook, sheet)
        first = 2
    for row_index, row in enumerate(rows, start=first):
        for index, name in enumerate(COLUMN_NAMES):
            value = row.get(name, "")
            if value:
                cell_format = text if COLUMNS[index].text_formatted else general
                sheet.write_string(row_index, index, value, cell_format)
    sheet.autofilter(0, 0, 0, len(COLUMNS) - 1)
    _print_setup(sheet)


def header_comment(column: Column) -> str:
    """The header's comment: the API field, whether it is required, its meaning and example."""
    lines = [
        f"API field: {column.name}",
        requirement_text(column),
        column.description,
    ]
    if column.example:
        lines.append(f"Example: {column.example}")
    return "\n".join(lines)


def _example_row(workbook: xlsxwriter.Workbook, sheet: Worksheet) -> None:
    grey = {"font_color": "#7F7F7F", "italic": True, "bg_color": "#EDEDED"}
    text = workbook.add_format(grey | {"num_format": "@"})
    date = workbook.add_format(grey | {"num_format": DATE_FORMAT})
    for index, column in enumerate(COLUMNS):
        value = "" if column.name in EXAMPLE_BLANKS else column.example
        if index == 0:
            value = example_phone()
        if column.kind in {"date", "datetime"} and value:
            sheet.write_datetime(1, index, datetime.fromisoformat(value), date)
        else:
            sheet.write_string(1, index, value, text)


def _print_setup(sheet: Worksheet) -> None:
    sheet.set_landscape()
    sheet.set_paper(1)  # Letter: the US and Canada are where these batches come from
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)


def lists_sheet(workbook: xlsxwriter.Workbook) -> None:
    """The hidden sheet of the longer drop-down lists, each behind a defined name."""
    sheet = workbook.add_worksheet(LISTS_SHEET)
    lists = (
        (COUNTRIES_NAME, sorted(ISO_COUNTRIES)),
        (US_STATES_NAME, sorted(US_STATES)),
        (CA_PROVINCES_NAME, sorted(CA_PROVINCES)),
        (TIME_ZONES_NAME, list(TIME_ZONES)),
    )
    for index, (name, values) in enumerate(lists):
        sheet.write_string(0, index, name)
        for offset, value in enumerate(values, start=1):
            sheet.write_string(offset, index, value)
        letter = chr(ord("A") + index)
        workbook.define_name(name, f"='{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}")
    sheet.hide()
