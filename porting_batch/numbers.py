"""Phone numbers as operators type them, made E.164: single numbers and ranges.

NANP numbers (+1) take a fast path: validity, region and type of a NANP number depend only on
its first six national digits (NPA-NXX), so phonenumbers is asked once per NPA-NXX and the
answer reused. Everything else goes through phonenumbers itself, cached by the text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

import phonenumbers

phonenumbers.enable_pattern_cache()

NANP_REGIONS: frozenset[str] = frozenset(phonenumbers.region_codes_for_country_code(1))

_FORMATTING = re.compile(r"[\s().\-\u00a0\u200b\u2010-\u2015\u2212]")
_NANP_PLAIN = re.compile(r"(\+1|1)?([2-9]\d{9})")
_LETTERS = re.compile(r"[^\W\d_]")
_EXTENSION = re.compile(r"(?i)(?:\b(?:ext|extn|extension|x)\.?\s*#?\s*\d+\s*$)|#\s*\d+\s*$")
_RANGE_WORDS = re.compile(r"(?i)\s+(?:to|through|thru|until)\s+")
_RANGE_MARK = re.compile(r"[-/\u2010-\u2015\u2212~]")
_SCIENTIFIC = re.compile(r"\d(?:[.,]\d+)?[eE]\+?\d+")
_FLOAT_TEXT = re.compile(r"\+?\d{7,15}\.0+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)


class ParsedNumber(NamedTuple):
    """A cell read as phone numbers: the E.164 values, or why it could not be read."""

    numbers: tuple[str, ...] = ()
    region: str = ""  # the region of the (first) number, e.g. "US", "CA"
    error: str = ""  # machine code: "invalid_number", "letters", "extension", ...
    message: str = ""
    hint: str = ""
    is_range: bool = False

    @property
    def ok(self) -> bool:
        """Whether the cell yielded at least one valid number."""
        return not self.error and bool(self.numbers)


def clean_text(text: str) -> str:
    """Operator text with compatibility forms folded (full-width digits), invisibles removed."""
    if text.isascii():
        return text.strip()
    folded = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return folded.replace("\u00a0", " ").strip()


@lru_cache(maxsize=4096)
def nanp_prefix(npa_nxx: str) -> tuple[bool, str, bool]:
    """(valid, region, toll_free) for every number starting +1 NPA NXX."""
    parsed = phonenumbers.parse(f"+1{npa_nxx}0100", None)
    if not phonenumbers.is_valid_number(parsed):
        return False, "", False
    region = phonenumbers.region_code_for_number(parsed) or ""
    toll_free = phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.TOLL_FREE
    return True, region, toll_free


def region_of(e164: str) -> str:
    """The ISO region of an E.164 number ('US', 'CA', ...), '' when unknown."""
    if e164.startswith("+1") and len(e164) == 12:
        return nanp_prefix(e164[2:8])[1]
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return ""
    return phonenumbers.region_code_for_number(parsed) or ""


def is_toll_free(e164: str) -> bool:
    """Whether a NANP number is toll-free (8XX)."""
    return e164.startswith("+1") and len(e164) == 12 and nanp_prefix(e164[2:8])[2]


def _invalid(why: str = "") -> ParsedNumber:
    return ParsedNumber(
        error="invalid_number",
        message=f"not a valid phone number{': ' + why if why else ''}",
        hint="write it as +1 312 555 0142, or 10 digits for US and Canada",
    )


def _single(text: str, region: str) -> ParsedNumber:
    """One number (no range) to E.164."""
    digits = _FORMATTING.sub("", text)
    plain = _NANP_PLAIN.fullmatch(digits)
    if plain and (plain.group(1) == "+1" or region in NANP_REGIONS):
        national = plain.group(2)
        valid, number_region, _ = nanp_prefix(national[:6])
        if not valid:
            return _invalid(
                f"{national[:3]}-{national[3:6]} is not an area code and exchange in use"
            )
        return ParsedNumber(numbers=("+1" + national,), region=number_region)
    try:
        parsed = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException as exc:
        return _invalid(str(exc))
    if parsed.extension:
        return ParsedNumber(
            error="extension",
            message="extensions cannot be ported",
            hint="remove the extension; port the main number",
        )
    if not phonenumbers.is_valid_number(parsed):
        reason = phonenumbers.is_possible_number_with_reason(parsed)
        why = {
            phonenumbers.ValidationResult.TOO_SHORT: "too short",
            phonenumbers.ValidationResult.TOO_LONG: "too long",
            phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
        }.get(reason, "no such number range")
        return _invalid(why)
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return ParsedNumber(numbers=(e164,), region=phonenumbers.region_code_for_number(parsed) or "")


def _split_range(text: str) -> tuple[str, str] | None:
    """The two ends of a range, or None when the text is one number."""
    parts = _RANGE_WORDS.split(text)
    if len(parts) == 2:
        return parts[0], parts[1]
    marks = list(_RANGE_MARK.finditer(text))
    if not marks:
        return None
    # Dashes also separate digit groups, so a dash (or slash) starts a range only when
    # a whole number stands before it: "312-555-2000-2010", "+13125552000-2010".
    mark = marks[-1]
    start, end = text[: mark.start()], text[mark.end() :]
    start_digits = sum(c.isdigit() for c in start)
    end_digits = sum(c.isdigit() for c in end)
    if start_digits >= 10 and 1 <= end_digits <= 4 and end.strip().isdigit():
        return start, end
    if start_digits >= 10 and end_digits == start_digits:
        return start, end
    return None


def _expand(text: str, start: str, end: str, region: str, max_size: int) -> ParsedNumber:
    first = _single(start.strip(), region)
    if not first.ok:
        return ParsedNumber(
            error=first.error,
            message=f"the start of the range is {first.message}",
            hint=first.hint,
        )
    start_e164 = first.numbers[0]
    end_text = end.strip()
    end_digits = "".join(c for c in end_text if c.isdigit())
    if len(end_digits) <= 4:
        end_e164 = start_e164[: len(start_e164) - len(end_digits)] + end_digits
    else:
        last = _single(end_text, region)
        if not last.ok:
            return ParsedNumber(
                error=last.error,
                message=f"the end of the range is {last.message}",
                hint=last.hint,
            )
        end_e164 = last.numbers[0]
    if len(end_e164) != len(start_e164) or end_e164 < start_e164:
        return ParsedNumber(
            error="invalid_range",
            message="the range ends before it starts",
            hint="write the lower number first: 312-555-2000 to 2010",
        )
    count = int(end_e164[1:]) - int(start_e164[1:]) + 1
    if count > max_size:
        return ParsedNumber(
            error="range_too_large",
            message=f"the range holds {count:,} numbers, more than {max_size:,}",
            hint=f"split it into ranges of at most {max_size:,} numbers",
        )
    base = int(start_e164[1:])
    numbers = tuple(f"+{base + offset}" for offset in range(count))
    for number in numbers:
        if not _single(number, region).ok:
            return ParsedNumber(
                error="invalid_number",
                message=f"the range includes {number}, which is not a valid number",
                hint="check the start and the end of the range",
            )
    return ParsedNumber(numbers=numbers, region=first.region, is_range=True)


def parse_phone(text: str, region: str = "US", *, max_range: int = 1000) -> ParsedNumber:
    """Read a phone cell: one number or a range, to E.164, with ``region`` as the default."""
    return _parse_phone_cached(text, region.upper() or "US", max_range)


@lru_cache(maxsize=65536)
def _parse_phone_cached(text: str, region: str, max_range: int) -> ParsedNumber:
    cleaned = clean_text(text)
    if not cleaned:
        return ParsedNumber(error="required", message="empty")
    if _SCIENTIFIC.fullmatch(cleaned):
        return ParsedNumber(
            error="scientific_notation",
            message="Excel wrote this number in scientific notation, so its last digits are lost",
            hint="format the column as Text in the workbook, type the numbers again, and "
            "export again",
        )
    if _FLOAT_TEXT.fullmatch(cleaned):
        # "3125550142.0": a number column saved as text by a script; the digits are intact
        cleaned = cleaned.split(".", 1)[0]
    # The common case first: one plainly formatted NANP number, no range, no letters.
    plain = _NANP_PLAIN.fullmatch(_FORMATTING.sub("", cleaned))
    if plain and (plain.group(1) == "+1" or region in NANP_REGIONS):
        return _single(cleaned, region)
    if _EXTENSION.search(cleaned):
        return ParsedNumber(
            error="extension",
            message="extensions cannot be ported",
            hint="remove the extension; port the main number",
        )
    ends = _split_range(cleaned)
    if _LETTERS.search(_RANGE_WORDS.sub("-", cleaned) if ends else cleaned):
        return ParsedNumber(
            error="letters",
            message="letters are not accepted in a phone number",
            hint="write the digits, e.g. 1-800-356-9377 rather than 1-800-FLOWERS",
        )
    if ends is not None:
        return _expand(cleaned, ends[0], ends[1], region, max_range)
    return _single(cleaned, region)
