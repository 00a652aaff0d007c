"""Excel column letters: one home, checked against openpyxl and by round trip."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils import get_column_letter

from porting_batch.cells import MAX_COLUMNS, column_index, column_letter


@pytest.mark.parametrize(
    ("index", "letters"),
    [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA"), (16383, "XFD")],
)
def test_column_letter_follows_excel_at_the_boundaries(index: int, letters: str) -> None:
    """The letters change width exactly where Excel's do, up to the last column XFD."""
    assert column_letter(index) == letters
    assert column_index(letters) == index


@given(st.integers(min_value=0, max_value=MAX_COLUMNS - 1))
def test_column_letter_matches_openpyxl_and_round_trips(index: int) -> None:
    """Every column of a sheet gets openpyxl's letters, and the letters give the index back."""
    letters = column_letter(index)
    assert letters == get_column_letter(index + 1)
    assert column_index(letters) == index
    assert column_index(letters.lower()) == index


@given(st.text(min_size=0, max_size=4).filter(lambda t: not (t.isascii() and t.isalpha())))
def test_column_index_refuses_what_is_not_letters(text: str) -> None:
    """Digits, symbols, non-ASCII letters and the empty string are refused, not misread."""
    with pytest.raises(ValueError, match="not column letters"):
        column_index(text)


def test_column_letter_refuses_a_negative_index() -> None:
    """A negative index is a bug in the caller, reported rather than turned into letters."""
    with pytest.raises(ValueError, match="0 or more"):
        column_letter(-1)
