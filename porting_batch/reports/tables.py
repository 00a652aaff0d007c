"""The report's tables as plain rows: one definition read by the XLSX and the CSV writers.

Every value that leaves here is already safe to show: secrets masked, control characters
removed, text capped. Formula defence is the writers' job, because XLSX and CSV differ.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from porting_batch.columns import SECRET_COLUMNS as CATALOGUE_SECRETS
from porting_batch.columns import canonical_column
from porting_batch.issues import Issue
from porting_batch.outcomes import Outcome
from porting_batch.reports.todo import RowCells, what_to_do
from porting_batch.results import BatchResult, NumberResult, OrderResult
from porting_batch.safety import is_secret_header, mask_secret, safe_text

#: A cell: text, a number, a date-time (naive, UTC) or nothing.
Cell = str | int | float | datetime | None

#: Canonical column names whose values are secrets wherever they appear.
SECRET_COLUMNS = frozenset({"pin_passcode", "account_number"}) | CATALOGUE_SECRETS


@dataclass(frozen=True)
class Col:
    """One report column: its header, how wide to show it and what kind of value it holds."""

    header: str
    width: float = 14
    #: "text", "phone", "int", "datetime", "outcome", "severity", "attention" (amber when set)
    kind: str = "text"
    description: str = ""
    #: Long text: wrapped in its cell, not cut off at the column's edge.
    wrap: bool = False


NUMBERS_HEAD: tuple[Col, ...] = (
    Col("Input sheet", 12, "text", "The sheet of the operator's file the row came from."),
    Col("Input row", 9, "int", "The row number in that sheet (header row is 1)."),
    Col("Phone number (E.164)", 18, "phone", "The number as Telnyx reads it; empty if unreadable."),
    Col("Outcome", 17, "outcome", "What happened to the number: one of the closed outcome set."),
    Col(
        "Reason",
        48,
        "text",
        "Why, in plain words; the outcome's meaning if there is no specific reason.",
        wrap=True,
    ),
    Col("Order id", 38, "text", "The Telnyx porting order holding the number."),
    Col(
        "What to do",
        44,
        "text",
        "What the operator does next, in one line: nothing, which cells to correct, or what else.",
        wrap=True,
    ),
)

#: The Numbers sheet's panes stay frozen up to the phone number, so a row keeps its name.
NUMBERS_FROZEN_COLUMNS = 3
#: The Orders sheet keeps its order id in view (and on each printed page) the same way.
ORDERS_FROZEN_COLUMNS = 1

NUMBERS_TAIL: tuple[Col, ...] = (
    Col("Order status", 14, "text", "That order's status when the report was written."),
    Col("FOC chosen (UTC)", 17, "datetime", "The firm order commitment date asked for."),
    Col("FOC reason", 40, "text", "Why that FOC was chosen.", wrap=True),
    Col("Number type", 12, "text", "Type reported by the portability check (local, mobile...)."),
    Col("Losing carrier", 20, "text", "Current carrier (or SPID) from the portability check."),
    Col("Portable", 9, "text", "yes / no / empty when not checked."),
    Col("FastPort", 9, "text", "yes / no / empty when not checked."),
)

ORDERS_COLUMNS: tuple[Col, ...] = (
    Col(
        "Order id", 38, "text", "Telnyx porting order id; empty for an order planned in a dry run."
    ),
    Col("Customer reference", 26, "text", "The reference porting-batch gave the order."),
    Col(
        "Account", 14, "text", "Account number at the losing carrier, masked but for its last two."
    ),
    Col("Country", 8, "text", "ISO country of the numbers."),
    Col("Number type", 12, "text", "Number type shared by the order's numbers."),
    Col("Losing carrier / SPID", 22, "text", "Carrier the numbers leave."),
    Col("FastPort", 9, "text", "yes / no: whether Telnyx can FastPort the order."),
    Col("Numbers", 9, "int", "How many numbers the order holds."),
    Col("FOC requested (UTC)", 17, "datetime", "FOC date the operator asked for."),
    Col("FOC chosen (UTC)", 17, "datetime", "FOC date set on the order."),
    Col(
        "FOC reason",
        36,
        "text",
        "Why that FOC was chosen; flagged when it falls on another day than requested.",
        wrap=True,
    ),
    Col("Documents attached", 30, "text", "Documents on the order (loa, invoice) with their ids."),
    Col("Status", 14, "text", "The order's status at Telnyx when the report was written."),
    Col(
        "Needs attention",
        48,
        "attention",
        "What the operator must do for this order; empty if nothing.",
    ),
    Col("Support key", 16, "text", "Telnyx support key of the order, for tickets."),
    Col(
        "Sent",
        40,
        "text",
        "What this run sent to an existing order from the corrected sheet: field names, "
        "resubmitted, cancel; empty if nothing.",
    ),
)

ISSUES_COLUMNS: tuple[Col, ...] = (
    Col("Severity", 9, "severity", "error (the row is left out) or warning (the row goes on)."),
    Col("Input cell", 14, "text", "The cell of the operator's file, e.g. Numbers!H14."),
    Col("Input sheet", 12, "text", "Sheet of the operator's file; empty for file-level issues."),
    Col("Input row", 9, "int", "Row of that sheet; empty for file-level issues."),
    Col("Column", 18, "text", "The template column the value belongs to."),
    Col("Value", 24, "text", "The value as typed (secrets masked)."),
    Col("Message", 60, "text", "What is wrong.", wrap=True),
    Col("How to fix", 60, "text", "What to change.", wrap=True),
    Col("Code", 20, "text", "A stable code for the problem (ours or the API's)."),
    Col("Source", 11, "text", "Where it was found: intake, portability, api or ledger."),
)


def default_masked_headers(headers: Iterable[str]) -> set[str]:
    """The operator headers to mask when the caller names none: PIN, passcode, account number.

    A header is masked when the template's catalogue maps it to a secret column, or when its
    words say pin, passcode or account number (for headers the catalogue does not know).
    """
    return {
        header
        for header in headers
        if canonical_column(header) in CATALOGUE_SECRETS or is_secret_header(header)
    }


def utc_naive(value: datetime | None) -> datetime | None:
    """A date-time in UTC without tzinfo (Excel has no time zones); naive values are kept."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def foc_shift(order: OrderResult) -> str:
    """Words flagging an FOC set on another day than the operator asked for, or ""."""
    requested, chosen = utc_naive(order.foc_requested), utc_naive(order.foc_chosen)
    if requested is None or chosen is None or requested.date() == chosen.date():
        return ""
    days = (chosen.date() - requested.date()).days
    way = "later" if days > 0 else "earlier"
    return (
        f"FOC {abs(days)} day(s) {way} than requested ({requested:%Y-%m-%d}): "
        "check that the date still suits the customer"
    )


def yes_no(value: bool | None) -> str:
    """``True`` -> yes, ``False`` -> no, unknown -> empty."""
    if value is None:
        return ""
    return "yes" if value else "no"


class Tables:
    """The rows of Numbers, Orders and Issues for one :class:`BatchResult`, safe to show."""

    def __init__(self, result: BatchResult, masked_headers: set[str] | None = None) -> None:
        self.result = result
        self.raw_headers = raw_headers(result)
        if masked_headers is None:
            masked_headers = default_masked_headers(self.raw_headers)
        self.masked_headers = set(masked_headers)
        self._masked_in_order = [h for h in self.raw_headers if h in self.masked_headers]
        # The clear secrets of each input row, so a message quoting one (an API or a validator
        # may echo the value back) can be scrubbed; kept per row to keep scrubbing cheap.
        self._row_secrets: dict[tuple[str, int], set[str]] = {}
        rows: set[tuple[str, int]] = set()
        for number in result.numbers:
            key = (number.sheet, number.row)
            rows.add(key)
            found = self._number_secrets(number)
            if found:
                self._row_secrets.setdefault(key, set()).update(found)
        #: How many distinct input rows the numbers came from.
        self.input_rows = len(rows)
        self._row_cells = RowCells(result, self.raw_headers)
        self.numbers_columns = (
            NUMBERS_HEAD
            + tuple(Col(_input_label(h), _input_width(h), "text") for h in self.raw_headers)
            + NUMBERS_TAIL
        )

    def _number_secrets(self, number: NumberResult) -> list[str]:
        found = [str(number.raw.get(h) or "").strip() for h in self._masked_in_order]
        found.append(number.account.strip())
        return [value for value in found if value]

    # -- Numbers -------------------------------------------------------------------------

    def number_rows(self) -> Iterator[list[Cell]]:
        """One row per number, in the order of ``result.numbers``."""
        headers = self.raw_headers
        masked = self.masked_headers
        for number in self.result.numbers:
            raw = number.raw
            cells = self._number_head(number)
            for header in headers:
                value = raw.get(header, "")
                cells.append(mask_secret(value) if header in masked else safe_text(value))
            cells.extend(self._number_tail(number))
            yield cells

    def _number_head(self, number: NumberResult) -> list[Cell]:
        reason = number.reason
        if reason:
            reason = self.scrub_row_text(reason, number.sheet, number.row)
        return [
            safe_text(number.sheet),
            number.row or None,
            safe_text(number.phone_number),
            number.outcome.value,
            reason or number.outcome.description,
            safe_text(number.order_id),
            what_to_do(number, self._row_cells),
        ]

    def _number_tail(self, number: NumberResult) -> list[Cell]:
        return [
            safe_text(number.order_status),
            utc_naive(number.foc_chosen),
            safe_text(number.foc_reason),
            safe_text(number.phone_number_type),
            safe_text(number.carrier),
            yes_no(number.portable),
            yes_no(number.fast_portable),
        ]

    # -- Orders --------------------------------------------------------------------------

    def order_rows(self) -> Iterator[list[Cell]]:
        """One row per order, in the order of ``result.orders``."""
        for order in self.result.orders:
            yield self._order_row(order)

    def _order_row(self, order: OrderResult) -> list[Cell]:
        documents = ", ".join(f"{kind}: {doc}" for kind, doc in sorted(order.documents.items()))
        return [
            safe_text(order.order_id),
            safe_text(order.customer_reference),
            mask_secret(order.account),
            safe_text(order.country),
            safe_text(order.phone_number_type),
            safe_text(order.carrier),
            yes_no(order.fast_port),
            order.number_count,
            utc_naive(order.foc_requested),
            utc_naive(order.foc_chosen),
            safe_text("; ".join(t for t in (order.foc_reason, foc_shift(order)) if t)),
            safe_text(documents),
            safe_text(order.status),
            scrub(order.attention, [order.account.strip()]),
            safe_text(order.support_key),
            safe_text(order.sent),
        ]

    # -- Issues --------------------------------------------------------------------------

    def issue_rows(self) -> Iterator[list[Cell]]:
        """One row per issue, in the order of ``result.issues``."""
        for issue in self.result.issues:
            yield self.issue_row(issue)

    def issue_row(self, issue: Issue) -> list[Cell]:
        """An issue as shown: the value masked when it is a secret, messages scrubbed."""
        return [
            issue.severity.value,
            safe_text(issue.cell),
            safe_text(issue.sheet),
            issue.row or None,
            safe_text(issue.column),
            self.issue_value(issue),
            self.scrub_issue_text(issue.message, issue),
            self.scrub_issue_text(issue.hint, issue),
            safe_text(issue.code),
            safe_text(issue.source),
        ]

    def is_secret_issue(self, issue: Issue) -> bool:
        """Whether the issue's value is a PIN or account number."""
        return bool(issue.column) and (
            issue.column in SECRET_COLUMNS
            or issue.column in self.masked_headers
            or is_secret_header(issue.column)
        )

    def issue_value(self, issue: Issue) -> str:
        """The issue's value, masked when it is a secret."""
        if self.is_secret_issue(issue):
            return mask_secret(issue.value)
        return safe_text(issue.value)

    def scrub_row_text(self, text: str, sheet: str, row: int) -> str:
        """Text about one input row with that row's secrets masked."""
        return scrub(text, self._row_secrets.get((sheet, row), ()))

    def scrub_issue_text(self, text: str, issue: Issue) -> str:
        """An issue's message or hint with the secrets of its row (and its own value) masked."""
        secrets = set(self._row_secrets.get((issue.sheet, issue.row), ()))
        if issue.value and self.is_secret_issue(issue):
            secrets.add(issue.value.strip())
        return scrub(text, secrets)

    def describe_issue(self, issue: Issue) -> str:
        """``Issue.describe()`` with secrets masked."""
        text = issue.describe()
        if issue.value and self.is_secret_issue(issue):
            text = text.replace(repr(issue.value), repr(mask_secret(issue.value)))
        return self.scrub_issue_text(text, issue)

    def scrub_any(self, text: str) -> str:
        """Text of unknown origin (a failure message) with every known secret masked."""
        every: set[str] = set()
        for secrets in self._row_secrets.values():
            every |= secrets
        every.update(order.account.strip() for order in self.result.orders)
        every.update(
            issue.value.strip()
            for issue in self.result.issues
            if issue.value and self.is_secret_issue(issue)
        )
        return scrub(text, every)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Free text made safe, with each of ``secrets`` it quotes replaced by its masked form."""
    text = safe_text(text)
    if not text:
        return text
    for secret in sorted(secrets, key=len, reverse=True):
        # Secrets under three characters would mask unrelated digits of the message.
        if len(secret) >= 3 and secret in text:
            text = text.replace(secret, mask_secret(secret))
    return text


def raw_headers(result: BatchResult) -> list[str]:
    """The operator's headers in their order, then any header only some rows carry."""
    headers = list(result.input_headers)
    seen = set(headers)
    for number in result.numbers:
        if len(number.raw) and not seen.issuperset(number.raw):
            for key in number.raw:
                if key not in seen:
                    seen.add(key)
                    headers.append(key)
    return headers


_OWN_HEADERS = {col.header.casefold() for col in NUMBERS_HEAD + NUMBERS_TAIL}


def _input_label(header: str) -> str:
    # An operator column called "Outcome" or "Reason" must not pass for ours.
    label = safe_text(header) or "(no header)"
    if label.casefold() in _OWN_HEADERS:
        return f"{label} (input)"
    return label


def _input_width(header: str) -> float:
    return float(min(max(len(header) + 2, 12), 40))


def outcome_counts(result: BatchResult) -> dict[str, int]:
    """Numbers per outcome for every outcome of the closed set, zeros included."""
    counts = {outcome.value: 0 for outcome in Outcome}
    counts.update(result.counts_by_outcome())
    return counts


def input_row_count(result: BatchResult) -> int:
    """How many distinct input rows the numbers came from."""
    return len({(number.sheet, number.row) for number in result.numbers})
