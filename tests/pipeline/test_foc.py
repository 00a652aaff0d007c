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
