"""Accounts as the operator knows them: which rows form one, what to call it, and one issue
per mistake in a value its rows share (not one per row).

An account's rows repeat its values (name, address, BTN...), so a single wrong value would
otherwise be reported on every row: an empty business name across 11 rows is one mistake and
gets one error, on the first such cell, listing the rows it keeps out of the run.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from porting_batch.columns import ORDER_LEVEL_COLUMNS
from porting_batch.validation.collector import Rules, row_ranges

if TYPE_CHECKING:
    from porting_batch.intake import InputRow

_ORDER_LEVEL = frozenset(ORDER_LEVEL_COLUMNS)


def account_key(row: InputRow) -> tuple[str, ...]:
    """Which account a row belongs to: its order_ref, else its account number, else every
    account-level value (rows that agree on all of them are one account)."""
    values = row.values
    if values.get("order_ref"):
        return ("ref", values["order_ref"].casefold())
    if values.get("account_number"):
        return ("account", values["account_number"])
    return ("fields", *(values.get(name, "") for name in ORDER_LEVEL_COLUMNS))


def account_name(rows: Sequence[InputRow]) -> str:
    """The account as the operator recognises it: its order reference, else its business
    name, else where it starts (never its account number, which is a secret)."""
    for row in rows:
        if row.values.get("order_ref"):
            return f"order {row.values['order_ref']!r}"
    for row in rows:
        if row.values.get("entity_name"):
            return repr(row.values["entity_name"])
    return f"the account of row {rows[0].row}" if rows else "the account"


def accounts(rules: Rules) -> dict[tuple[str, ...], list[InputRow]]:
    """The sheet's rows by account, in order of first appearance."""
    found: dict[tuple[str, ...], list[InputRow]] = defaultdict(list)
    for row in rules.rows:
        found[account_key(row)].append(row)
    return found


def collapse_account_issues(rules: Rules) -> None:
    """One issue per mistake in an account-level value: the same problem with the same value
    on several rows of one account is kept on its first row, naming the others (which an
    error still keeps out of the run)."""
    if sum(1 for i in rules.issues if i.column in _ORDER_LEVEL and i.row) < 2:
        return
    row_of = {(row.sheet, row.row): row for row in rules.rows}
    first: dict[tuple[object, ...], int] = {}
    others: dict[int, list[int]] = defaultdict(list)
    dropped: set[int] = set()
    for index, issue in enumerate(rules.issues):
        row = row_of.get((issue.sheet, issue.row))
        if issue.column not in _ORDER_LEVEL or issue.rows or row is None:
            continue
        key = (issue.sheet, account_key(row), issue.code, issue.column, issue.value)
        lead = first.setdefault((*key, issue.severity, issue.message), index)
        if lead != index:
            others[lead].append(issue.row)
            dropped.add(index)
    if not dropped:
        return
    for index, rows in others.items():
        issue = rules.issues[index]
        rules.issues[index] = dataclasses.replace(
            issue,
            message=f"{issue.message} (and on {row_ranges(rows)} of the same account)",
            rows=tuple(sorted(set(rows))),
        )
    rules.issues = [issue for index, issue in enumerate(rules.issues) if index not in dropped]
