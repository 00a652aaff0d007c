"""Phone numbers and ranges read from operator text, checked as properties over many inputs."""

from __future__ import annotations

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from porting_batch.numbers import nanp_prefix, parse_phone

# Chicago 312-555 is a real area code and exchange in libphonenumber's metadata.
_SUBSCRIBER = st.integers(min_value=0, max_value=9999).map(lambda n: f"{n:04d}")
_LAYOUTS = (
    "312555{s}",
    "312-555-{s}",
    "(312) 555-{s}",
    "+1 312 555 {s}",
    "1.312.555.{s}",
    "\uff13\uff11\uff12 555 {s}",  # full-width digits from a Japanese IME
    "\u200b312 555 {s}\u00a0",  # a zero-width space and a non-breaking space
)


@given(_SUBSCRIBER, st.sampled_from(_LAYOUTS))
def test_every_layout_of_one_nanp_number_reads_as_the_same_e164(line: str, layout: str) -> None:
    """Dashes, dots, brackets, +1, full-width digits and invisibles all give one E.164 number."""
    parsed = parse_phone(layout.format(s=line))
    assert parsed.ok, parsed
    assert parsed.numbers == (f"+1312555{line}",)
    assert parsed.region == "US"


@given(st.text(max_size=40))
@settings(max_examples=300)
def test_arbitrary_text_never_raises_and_is_either_numbers_or_a_reason(text: str) -> None:
    """Whatever is typed, the reader answers numbers or an error with a message, never raises."""
    parsed = parse_phone(text)
    if parsed.ok:
        assert all(n.startswith("+") and n[1:].isdigit() for n in parsed.numbers)
    else:
        assert parsed.error and parsed.message


@given(st.integers(min_value=0, max_value=9000), st.integers(min_value=0, max_value=999))
def test_a_range_expands_to_every_number_between_its_ends(start: int, size: int) -> None:
    """'312-555-SSSS to EEEE' holds exactly the numbers from start to end, in order."""
    end = start + size
    parsed = parse_phone(f"312-555-{start:04d} to {end:04d}", max_range=1000)
    assert parsed.ok and parsed.is_range
    assert parsed.numbers == tuple(f"+1312555{n:04d}" for n in range(start, end + 1))


@given(st.integers(min_value=1, max_value=9000), st.integers(min_value=1, max_value=999))
def test_a_backwards_range_is_refused_not_reversed(end: int, gap: int) -> None:
    """A range whose end comes before its start is an error, never silently swapped."""
    start = min(end + gap, 9999)
    parsed = parse_phone(f"312-555-{start:04d}-{end:04d}")
    assert not parsed.ok
    assert parsed.error == "invalid_range"


@given(st.integers(min_value=1001, max_value=5000))
def test_a_range_past_the_limit_is_refused_with_its_size(size: int) -> None:
    """A range larger than the limit names its size instead of expanding it."""
    parsed = parse_phone(f"312-555-0000 to {size - 1:04d}", max_range=1000)
    assert parsed.error == "range_too_large"
    assert f"{size:,}" in parsed.message


@given(st.from_regex(r"[2-9][0-8][0-9][2-9][0-9]{2}", fullmatch=True))
def test_nanp_prefix_agrees_with_libphonenumber(npa_nxx: str) -> None:
    """Whether NPA-NXX is in use, and where, is libphonenumber's answer for a number in it."""
    valid, region, _ = nanp_prefix(npa_nxx)
    number = phonenumbers.parse(f"+1{npa_nxx}0100", None)
    assert valid == phonenumbers.is_valid_number(number)
    if valid:
        assert region == phonenumbers.region_code_for_number(number)
