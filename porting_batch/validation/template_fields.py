"""The rules of the columns template 2.0 added: the FOC's time zone, the RespOrg ID, the EU
identifiers, and (with the portability answers) the losing carrier's name."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from datetime import datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING

from porting_batch.issues import Issue, Severity
from porting_batch.numbers import is_toll_free
from porting_batch.validation.collector import Problem, Rules
from porting_batch.validation.dates import parse_date

if TYPE_CHECKING:
    from porting_batch.intake import Intake

#: A date typed without a time, in a given zone, means this local time (the start of the
#: business day the carriers port in).
FOC_LOCAL_DEFAULT_TIME = time(9, 0)
#: A cell that names its own offset keeps it: the zone column does not override it.
_OWN_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})\s*$", re.I)
RESP_ORG = re.compile(r"[A-Z0-9]{5}")
#: Telnyx's identifiers are free text; past this length a cell holds something else.
IDENTIFIER_MAX = 50
#: The European Union's member states: the only addresses Telnyx reads the identifiers for.
EU_COUNTRIES = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }
)  # fmt: skip
#: Words a carrier's name may carry or drop without naming another carrier.
_CARRIER_NOISE = frozenset(
    {"inc", "llc", "llp", "corp", "corporation", "co", "company", "ltd", "limited", "the"}
    | {"of", "and", "dba", "lp", "plc"}
)


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    """IANA zone names by their case-folded spelling."""
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


def zone_named(text: str) -> zoneinfo.ZoneInfo | None:
    """The IANA zone ``text`` names (any case), or None."""
    name = _zones().get(text.strip().casefold())
    return zoneinfo.ZoneInfo(name) if name else None


def foc_in_zone(text: str, zone: zoneinfo.ZoneInfo) -> str:
    """The FOC cell read in ``zone``, spelled with its offset; unchanged when it has its own
    offset or cannot be read (the date rules report that)."""
    parsed = parse_date(text)
    if parsed.day is None or parsed.error or _OWN_OFFSET.search(text):
        return text
    if parsed.moment is None:
        local = datetime.combine(parsed.day, FOC_LOCAL_DEFAULT_TIME, tzinfo=zone)
    else:
        local = parsed.moment.replace(tzinfo=zone)
    return local.isoformat(timespec="seconds")


def check_time_zones(rules: Rules) -> None:
    """Check foc_time_zone and read each requested FOC in its row's zone (before the dates)."""
    zones, focs = rules.columns["foc_time_zone"], rules.columns["requested_foc"]
    for position, (zone_text, foc_text) in enumerate(zip(zones, focs, strict=True)):
        if not zone_text:
            continue
        zone = zone_named(zone_text)
        if zone is None:
            problem = (
                Severity.ERROR,
                "unknown_time_zone",
                "foc_time_zone",
                f"'{zone_text}' is not a time zone name",
                "give an IANA name such as America/Chicago or America/Toronto, or leave it "
                "empty for UTC",
            )
            rules.report(position, [problem])
            continue
        zones[position] = zone.key
        if foc_text:
            focs[position] = foc_in_zone(foc_text, zone)


def check_resp_org(rules: Rules) -> None:
    """A RespOrg ID is 5 letters or digits, and only toll-free numbers have one."""
    column = rules.columns["resp_org"]
    for position, text in enumerate(column):
        if not text:
            continue
        value = text.replace(" ", "").upper()
        problems: list[Problem] = []
        if not RESP_ORG.fullmatch(value):
            problems.append(
                (
                    Severity.ERROR,
                    "invalid_resp_org",
                    "resp_org",
                    "a RespOrg ID has 5 letters or digits",
                    "copy it from the toll-free number's current RespOrg (e.g. TWC01)",
                )
            )
        else:
            column[position] = value
            numbers = rules.rows[position].phone_numbers
            if numbers and not any(is_toll_free(number) for number in numbers):
                problems.append(
                    (
                        Severity.WARNING,
                        "resp_org_not_toll_free",
                        "resp_org",
                        "only toll-free numbers have a RespOrg; it is ignored for this row",
                        "leave the RespOrg ID empty for local numbers",
                    )
                )
        rules.report(position, problems)


def check_eu_identifiers(rules: Rules) -> None:
    """The tax and business identifiers: not too long, and only read for EU addresses."""
    countries = rules.columns["country_code"]
    for name in ("tax_identifier", "business_identifier"):
        for position, text in enumerate(rules.columns[name]):
            if not text:
                continue
            if len(text) > IDENTIFIER_MAX:
                problem: Problem = (
                    Severity.ERROR,
                    "identifier_too_long",
                    name,
                    f"is {len(text)} characters long; an identifier has at most {IDENTIFIER_MAX}",
                    "give the identifier alone, without notes",
                )
            elif countries[position] and countries[position].upper() not in EU_COUNTRIES:
                problem = (
                    Severity.WARNING,
                    "identifier_outside_eu",
                    name,
                    f"Telnyx reads this identifier for EU addresses only, not "
                    f"{countries[position].upper()}",
                    "leave it empty unless Telnyx asked for it",
                )
            else:
                continue
            rules.report(position, [problem])


def _carrier_words(name: str) -> set[str]:
    words = re.sub(r"[^0-9a-z]+", " ", name.casefold().replace("&", "")).split()
    return {word for word in words if word not in _CARRIER_NOISE}


def same_carrier(ours: str, theirs: str) -> bool:
    """Whether two spellings of a carrier's name can be the same carrier ("AT&T" and
    "AT&T Corp.", "Verizon" and "Cellco Partnership dba Verizon Wireless")."""
    a, b = _carrier_words(ours), _carrier_words(theirs)
    return bool(a and b) and (a <= b or b <= a)


def carrier_issues(intake: Intake, answers: Mapping[str, Mapping[str, object]]) -> list[Issue]:
    """Warnings where the losing carrier the sheet names is not the one the portability
    check names for the row's first number."""
    issues: list[Issue] = []
    for row in intake.rows:
        ours = row.values.get("losing_carrier", "")
        if row.errors or not ours or not row.phone_numbers:
            continue
        theirs = str(answers.get(row.phone_numbers[0], {}).get("carrier_name") or "")
        if not theirs or same_carrier(ours, theirs):
            continue
        issues.append(
            Issue(
                Severity.WARNING,
                f"the portability check says {row.phone_numbers[0]} is with {theirs}, not {ours}",
                hint="check which carrier the customer's bill comes from: the LOA and the "
                "invoice must be that carrier's",
                sheet=row.sheet,
                row=row.row,
                column="losing_carrier",
                column_letter=row.letter("losing_carrier"),
                value=ours,
                code="losing_carrier_mismatch",
                source="portability",
            )
        )
    return issues
