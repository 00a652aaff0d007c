"""Deadlines an operator must not miss, from plain facts about an order.

Three clocks run on a porting order (sources in ``docs/reports.md``, tracking report):

* a **draft** not submitted within 30 days is deleted by Telnyx (port-in order notifications);
  a warning comes ``draft_warning`` before that;
* an **exception** wants an answer (a fix and resubmit, or a comment) within the losing
  carrier's window, counted in business days (Monday to Friday, UTC, no holidays): past it
  the carrier may give up on the order;
* within **48 hours of the FOC** an order can no longer be cancelled through the API, nor its
  FOC moved: any change goes through Telnyx support (cancel-port-order).

:func:`deadline_warnings` is a pure function of an :class:`OrderFacts` and ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from porting_batch.settings import Settings

__all__ = [
    "DRAFT_LIFETIME",
    "FOC_LOCK",
    "DeadlinePolicy",
    "DeadlineWarning",
    "OrderFacts",
    "add_business_days",
    "deadline_warnings",
]

#: Telnyx deletes a draft order not submitted within this long.
DRAFT_LIFETIME = timedelta(days=30)
#: Within this long of the FOC an order can no longer be cancelled (nor its FOC moved) by API.
FOC_LOCK = timedelta(hours=48)
#: Orders past the carrier's review, whose FOC is what happens next.
_SUBMITTED = frozenset({"in-process", "submitted", "exception", "foc-date-confirmed"})

DRAFT_EXPIRY = "draft_expiry"
EXCEPTION_UNANSWERED = "exception_unanswered"
FOC_LOCKED = "foc_locked"
FOC_TOO_CLOSE = "foc_too_close"


@dataclass(frozen=True)
class OrderFacts:
    """What the deadlines read about one order; times are timezone-aware (naive means UTC).

    ``exception_since`` is when the order went into ``exception`` (None when it is not in
    one, or the moment is unknown).
    """

    order_id: str
    status: str
    created_at: datetime | None = None
    foc_requested: datetime | None = None
    foc_actual: datetime | None = None
    exception_since: datetime | None = None


@dataclass(frozen=True)
class DeadlinePolicy:
    """How early to warn: days before a draft's deletion, business days to answer an exception."""

    draft_warning: timedelta = timedelta(days=5)
    exception_business_days: int = 3

    @classmethod
    def from_settings(cls, settings: Settings) -> DeadlinePolicy:
        """The policy the settings ask for (``draft_warning_days``, ``exception_window_days``)."""
        return cls(
            draft_warning=timedelta(days=settings.draft_warning_days),
            exception_business_days=settings.exception_window_days,
        )


@dataclass(frozen=True)
class DeadlineWarning:
    """One deadline close or passed: its kind, when it falls (UTC) and the line to show."""

    order_id: str
    kind: str
    due: datetime
    message: str


def deadline_warnings(
    facts: OrderFacts, now: datetime, policy: DeadlinePolicy | None = None
) -> list[DeadlineWarning]:
    """The warnings that hold for ``facts`` at ``now`` (none for a ported or cancelled order)."""
    policy = policy or DeadlinePolicy()
    now = _utc(now)
    found = [
        _draft_expiry(facts, now, policy),
        _exception_unanswered(facts, now, policy),
        _foc_lock(facts, now),
    ]
    return [warning for warning in found if warning is not None]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _when(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC"


def _span(delta: timedelta) -> str:
    hours = abs(delta.total_seconds()) / 3600
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.1f} days"


def _draft_expiry(
    facts: OrderFacts, now: datetime, policy: DeadlinePolicy
) -> DeadlineWarning | None:
    if facts.status != "draft" or facts.created_at is None:
        return None
    due = _utc(facts.created_at) + DRAFT_LIFETIME
    left = due - now
    if left >= policy.draft_warning:
        return None
    if left <= timedelta(0):
        message = (
            f"draft is past Telnyx's 30-day limit ({_when(due)}) and may be deleted at any "
            "moment: submit it now, or run the sheet again to create it anew"
        )
    else:
        message = (
            f"draft will be deleted by Telnyx on {_when(due)} (in {_span(left)}), 30 days "
            "after it was created: complete and submit it before then"
        )
    return DeadlineWarning(facts.order_id, DRAFT_EXPIRY, due, message)


def _exception_unanswered(
    facts: OrderFacts, now: datetime, policy: DeadlinePolicy
) -> DeadlineWarning | None:
    if facts.status != "exception" or facts.exception_since is None:
        return None
    due = add_business_days(_utc(facts.exception_since), policy.exception_business_days)
    if now <= due:
        return None
    message = (
        f"exception unanswered since {_when(_utc(facts.exception_since))}, past the carrier's "
        f"window of {policy.exception_business_days} business days ({_when(due)}): fix and "
        "resubmit, or comment on the order, before the carrier gives up on it"
    )
    return DeadlineWarning(facts.order_id, EXCEPTION_UNANSWERED, due, message)


def _foc_lock(facts: OrderFacts, now: datetime) -> DeadlineWarning | None:
    foc = facts.foc_actual or facts.foc_requested
    if foc is None or facts.status not in _SUBMITTED | {"draft"}:
        return None
    foc = _utc(foc)
    left = foc - now
    if left >= FOC_LOCK:
        return None
    if facts.status == "draft":
        message = (
            f"requested FOC {_when(foc)} is less than 48 h away: choose a later FOC before "
            "submitting the draft"
        )
        return DeadlineWarning(facts.order_id, FOC_TOO_CLOSE, foc, message)
    if left > timedelta(0):
        message = (
            f"FOC {_when(foc)} is in {_span(left)}: the order can no longer be cancelled "
            "through the API nor its FOC moved; contact Telnyx support for any change"
        )
    else:
        message = (
            f"FOC {_when(foc)} passed {_span(left)} ago and the order is not ported: "
            "check its comments, or contact Telnyx support"
        )
    return DeadlineWarning(facts.order_id, FOC_LOCKED, foc, message)


def add_business_days(start: datetime, days: int) -> datetime:
    """``start`` moved ``days`` business days on (Monday to Friday, same time of day).

    A start on a weekend counts from the next Monday at 00:00, when the carrier's week opens.
    """
    moment = start
    if moment.weekday() >= 5:
        moment = (moment + timedelta(days=7 - moment.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
    left = days
    while left > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment
