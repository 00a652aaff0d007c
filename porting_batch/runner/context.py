"""What the steps of one run are given: settings, ledger and API beside the run's plain state."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from porting_batch.ledger import Ledger
from porting_batch.progress import ProgressCallback, ProgressEvent, ignore_progress
from porting_batch.runner.api import PortingApi
from porting_batch.runner.state import BatchOptions, RunState, batch_id_for
from porting_batch.settings import Settings

if TYPE_CHECKING:
    from porting_batch.runner.groups import GroupRunner

#: One logger for every step of a run, named as it was before the runner became a package.
logger = logging.getLogger("porting_batch.runner")


def utc_now() -> datetime:
    """The time now, in UTC."""
    return datetime.now(UTC)


@dataclass
class Run:
    """One run of one spreadsheet: its services and its state.

    ``orders`` is the order step's own per-run memory (what the ledger held when the step
    began, the documents uploaded, the group slots), made when that step starts.
    """

    settings: Settings
    ledger: Ledger
    api: PortingApi
    state: RunState
    on_progress: ProgressCallback = ignore_progress
    now: Callable[[], datetime] = utc_now
    orders: GroupRunner | None = field(default=None, repr=False)

    @property
    def batch_id(self) -> str:
        """The batch this run belongs to."""
        return self.state.batch_id

    def emit(
        self, step: str, done: int, total: int, counts: Mapping[str, int] | None = None
    ) -> None:
        """Tell whoever watches how far ``step`` has got."""
        try:
            self.on_progress(ProgressEvent(step, done, total, dict(counts or {})))
        except Exception:  # a broken display must never stop a run
            logger.debug("progress callback failed", exc_info=True)


def start_run(
    settings: Settings,
    ledger: Ledger,
    api: PortingApi,
    path: Path,
    options: BatchOptions | None = None,
    *,
    now: Callable[[], datetime] = utc_now,
    on_progress: ProgressCallback | None = None,
) -> Run:
    """A run of the spreadsheet at ``path``, nothing done yet."""
    options = options or BatchOptions()
    state = RunState(
        batch_id=batch_id_for(Path(path), options.batch_name),
        path=Path(path),
        options=options,
        started_at=now(),
    )
    return Run(settings, ledger, api, state, on_progress or ignore_progress, now)
