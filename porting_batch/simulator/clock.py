"""The simulated clock: real time scaled by a speed, plus whatever an admin advanced it by."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class SimClock:
    """Simulated now = anchor + (real elapsed) * speed; ``advance`` moves the anchor."""

    def __init__(self, *, speed: float = 1.0, start: datetime | None = None) -> None:
        if speed < 0:
            raise ValueError(f"clock speed must be 0 or more, got {speed}")
        self.speed = speed
        self._anchor = start or datetime.now(UTC)
        self._anchor_real = time.monotonic()

    def now(self) -> datetime:
        """The simulated time, timezone-aware UTC."""
        elapsed = (time.monotonic() - self._anchor_real) * self.speed
        return self._anchor + timedelta(seconds=elapsed)

    def advance(self, seconds: float) -> datetime:
        """Jump forward by ``seconds`` of simulated time; returns the new now."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self._anchor = self.now() + timedelta(seconds=seconds)
        self._anchor_real = time.monotonic()
        return self._anchor

    def reset_to(self, moment: datetime) -> None:
        """Set simulated now (used when state is reloaded from a file)."""
        self._anchor = moment
        self._anchor_real = time.monotonic()


def iso(moment: datetime | None) -> str | None:
    """ISO-8601 in UTC with milliseconds and a Z, as the API writes it."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def parse_iso(value: str) -> datetime:
    """Parse an ISO-8601 date-time; a naive one is taken as UTC."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
