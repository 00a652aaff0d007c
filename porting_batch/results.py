"""What a run produced, row by row and order by order: the input to every report.

These are plain values, built by the batch runner (or rebuilt from the ledger) and read by
``porting_batch.reports`` and the Prefect artifacts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from porting_batch.issues import Issue
from porting_batch.outcomes import Outcome


@dataclass
class NumberResult:
    """One phone number of the batch: where it came from and what happened to it.

    A range written in one cell yields several results sharing ``sheet`` and ``row``.
    """

    sheet: str
    row: int
    input_value: str
    phone_number: str  # E.164, or "" when the cell could not be read as a number
    outcome: Outcome
    reason: str = ""
    raw: dict[str, str] = field(default_factory=dict)  # the row's values as typed, by header
    account: str = ""
    order_id: str = ""
    order_status: str = ""
    customer_reference: str = ""
    phone_number_type: str = ""
    carrier: str = ""
    fast_portable: bool | None = None
    portable: bool | None = None
    foc_chosen: datetime | None = None
    foc_reason: str = ""


@dataclass
class OrderResult:
    """One porting order the run created, adopted or planned."""

    order_id: str  # "" for a planned order in a dry run
    customer_reference: str
    account: str
    country: str
    phone_number_type: str
    carrier: str
    fast_port: bool
    phone_numbers: list[str]
    status: str
    foc_requested: datetime | None = None
    foc_chosen: datetime | None = None
    foc_reason: str = ""
    documents: dict[str, str] = field(default_factory=dict)  # "loa"/"invoice" -> document id
    attention: str = ""
    support_key: str = ""
    #: What this run sent to the order after its first PATCH: field names, never values.
    sent: str = ""

    @property
    def number_count(self) -> int:
        """How many numbers the order holds."""
        return len(self.phone_numbers)


@dataclass
class BatchResult:
    """Everything a report needs about one run of one spreadsheet."""

    batch_id: str
    name: str
    input_path: Path
    content_hash: str
    started_at: datetime
    finished_at: datetime | None
    numbers: list[NumberResult]
    orders: list[OrderResult]
    issues: list[Issue]
    settings: dict[str, object] = field(default_factory=dict)
    dry_run: bool = False
    confirm: bool = False
    #: ``porting-batch validate``: the file was only checked, nothing planned or sent.
    validate_only: bool = False
    #: Every number reached its outcome and no step failed (see ``Outcome.is_final``);
    #: when False, ``failure`` says why on one line and a re-run continues.
    complete: bool = True
    failure: str = ""
    input_headers: list[str] = field(default_factory=list)  # operator's headers, in order

    @property
    def has_input_errors(self) -> bool:
        """Whether the operator's file has errors (a bad cell, a duplicate, an unreadable file
        or document): rows the run could not take until the file is fixed."""
        return any(issue.is_error and issue.source != "api" for issue in self.issues) or any(
            n.outcome in {Outcome.INVALID_INPUT, Outcome.DUPLICATE} for n in self.numbers
        )

    @property
    def file_refused(self) -> bool:
        """Whether the file itself could not be taken (not a spreadsheet, no header, no rows):
        nothing ran, and running it again changes nothing until the file is fixed."""
        return any(issue.code == "file" and issue.is_error for issue in self.issues)

    @property
    def needs_attention(self) -> int:
        """How many numbers are in orders Telnyx refused data of (the operator acts)."""
        return sum(1 for n in self.numbers if n.outcome is Outcome.NEEDS_ATTENTION)

    @property
    def not_processed(self) -> int:
        """How many numbers did not reach their outcome (a re-run finishes them)."""
        return sum(1 for n in self.numbers if not n.outcome.is_final)

    @property
    def orders_needing_attention(self) -> int:
        """How many orders carry something for the operator to act on."""
        return sum(1 for o in self.orders if o.attention)

    def summary(self, report_folder: str) -> dict[str, Any]:
        """The run in a few plain numbers, as the command line, the flow and the inbox hand it
        on (the flow adds its API call counts)."""
        return {
            "batch_id": self.batch_id,
            "report_folder": report_folder,
            "complete": self.complete,
            "failure": self.failure,
            "file_refused": self.file_refused,
            "outcomes": self.counts_by_outcome(),
            "orders_by_status": self.orders_by_status(),
            "orders": len(self.orders),
            "numbers": len(self.numbers),
        }

    def counts_by_outcome(self) -> dict[str, int]:
        """Numbers per outcome, in the order outcomes are declared."""
        counts = {outcome.value: 0 for outcome in Outcome}
        for number in self.numbers:
            counts[number.outcome.value] += 1
        return {key: value for key, value in counts.items() if value}

    def orders_by_status(self) -> dict[str, int]:
        """Orders per status."""
        counts: dict[str, int] = {}
        for order in self.orders:
            counts[order.status] = counts.get(order.status, 0) + 1
        return counts
