"""Moving a saved simulator's clock forward between runs: a rehearsal sees in minutes what the
carriers would take days to do (submission, the carrier's answer, FOC, port)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from porting_batch.simulator.app import create_app
from porting_batch.simulator.config import SimulatorConfig

_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?")
#: A rehearsal moves days, not years: a typo (``400d``) is refused rather than ported at once.
MAX_SECONDS = 90 * 86400


@dataclass
class FastForward:
    """What one move of the clock did: the simulated times and the orders that moved."""

    before: datetime
    after: datetime
    #: (order id, status before, status after) of each order whose status changed; "deleted"
    #: after for an order Telnyx deleted, "" before for one porting ops split off.
    moved: list[tuple[str, str, str]] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        """Orders by the status they moved to."""
        return Counter(after for _, _, after in self.moved)


def parse_duration(text: str) -> float:
    """Seconds in a duration such as ``2d``, ``6h``, ``90m`` or ``1d12h``.

    Raises ValueError naming the text and the form expected."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not text.strip() or match is None or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration: write it as 2d, 6h, 90m or 1d12h")
    days, hours, minutes = (float(g) if g else 0.0 for g in match.groups())
    seconds = days * 86400 + hours * 3600 + minutes * 60
    if not 0 < seconds <= MAX_SECONDS:
        raise ValueError(f"{text!r}: a duration must be more than 0 and at most 90 days")
    return seconds


def fast_forward(config: SimulatorConfig, seconds: float) -> FastForward:
    """Move the clock of the simulator saved in ``config.state_file`` forward by ``seconds`` and
    apply every step that fell due, as if that much time had passed; saved (the store's close
    commits) before returning.

    A run's simulator started later (or running now, on the same file) takes the new time in."""
    app = create_app(config)
    state = app.state.sim
    try:
        before_status = {o["id"]: o["status"]["value"] for o in state.store.all("orders")}
        before = state.now()
        after = state.advance(seconds)
        after_status = {o["id"]: o["status"]["value"] for o in state.store.all("orders")}
    finally:
        app.state.webhooks.close()
        state.store.close()
    # An order no longer held was deleted (a stale draft); one not held before was split off.
    moved = [
        (order_id, before_status.get(order_id, ""), after_status.get(order_id, "deleted"))
        for order_id in {**before_status, **after_status}
        if before_status.get(order_id) != after_status.get(order_id, "deleted")
    ]
    return FastForward(before, after, moved)
