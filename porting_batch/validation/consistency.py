"""Cross-row rules: repeated numbers, and rows of one account or order that disagree."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from porting_batch.columns import ORDER_LEVEL_COLUMNS, SECRET_COLUMNS
from porting_batch.validation.collector import Rules, mask, row_ranges

if TYPE_CHECKING:
    from porting_batch.intake import InputRow


def check_duplicates(rules: Rules) -> None:
    """A number already in an earlier row is used once, from that row: a row of nothing but
    repeats is an error, a range that overlaps is trimmed with a warning."""
    first_seen: dict[str, int] = {}
    for row in rules.rows:
        if not row.phone_numbers:
            continue
        repeated = [number for number in row.phone_numbers if number in first_seen]
        if not repeated:
            for number in row.phone_numbers:
                first_seen[number] = row.row
            continue
        earlier = sorted({first_seen[number] for number in repeated})
        where = ", ".join(str(n) for n in earlier[:10])
        if len(repeated) == len(row.phone_numbers):
            rules.error(
                "duplicate",
                row,
                "phone_number",
                f"{'this number' if len(repeated) == 1 else 'every number of this range'} "
                f"already appears in row {where}; only the first occurrence is used",
                "delete this row, or correct the number if it was a typo",
            )
            continue
        rules.warn(
            "duplicate",
            row,
            "phone_number",
            f"{len(repeated)} number(s) of this range already appear in row {where} "
            f"({', '.join(repeated[:5])}{'...' if len(repeated) > 5 else ''}); they are used "
            "once, from the first row",
            "shorten the range so it does not overlap",
        )
        keep = [number for number in row.phone_numbers if number not in first_seen]
        row.phone_numbers = keep
        for number in keep:
            first_seen[number] = row.row


_ACCOUNT_FIELDS = (
    "billing_phone_number",
    "entity_name",
    "auth_person_name",
    "street_address",
    "extended_address",
    "locality",
    "administrative_area",
    "postal_code",
    "country_code",
)


def _disagreements(
    rules: Rules,
    groups: Mapping[str, list[InputRow]],
    fields: Iterable[str],
    code: str,
    describe_group: str,
) -> None:
    fields = tuple(fields)
    for key, rows in groups.items():
        if len(rows) < 2:
            continue
        label = mask(key) if describe_group == "account" else repr(key)
        for name in fields:
            if len({row.values[name] for row in rows}) < 2:
                continue
            by_value: dict[str, list[int]] = defaultdict(list)
            for row in rows:
                by_value[row.values[name]].append(row.row)
            if len(by_value) < 2:
                continue
            secret = name in SECRET_COLUMNS
            # Described once per value: a big account would otherwise cost rows x rows.
            described = {
                value: f"{mask(value) if secret else repr(value) if value else 'empty'} in "
                f"{row_ranges(numbers)}"
                for value, numbers in list(by_value.items())[:6]
            }
            messages: dict[str, str] = {}
            for row in rows:
                mine = row.values[name]
                message = messages.get(mine)
                if message is None:
                    others = [text for value, text in described.items() if value != mine]
                    message = f"{describe_group} {label} has different {name} values: " + "; ".join(
                        others[:5]
                    )
                    messages[mine] = message
                rules.error(
                    code,
                    row,
                    name,
                    message,
                    f"use one {name} for every row of the {describe_group}",
                )


def _fields_that_differ(rules: Rules, key: str, fields: Iterable[str]) -> list[str]:
    """The fields that take more than one value within some group of ``key``.

    Rows of one group usually stand together, so each field is checked run by run (a set
    per run), which costs far less than comparing rows group by group.
    """
    keys = rules.columns[key]
    if not any(keys):
        return []
    runs: list[tuple[str, int, int]] = []
    start = 0
    for position in range(1, len(keys) + 1):
        if position == len(keys) or keys[position] != keys[start]:
            if keys[start]:
                runs.append((keys[start], start, position))
            start = position
    differing = []
    for name in fields:
        column = rules.columns[name]
        first: dict[str, str] = {}
        for group, begin, end in runs:
            values = set(column[begin:end])
            value = values.pop()
            if values or first.setdefault(group, value) != value:
                differing.append(name)
                break
    return differing


def check_account_consistency(rules: Rules) -> None:
    """Rows of one account_number must agree on the account's fields."""
    _consistency(rules, "account_number", _ACCOUNT_FIELDS, "account_mismatch", "account")


def check_order_ref_consistency(rules: Rules) -> None:
    """Rows of one order_ref must agree on the order-level columns."""
    _consistency(rules, "order_ref", ORDER_LEVEL_COLUMNS, "order_ref_mismatch", "order_ref")


def _consistency(
    rules: Rules, key: str, compared: Sequence[str], code: str, describe_group: str
) -> None:
    """Rows sharing a value of ``key`` must agree on every ``compared`` field."""
    fields = _fields_that_differ(rules, key, compared)
    if not fields:
        return
    groups: dict[str, list[InputRow]] = defaultdict(list)
    for row in rules.rows:
        value = row.values[key]
        if value:
            groups[value].append(row)
    _disagreements(rules, groups, fields, code, describe_group)


def check_partial_includes_btn(rules: Rules) -> None:
    """A warning when a partial port moves the account's own BTN."""
    if "partial" not in set(rules.columns["port_type"]):
        return
    numbers_by_btn: dict[str, set[str]] = defaultdict(set)
    for row in rules.rows:
        if row.values["port_type"] == "partial" and row.values["billing_phone_number"]:
            numbers_by_btn[row.values["billing_phone_number"]].update(row.phone_numbers)
    for row in rules.rows:
        btn = row.values["billing_phone_number"]
        if (
            row.values["port_type"] == "partial"
            # A new BTN given is the fix the warning would ask for.
            and not row.values["new_billing_phone_number"]
            and btn in row.phone_numbers
            and btn in numbers_by_btn
        ):
            rules.warn(
                "partial_includes_btn",
                row,
                "phone_number",
                f"this partial port includes the account's BTN {btn}; the losing carrier "
                "needs a new BTN for the numbers that stay",
                "give new_billing_phone_number, or port the whole account (full)",
            )
