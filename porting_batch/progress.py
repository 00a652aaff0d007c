"""Progress of a run, as plain events: the library emits them, the console or a flow shows them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProgressEvent:
    """How far one step of a run has got.

    ``step`` is one of ``read``, ``check``, ``plan``, ``orders``, ``reports``; ``counts`` carries
    the step's own tallies (for ``orders``: ``orders``, ``created``, ``reused``, ``attention``).
    """

    step: str
    done: int
    total: int
    counts: Mapping[str, int] = field(default_factory=dict)


ProgressCallback = Callable[[ProgressEvent], None]


def ignore_progress(_event: ProgressEvent) -> None:
    """The default sink: nobody is watching."""
