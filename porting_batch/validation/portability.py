"""The rules that need the portability answers: a mobile number needs a PIN and an account."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

from porting_batch.issues import Issue, Severity
from porting_batch.validation.accounts import account_key
from porting_batch.validation.collector import row_ranges
from porting_batch.validation.template_fields import carrier_issues

if TYPE_CHECKING:
    from porting_batch.intake import Intake


def second_pass(intake: Intake, answers: Mapping[str, Mapping[str, object]]) -> list[Issue]:
    """Issues that need the portability answers: mobile numbers need a PIN and an account,
    and the losing carrier the sheet names should be the one the check names.

    Returns new issues only; the caller decides how they affect the run (rows are not changed):
    one per account and cell, naming the account's other rows in ``rows``.
    """
    issues: list[Issue] = []
    # One issue per account and cell: the account's rows share its PIN and account number.
    first: dict[tuple[object, ...], int] = {}
    for row in intake.rows:
        if row.errors or not row.phone_numbers:
            continue
        mobile = [
            number
            for number in row.phone_numbers
            if str(answers.get(number, {}).get("phone_number_type", "")).lower() == "mobile"
        ]
        if not mobile:
            continue
        for name, what in (
            ("pin_passcode", "PIN or passcode"),
            ("account_number", "account number"),
        ):
            if row.values.get(name):
                continue
            key = (row.sheet, account_key(row), name)
            if key in first:
                lead = issues[first[key]]
                issues[first[key]] = dataclasses.replace(lead, rows=(*lead.rows, row.row))
                continue
            first[key] = len(issues)
            issues.append(
                Issue(
                    Severity.ERROR,
                    f"{mobile[0]} is a mobile number: its port needs the {what} of the "
                    "losing account",
                    hint=f"fill in {name} from the customer's mobile account",
                    sheet=row.sheet,
                    row=row.row,
                    column=name,
                    column_letter=row.letter(name),
                    value="",
                    code=f"mobile_needs_{'pin' if name == 'pin_passcode' else 'account'}",
                    source="portability",
                )
            )
    return [_naming_rows(issue) for issue in issues] + carrier_issues(intake, answers)


def _naming_rows(issue: Issue) -> Issue:
    """The issue with the other rows of its account named in its message."""
    if not issue.rows:
        return issue
    message = f"{issue.message} (and on {row_ranges(issue.rows)} of the same account)"
    return dataclasses.replace(issue, message=message)
