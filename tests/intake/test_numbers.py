"""E.164 normalisation and range expansion."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from porting_batch.numbers import is_toll_free, parse_phone, region_of


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("312-555-2486", "US", "+13125552486"),
        ("(312) 555-2486", "US", "+13125552486"),
        ("+1 312 555 2486", "US", "+13125552486"),
        ("1-312-555-2486", "US", "+13125552486"),
        ("13125552486", "US", "+13125552486"),
        ("+1.312.555.2486", "US", "+13125552486"),
        ("３１２５５５２４８６", "US", "+13125552486"),
        ("312\u00a0555\u20112486", "US", "+13125552486"),
        ("\u200b312 555 2486 ", "US", "+13125552486"),
        ("416 555 0142", "CA", "+14165550142"),
        ("416 555 0142", "", "+14165550142"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("011 44 20 7946 0958", "US", "+442079460958"),
        ("3125552486.0", "US", "+13125552486"),
    ],
    ids=[
        "dashes",
        "parentheses",
        "e164-spaced",
        "leading-one-dashes",
        "eleven-digits",
        "dots",
        "full-width-digits",
        "nbsp-and-nb-hyphen",
        "zero-width-space",
        "canada-region",
        "empty-region-defaults-us",
        "international-plus",
        "national-with-region",
        "us-idd",
        "float-text",
    ],
)
def test_number_formats_normalise_to_e164(text: str, region: str, expected: str) -> None:
    """Every common way of typing a number gives the same E.164 value."""
    parsed = parse_phone(text, region)
    assert parsed.ok, parsed.message
    assert parsed.numbers == (expected,)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1-800-FLOWERS", "letters"),
        ("call 312 555 2486", "letters"),
        ("(312) 555-2486 x12", "extension"),
        ("+1 312 555 2486 ext. 7", "extension"),
        ("312 555 2486 #12", "extension"),
        ("312 555 248", "invalid_number"),
        ("123-456-7890", "invalid_number"),
        ("1.31256E+10", "scientific_notation"),
        ("1,31256E+10", "scientific_notation"),
        ("07911 123456", "invalid_number"),
        ("+13125550000-9999", "range_too_large"),
        ("312-555-2010 to 2000", "invalid_range"),
        ("", "required"),
    ],
    ids=[
        "vanity-letters",
        "words",
        "extension-x",
        "extension-ext",
        "extension-hash",
        "too-short",
        "impossible-area-code",
        "scientific",
        "scientific-decimal-comma",
        "uk-national-in-us",
        "range-10000",
        "range-backwards",
        "empty",
    ],
)
def test_bad_numbers_are_rejected_with_a_code(text: str, code: str) -> None:
    """Letters, extensions, impossible numbers and oversize ranges are refused."""
    parsed = parse_phone(text, "US")
    assert not parsed.ok
    assert parsed.error == code
    if code != "required":
        assert parsed.hint


@pytest.mark.parametrize(
    ("text", "first", "last", "count"),
    [
        ("312-555-2000 to 2010", "+13125552000", "+13125552010", 11),
        ("+13125552000-2010", "+13125552000", "+13125552010", 11),
        ("312-555-2000-2002", "+13125552000", "+13125552002", 3),
        ("3125552486/2487", "+13125552486", "+13125552487", 2),
        ("2125552000 through 2125552003", "+12125552000", "+12125552003", 4),
        ("312-555-2000 – 2005", "+13125552000", "+13125552005", 6),
        ("312-555-2998 to 3001", "+13125552998", "+13125553001", 4),
        ("+13125550000-0999", "+13125550000", "+13125550999", 1000),
    ],
    ids=[
        "to-words",
        "e164-dash-suffix",
        "dashed-suffix",
        "slash",
        "through-full",
        "en-dash",
        "crosses-hundreds",
        "exactly-1000",
    ],
)
def test_ranges_expand_to_every_number(text: str, first: str, last: str, count: int) -> None:
    """A range in one cell yields every number from its start to its end."""
    parsed = parse_phone(text, "US")
    assert parsed.ok, parsed.message
    assert parsed.is_range
    assert (parsed.numbers[0], parsed.numbers[-1], len(parsed.numbers)) == (first, last, count)


def test_range_limit_follows_the_setting() -> None:
    """The most numbers a range may expand to is configurable."""
    assert parse_phone("312-555-2000 to 2010", "US", max_range=10).error == "range_too_large"
    assert parse_phone("312-555-2000 to 2009", "US", max_range=10).ok


def test_nanp_fast_path_agrees_with_phonenumbers() -> None:
    """The NPA-NXX shortcut gives phonenumbers' own answer on random NANP numbers."""
    rng = random.Random(7)
    for _ in range(3000):
        national = f"{rng.randint(200, 999)}{rng.randint(0, 999):03d}{rng.randint(0, 9999):04d}"
        parsed = phonenumbers.parse("+1" + national, None)
        expected = phonenumbers.is_valid_number(parsed)
        ours = parse_phone(national, "US")
        assert ours.ok == expected, national
        if expected:
            assert ours.region == phonenumbers.region_code_for_number(parsed)


@pytest.mark.parametrize(
    ("number", "region", "toll_free"),
    [
        ("+13125552486", "US", False),
        ("+14165550142", "CA", False),
        ("+18005550199", "US", True),
        ("+442079460958", "GB", False),
    ],
    ids=["us-local", "canada", "toll-free", "uk"],
)
def test_region_and_toll_free_of_a_number(number: str, region: str, toll_free: bool) -> None:
    """The region and toll-free flag come from the number itself."""
    assert region_of(number) == region
    assert is_toll_free(number) is toll_free
