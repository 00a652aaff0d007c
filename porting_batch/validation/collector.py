"""The rule collector: the rows, their columns being normalised, and the issues found so far.

Rules either call ``error``/``warn`` for a row, or return ``Problem`` tuples (cheap to cache per
distinct value) that ``report`` turns into issues for a row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from porting_batch.columns import SECRET_COLUMNS
from porting_batch.issues import Issue, Severity
from porting_batch.safety import mask_secret
from porting_batch.settings import Settings
from porting_batch.validation.dates import FOC_LEAD_BUSINESS_DAYS, add_business_days

if TYPE_CHECKING:
    from porting_batch.intake import InputRow

#: One problem a rule found in a value: (severity, code, column, message, hint).
Problem = tuple[Severity, str, str, str, str]

#: Problems about a cell left empty, or about another cell: the cell's value says nothing.
_NO_VALUE_CODES = frozenset({"required", "partial_needs_action", "partial_keep_needs_new_btn"})


def mask(value: str) -> str:
    """A secret (PIN, account number) shown safely: all but its last two characters masked,
    as in the reports."""
    return mask_secret(value)


def numeric_cell_issue(sheet: str, row: int, column: str, letter: str, value: str) -> Issue:
    """The warning for an identifier typed into a number cell (Excel drops '+' and zeros)."""
    return Issue(
        Severity.WARNING,
        "stored as a number: a leading '+' or leading zeros may have been lost",
        hint="format the column as Text and type the value again",
        sheet=sheet,
        row=row,
        column=column,
        column_letter=letter,
        value=mask(value) if column in SECRET_COLUMNS else value,
        code="numeric_cell",
    )


def row_list(numbers: Sequence[int], limit: int = 10) -> str:
    """Row numbers as short ranges: '2-5, 9, 12'."""
    spans: list[str] = []
    start = previous = None
    for number in sorted(numbers):
        if start is None:
            start = previous = number
        elif previous is not None and number == previous + 1:
            previous = number
        else:
            spans.append(f"{start}-{previous}" if start != previous else f"{start}")
            start = previous = number
    if start is not None:
        spans.append(f"{start}-{previous}" if start != previous else f"{start}")
    more = f" and {len(spans) - limit} more" if len(spans) > limit else ""
    return ", ".join(spans[:limit]) + more


def row_ranges(numbers: Iterable[int]) -> str:
    """'row 4' or 'rows 2-3, 7'."""
    numbers = list(numbers)
    return ("row " if len(numbers) == 1 else "rows ") + row_list(numbers)


class Rules:
    """The rows, their columns being normalised, and the issues found so far."""

    def __init__(
        self,
        rows: list[InputRow],
        columns: dict[str, list[str]],
        settings: Settings,
        folder: Path,
        today: date,
    ) -> None:
        self.rows = rows
        self.columns = columns
        self.settings = settings
        self.folder = folder
        self.today = today
        self.issues: list[Issue] = []
        self.earliest_foc = add_business_days(today, FOC_LEAD_BUSINESS_DAYS)
        self.header_of: dict[str, str] = {}  # every row's raw shares the operator's headers

    def add(
        self,
        severity: Severity,
        code: str,
        row: InputRow,
        column: str,
        message: str,
        hint: str,
        value: str | None = None,
    ) -> None:
        """Record an issue on ``row``'s cell; ``value`` defaults to the cell as typed."""
        if value is None:
            header = self.header_of.get(column)
            if header is None:
                header = row.header(column)
                self.header_of[column] = header
            value = row.raw.get(header, "") if header else ""
            value = value or row.values.get(column, "")
        if column in SECRET_COLUMNS:
            value = mask(value)
        self.issues.append(
            Issue(
                severity,
                message,
                hint=hint,
                sheet=row.sheet,
                row=row.row,
                column=column,
                column_letter=row.letter(column),
                value=value,
                code=code,
            )
        )
        if severity is Severity.ERROR:
            row.errors = True

    def error(
        self,
        code: str,
        row: InputRow,
        column: str,
        message: str,
        hint: str,
        value: str | None = None,
    ) -> None:
        """Record an error: the row is left out of the run."""
        self.add(Severity.ERROR, code, row, column, message, hint, value)

    def warn(
        self,
        code: str,
        row: InputRow,
        column: str,
        message: str,
        hint: str,
        value: str | None = None,
    ) -> None:
        """Record a warning: the row still runs."""
        self.add(Severity.WARNING, code, row, column, message, hint, value)

    def report(self, position: int, problems: Iterable[Problem]) -> None:
        """Record the problems a rule found in the row at ``position``."""
        row = self.rows[position]
        for severity, code, column, message, hint in problems:
            value = "" if code in _NO_VALUE_CODES else None
            self.add(severity, code, row, column, message, hint, value)
