"""Plain values the ledger hands out, and the facts about this process that a batch hold records."""

from __future__ import annotations

import enum
import os
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


class OrderStatus(enum.StrEnum):
    """A porting order's status: Telnyx's own values, plus ``deleted`` for an order the ledger
    saw deleted remotely. Members equal the plain strings, which is what the ledger stores."""

    DRAFT = "draft"
    IN_PROCESS = "in-process"
    SUBMITTED = "submitted"
    EXCEPTION = "exception"
    FOC_DATE_CONFIRMED = "foc-date-confirmed"
    CANCEL_PENDING = "cancel-pending"
    PORTED = "ported"
    CANCELLED = "cancelled"
    DELETED = "deleted"


class IntentState(enum.StrEnum):
    """Where a recorded remote write stands: ``sent`` until its answer is known, then ``done``,
    ``failed``, or ``unknown`` (resolved without learning whether it landed)."""

    SENT = "sent"
    DONE = "done"
    FAILED = "failed"
    UNKNOWN = "unknown"


class BatchStatus(enum.StrEnum):
    """How a batch's latest run stands: ``running``, then how it ended; ``interrupted`` when
    its run is gone without saying."""

    RUNNING = "running"
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    INTERRUPTED = "interrupted"


def now_text() -> str:
    """The current UTC time as ISO text (the ledger stores times as text for portability)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def lease_text(moment: datetime) -> str:
    """A lease time as fixed-width UTC ISO text, so that text order is time order in SQL."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def lease_times(lease_s: float, now: datetime | None = None) -> tuple[str, str]:
    """(now, now + lease_s) as lease texts; ``now`` defaults to this machine's clock."""
    now = now or datetime.now(UTC)
    return lease_text(now), lease_text(now + timedelta(seconds=lease_s))


@dataclass
class OrderRecord:
    """One porting order as the ledger knows it."""

    order_id: str
    batch_id: str
    group_key: str
    customer_reference: str
    status: str  # an OrderStatus, or a status Telnyx added since (kept as it came)
    phone_numbers: list[str]
    country: str = ""
    phone_number_type: str = ""
    carrier: str = ""
    fast_port: bool = False
    foc_chosen: str = ""
    foc_reason: str = ""
    documents: dict[str, str] = field(default_factory=dict)
    patched_fingerprint: str = ""
    confirmed: bool = False
    attention: str = ""
    support_key: str = ""


@dataclass(frozen=True)
class GroupRecord:
    """An order group as the ledger records it: one account's numbers, before any order."""

    group_key: str
    customer_reference: str
    account: str
    fingerprint: str


@dataclass
class NumberRecord:
    """One number's last known state in a batch."""

    sheet: str
    row: int
    phone_number: str
    outcome: str
    reason: str = ""
    order_id: str = ""
    #: The number's portability answer (None: never checked), kept so that a re-run, which
    #: checks no number it already ordered, still reports it.
    phone_number_type: str = ""
    carrier: str = ""
    portable: bool | None = None
    fast_portable: bool | None = None


#: Order statuses after which a number is free to be ordered again.
INACTIVE_STATUSES = frozenset({OrderStatus.CANCELLED, OrderStatus.DELETED})


@dataclass(frozen=True)
class BatchHold:
    """Who holds a batch: one run's lease, as recorded in ``batch_holds``."""

    batch_id: str
    owner: str
    host: str
    pid: int
    started: str
    acquired_at: str
    expires_at: str

    def expired(self, now: str | None = None) -> bool:
        """True once the lease has run out without a renewal; ``now`` is a lease text of the
        clock that set the lease (the ledger's), defaulting to this machine's clock."""
        return self.expires_at <= (now or lease_text(datetime.now(UTC)))

    def process_gone(self) -> bool:
        """True when the holder ran on this host and its process no longer exists.

        Only this host's processes can be checked; a holder elsewhere is trusted until its lease
        runs out."""
        if self.host != this_host():
            return False
        if not pid_alive(self.pid) or process_is_zombie(self.pid):
            return True
        # A pid can be reused after a crash; the start time tells the new process from the old.
        current = process_started(self.pid)
        return bool(self.started and current and current != self.started)

    def live(self, now: str | None = None) -> bool:
        """True while the holder may still be writing (``now`` as in ``expired``)."""
        return not self.expired(now) and not self.process_gone()

    def describe(self) -> str:
        """``host:pid since 12:03 UTC``, for an operator."""
        try:
            since = datetime.fromisoformat(self.acquired_at).astimezone(UTC).strftime("%H:%M")
        except ValueError:
            since = self.acquired_at
        return f"{self.host}:{self.pid} since {since} UTC"


def this_host() -> str:
    """This machine's name, as batch holds record it."""
    return socket.gethostname()


def pid_alive(pid: int) -> bool:
    """True when a process with this id exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    except OSError:
        return False
    return True


def process_started(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux), or "" where unknown."""
    fields = _proc_stat(pid)
    return fields[19] if len(fields) > 19 else ""


def process_is_zombie(pid: int) -> bool:
    """True for a process that has exited but not yet been reaped (Linux)."""
    fields = _proc_stat(pid)
    return bool(fields) and fields[0] == "Z"


def _proc_stat(pid: int) -> list[str]:
    # Fields of /proc/<pid>/stat from the third (state) on; the command name (field 2) may hold
    # spaces and parentheses, so fields restart after the last ')'.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return []
    return stat[stat.rfind(")") + 2 :].split()
