"""Text safety shared by every report writer."""

from __future__ import annotations

import pytest

from porting_batch.safety import (
    EXCEL_CELL_LIMIT,
    TRUNCATION_MARKER,
    csv_safe,
    is_secret_header,
    mask_secret,
    safe_text,
)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("12345642", "••••••42"),
        ("0520", "••20"),
        (" 904217 ", "••••17"),
        ("123", "•23"),
        ("42", "••"),
        ("7", "•"),
        ("", ""),
        (None, ""),
    ],
    ids=[
        "account",
        "leading-zero-pin",
        "spaces",
        "three",
        "two-fully",
        "one-fully",
        "empty",
        "none",
    ],
)
def test_mask_secret_keeps_only_the_last_two_characters(value: str | None, masked: str) -> None:
    """All but the last two characters are masked; two or fewer are masked entirely."""
    assert mask_secret(value) == masked


def test_safe_text_removes_control_characters_but_keeps_line_breaks() -> None:
    """Characters Excel refuses vanish; tabs and line breaks stay part of the text."""
    assert safe_text("Acme\x0bCorp\x00 Inc\x7f\tline\r\nnext\x85") == "AcmeCorp Inc\tline\r\nnext"


def test_safe_text_caps_text_at_the_excel_limit_with_a_marker() -> None:
    """A 40,000-character value is cut to exactly the cell limit and ends with the marker."""
    text = safe_text("x" * 40_000)
    assert len(text) == EXCEL_CELL_LIMIT
    assert text.endswith(TRUNCATION_MARKER)


def test_safe_text_counts_the_limit_in_utf16_units() -> None:
    """Characters outside the BMP count twice, as Excel counts them."""
    text = safe_text("😀" * 20_000)
    assert len(text.encode("utf-16-le")) // 2 <= EXCEL_CELL_LIMIT
    assert text.endswith(TRUNCATION_MARKER)


def test_safe_text_leaves_text_at_the_limit_alone() -> None:
    """A value exactly at the limit is not cut."""
    assert safe_text("y" * EXCEL_CELL_LIMIT) == "y" * EXCEL_CELL_LIMIT


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("+13125552486", "+13125552486"),
        ("+1 (312) 555-2486", "+1 (312) 555-2486"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-5 days", "'-5 days"),
        ("@SUM(1,2)", "'@SUM(1,2)"),
        ("+12", "+12"),
        ("+", "'+"),
        ("\t=1+1", "'\t=1+1"),
        ("Acme Inc", "Acme Inc"),
        ("", ""),
    ],
    ids=[
        "e164",
        "punctuated-phone",
        "intl-phone",
        "hyperlink",
        "dde",
        "minus",
        "at",
        "short-plus",
        "bare-plus",
        "tab",
        "plain",
        "empty",
    ],
)
def test_csv_safe_keeps_formula_looking_text_as_text_but_not_phone_numbers(
    value: str, written: str
) -> None:
    """Formula starters get an apostrophe; phone numbers beginning with '+' are untouched."""
    assert csv_safe(value) == written


@pytest.mark.parametrize(
    ("header", "secret"),
    [
        ("PIN", True),
        ("Account #", True),
        ("account_number", True),
        ("AccountNumber", True),
        ("Acct No", True),
        ("Passcode / PIN", True),
        ("pin_passcode", True),
        ("Shipping address", False),
        ("Phone Number", False),
        ("Spin-off entity", False),
        ("Account type", False),
        ("Account holder name", False),
    ],
)
def test_secret_headers_are_recognised_by_whole_words(header: str, secret: bool) -> None:
    """PIN and account headers are found in the operator's wording, not inside other words."""
    assert is_secret_header(header) is secret
