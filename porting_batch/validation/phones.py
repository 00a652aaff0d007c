"""The number cells: phone_number (a number or a range) and the billing numbers, to E.164."""

from __future__ import annotations

import re

from porting_batch.issues import Severity
from porting_batch.numbers import NANP_REGIONS, is_toll_free, nanp_prefix, parse_phone
from porting_batch.validation.collector import Problem, Rules
from porting_batch.validation.reference import ISO_COUNTRIES


def check_phone_numbers(rules: Rules) -> None:
    """Each phone_number cell to E.164 (a range to its numbers), filling country from the
    number and warning when a typed country disagrees."""
    columns = rules.columns
    phones, countries = columns["phone_number"], columns["country"]
    default = rules.settings.default_region.upper() or "US"
    rows = rules.rows
    prefixes: dict[str, tuple[bool, str, bool]] = {}
    for position, (text, digits) in enumerate(zip(phones, _digit_strings(phones), strict=True)):
        if not text:
            continue
        country = countries[position]
        region = country if country in ISO_COUNTRIES else ""
        # Plainly written NANP numbers (most of any batch) skip the general parser.
        national = _plain_nanp(digits, region or default)
        if national:
            prefix = national[:6]
            facts = prefixes.get(prefix)
            if facts is None:
                facts = prefixes[prefix] = nanp_prefix(prefix)
            valid, number_region, toll_free = facts
            if valid:
                e164 = "+1" + national
                rows[position].phone_numbers = [e164]
                phones[position] = e164
                if not country:
                    countries[position] = number_region
                elif (
                    region
                    and number_region != region
                    and not (region in NANP_REGIONS and toll_free)
                ):
                    rules.report(position, [_country_mismatch(number_region, region)])
                continue
        _parse_general(rules, position, text, region, default)


def _parse_general(rules: Rules, position: int, text: str, region: str, default: str) -> None:
    """A number the NANP fast path did not take: phonenumbers decides (ranges, other plans)."""
    phones, countries = rules.columns["phone_number"], rules.columns["country"]
    parsed = parse_phone(text, region or default, max_range=rules.settings.max_range_size)
    if not parsed.ok:
        rules.report(
            position,
            [(Severity.ERROR, parsed.error, "phone_number", parsed.message, parsed.hint)],
        )
        return
    rules.rows[position].phone_numbers = list(parsed.numbers)
    if not parsed.is_range:
        phones[position] = parsed.numbers[0]
    if not countries[position]:
        countries[position] = parsed.region or default
    elif (
        region
        and parsed.region
        and parsed.region != region
        and not (region in NANP_REGIONS and is_toll_free(parsed.numbers[0]))
    ):
        rules.report(position, [_country_mismatch(parsed.region, region)])


def _country_mismatch(actual: str, typed: str) -> Problem:
    return (
        Severity.WARNING,
        "country_mismatch",
        "country",
        f"the number belongs to {actual}, not {typed}",
        f"check the number, or set country to {actual}",
    )


_LAYOUT = re.compile(r"[ \t().\-]")


def _digit_strings(texts: list[str]) -> list[str]:
    """Each text without spaces, dots, dashes and parentheses, in one regex pass."""
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1 or not joined.isascii():
        return [_LAYOUT.sub("", text) if text.isascii() else "" for text in texts]
    return _LAYOUT.sub("", joined).split("\n")


def _plain_nanp(digits: str, region: str) -> str:
    """The 10 national digits of a plainly written NANP number, else ''."""
    size = len(digits)
    if size == 12 and digits.startswith("+1"):
        national = digits[2:]
    elif region not in NANP_REGIONS:
        return ""
    elif size == 10:
        national = digits
    elif size == 11 and digits[0] == "1":
        national = digits[1:]
    else:
        return ""
    if national.isdigit() and national[0] not in "01":
        return national
    return ""


def check_billing_numbers(rules: Rules) -> None:
    """The billing numbers to E.164: one number each, never a range."""
    columns = rules.columns
    default = rules.settings.default_region.upper() or "US"
    regions = [
        country if country in ISO_COUNTRIES else default
        for country in (
            code or number_country
            for code, number_country in zip(
                columns["country_code"], columns["country"], strict=True
            )
        )
    ]
    for name in ("billing_phone_number", "new_billing_phone_number"):
        column = columns[name]
        if not any(column):
            continue
        keys = list(zip(column, regions, strict=True))
        results = {key: _billing_number(name, *key) for key in set(keys) if key[0]}
        for position, key in enumerate(keys):
            result = results.get(key)
            if result is None:
                continue
            normal, problem = result
            column[position] = normal
            if problem is not None:
                rules.report(position, [problem])


def _billing_number(name: str, text: str, region: str) -> tuple[str, Problem | None]:
    parsed = parse_phone(text, region, max_range=1)
    if parsed.ok and not parsed.is_range:
        return parsed.numbers[0], None
    if parsed.ok or parsed.error in {"range_too_large", "invalid_range"}:
        return text, (
            Severity.ERROR,
            "invalid_number",
            name,
            "must be a single phone number, not a range",
            "give the one billing number, e.g. +1 312 555 0100",
        )
    return text, (Severity.ERROR, "invalid_number", name, parsed.message, parsed.hint)
