"""Dates as operators type them, and the FOC arithmetic the date rules need.

Accepted: ISO (2026-12-21, with an optional time and zone), US month/day (12/21/2026, with an
optional 12- or 24-hour time), day/month when the day cannot be a month (21/12/2026, with a
warning), an Excel serial (46377), and month names (Dec 21 2026, 21 December 2026).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache

#: Business days Telnyx needs before a requested FOC (non-FastPort); earlier means "earliest".
FOC_LEAD_BUSINESS_DAYS = 7
#: A date typed without a time means this time of day, UTC (09:00 US Central in winter).
FOC_DEFAULT_TIME = time(15, 0)
DATE_HINT = "write it as 2026-12-21 (year-month-day), or 12/21/2026 (US month/day)"


@dataclass(frozen=True)
class ParsedDate:
    """A date cell read: the moment (or day), or why it could not be read."""

    day: date | None = None
    moment: datetime | None = None  # aware, when the cell had a time
    error: str = ""
    hint: str = ""
    warning: str = ""


_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?",
    re.I,
)
_SLASHED = re.compile(
    r"(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?\s*(Z|[+-]\d{2}:?\d{2})?"
)
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
_TEXT_FORMATS = ("%b %d %Y", "%B %d %Y", "%d %b %Y", "%d %B %Y")


def _zone(text: str | None) -> timezone:
    if not text or text.upper() == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _build(
    year: int,
    month: int,
    day: int,
    hh: str | None,
    mm: str | None,
    ss: str | None,
    zone: str | None,
) -> ParsedDate:
    try:
        the_day = date(year, month, day)
        if hh is None:
            return ParsedDate(day=the_day)
        moment = datetime.combine(
            the_day, time(int(hh), int(mm or 0), int(ss or 0)), tzinfo=_zone(zone)
        )
        # An offset can push year 1 or 9999 past what a UTC datetime holds: refuse it here
        # rather than let the FOC's conversion to UTC raise later.
        moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return ParsedDate(error="is not a real date", hint=DATE_HINT)
    if moment.time() == time(0) and zone is None:
        return ParsedDate(day=the_day)  # a date cell read back as midnight: a date, not a time
    return ParsedDate(day=the_day, moment=moment)


@lru_cache(maxsize=4096)
def parse_date(text: str) -> ParsedDate:
    """A date or date-time as typed: ISO, US month/day, an Excel serial, or 'Dec 21 2026'."""
    text = text.strip()
    if not text:
        return ParsedDate()
    match = _ISO.fullmatch(text)
    if match:
        y, m, d, hh, mm, ss, zone = match.groups()
        return _build(int(y), int(m), int(d), hh, mm, ss, zone)
    match = _SLASHED.fullmatch(text)
    if match:
        return _slashed(match)
    if _SERIAL.fullmatch(text):
        serial = float(text)
        if 20000 <= serial <= 80000:
            moment = datetime(1899, 12, 30) + timedelta(days=serial)
            if serial.is_integer():
                return ParsedDate(day=moment.date())
            return ParsedDate(day=moment.date(), moment=moment.replace(tzinfo=UTC))
    plain = text.replace(",", " ").replace(".", " ")
    plain = " ".join(plain.split())
    for pattern in _TEXT_FORMATS:
        try:
            return ParsedDate(day=datetime.strptime(plain, pattern).date())
        except ValueError:
            continue
    return ParsedDate(error="is not a date", hint=DATE_HINT)


def _slashed(match: re.Match[str]) -> ParsedDate:
    """12/21/2026 (month/day), 21/12/2026 (day/month, with a warning), or ambiguous."""
    first, second, year_text, hh, mm, ss, half, zone = match.groups()
    a, b = int(first), int(second)
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    if hh is not None and half:
        hour = int(hh) % 12 + (12 if half.lower() == "pm" else 0)
        hh = str(hour)
    if a <= 12 and b <= 12 and a != b:
        return ParsedDate(
            error=f"is ambiguous: it could be month/day ({_month(a)} {b}) or day/month "
            f"({_month(b)} {a})",
            hint="write it as year-month-day, e.g. 2026-12-21",
        )
    if a > 12 and b <= 12:
        parsed = _build(year, b, a, hh, mm, ss, zone)
        if parsed.error:
            return parsed
        return ParsedDate(
            day=parsed.day, moment=parsed.moment, warning=f"read as day/month: {parsed.day}"
        )
    return _build(year, a, b, hh, mm, ss, zone)


def _month(number: int) -> str:
    return date(2000, number, 1).strftime("%B")


@lru_cache(maxsize=4096)
def requested_foc(text: str) -> tuple[ParsedDate, datetime | None, str]:
    """A requested_foc cell read: the parse, its UTC moment, and the API's spelling of it."""
    parsed = parse_date(text)
    moment = foc_moment(parsed)
    return parsed, moment, moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def foc_moment(parsed: ParsedDate) -> datetime | None:
    """The requested FOC as an aware UTC datetime; a bare date means FOC_DEFAULT_TIME UTC."""
    if parsed.moment is not None:
        return parsed.moment.astimezone(UTC)
    if parsed.day is not None:
        return datetime.combine(parsed.day, FOC_DEFAULT_TIME, tzinfo=UTC)
    return None


def add_business_days(day: date, count: int) -> date:
    """The ``count``-th weekday after ``day`` (holidays are left to the API's FOC windows)."""
    current = day
    while count > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            count -= 1
    return current
