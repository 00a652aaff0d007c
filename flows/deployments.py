"""The deployments ``porting-batch serve`` serves, their settings, and the shared limits.

Three deployments from one process:

- ``port-in-batch/manual``: no schedule; the UI's typed form is ``PortInRequest``'s schema.
- ``port-in-batch/scheduled``: every spreadsheet of the scheduled folder, on a cron in an
  explicit time zone.
- ``inbox-scan/inbox``: a scan of the inbox folder on an interval (every minute by default).

Each has a deployment concurrency limit of one run with ENQUEUE, so two runs of the same
deployment (and so of the same spreadsheet or folder through it) never overlap; a run that
would collide waits its turn. Across deployments and machines, :func:`batch_slot` holds a
per-batch global concurrency limit and :func:`api_slots` reserves a run's requests in flight
against the ``porting-api`` global limit shared by every worker.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from typing import Any

from porting_batch.settings import Settings

logger = logging.getLogger("porting_batch.operating")

MANUAL = "manual"
SCHEDULED = "scheduled"
INBOX = "inbox"
#: Name of the global concurrency limit that caps API requests in flight across all workers.
API_LIMIT = "porting-api"
#: Prefix of the per-batch global concurrency limits (one run of a batch at a time anywhere).
BATCH_LIMIT_PREFIX = "porting-batch-"


#: The settings fields that shape the served deployments (documented in docs/operating.md).
OPERATING_FIELDS = (
    "inbox_dir",
    "inbox_max_runs",
    "inbox_interval_s",
    "inbox_settle_s",
    "inbox_confirm",
    "inbox_dry_run",
    "schedule_cron",
    "schedule_timezone",
    "scheduled_dir",
    "scheduled_confirm",
)


def build_deployments(ops: Settings) -> list[Any]:
    """The three runner deployments, ready for ``serve``."""
    from prefect.client.schemas.objects import (
        ConcurrencyLimitConfig,
        ConcurrencyLimitStrategy,
    )
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron, Interval

    from flows.inbox import inbox_scan
    from flows.port_in import port_in_batch

    def one_at_a_time() -> ConcurrencyLimitConfig:
        return ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE)

    common: dict[str, Any] = {
        "enforce_parameter_schema": True,
        # Module paths import the installed package: the runner needs no working directory.
        "entrypoint_type": EntrypointType.MODULE_PATH,
        "concurrency_limit": one_at_a_time(),
        "tags": ["porting-batch"],
    }
    manual = port_in_batch.to_deployment(
        MANUAL,
        description=(
            "Run one spreadsheet (or a folder of them) by hand: fill the form and press Run."
        ),
        **common,
    )
    scheduled = port_in_batch.to_deployment(
        SCHEDULED,
        schedules=[Cron(ops.schedule_cron, timezone=ops.schedule_timezone)],
        parameters={
            "request": {
                "spreadsheet": str(ops.scheduled_dir.expanduser().absolute()),
                "confirm": ops.scheduled_confirm,
            }
        },
        description=(
            f"Every spreadsheet in {ops.scheduled_dir} at '{ops.schedule_cron}' "
            f"({ops.schedule_timezone})."
        ),
        **common,
    )
    inbox = inbox_scan.to_deployment(
        INBOX,
        schedules=[Interval(timedelta(seconds=ops.inbox_interval_s))],
        description=f"Scan {ops.inbox_dir}/inbox for dropped spreadsheets.",
        **common,
    )
    return [manual, scheduled, inbox]


def serve_deployments(ops: Settings) -> None:
    """Serve the three deployments from this process until interrupted."""
    from prefect import serve

    run_logging()
    ops.inbox_dir.mkdir(parents=True, exist_ok=True)
    ops.scheduled_dir.mkdir(parents=True, exist_ok=True)
    # One run per deployment at a time (their limits); inbox batches are subflows of the scan.
    serve(*build_deployments(ops), limit=3)


def run_logging() -> None:
    """Library loggers at INFO in the run logs; httpx and httpcore (a line per request) quiet.

    ``PREFECT_LOGGING_EXTRA_LOGGERS=porting_batch`` hands the library's records to Prefect, but
    an unset level inherits the root's WARNING, which would drop every INFO line.
    """
    library = logging.getLogger("porting_batch")
    if library.level == logging.NOTSET:
        library.setLevel(logging.INFO)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


async def _limit(client: Any, name: str) -> Any | None:
    from prefect.exceptions import ObjectNotFound

    try:
        return await client.read_global_concurrency_limit_by_name(name)
    except ObjectNotFound:
        return None


@asynccontextmanager
async def api_slots(settings: Settings, name: str = API_LIMIT) -> AsyncIterator[int]:
    """Reserve this run's requests in flight from the ``porting-api`` global limit.

    Yields how many requests the run may have in flight: its own ``max_in_flight``, capped by
    the limit. The slots are held for the whole run, so the sum over every worker stays under
    the limit; the client's own pacing still spaces the requests of each run. Without an
    active limit of that name, nothing is held and the run keeps its own setting.
    """
    from prefect.client.orchestration import get_client
    from prefect.concurrency.asyncio import concurrency

    async with get_client() as client:
        limit = await _limit(client, name)
    if limit is None or not limit.active:
        yield settings.max_in_flight
        return
    granted = max(1, min(settings.max_in_flight, limit.limit))
    logger.info("waiting for %d of the %d '%s' API slots", granted, limit.limit, name)
    async with concurrency(name, occupy=granted, strict=True):
        logger.info("holding %d '%s' API slots", granted, name)
        yield granted


async def ensure_batch_limit(batch_id: str) -> str:
    """Create the one-slot global limit of a batch if it does not exist; return its name."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists

    name = BATCH_LIMIT_PREFIX + batch_id
    async with get_client() as client:
        if await _limit(client, name) is None:
            # Another worker may create it between our read and our create.
            with suppress(ObjectAlreadyExists):
                await client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=name, limit=1)
                )
    return name


@asynccontextmanager
async def batch_slot(batch_id: str) -> AsyncIterator[None]:
    """Hold the batch's one slot: two runs of the same batch never overlap, on any machine."""
    from prefect.concurrency.asyncio import concurrency

    name = await ensure_batch_limit(batch_id)
    async with concurrency(name, occupy=1, strict=True):
        yield
