"""The date parser: every accepted way of writing a date reads back as that date, and nothing
typed into a date cell makes it raise."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from porting_batch.validation import foc_moment, parse_date
from porting_batch.validation.dates import requested_foc

from .conftest import Reader, codes, good_row, write_csv

# Generated inputs are judged, never timed: the machine running the suite may be busy.
untimed = settings(deadline=None)

#: English month names, as strptime reads them in the C locale the suite runs in.
MONTHS = list(calendar.month_name)[1:]
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31))
#: Days whose US month/day spelling cannot be read the other way round.
unambiguous_days = days.filter(lambda day: day.day > 12 or day.day == day.month)


def _padded(number: int, pad: bool) -> str:
    return f"{number:02d}" if pad else str(number)


@untimed
@given(days, st.booleans(), st.booleans())
def test_iso_dates_read_back_as_themselves(day: date, pad_month: bool, pad_day: bool) -> None:
    """Year-month-day, with or without leading zeros, is the day written and nothing else."""
    text = f"{day.year}-{_padded(day.month, pad_month)}-{_padded(day.day, pad_day)}"
    assert parse_date(text) == parse_date(day.isoformat())
    parsed = parse_date(text)
    assert (parsed.day, parsed.moment, parsed.error, parsed.warning) == (day, None, "", "")


@untimed
@given(unambiguous_days, st.sampled_from("/."), st.booleans())
def test_us_month_day_dates_read_back_as_themselves(day: date, sep: str, pad: bool) -> None:
    """12/21/2026 (or 12.21.2026) is December 21, read without a warning."""
    text = f"{_padded(day.month, pad)}{sep}{_padded(day.day, pad)}{sep}{day.year}"
    parsed = parse_date(text)
    assert (parsed.day, parsed.error, parsed.warning) == (day, "", "")


@untimed
@given(days.filter(lambda day: day.day > 12))
def test_day_month_dates_read_back_with_a_warning(day: date) -> None:
    """21/12/2026 can only be day/month: it is read so, and the operator is told."""
    parsed = parse_date(f"{day.day}/{day.month}/{day.year}")
    assert (parsed.day, parsed.error) == (day, "")
    assert parsed.warning == f"read as day/month: {day.isoformat()}"


@untimed
@given(days.filter(lambda day: day.day <= 12 and day.day != day.month))
def test_dates_readable_both_ways_are_refused_as_ambiguous(day: date) -> None:
    """3/4/2026 could be March 4 or April 3: refused with a hint, never guessed."""
    parsed = parse_date(f"{day.month}/{day.day}/{day.year}")
    assert parsed.day is None
    assert parsed.error.startswith("is ambiguous") and "year-month-day" in parsed.hint


@untimed
@given(days, st.sampled_from(["{b} {d} {y}", "{b} {d}, {y}", "{d} {b} {y}", "{d}. {b} {y}"]))
def test_month_name_dates_read_back_as_themselves(day: date, layout: str) -> None:
    """'Dec 21 2026', 'December 21, 2026' and '21 Dec 2026' name the day they say."""
    name = MONTHS[day.month - 1]
    for month in (name, name[:3]):
        text = layout.format(b=month, d=day.day, y=day.year)
        assert parse_date(text).day == day, text


@untimed
@given(st.integers(min_value=20_000, max_value=80_000))
def test_excel_serials_read_as_excels_day(serial: int) -> None:
    """A whole Excel serial is the day Excel shows for it (counted from 1899-12-30)."""
    parsed = parse_date(str(serial))
    assert (parsed.day, parsed.moment) == (date(1899, 12, 30) + timedelta(days=serial), None)


@untimed
@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2199, 12, 31)),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_iso_date_times_with_an_offset_are_that_moment_in_utc(
    moment: datetime, offset_minutes: int
) -> None:
    """2026-12-21 10:00-05:00 is 15:00 UTC that day, to the second."""
    moment = moment.replace(microsecond=0)
    zone = timezone(timedelta(minutes=offset_minutes))
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    text = f"{moment:%Y-%m-%dT%H:%M:%S}{sign}{hours:02d}:{minutes:02d}"
    parsed = parse_date(text)
    assert parsed.day == moment.date() and not parsed.error
    assert foc_moment(parsed) == moment.replace(tzinfo=zone).astimezone(UTC)


@untimed
@given(st.integers(min_value=1900, max_value=2199), st.data())
def test_impossible_dates_are_refused_as_not_real(year: int, data: st.DataObject) -> None:
    """Feb 30, a 13th month and a 32nd day are refused with a hint, in every layout."""
    month, day = data.draw(
        st.sampled_from([(2, 30), (2, 31), (4, 31), (13, 13), (13, 20), (1, 32), (0, 15)])
    )
    for text in (f"{year}-{month}-{day}", f"{month}/{day}/{year}"):
        parsed = parse_date(text)
        assert parsed.day is None and parsed.error, text
        assert parsed.hint, text


@untimed
@given(st.integers(min_value=1901, max_value=2199).filter(lambda y: y % 4 != 0))
def test_february_29_outside_leap_years_is_not_a_real_date(year: int) -> None:
    """2026-02-29 does not exist: it is an issue, not March 1."""
    assert parse_date(f"{year}-02-29").error == "is not a real date"


@untimed
@given(st.text(max_size=40))
@example("9999-12-31T23:00-05:00")
@example("0001-01-01T01:00+05:00")
@example("12/31/9999 11:00 PM -05:00")
@example("2026-12-21T25:00")
@example("2026-12-21T10:00+24:00")
@example("٢٠٢٦-١٢-٢١")
def test_any_text_gives_a_date_or_a_reason_never_an_exception(text: str) -> None:
    """Whatever is typed, the parser returns a day or an error with a hint, and never raises."""
    parsed, moment, normal = requested_foc(text)
    if not text.strip():
        assert parsed.day is None and not parsed.error
    elif parsed.day is None:
        assert parsed.error and parsed.hint
    else:
        assert moment is not None and normal.endswith("Z")


def test_a_foc_beyond_the_calendar_is_an_invalid_date_not_a_crash(
    tmp_path: Path, read: Reader
) -> None:
    """Year 9999 late in the day west of UTC has no UTC moment: the cell is an error."""
    intake = read(write_csv(tmp_path / "b.csv", [good_row(requested_foc="9999-12-31T23:00-05:00")]))
    assert "invalid_date" in codes(intake, 2)
    assert intake.rows[0].errors
