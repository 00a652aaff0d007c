"""Business days, US federal holidays and the allowed FOC windows, computed offline."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

LEAD_BUSINESS_DAYS = 7
FASTPORT_LEAD_BUSINESS_DAYS = 2
WINDOW_COUNT = 20
WINDOW_START = time(13, 0)
WINDOW_END = time(22, 0)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + timedelta(days=offset + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    following = date(year + (month == 12), month % 12 + 1, 1)
    last = following - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    # A holiday on Saturday is observed on Friday, on Sunday the Monday after.
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


@lru_cache(maxsize=64)
def us_federal_holidays(year: int) -> frozenset[date]:
    """The observed US federal holidays of ``year`` (5 U.S.C. 6103)."""
    days = {
        _observed(date(year, 1, 1)),
        _nth_weekday(year, 1, 0, 3),  # Martin Luther King Jr. Day
        _nth_weekday(year, 2, 0, 3),  # Washington's Birthday
        _last_weekday(year, 5, 0),  # Memorial Day
        _observed(date(year, 6, 19)),  # Juneteenth
        _observed(date(year, 7, 4)),
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 10, 0, 2),  # Columbus Day
        _observed(date(year, 11, 11)),
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving
        _observed(date(year, 12, 25)),
    }
    # Next year's New Year's Day may be observed on 31 December of this one.
    next_new_year = _observed(date(year + 1, 1, 1))
    if next_new_year.year == year:
        days.add(next_new_year)
    return frozenset(days)


def is_business_day(day: date) -> bool:
    """Monday to Friday and not a US federal holiday."""
    return day.weekday() < 5 and day not in us_federal_holidays(day.year)


def add_business_days(day: date, count: int) -> date:
    """The ``count``-th business day after ``day``."""
    current = day
    remaining = count
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def foc_windows(now: datetime, *, fast_port: bool) -> list[tuple[datetime, datetime]]:
    """Allowed FOC windows: one 13:00-22:00 UTC window per business day from the lead time on."""
    lead = FASTPORT_LEAD_BUSINESS_DAYS if fast_port else LEAD_BUSINESS_DAYS
    day = add_business_days(now.astimezone(UTC).date(), lead)
    windows: list[tuple[datetime, datetime]] = []
    while len(windows) < WINDOW_COUNT:
        if is_business_day(day):
            windows.append(
                (
                    datetime.combine(day, WINDOW_START, tzinfo=UTC),
                    datetime.combine(day, WINDOW_END, tzinfo=UTC),
                )
            )
        day += timedelta(days=1)
    return windows


def in_windows(moment: datetime, windows: list[tuple[datetime, datetime]]) -> bool:
    """Whether ``moment`` lies inside one of ``windows`` (ends included)."""
    return any(start <= moment <= end for start, end in windows)
