"""The per-cell rules: required cells, drop-down choices, countries, addresses, port types.

Most run once per distinct value (or combination of values) through ``per_distinct``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from porting_batch.columns import COLUMN_BY_NAME, ENUMERATIONS, REQUIRED_COLUMNS
from porting_batch.issues import Severity
from porting_batch.validation.collector import Problem, Rules
from porting_batch.validation.reference import (
    BOOLEANS,
    CA_POSTAL,
    CA_PROVINCES,
    ISO_COUNTRIES,
    US_STATES,
    US_ZIP,
)


def _positions(column: list[str], wanted: set[str] | frozenset[str]) -> list[int]:
    return [position for position, value in enumerate(column) if value in wanted]


def check_required(rules: Rules) -> None:
    """An error on every empty cell of a required column."""
    for name in REQUIRED_COLUMNS:
        column = COLUMN_BY_NAME[name]
        hint = f"fill it in: {column.description} Example: {column.example}"
        if all(rules.columns[name]):
            continue
        for position, value in enumerate(rules.columns[name]):
            if not value:
                rules.report(
                    position, [(Severity.ERROR, "required", name, f"{name} is required", hint)]
                )


def check_choices(rules: Rules) -> None:
    """Drop-down columns hold a listed choice (any case), normalised to its spelling; yes/no
    cells become true/false."""
    for name, choices in ENUMERATIONS.items():
        column = rules.columns[name]
        normal: dict[str, str] = {}
        bad: set[str] = set()
        for value in set(column) - {""}:
            lowered = value.casefold()
            if name == "enable_messaging":
                found = BOOLEANS.get(lowered)
            else:
                found = lowered if lowered in choices else None
            if found is None:
                bad.add(value)
            elif found != value:
                normal[value] = found
        if bad:
            if name == "enable_messaging":
                problem = (
                    Severity.ERROR,
                    "invalid_choice",
                    name,
                    "must be yes or no",
                    "choose yes or no from the list",
                )
            elif name == "action":
                problem = (
                    Severity.ERROR,
                    "invalid_action",
                    name,
                    "action must be 'cancel' or empty",
                    "write cancel to cancel the number's order, or clear the cell",
                )
            else:
                problem = (
                    Severity.ERROR,
                    "invalid_choice",
                    name,
                    f"must be one of: {', '.join(choices)}",
                    "choose a value from the cell's drop-down list",
                )
            for position in _positions(column, bad):
                rules.report(position, [problem])
        if normal:
            rules.columns[name] = [normal.get(value, value) for value in column]


def check_countries(rules: Rules) -> None:
    """country and country_code: an ISO 3166 two-letter code, upper-cased."""
    for name in ("country", "country_code"):
        column = rules.columns[name]
        distinct = set(column) - {""}
        bad = {value for value in distinct if value.upper() not in ISO_COUNTRIES}
        problem = (
            Severity.ERROR,
            "invalid_country",
            name,
            "is not an ISO 3166 country code",
            "use the 2-letter code, e.g. US or CA",
        )
        for position in _positions(column, bad):
            rules.report(position, [problem])
        if any(value != value.upper() for value in distinct - bad):
            rules.columns[name] = [value if value in bad else value.upper() for value in column]


#: A rule over a few columns: their normalised values and the problems, from their values.
DistinctRule = Callable[..., tuple[tuple[str, ...], list[Problem]]]


def per_distinct(rules: Rules, names: tuple[str, ...], rule: DistinctRule) -> None:
    """Run ``rule`` once per distinct combination of ``names``' values, then apply it.

    Rows are only visited when some combination changes a value or has a problem, which a
    clean batch never does.
    """
    columns = [rules.columns[name] for name in names]
    outcomes = {key: rule(*key) for key in set(zip(*columns, strict=True))}
    touched = {key: outcome for key, outcome in outcomes.items() if outcome[0] != key or outcome[1]}
    if not touched:
        return
    for position, key in enumerate(zip(*columns, strict=True)):
        outcome = touched.get(key)
        if outcome is None:
            continue
        normal, problems = outcome
        if normal != key:
            for column, value in zip(columns, normal, strict=True):
                column[position] = value
        if problems:
            rules.report(position, problems)


#: The states and territories whose ZIP codes start with 0: only there can a 4-digit ZIP be
#: a number that lost its leading zero (a 4-digit ZIP in Chicago is simply wrong).
ZERO_ZIP_STATES = frozenset({"CT", "MA", "ME", "NH", "NJ", "PR", "RI", "VT", "VI", "AE", "AA"})


def check_address(country: str, area: str, postal: str) -> tuple[tuple[str, ...], list[Problem]]:
    """US and Canadian addresses: a known state or province code and a well-formed postal code,
    both normalised (upper case; 'M5V 3L9' spaced)."""
    problems: list[Problem] = []
    upper_country = country.upper()
    if upper_country == "US":
        area = _area(area, US_STATES, "US state", "IL or NY", problems)
        if postal and not US_ZIP.fullmatch(postal):
            hint = "write 5 digits or ZIP+4, e.g. 60601 or 60601-1234"
            if postal.isdigit() and len(postal) < 5 and area.upper() in ZERO_ZIP_STATES:
                hint = "a leading zero was probably lost: format the cell as Text and type it"
            problems.append(
                (Severity.ERROR, "invalid_postal_code", "postal_code", "is not a US ZIP code", hint)
            )
    elif upper_country == "CA":
        area = _area(area, CA_PROVINCES, "Canadian province", "ON or BC", problems)
        match = CA_POSTAL.fullmatch(postal.upper()) if postal else None
        if postal and match is None:
            problems.append(
                (
                    Severity.ERROR,
                    "invalid_postal_code",
                    "postal_code",
                    "is not a Canadian postal code",
                    "write it as A1A 1A1, e.g. M5V 3L9",
                )
            )
        elif match is not None:
            postal = f"{match.group(1)} {match.group(2)}"
    return (country, area, postal), problems


def _area(
    area: str, known: frozenset[str], what: str, examples: str, problems: list[Problem]
) -> str:
    """The area upper-cased when ``known``, else as typed with an error added to ``problems``."""
    if not area:
        return area
    if area.upper() in known:
        return area.upper()
    problems.append(
        (
            Severity.ERROR,
            "invalid_state",
            "administrative_area",
            f"is not a {what} code",
            f"use the 2-letter code, e.g. {examples}",
        )
    )
    return area


def check_port_type(
    port_type: str, action: str, new_btn: str
) -> tuple[tuple[str, ...], list[Problem]]:
    """A partial port says what happens to the numbers left (and keeps a BTN); a full port
    ignores both."""
    problems: list[Problem] = []
    if port_type == "partial":
        if not action:
            problems.append(
                (
                    Severity.ERROR,
                    "partial_needs_action",
                    "remaining_numbers_action",
                    "a partial port must say what happens to the numbers left behind",
                    "choose keep or disconnect",
                )
            )
        elif action == "keep" and not new_btn:
            problems.append(
                (
                    Severity.ERROR,
                    "partial_keep_needs_new_btn",
                    "new_billing_phone_number",
                    "a partial port that keeps numbers needs the BTN the losing account keeps",
                    "give new_billing_phone_number (a number that stays with the losing carrier)",
                )
            )
    elif port_type == "full" and (action or new_btn):
        column = "remaining_numbers_action" if action else "new_billing_phone_number"
        problems.append(
            (
                Severity.WARNING,
                "ignored_for_full_port",
                column,
                "is ignored: a full port moves every number of the account",
                "clear the cell, or set port_type to partial",
            )
        )
    return (port_type, action, new_btn), problems


def normalise_tags(tags: str) -> tuple[tuple[str, ...], list[Problem]]:
    """Tags split on commas or semicolons, trimmed, joined with commas."""
    if not tags:
        return (tags,), []
    return (",".join(t.strip() for t in re.split(r"[,;]", tags) if t.strip()),), []


def check_account_is_btn(account: str, btn: str) -> tuple[tuple[str, ...], list[Problem]]:
    """A warning when the account number is just the billing number's digits."""
    digits = "".join(c for c in account if c.isdigit())
    if btn.startswith("+1") and digits in {btn[2:], btn[1:]}:
        return (account, btn), [
            (
                Severity.WARNING,
                "account_is_btn",
                "account_number",
                "the account number is the BTN; some carriers use it, others reject it",
                "check the bill: use the account number printed there",
            )
        ]
    return (account, btn), []
