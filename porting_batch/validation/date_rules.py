"""The rules for the date cells: requested_foc (lead time, business days) and invoice_date (age).

Each distinct text is judged once (a batch repeats its dates on every row of an account).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

from porting_batch.issues import Severity
from porting_batch.validation.collector import Problem, Rules
from porting_batch.validation.dates import (
    DATE_HINT,
    FOC_LEAD_BUSINESS_DAYS,
    ParsedDate,
    parse_date,
    requested_foc,
)

#: Past this age Telnyx asks for a newer invoice.
INVOICE_MAX_AGE_DAYS = 30

_Value = TypeVar("_Value")


def check_dates(rules: Rules) -> None:
    """Normalise requested_foc (to the API's UTC spelling) and invoice_date (to ISO)."""
    foc_column = rules.columns["requested_foc"]
    for position, moment, normal in _per_text(rules, foc_column, _foc):
        rules.rows[position].requested_foc = moment
        foc_column[position] = normal
    invoice_column = rules.columns["invoice_date"]
    for position, day, normal in _per_text(rules, invoice_column, _invoice_date):
        rules.rows[position].invoice_date = day
        invoice_column[position] = normal


def _per_text(
    rules: Rules,
    column: list[str],
    judge: Callable[[Rules, str], tuple[_Value | None, str, list[Problem]]],
) -> list[tuple[int, _Value, str]]:
    """Judge each distinct text once, report its problems on each row, and return the
    (position, value, normal text) of the cells that could be read."""
    results: dict[str, tuple[_Value | None, str, list[Problem]]] = {}
    readable: list[tuple[int, _Value, str]] = []
    for position, text in enumerate(column):
        if not text:
            continue
        result = results.get(text)
        if result is None:
            result = results[text] = judge(rules, text)
        value, normal, problems = result
        if value is not None:
            readable.append((position, value, normal))
        if problems:
            rules.report(position, problems)
    return readable


def _reading_problems(parsed: ParsedDate, column: str) -> list[Problem]:
    """The error for a date that cannot be read, else the warning for a day/month reading."""
    if parsed.error or parsed.day is None:
        return [
            (
                Severity.ERROR,
                "invalid_date",
                column,
                parsed.error or "is not a date",
                parsed.hint or DATE_HINT,
            )
        ]
    if parsed.warning:
        return [
            (
                Severity.WARNING,
                "date_read_day_month",
                column,
                parsed.warning,
                "write it as year-month-day to be sure",
            )
        ]
    return []


def _foc(rules: Rules, text: str) -> tuple[datetime | None, str, list[Problem]]:
    parsed, moment, normal = requested_foc(text)
    problems = _reading_problems(parsed, "requested_foc")
    if moment is None:
        return None, text, problems
    earliest = rules.earliest_foc
    if moment.date() < rules.today:
        problems.append(
            (
                Severity.WARNING,
                "foc_in_past",
                "requested_foc",
                "the requested FOC is in the past; the earliest allowed window will be used",
                f"give a date on or after {earliest.isoformat()}",
            )
        )
    elif moment.date() < earliest:
        problems.append(
            (
                Severity.WARNING,
                "foc_too_soon",
                "requested_foc",
                f"the requested FOC is inside the {FOC_LEAD_BUSINESS_DAYS}-business-"
                "day lead time; the earliest allowed window will be used",
                f"give a date on or after {earliest.isoformat()}",
            )
        )
    elif moment.weekday() >= 5:
        problems.append(
            (
                Severity.WARNING,
                "foc_not_business_day",
                "requested_foc",
                f"the requested FOC falls on a {moment.strftime('%A')}; ports happen on "
                "business days, so the nearest allowed window will be used",
                "give a Monday to Friday date",
            )
        )
    return moment, normal, problems


def _invoice_date(rules: Rules, text: str) -> tuple[date | None, str, list[Problem]]:
    parsed = parse_date(text)
    problems = _reading_problems(parsed, "invoice_date")
    if parsed.day is None:
        return None, text, problems
    age = (rules.today - parsed.day).days
    if age > INVOICE_MAX_AGE_DAYS:
        problems.append(
            (
                Severity.WARNING,
                "invoice_old",
                "invoice_date",
                f"the invoice is {age} days old; Telnyx asks for one from the last "
                f"{INVOICE_MAX_AGE_DAYS} days",
                "attach the most recent bill from the losing carrier",
            )
        )
    elif age < 0:
        problems.append(
            (
                Severity.WARNING,
                "invoice_in_future",
                "invoice_date",
                "the invoice date is in the future",
                "check the date",
            )
        )
    return parsed.day, parsed.day.isoformat(), problems
