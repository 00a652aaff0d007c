"""Spreadsheet cell addresses: Excel's column letters and their indexes, in one place."""

from __future__ import annotations

__all__ = ["MAX_COLUMNS", "column_index", "column_letter"]

#: Excel's widest sheet: column XFD.
MAX_COLUMNS = 16_384


def column_letter(index: int) -> str:
    """Excel's letters for a 0-based column index: 0 -> A, 25 -> Z, 26 -> AA."""
    if index < 0:
        raise ValueError(f"column index must be 0 or more, not {index}")
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_index(letters: str) -> int:
    """The 0-based index of Excel column letters: A -> 0, AA -> 26, XFD -> 16383."""
    if not letters or not letters.isascii() or not letters.isalpha():
        raise ValueError(f"not column letters: {letters!r}")
    index = 0
    for char in letters.upper():
        index = index * 26 + (ord(char) - 64)
    return index - 1
