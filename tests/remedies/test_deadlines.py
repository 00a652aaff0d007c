"""Deadline warnings at their boundaries: draft deletion, unanswered exceptions, the FOC lock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from porting_batch.deadlines import (
    DeadlinePolicy,
    OrderFacts,
    add_business_days,
    deadline_warnings,
)
from porting_batch.settings import Settings

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # a Wednesday


def _kinds(facts: OrderFacts, now: datetime = NOW, **policy: object) -> list[str]:
    return [w.kind for w in deadline_warnings(facts, now, DeadlinePolicy(**policy))]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("age", "warned"),
    [
        (timedelta(days=29, hours=23), True),
        (timedelta(days=25, minutes=1), True),
        (timedelta(days=25), False),
        (timedelta(days=24), False),
        (timedelta(days=31), True),
    ],
    ids=["29d23h", "25d+1min", "25d", "24d", "past-30d"],
)
def test_draft_is_warned_within_five_days_of_its_deletion(age: timedelta, warned: bool) -> None:
    """A draft older than 25 days (less than 5 days left of 30) gets a warning."""
    facts = OrderFacts("o1", "draft", created_at=NOW - age)
    assert _kinds(facts) == (["draft_expiry"] if warned else [])


def test_draft_warning_names_the_deletion_time() -> None:
    """The warning says when Telnyx deletes the draft and what to do."""
    [warning] = deadline_warnings(
        OrderFacts("o1", "draft", created_at=NOW - timedelta(days=29)), NOW
    )
    assert warning.due == NOW + timedelta(days=1)
    assert "deleted by Telnyx on 2026-12-03 12:00 UTC (in 24 h)" in warning.message


def test_draft_warning_window_follows_the_policy() -> None:
    """A ten-day policy warns a 21-day-old draft that the default leaves alone."""
    facts = OrderFacts("o1", "draft", created_at=NOW - timedelta(days=21))
    assert _kinds(facts) == []
    assert _kinds(facts, draft_warning=timedelta(days=10)) == ["draft_expiry"]


@pytest.mark.parametrize(
    ("hours", "warned"),
    [(47, True), (48, False), (49, False), (-2, True)],
    ids=["47h", "48h", "49h", "passed"],
)
def test_foc_within_48_hours_is_locked(hours: int, warned: bool) -> None:
    """A submitted order whose FOC is under 48 h away can no longer be cancelled or moved."""
    facts = OrderFacts("o1", "foc-date-confirmed", foc_actual=NOW + timedelta(hours=hours))
    assert _kinds(facts) == (["foc_locked"] if warned else [])


def test_foc_lock_reads_the_confirmed_date_before_the_requested_one() -> None:
    """The carrier's confirmed FOC decides, not the one asked for."""
    facts = OrderFacts(
        "o1",
        "submitted",
        foc_requested=NOW + timedelta(hours=47),
        foc_actual=NOW + timedelta(hours=49),
    )
    assert _kinds(facts) == []
    [warning] = deadline_warnings(
        OrderFacts("o1", "submitted", foc_requested=NOW + timedelta(hours=47)), NOW
    )
    assert "can no longer be cancelled" in warning.message and "in 47 h" in warning.message


def test_draft_with_a_foc_too_close_is_told_to_choose_a_later_one() -> None:
    """A draft's FOC under 48 h away is a different warning: pick a later date before submitting."""
    facts = OrderFacts("o1", "draft", created_at=NOW, foc_requested=NOW + timedelta(hours=30))
    assert _kinds(facts) == ["foc_too_close"]


@pytest.mark.parametrize("status", ["ported", "cancelled", "cancel-pending"])
def test_finished_orders_have_no_foc_warning(status: str) -> None:
    """A ported or cancelled order's FOC is history, not a deadline."""
    assert _kinds(OrderFacts("o1", status, foc_actual=NOW + timedelta(hours=2))) == []


@pytest.mark.parametrize(
    ("since", "warned"),
    [
        (datetime(2026, 11, 27, 11, 0, tzinfo=UTC), True),  # Fri: due Wed 11:00
        (datetime(2026, 11, 27, 12, 0, tzinfo=UTC), False),  # Fri: due Wed 12:00, not past
        (datetime(2026, 11, 28, 9, 0, tzinfo=UTC), False),  # Sat: counts from Mon, due Thu
        (datetime(2026, 11, 26, 12, 0, tzinfo=UTC), True),  # Thu: due Tue
    ],
    ids=["fri-11h", "fri-12h", "saturday", "thursday"],
)
def test_exception_unanswered_past_three_business_days(since: datetime, warned: bool) -> None:
    """Business days skip the weekend; the warning comes once the window has passed."""
    facts = OrderFacts("o1", "exception", exception_since=since)
    assert _kinds(facts) == (["exception_unanswered"] if warned else [])


def test_exception_window_is_a_setting() -> None:
    """The settings carry the window and the draft warning; the policy reads them."""
    settings = Settings(exception_window_days=5, draft_warning_days=7)
    policy = DeadlinePolicy.from_settings(settings)
    assert policy == DeadlinePolicy(draft_warning=timedelta(days=7), exception_business_days=5)
    assert Settings().exception_window_days == 3 and Settings().draft_warning_days == 5


def test_business_days_keep_the_time_of_day() -> None:
    """Friday 15:00 plus three business days is Wednesday 15:00."""
    friday = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert add_business_days(friday, 3) == datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def test_naive_times_are_read_as_utc() -> None:
    """Facts without a time zone are UTC, as the ledger stores them."""
    facts = OrderFacts("o1", "draft", created_at=(NOW - timedelta(days=29)).replace(tzinfo=None))
    assert _kinds(facts) == ["draft_expiry"]
