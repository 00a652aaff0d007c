"""Choosing the FOC (firm order commitment) time from the windows an order allows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class FocPolicy(StrEnum):
    """How the FOC is chosen from the allowed windows."""

    #: The requested time when allowed, else the next allowed time after it; never earlier:
    #: a requested time beyond every window offered today leaves the FOC unset (held).
    REQUESTED = "requested"
    EARLIEST = "earliest"  # the earliest allowed time, whatever was requested


class FocReason(StrEnum):
    """Why a FOC time was chosen."""

    REQUESTED = "requested time lies in an allowed window"
    NEXT_AFTER_REQUESTED = "requested time is not allowed; earliest allowed time after it"
    EARLIEST_NONE_REQUESTED = "no time requested; earliest allowed time"
    #: Kept for orders recorded by earlier versions; no longer chosen.
    EARLIEST_NOTHING_AFTER = "no allowed time after the requested one; earliest allowed time"
    HELD_BEYOND_WINDOWS = (
        "the requested time lies beyond the windows Telnyx offers today; the FOC is left "
        "unset and the order is not confirmed until a window reaches it"
    )
    EARLIEST_BY_POLICY = "the run asked for the earliest allowed time"
    NO_WINDOWS = "the order offers no FOC window"


@dataclass(frozen=True)
class Window:
    """One allowed FOC range, both ends aware datetimes."""

    started_at: datetime
    ended_at: datetime


@dataclass(frozen=True)
class FocChoice:
    """The chosen FOC time (None when there is no window) and the reason."""

    at: datetime | None
    reason: FocReason

    @property
    def held(self) -> bool:
        """Whether the order must wait: the requested time is beyond every window today."""
        return self.reason is FocReason.HELD_BEYOND_WINDOWS

    @property
    def moved(self) -> bool:
        """Whether the FOC differs from a requested one (the operator must be told)."""
        return self.reason not in {FocReason.REQUESTED, FocReason.EARLIEST_NONE_REQUESTED}


def choose_foc(
    windows: Sequence[Window],
    requested: datetime | None,
    policy: FocPolicy = FocPolicy.REQUESTED,
) -> FocChoice:
    """Pick the requested time if a window holds it, else the earliest allowed time after it.

    A requested time later than every window offered today is never moved earlier: the
    choice is *held* (no time) until a window reaches it, unless the policy is ``EARLIEST``,
    which takes the earliest allowed time whatever was requested.
    """
    ordered = sorted(windows, key=lambda w: w.started_at)
    if not ordered:
        return FocChoice(None, FocReason.NO_WINDOWS)
    if policy is FocPolicy.EARLIEST:
        return FocChoice(ordered[0].started_at, FocReason.EARLIEST_BY_POLICY)
    if requested is None:
        return FocChoice(ordered[0].started_at, FocReason.EARLIEST_NONE_REQUESTED)
    for window in ordered:
        if window.started_at <= requested <= window.ended_at:
            return FocChoice(requested, FocReason.REQUESTED)
    for window in ordered:
        if window.started_at > requested:
            return FocChoice(window.started_at, FocReason.NEXT_AFTER_REQUESTED)
    return FocChoice(None, FocReason.HELD_BEYOND_WINDOWS)
