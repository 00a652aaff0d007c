"""Cross-row rules: repeated numbers, and rows of one account or order that disagree."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from porting_batch.columns import ORDER_LEVEL_COLUMNS, SECRET_COLUMNS
from porting_batch.numbers import NANP_REGIONS, is_toll_free, region_of
from porting_batch.validation.accounts import account_name, accounts
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
    "customer_group_reference",
)


def _disagreements(
    rules: Rules,
    groups: Mapping[str, list[InputRow]],
    fields: Iterable[str],
    code: str,
    describe_group: str,
) -> None:
    """One error per group and field that disagree, on the first cell that differs from the
    group's first row, naming every value and its rows; every row of the group is kept out."""
    fields = tuple(fields)
    for rows in groups.values():
        if len(rows) < 2:
            continue
        label = (
            account_name(rows)
            if describe_group == "account"
            else f"order_ref {rows[0].values['order_ref']!r}"
        )
        for name in fields:
            by_value: dict[str, list[int]] = defaultdict(list)
            for row in rows:
                by_value[row.values[name]].append(row.row)
            if len(by_value) < 2:
                continue
            secret = name in SECRET_COLUMNS
            described = [
                f"{mask(value) if secret else repr(value) if value else 'empty'} in "
                f"{row_ranges(numbers)}"
                for value, numbers in list(by_value.items())[:6]
            ]
            reference = rows[0].values[name]
            differs = next(row for row in rows if row.values[name] != reference)
            rules.error(
                code,
                differs,
                name,
                f"{label} has different {name} values: "
                + "; ".join(described[:5])
                + f"; all {len(rows)} of its rows are left out until they agree",
                f"use one {name} for every row of the {describe_group}",
            )
            issue = rules.issues[-1]
            rules.issues[-1] = dataclasses.replace(
                issue, rows=tuple(r.row for r in rows if r.row != differs.row)
            )
            for row in rows:
                row.errors = True


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


def check_full_port_has_btn(rules: Rules) -> None:
    """A warning when a full port's BTN is not among the account's numbers: a full port moves
    every number of the account, the BTN included, so the sheet probably lacks a row."""
    if "full" not in set(rules.columns["port_type"]):
        return
    for rows in accounts(rules).values():
        lead = rows[0]
        btn = lead.values["billing_phone_number"]
        if lead.values["port_type"] != "full" or not btn or any(r.errors for r in rows):
            continue
        if any(btn in row.phone_numbers for row in rows):
            continue
        rules.warn(
            "full_port_without_btn",
            lead,
            "billing_phone_number",
            f"{account_name(rows)} is a full port, but its BTN {btn} is not among its numbers "
            f"({row_ranges(r.row for r in rows)}); a full port moves the BTN too",
            "add a row for the BTN, or make it a partial port (port_type partial with "
            "remaining_numbers_action)",
        )
        rules.issues[-1] = dataclasses.replace(
            rules.issues[-1], rows=tuple(r.row for r in rows[1:])
        )


def check_address_country(rules: Rules) -> None:
    """An error when a number's country is not its service address's: Telnyx refuses the
    order. US and Canadian toll-free numbers may be served from either country."""
    for row in rules.rows:
        country, address = row.values["country"], row.values["country_code"]
        if not row.phone_numbers or not address or country == address:
            continue
        number = row.phone_numbers[0]
        # A typed country may be wrong (it is warned about): the number says where it is.
        country = region_of(number) or country
        if country == address or ({country, address} <= NANP_REGIONS and is_toll_free(number)):
            continue
        rules.error(
            "address_country_mismatch",
            row,
            "country_code",
            f"the number is in {country} but the service address is in {address}; Telnyx "
            "refuses an order whose address is in another country",
            f"give the address where the number is in service (in {country}), or check the number",
        )
