"""Property tests: whatever the XLSX writer is given, a reader gets the same value back.

calamine reads text as Excel does (it decodes ``_xHHHH_``), so it must see exactly the safe
text; openpyxl does not decode, so it sees ``_xHHHH_`` in Excel's own escape, ``_x005F_xHHHH_``.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from porting_batch.reports.xlsx import XlsxWriter
from porting_batch.safety import EXCEL_CELL_LIMIT, FORMULA_STARTS, looks_like_formula, safe_text

# No deadline: the machine is shared, and a slow example is not a wrong one.
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_ESCAPED = re.compile(r"_x[0-9A-Fa-f]{4}_")

# Text from every plane, control characters included, with the shapes that matter mixed in:
# formula starts, Excel's _xHHHH_ escapes, XML's own specials, edge spaces and line breaks.
_PIECES = st.sampled_from(
    [*FORMULA_STARTS, "_x0041_", "_x000d_", "&", "<", ">", '"', " ", "\n", "\r\n", "+1 312"]
)
TEXT = st.lists(st.one_of(st.text(max_size=12), _PIECES), max_size=6).map("".join)
LONG_TEXT = st.builds(
    lambda char, count, tail: char * count + tail,
    st.characters(),
    st.integers(min_value=EXCEL_CELL_LIMIT // 2 - 10, max_value=EXCEL_CELL_LIMIT + 10),
    st.text(max_size=5),
)
EXACT_INTS = st.integers(min_value=-(2**53), max_value=2**53)  # what a double holds exactly
FLOATS = st.floats(allow_nan=False, allow_infinity=False)
# Excel's 1900 date system is right from March 1900 (it believes 1900 was a leap year).
DATETIMES = st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31))


@contextmanager
def _written(rows: list[list[object]], *, fast: bool) -> Iterator[Path]:
    # Not tmp_path: a function fixture is shared by every example hypothesis runs.
    with tempfile.TemporaryDirectory(prefix="xlsx-prop-") as folder:
        path = Path(folder) / "t.xlsx"
        with XlsxWriter(path) as book, book.sheet("Data") as sheet:
            for row in rows:
                if fast:
                    sheet.add_fast_row(row, [0] * len(row))
                else:
                    sheet.add_row(row)
        yield path


def _openpyxl_form(text: str) -> str:
    return _ESCAPED.sub(lambda found: "_x005F" + found.group(0), text)


# A failing 32,000-character example is printed whole; hypothesis warns that it is long.
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
@PROPERTY
@given(st.lists(st.one_of(TEXT, TEXT, TEXT, LONG_TEXT), min_size=1, max_size=4), st.booleans())
def test_any_text_reads_back_as_its_safe_form(texts: list[str], fast: bool) -> None:
    """Text comes back as safe_text made it (controls gone, capped), a text cell, never a formula;
    the table path (add_fast_row) also quote-prefixes what looks like a formula."""
    with _written([texts], fast=fast) as path:
        calamine = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Data").to_python()
        rows = list(load_workbook(path)["Data"].iter_rows())
    expected = [safe_text(text) for text in texts]
    # calamine starts its range at the first cell written: compare the cells that hold text.
    assert [value for value in (calamine[0] if calamine else []) if value != ""] == [
        text for text in expected if text
    ]
    cells = {cell.column - 1: cell for cell in (rows[0] if rows else ())}
    for index, text in enumerate(expected):
        if not text:
            assert index not in cells or cells[index].value is None
            continue
        cell = cells[index]
        assert (cell.value, cell.data_type) == (_openpyxl_form(text), "s")
        assert len(text.encode("utf-16-le")) // 2 <= EXCEL_CELL_LIMIT
        if fast:
            assert bool(cell.quotePrefix) == looks_like_formula(text)


@PROPERTY
@given(st.lists(st.one_of(EXACT_INTS, FLOATS), min_size=1, max_size=8), st.booleans())
def test_numbers_read_back_as_the_same_numbers(numbers: list[int | float], fast: bool) -> None:
    """Integers a double holds exactly and finite floats come back equal and of their type."""
    with _written([list(numbers)], fast=fast) as path:
        read = next(load_workbook(path)["Data"].iter_rows(values_only=True))
    assert list(read) == numbers
    assert [type(value) for value in read] == [type(value) for value in numbers]


@PROPERTY
@given(st.lists(DATETIMES, min_size=1, max_size=8), st.booleans())
def test_date_times_read_back_to_the_millisecond(values: list[datetime], fast: bool) -> None:
    """Naive date-times are Excel date-times (formatted) equal to within a millisecond."""
    with _written([list(values)], fast=fast) as path:
        cells = next(load_workbook(path)["Data"].iter_rows())
    for cell, value in zip(cells, values, strict=True):
        assert cell.is_date and cell.number_format == "yyyy-mm-dd hh:mm"
        assert abs((cell.value - value).total_seconds()) < 0.001
