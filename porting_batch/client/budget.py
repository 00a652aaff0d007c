"""One public call's budget of failed requests, shared by its retries and by the look-ups that
recover a write whose answer was lost."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from porting_batch.errors import ServerError

T = TypeVar("T")
OnSend = Callable[[], None]


@dataclass(slots=True)
class Budget:
    """How many of one public call's requests may still fail, shared by its retries and by the
    look-ups that recover a write whose answer was lost."""

    limit: int
    failed: int = 0
    #: Run once, just before the call's first request goes on the wire (after pacing).
    on_send: OnSend | None = None
    #: An earlier request of the call may have been applied although it failed.
    in_doubt: bool = False

    @property
    def left(self) -> int:
        """Failures the call may still meet before it gives up."""
        return self.limit - self.failed


def spending(budget: Budget, parse: Callable[..., T], *args: Any) -> T:
    """Parse an answer; one the client cannot use is a failure like a 5xx, and spends the
    budget too, so a server answering garbage forever cannot keep a recovery loop going."""
    try:
        return parse(*args)
    except ServerError:
        budget.failed += 1
        budget.in_doubt = True
        raise


class BudgetSpent(Exception):
    """A recovery look-up would need a request after the call's budget was spent."""
