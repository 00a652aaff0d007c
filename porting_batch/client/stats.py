"""What a client has done, counted for reports and benchmarks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ClientStats:
    """What a client has done: calls per kind (method and route template), retries, 429s."""

    calls: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    rate_limited: int = 0
    adopted_orders: int = 0

    @property
    def total_calls(self) -> int:
        """All HTTP attempts made."""
        return sum(self.calls.values())

    def as_dict(self) -> dict[str, Any]:
        """Plain data for reports and benchmarks."""
        return {
            "calls": dict(sorted(self.calls.items())),
            "total_calls": self.total_calls,
            "retries": self.retries,
            "rate_limited": self.rate_limited,
            "adopted_orders": self.adopted_orders,
        }
