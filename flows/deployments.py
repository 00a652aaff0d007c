"""The deployments ``porting-batch serve`` serves, their settings, and the shared limits.

Three deployments from one process:

- ``port-in-batch/manual``: no schedule; the UI's typed form is ``PortInRequest``'s schema.
- ``port-in-batch/scheduled``: every spreadsheet of the scheduled folder, on a cron in an
  explicit time zone.
- ``inbox-scan/inbox``: one run per drop, started by the watcher's event (its trigger).

Each has a deployment concurrency limit of one run with ENQUEUE, so two runs of the same
deployment (and so of the same spreadsheet or folder through it) never overlap; a run that
would collide waits its turn. Across deployments and machines, one run per batch is the
ledger's lease (``porting_batch.batch_lock.hold_batch``), and ``flows.runtime.api_slots``
reserves a run's requests in flight against the ``porting-api`` global limit shared by every
worker.
"""

from __future__ import annotations

from typing import Any

from flows.runtime import INBOX, MANUAL, SCHEDULED, run_logging
from porting_batch.settings import Settings

__all__ = [
    "INBOX",
    "MANUAL",
    "OPERATING_FIELDS",
    "SCHEDULED",
    "build_deployments",
    "serve_deployments",
]


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


def build_deployments(ops: Settings, overrides: dict[str, str] | None = None) -> list[Any]:
    """The three runner deployments, ready for ``serve``; ``overrides`` (``serve``'s flags)
    become each run's ``overrides`` parameter."""
    from prefect.client.schemas.objects import (
        ConcurrencyLimitConfig,
        ConcurrencyLimitStrategy,
    )
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from flows.inbox import inbox_scan, inbox_triggers
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
    given = {"overrides": dict(overrides)} if overrides else {}
    manual = port_in_batch.to_deployment(
        MANUAL,
        parameters=given,
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
            },
            **given,
        },
        description=(
            f"Every spreadsheet in {ops.scheduled_dir} at '{ops.schedule_cron}' "
            f"({ops.schedule_timezone})."
        ),
        **common,
    )
    inbox = inbox_scan.to_deployment(
        INBOX,
        triggers=inbox_triggers(),
        parameters=given,
        description=f"Run a spreadsheet dropped into {ops.inbox_dir}/inbox.",
        **common,
    )
    return [manual, scheduled, inbox]


def serve_deployments(ops: Settings, overrides: dict[str, str] | None = None) -> None:
    """Serve the three deployments from this process until interrupted."""
    from prefect import serve

    run_logging()
    ops.inbox_dir.mkdir(parents=True, exist_ok=True)
    ops.scheduled_dir.mkdir(parents=True, exist_ok=True)
    # One run per deployment at a time (their limits); inbox batches are subflows of the scan.
    serve(*build_deployments(ops, overrides), limit=3)
