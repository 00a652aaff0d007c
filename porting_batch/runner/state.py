"""The plain data of one run: what was read, answered, planned and what stopped where.

No API and no ledger here: the steps (``porting_batch.runner.steps`` and the order modules)
fill a :class:`RunState` in, and ``porting_batch.runner.result`` reads it back out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from porting_batch.foc import FocPolicy, FocReason
from porting_batch.intake import InputRow, Intake
from porting_batch.issues import Issue
from porting_batch.ledger import OrderRecord
from porting_batch.outcomes import Outcome
from porting_batch.plan import Answer, OrderGroup, Plan

_SLUG = re.compile(r"[^A-Za-z0-9._-]+")
#: The documents a row may name: (the order's document kind, the row's column).
DOCUMENT_KINDS = (("loa", "loa_file"), ("invoice", "invoice_file"))
#: Order statuses in which the order's data may still be changed by a PATCH.
EDITABLE_STATUSES = frozenset({"draft"})
#: Attention that tracking owns (an order in ``exception``): only tracking clears it.
EXCEPTION_PREFIX = "exception:"
#: Attention left by a refused confirm: cleared once the order is no longer a draft.
CONFIRM_PREFIX = "confirm"


@dataclass
class BatchOptions:
    """What the operator asked of this run."""

    confirm: bool = False
    dry_run: bool = False
    batch_name: str | None = None
    foc_policy: FocPolicy = FocPolicy.REQUESTED


@dataclass
class GroupSummary:
    """What happened to one order group: plain data, fit for a Prefect task result.

    ``failed`` is the first API failure that stopped the group ("" when none): the group is
    retried by the next run. ``attention`` lists what the operator must act on.
    """

    group_key: str
    account: str
    orders: list[str] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)
    failed: str = ""
    created: int = 0
    reused: int = 0


@dataclass(frozen=True)
class Skip:
    """A number the run leaves out of its orders, and why (with the order that holds it)."""

    outcome: Outcome
    reason: str
    record: OrderRecord | None = None


@dataclass
class RunState:
    """Everything one run knows about its spreadsheet, step by step."""

    batch_id: str
    path: Path
    options: BatchOptions
    started_at: datetime
    intake: Intake | None = None
    answers: dict[str, Answer] = field(default_factory=dict)
    plan: Plan | None = None
    #: Issues found after intake (second pass, documents, the API's refusals, the ledger).
    extra_issues: list[Issue] = field(default_factory=list)
    skipped: dict[str, Skip] = field(default_factory=dict)
    group_of_number: dict[str, OrderGroup] = field(default_factory=dict)
    #: Groups an API failure stopped (group key -> first failure): retried by the next run.
    failed_groups: dict[str, str] = field(default_factory=dict)
    #: Orders an API failure stopped (order id -> failure).
    failed_orders: dict[str, str] = field(default_factory=dict)
    #: Each document's SHA-256 as read at intake, by its cell value: what may be uploaded.
    document_digests: dict[str, str] = field(default_factory=dict)
    #: What this run sent to each order it changed after its first PATCH (field paths only).
    sent: dict[str, list[str]] = field(default_factory=dict)
    #: Accounts whose orders stay drafts (group key -> why): their CSR differs (``--csr hold``).
    csr_holds: dict[str, str] = field(default_factory=dict)
    stage: str = "created"
    failure: str = ""

    def valid_numbers(self) -> list[str]:
        """Every number of a row without errors, once, in file order."""
        seen: dict[str, None] = {}
        for row in self.intake.rows if self.intake is not None else ():
            if not row.errors:
                for number in row.phone_numbers:
                    seen.setdefault(number, None)
        return list(seen)

    def fail_group(self, group: OrderGroup, reason: str) -> None:
        """Record the first API failure that stopped ``group``."""
        self.failed_groups.setdefault(group.key, reason)

    def group_attention(self, group: OrderGroup, reason: str) -> None:
        """Every number of ``group`` needs the operator (unless already left out)."""
        for number in group.phone_numbers:
            self.skipped.setdefault(number, Skip(Outcome.NEEDS_ATTENTION, reason))


def batch_id_for(path: Path, name: str | None = None) -> str:
    """The batch's identity: its name, by default the spreadsheet's file name without suffix.

    Re-running the same (or an edited) file therefore resumes the same batch.
    """
    base = name or path.stem
    return _SLUG.sub("-", base).strip("-").lower() or "batch"


def is_held(record: OrderRecord) -> bool:
    """Whether the order waits for a FOC window that reaches the requested date."""
    return record.foc_reason == FocReason.HELD_BEYOND_WINDOWS.value


def describe_failure(exc: BaseException) -> str:
    """An exception on one line, with its kind."""
    return f"{type(exc).__name__}: {exc}"


def shown_value(row: InputRow, column: str) -> str:
    """The cell as the operator typed it ("" for no column)."""
    if not column:
        return ""
    header = row.header(column)
    return row.raw.get(header, "") if header else row.values.get(column, "")


def parse_time(text: str) -> datetime | None:
    """A stored ISO time, or None for ""."""
    return datetime.fromisoformat(text) if text else None


def unfinished(reason: str) -> str:
    """A reason a number did not reach its outcome, with what to do."""
    return f"{reason}; run the file again"
