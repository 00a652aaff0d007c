"""The FOC policy: requested time, else the earliest allowed after it, else the earliest."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from porting_batch.foc import FocReason, Window, choose_foc


def _t(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=UTC)


WINDOWS = [
    Window(_t(8, 13), _t(8, 22)),
    Window(_t(9, 13), _t(9, 22)),
    Window(_t(14, 13), _t(14, 22)),
]


@pytest.mark.parametrize(
    ("requested", "expected", "reason"),
    [
        pytest.param(_t(9, 15), _t(9, 15), FocReason.REQUESTED, id="inside-a-window"),
        pytest.param(_t(9, 1), _t(9, 13), FocReason.NEXT_AFTER_REQUESTED, id="early-same-day"),
        pytest.param(_t(10, 12), _t(14, 13), FocReason.NEXT_AFTER_REQUESTED, id="weekend-gap"),
        pytest.param(_t(1), _t(8, 13), FocReason.NEXT_AFTER_REQUESTED, id="before-lead-time"),
        pytest.param(_t(30), None, FocReason.HELD_BEYOND_WINDOWS, id="after-every-window"),
        pytest.param(None, _t(8, 13), FocReason.EARLIEST_NONE_REQUESTED, id="nothing-requested"),
    ],
)
def test_choose_foc_follows_the_policy(requested, expected, reason):
    """Each case picks the documented time and says why."""
    choice = choose_foc(list(reversed(WINDOWS)), requested)
    assert (choice.at, choice.reason) == (expected, reason)


def test_choose_foc_without_windows_chooses_nothing():
    """An order offering no window gets no FOC, with the reason recorded."""
    assert choose_foc([], _t(9, 15)).at is None
    assert choose_foc([], _t(9, 15)).reason is FocReason.NO_WINDOWS


def test_earliest_policy_ignores_the_requested_time():
    """With the earliest policy the first allowed time is chosen even when another is asked."""
    from porting_batch.foc import FocPolicy

    choice = choose_foc(WINDOWS, _t(9, 15), FocPolicy.EARLIEST)
    assert (choice.at, choice.reason) == (_t(8, 13), FocReason.EARLIEST_BY_POLICY)


def test_a_time_beyond_every_window_is_held_not_moved_earlier():
    """Asked for later than any window: no time is chosen, and the choice says it is held."""
    choice = choose_foc(WINDOWS, _t(30))
    assert choice.at is None and choice.held and choice.moved


def test_the_earliest_policy_moves_a_far_time_earlier_and_says_so():
    """With the earliest policy a far request is moved to the first window, flagged as moved."""
    from porting_batch.foc import FocPolicy

    choice = choose_foc(WINDOWS, _t(30), FocPolicy.EARLIEST)
    assert (choice.at, choice.held, choice.moved) == (_t(8, 13), False, True)


def test_only_a_granted_or_absent_request_counts_as_not_moved():
    """The requested time itself, or no request at all, is not a moved FOC."""
    assert not choose_foc(WINDOWS, _t(9, 15)).moved
    assert not choose_foc(WINDOWS, None).moved
    assert choose_foc(WINDOWS, _t(9, 1)).moved
