"""What tracking reports per order: its status before and after, and what else changed."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class OrderChange:
    """One order that moved since the ledger last saw it: status, and what changed besides
    (``FOC moved``, ``split``, ``new comment``, exception codes, ``deleted``)."""

    batch_id: str
    order_id: str
    before: str
    after: str
    attention: str = ""
    changed: list[str] = field(default_factory=list)
    exception_codes: list[str] = field(default_factory=list)

    def note(self, what: str) -> None:
        """Add one thing that changed (once)."""
        if what not in self.changed:
            self.changed.append(what)


class ChangeLog:
    """The changes of one tracking pass, one per order, in the order first seen."""

    def __init__(self) -> None:
        self.by_order: dict[str, OrderChange] = {}

    def of(self, batch_id: str, order_id: str, status: str) -> OrderChange:
        """The order's change, begun with its current status when new."""
        change = self.by_order.get(order_id)
        if change is None:
            change = self.by_order[order_id] = OrderChange(batch_id, order_id, status, status)
        return change

    def merge(self, changes: list[OrderChange]) -> None:
        """Take in changes found elsewhere (their first ``before`` is kept)."""
        for other in changes:
            change = self.of(other.batch_id, other.order_id, other.before)
            change.after = other.after
            change.attention = other.attention or change.attention
            change.exception_codes = other.exception_codes or change.exception_codes
            for what in other.changed:
                change.note(what)

    def result(self) -> list[OrderChange]:
        """The orders where something changed."""
        return [c for c in self.by_order.values() if c.changed or c.before != c.after]
