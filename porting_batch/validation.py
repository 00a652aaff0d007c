"""The intake rules: each problem becomes an Issue naming the cell, the value and the fix.

Errors leave the row out of the run; warnings do not. Rules that need the portability answers
(mobile numbers need a PIN and an account number) run later, in ``second_pass``.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import phonenumbers

from porting_batch.columns import (
    COLUMN_BY_NAME,
    COLUMN_NAMES,
    ENUMERATIONS,
    ORDER_LEVEL_COLUMNS,
    REQUIRED_COLUMNS,
    SECRET_COLUMNS,
)
from porting_batch.issues import Issue, Severity
from porting_batch.numbers import NANP_REGIONS, is_toll_free, nanp_prefix, parse_phone
from porting_batch.safety import mask_secret
from porting_batch.settings import Settings

if TYPE_CHECKING:
    from porting_batch.intake import InputRow, Intake

#: Business days Telnyx needs before a requested FOC (non-FastPort); earlier means "earliest".
FOC_LEAD_BUSINESS_DAYS = 7
#: A date typed without a time means this time of day, UTC (09:00 US Central in winter).
FOC_DEFAULT_TIME = time(15, 0)
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
INVOICE_MAX_AGE_DAYS = 30

ISO_COUNTRIES: frozenset[str] = frozenset(phonenumbers.SUPPORTED_REGIONS) | {
    "AQ",
    "BV",
    "HM",
    "PN",
    "TF",
    "UM",
}
US_STATES = frozenset(
    (
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "AS",
        "GU",
        "MP",
        "PR",
        "VI",
    )
)
CA_PROVINCES = frozenset(
    (
        "AB",
        "BC",
        "MB",
        "NB",
        "NL",
        "NS",
        "NT",
        "NU",
        "ON",
        "PE",
        "QC",
        "SK",
        "YT",
    )
)
_US_ZIP = re.compile(r"\d{5}(?:-\d{4})?")
_CA_POSTAL = re.compile(r"([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]) ?(\d[ABCEGHJ-NPRSTV-Z]\d)")
_BOOLEANS = {
    "yes": "true",
    "y": "true",
    "true": "true",
    "1": "true",
    "no": "false",
    "n": "false",
    "false": "false",
    "0": "false",
}
_DOCUMENT_MAGIC = ((b"%PDF-", "PDF"), (b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"))


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


# ---------------------------------------------------------------------------------------------
# Dates


@dataclass(frozen=True)
class ParsedDate:
    """A date cell read: the moment (or day), or why it could not be read."""

    day: date | None = None
    moment: datetime | None = None  # aware, when the cell had a time
    error: str = ""
    hint: str = ""
    warning: str = ""


_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?",
    re.I,
)
_SLASHED = re.compile(
    r"(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?\s*(Z|[+-]\d{2}:?\d{2})?"
)
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
_TEXT_FORMATS = ("%b %d %Y", "%B %d %Y", "%d %b %Y", "%d %B %Y")
_DATE_HINT = "write it as 2026-12-21 (year-month-day), or 12/21/2026 (US month/day)"


def _zone(text: str | None) -> timezone:
    if not text or text.upper() == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _build(
    year: int,
    month: int,
    day: int,
    hh: str | None,
    mm: str | None,
    ss: str | None,
    zone: str | None,
) -> ParsedDate:
    try:
        the_day = date(year, month, day)
        if hh is None:
            return ParsedDate(day=the_day)
        moment = datetime.combine(
            the_day, time(int(hh), int(mm or 0), int(ss or 0)), tzinfo=_zone(zone)
        )
    except ValueError:
        return ParsedDate(error="is not a real date", hint=_DATE_HINT)
    if moment.time() == time(0) and zone is None:
        return ParsedDate(day=the_day)  # a date cell read back as midnight: a date, not a time
    return ParsedDate(day=the_day, moment=moment)


@lru_cache(maxsize=4096)
def parse_date(text: str) -> ParsedDate:
    """A date or date-time as typed: ISO, US month/day, an Excel serial, or 'Dec 21 2026'."""
    text = text.strip()
    if not text:
        return ParsedDate()
    match = _ISO.fullmatch(text)
    if match:
        y, m, d, hh, mm, ss, zone = match.groups()
        return _build(int(y), int(m), int(d), hh, mm, ss, zone)
    match = _SLASHED.fullmatch(text)
    if match:
        first, second, year_text, hh, mm, ss, half, zone = match.groups()
        a, b = int(first), int(second)
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        if hh is not None and half:
            hour = int(hh) % 12 + (12 if half.lower() == "pm" else 0)
            hh = str(hour)
        if a <= 12 and b <= 12 and a != b:
            return ParsedDate(
                error=f"is ambiguous: it could be month/day ({_month(a)} {b}) or day/month "
                f"({_month(b)} {a})",
                hint="write it as year-month-day, e.g. 2026-12-21",
            )
        if a > 12 and b <= 12:
            parsed = _build(year, b, a, hh, mm, ss, zone)
            if parsed.error:
                return parsed
            return ParsedDate(
                day=parsed.day, moment=parsed.moment, warning=f"read as day/month: {parsed.day}"
            )
        return _build(year, a, b, hh, mm, ss, zone)
    if _SERIAL.fullmatch(text):
        serial = float(text)
        if 20000 <= serial <= 80000:
            moment = datetime(1899, 12, 30) + timedelta(days=serial)
            if serial.is_integer():
                return ParsedDate(day=moment.date())
            return ParsedDate(day=moment.date(), moment=moment.replace(tzinfo=UTC))
    plain = text.replace(",", " ").replace(".", " ")
    plain = " ".join(plain.split())
    for pattern in _TEXT_FORMATS:
        try:
            return ParsedDate(day=datetime.strptime(plain, pattern).date())
        except ValueError:
            continue
    return ParsedDate(error="is not a date", hint=_DATE_HINT)


def _month(number: int) -> str:
    return date(2000, number, 1).strftime("%B")


@lru_cache(maxsize=4096)
def _requested_foc(text: str) -> tuple[ParsedDate, datetime | None, str]:
    parsed = parse_date(text)
    moment = foc_moment(parsed)
    return parsed, moment, moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def foc_moment(parsed: ParsedDate) -> datetime | None:
    """The requested FOC as an aware UTC datetime; a bare date means FOC_DEFAULT_TIME UTC."""
    if parsed.moment is not None:
        return parsed.moment.astimezone(UTC)
    if parsed.day is not None:
        return datetime.combine(parsed.day, FOC_DEFAULT_TIME, tzinfo=UTC)
    return None


def add_business_days(day: date, count: int) -> date:
    """The ``count``-th weekday after ``day`` (holidays are left to the API's FOC windows)."""
    current = day
    while count > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            count -= 1
    return current


# ---------------------------------------------------------------------------------------------
# Documents


@dataclass(frozen=True)
class DocumentCheck:
    """A loa_file / invoice_file cell checked: the file's absolute path, or what is wrong."""

    path: Path | None = None
    kind: str = ""  # "PDF", "PNG", "JPEG"
    code: str = ""
    message: str = ""
    hint: str = ""


def check_document(text: str, folder: Path) -> DocumentCheck:
    """A document named relative to the batch folder: inside it, PDF/PNG/JPEG, 1 B..20 MB."""
    try:
        return _check_document(text, folder)
    except (OSError, ValueError) as exc:  # unreadable, a NUL in the name, a name too long
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return DocumentCheck(
            code="file_unreadable",
            message=f"the file cannot be read ({reason})",
            hint="check the name, and that the file can be opened by this user",
        )


def _check_document(text: str, folder: Path) -> DocumentCheck:
    folder = folder.resolve()
    candidate = Path(text.replace("\\", "/"))
    target = candidate if candidate.is_absolute() else folder / candidate
    try:
        resolved = target.resolve()
    except (OSError, RuntimeError):
        resolved = target
    if not resolved.is_relative_to(folder):
        return DocumentCheck(
            code="file_outside_batch",
            message="the path leads out of the spreadsheet's folder",
            hint="put the file next to the spreadsheet (or in a folder below it) and give its name",
        )
    if resolved.is_dir():
        return DocumentCheck(
            code="file_unreadable",
            message="the name is a folder, not a file",
            hint="give the document's file name (including .pdf), not its folder",
        )
    if not resolved.is_file():
        return DocumentCheck(
            code="file_missing",
            message=f"no such file in {folder}",
            hint="check the file name (including .pdf) and that the file is in that folder",
        )
    size = resolved.stat().st_size
    if size == 0:
        return DocumentCheck(
            code="file_empty",
            message="the file is empty (0 bytes)",
            hint="export or scan the document again",
        )
    if size > MAX_DOCUMENT_BYTES:
        return DocumentCheck(
            code="file_too_large",
            message=f"the file is {size / 1024 / 1024:.1f} MB; Telnyx accepts at most 20 MB",
            hint="reduce it (scan at a lower resolution, or print to PDF again)",
        )
    with resolved.open("rb") as handle:
        head = handle.read(16)
    for magic, kind in _DOCUMENT_MAGIC:
        if head.startswith(magic):
            return DocumentCheck(path=resolved, kind=kind)
    return DocumentCheck(
        code="file_type",
        message="the file is not a PDF, PNG or JPEG (judged by its content, not its name)",
        hint="save or print the document as PDF",
    )


# ---------------------------------------------------------------------------------------------
# The rules


#: One problem a rule found in a value: (severity, code, column, message, hint).
Problem = tuple[Severity, str, str, str, str]


class _Rules:
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
        self.add(Severity.WARNING, code, row, column, message, hint, value)

    def report(self, position: int, problems: Iterable[Problem]) -> None:
        row = self.rows[position]
        for severity, code, column, message, hint in problems:
            value = "" if code in _NO_VALUE_CODES else None
            self.add(severity, code, row, column, message, hint, value)


_NO_VALUE_CODES = frozenset({"required", "partial_needs_action", "partial_keep_needs_new_btn"})


def validate(
    rows: list[InputRow],
    cleaned: Mapping[str, list[str]],
    *,
    settings: Settings,
    folder: Path,
    today: date,
) -> list[Issue]:
    """Normalise every row's values in place and return the issues the rules find.

    Rules run column by column over distinct values (accounts repeat their values on every
    row), so a 100,000-row batch costs one check per distinct value, not per cell.
    """
    empty = [""] * len(rows)
    columns = {name: list(cleaned.get(name, empty)) for name in COLUMN_NAMES}
    rules = _Rules(rows, columns, settings, folder, today)
    _required(rules)
    _choices(rules)
    _countries(rules)
    _phone_numbers(rules)
    _billing_numbers(rules)
    _per_distinct(rules, ("country_code", "administrative_area", "postal_code"), _address)
    _per_distinct(
        rules, ("port_type", "remaining_numbers_action", "new_billing_phone_number"), _port_type
    )
    _dates(rules)
    _documents(rules)
    _webhooks(rules)
    _per_distinct(rules, ("tags",), _tags)
    _per_distinct(rules, ("account_number", "billing_phone_number"), _account_is_btn)
    _missing_documents(rules)
    columns["customer_type"] = [value or "business" for value in columns["customer_type"]]
    for row, texts in zip(rows, zip(*columns.values(), strict=True), strict=True):
        row.values = dict(zip(COLUMN_NAMES, texts, strict=True))
    _duplicates(rules)
    _account_consistency(rules)
    _order_ref_consistency(rules)
    _partial_includes_btn(rules)
    order = {name: index for index, name in enumerate(COLUMN_NAMES)}
    rules.issues.sort(key=lambda issue: (issue.row, order.get(issue.column, -1)))
    return rules.issues


def _positions(column: list[str], wanted: set[str] | frozenset[str]) -> list[int]:
    return [position for position, value in enumerate(column) if value in wanted]


def _required(rules: _Rules) -> None:
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


def _choices(rules: _Rules) -> None:
    for name, choices in ENUMERATIONS.items():
        column = rules.columns[name]
        normal: dict[str, str] = {}
        bad: set[str] = set()
        for value in set(column) - {""}:
            lowered = value.casefold()
            if name == "enable_messaging":
                found = _BOOLEANS.get(lowered)
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


def _countries(rules: _Rules) -> None:
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


def _phone_numbers(rules: _Rules) -> None:
    columns = rules.columns
    phones, countries = columns["phone_number"], columns["country"]
    default = rules.settings.default_region.upper() or "US"
    max_range = rules.settings.max_range_size
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
        parsed = parse_phone(text, region or default, max_range=max_range)
        row = rows[position]
        if not parsed.ok:
            rules.report(
                position,
                [(Severity.ERROR, parsed.error, "phone_number", parsed.message, parsed.hint)],
            )
            continue
        row.phone_numbers = list(parsed.numbers)
        if not parsed.is_range:
            phones[position] = parsed.numbers[0]
        if not country:
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


def _billing_numbers(rules: _Rules) -> None:
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


#: A rule over a few columns: their normalised values and the problems, from their values.
DistinctRule = Callable[..., tuple[tuple[str, ...], list[Problem]]]


def _per_distinct(rules: _Rules, names: tuple[str, ...], rule: DistinctRule) -> None:
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


def _address(country: str, area: str, postal: str) -> tuple[tuple[str, ...], list[Problem]]:
    problems: list[Problem] = []
    upper_country = country.upper()
    if upper_country == "US":
        if area and area.upper() not in US_STATES:
            problems.append(
                (
                    Severity.ERROR,
                    "invalid_state",
                    "administrative_area",
                    "is not a US state code",
                    "use the 2-letter code, e.g. IL or NY",
                )
            )
        elif area:
            area = area.upper()
        if postal and not _US_ZIP.fullmatch(postal):
            hint = "write 5 digits or ZIP+4, e.g. 60601 or 60601-1234"
            if postal.isdigit() and len(postal) < 5:
                hint = "a leading zero was probably lost: format the cell as Text and type it"
            problems.append(
                (Severity.ERROR, "invalid_postal_code", "postal_code", "is not a US ZIP code", hint)
            )
    elif upper_country == "CA":
        if area and area.upper() not in CA_PROVINCES:
            problems.append(
                (
                    Severity.ERROR,
                    "invalid_state",
                    "administrative_area",
                    "is not a Canadian province code",
                    "use the 2-letter code, e.g. ON or BC",
                )
            )
        elif area:
            area = area.upper()
        match = _CA_POSTAL.fullmatch(postal.upper()) if postal else None
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


def _port_type(port_type: str, action: str, new_btn: str) -> tuple[tuple[str, ...], list[Problem]]:
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


#: Host names that always mean this machine, its network or a cloud's metadata service.
_LOCAL_NAMES = frozenset({"localhost", "metadata", "metadata.google.internal", "instance-data"})
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_WEBHOOK_FIX = (
    "give a public https:// address of your own server, e.g. https://example.com/porting-events"
)


def check_webhook_url(url: str) -> tuple[str, str, str] | None:
    """Why a webhook URL must not be sent to Telnyx, as (code, message, fix); None when fine.

    Refused: schemes other than http(s), credentials in the URL, and hosts that are this
    machine, a private or link-local network or a cloud metadata service, in any spelling
    a resolver accepts (0x7f000001, 2130706433, 0177.0.0.1, [::ffff:127.0.0.1],
    *.localhost). Names are judged as written: no DNS lookup is made.
    """
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return "invalid_url", "is not a valid URL", _WEBHOOK_FIX
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return (
            "invalid_url",
            "is not an http(s) URL",
            "write the full URL, e.g. https://example.com/porting-events",
        )
    if parts.username is not None or parts.password is not None:
        return (
            "webhook_credentials",
            "holds a user name or password (user:pass@); it would be sent to Telnyx and "
            "shown in every report",
            "remove the user:pass@ part; authenticate the webhook another way (a secret path "
            "or a signature check)",
        )
    host = unicodedata.normalize("NFKC", parts.hostname or "").translate(_DOTS).rstrip(".")
    if not host or "%" in host:
        return "invalid_url", "has no usable host name", _WEBHOOK_FIX
    address = _ip_address(host)
    if address is None and (host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES)):
        return (
            "webhook_local_address",
            f"points at '{host}', a name for this machine or its local network",
            _WEBHOOK_FIX,
        )
    if address is None:
        if _NUMERIC_LABEL.fullmatch(host.rpartition(".")[2]):
            return "invalid_url", f"'{host}' is neither a host name nor an IP address", _WEBHOOK_FIX
        return None
    if not _is_public(address):
        return (
            "webhook_local_address",
            f"points at {address}, a loopback, private, link-local, unspecified or metadata "
            "address that Telnyx cannot reach and must not be sent",
            _WEBHOOK_FIX,
        )
    return None


def _ip_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host spells, in every IPv4 form resolvers accept (hex, octal, 1-4 parts)."""
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            return None
    labels = host.split(".")
    if not 1 <= len(labels) <= 4 or not all(_NUMERIC_LABEL.fullmatch(p) for p in labels):
        return None
    numbers: list[int] = []
    for label in labels:
        if label[:2].lower() == "0x":
            numbers.append(int(label[2:] or "0", 16))
        elif len(label) > 1 and label.startswith("0"):
            if not set(label) <= set("01234567"):
                return None
            numbers.append(int(label, 8))
        else:
            numbers.append(int(label))
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for index, number in enumerate(head):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv6 address carrying an IPv4 one reaches that one.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo:
            embedded = address.teredo[1]
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return _is_public(embedded)
    return address.is_global and not address.is_multicast


def _webhooks(rules: _Rules) -> None:
    """One error per webhook URL cell that must not be sent, its credentials never shown."""
    column = rules.columns["webhook_url"]
    verdicts = {url: check_webhook_url(url) for url in set(column) if url}
    bad = {url: verdict for url, verdict in verdicts.items() if verdict}
    if not bad:
        return
    for position, url in enumerate(column):
        verdict = bad.get(url)
        if verdict is None:
            continue
        row = rules.rows[position]
        shown = _without_password(url)
        if shown != url:
            header = row.header("webhook_url")
            if header and header in row.raw:
                row.raw[header] = shown  # the reports show raw; a password must not reach them
            column[position] = shown
        code, message, hint = verdict
        # The cell as typed, unless it held a password
        rules.error(code, row, "webhook_url", message, hint, value=shown if shown != url else None)


def _without_password(url: str) -> str:
    """The URL with its user:pass@ part masked (kept as typed when it has none)."""
    head, at, rest = url.partition("@")
    if not at or "://" not in head:
        return url
    scheme, _, _ = head.partition("://")
    return f"{scheme}://••••@{rest}"


def _tags(tags: str) -> tuple[tuple[str, ...], list[Problem]]:
    if not tags:
        return (tags,), []
    return (",".join(t.strip() for t in re.split(r"[,;]", tags) if t.strip()),), []


def _account_is_btn(account: str, btn: str) -> tuple[tuple[str, ...], list[Problem]]:
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


def _missing_documents(rules: _Rules) -> None:
    """One warning per document column for the rows that name no file (drafts only)."""
    for name, label in (("loa_file", "LOA"), ("invoice_file", "invoice")):
        empty = [rules.rows[p].row for p, v in enumerate(rules.columns[name]) if not v]
        if not empty:
            continue
        first = next(row for row in rules.rows if row.row == empty[0])
        rules.add(
            Severity.WARNING,
            f"no_{name.removesuffix('_file')}",
            first,
            name,
            f"{_row_ranges(empty)} name no {label} file: their orders can be created as "
            "drafts but not confirmed",
            f"put the {label} next to the spreadsheet and give its file name in {name}",
            value="",
        )


def _dates(rules: _Rules) -> None:
    foc_column = rules.columns["requested_foc"]
    foc_results: dict[str, tuple[datetime | None, str, list[Problem]]] = {}
    for position, text in enumerate(foc_column):
        if not text:
            continue
        result = foc_results.get(text)
        if result is None:
            result = _foc(rules, text)
            foc_results[text] = result
        moment, normal, problems = result
        if moment is not None:
            rules.rows[position].requested_foc = moment
            foc_column[position] = normal
        if problems:
            rules.report(position, problems)
    invoice_column = rules.columns["invoice_date"]
    invoice_results: dict[str, tuple[date | None, list[Problem]]] = {}
    for position, text in enumerate(invoice_column):
        if not text:
            continue
        found = invoice_results.get(text)
        if found is None:
            found = _invoice_date(rules, text)
            invoice_results[text] = found
        day, problems = found
        if day is not None:
            rules.rows[position].invoice_date = day
            invoice_column[position] = day.isoformat()
        if problems:
            rules.report(position, problems)


def _reading_problems(parsed: ParsedDate, column: str) -> list[Problem]:
    """The error for a date that cannot be read, else the warning for a day/month reading."""
    if parsed.error or parsed.day is None:
        return [
            (
                Severity.ERROR,
                "invalid_date",
                column,
                parsed.error or "is not a date",
                parsed.hint or _DATE_HINT,
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


def _foc(rules: _Rules, text: str) -> tuple[datetime | None, str, list[Problem]]:
    parsed, moment, normal = _requested_foc(text)
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


def _invoice_date(rules: _Rules, text: str) -> tuple[date | None, list[Problem]]:
    parsed = parse_date(text)
    problems = _reading_problems(parsed, "invoice_date")
    if parsed.day is None:
        return None, problems
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
    return parsed.day, problems


def _relative(check: DocumentCheck, folder: Path) -> str:
    """A checked document's path inside the batch folder, with '/' (stable across machines)."""
    assert check.path is not None
    return check.path.relative_to(folder.resolve()).as_posix()


def _documents(rules: _Rules) -> None:
    for name, label in (("loa_file", "LOA"), ("invoice_file", "invoice")):
        column = rules.columns[name]
        checks = {text: check_document(text, rules.folder) for text in set(column) if text}
        if all(check.path is not None for check in checks.values()):
            paths = {text: _relative(check, rules.folder) for text, check in checks.items()}
            rules.columns[name] = [paths.get(text, text) for text in column]
            continue
        for position, text in enumerate(column):
            if not text:
                continue
            check = checks[text]
            if check.path is None:
                rules.report(
                    position,
                    [
                        (
                            Severity.ERROR,
                            check.code,
                            name,
                            f"{label} file: {check.message}",
                            check.hint,
                        )
                    ],
                )
            else:
                column[position] = _relative(check, rules.folder)


def _duplicates(rules: _Rules) -> None:
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


def _row_ranges(numbers: Iterable[int]) -> str:
    """'row 4' or 'rows 2-3, 7'."""
    numbers = list(numbers)
    return ("row " if len(numbers) == 1 else "rows ") + row_list(numbers)


def _disagreements(
    rules: _Rules,
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
                f"{_row_ranges(numbers)}"
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


def _fields_that_differ(rules: _Rules, key: str, fields: Iterable[str]) -> list[str]:
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


def _account_consistency(rules: _Rules) -> None:
    _consistency(rules, "account_number", _ACCOUNT_FIELDS, "account_mismatch", "account")


def _order_ref_consistency(rules: _Rules) -> None:
    _consistency(rules, "order_ref", ORDER_LEVEL_COLUMNS, "order_ref_mismatch", "order_ref")


def _consistency(
    rules: _Rules, key: str, compared: Sequence[str], code: str, describe_group: str
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


def _partial_includes_btn(rules: _Rules) -> None:
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


def second_pass(intake: Intake, answers: Mapping[str, Mapping[str, object]]) -> list[Issue]:
    """Issues that need the portability answers: mobile numbers need a PIN and an account.

    Returns new issues only; the caller decides how they affect the run (rows are not changed).
    """
    issues: list[Issue] = []
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
    return issues


__all__ = [
    "DocumentCheck",
    "ParsedDate",
    "add_business_days",
    "check_document",
    "foc_moment",
    "mask",
    "numeric_cell_issue",
    "parse_date",
    "row_list",
    "second_pass",
    "validate",
]
