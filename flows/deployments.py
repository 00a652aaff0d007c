"""The deployments ``porting-batch serve`` serves, their settings, and the shared limits.

Five deployments from one process:

- ``port-in-batch/manual``: no schedule; the UI's typed form is ``PortInRequest``'s schema.
- ``port-in-batch/scheduled``: every spreadsheet of the scheduled folder, on a cron in an
  explicit time zone.
- ``inbox-scan/inbox``: one run per drop, started by the watcher's event (its trigger).
- ``track-orders/track-orders``: every open order brought up to date and the tracking report
  written, on an interval (every 15 minutes by default) and on demand (a run with a batch id
  tracks that batch only); each status change is a Prefect event (``flows.maintenance``).
- ``confirm-batch/confirm``: no schedule; submits the complete drafts of a batch the operator
  has reviewed, chosen from the batches with drafts waiting (``flows.confirm``).

Every form shows optional values as values: the command line's ``overrides`` parameter is a
plain object (no "or null" switch), and so are the requests' fields (``flows.parameters``).

Each has a deployment concurrency limit of one run with ENQUEUE, so two runs of the same
deployment (and so of the same spreadsheet or folder through it) never overlap; a run that
would collide waits its turn. The inbox is the exception: up to ``INBOX_RUNS`` drops run at
once (on any worker), since each run claims its drop by an atomic rename and a batch is held
by the ledger's lease wherever it runs. Across deployments and machines, one run per batch is
the ledger's lease (``porting_batch.batch_lock.hold_batch``), and ``flows.runtime.api_slots``
reserves a run's requests in flight against the ``porting-api`` global limit shared by every
worker.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flows.naming import CONFIRM, PROJECT_TAG
from flows.runtime import INBOX, MANUAL, SCHEDULED, run_logging
from porting_batch.settings import Settings

__all__ = [
    "CONFIRM",
    "INBOX",
    "INBOX_RUNS",
    "MANUAL",
    "OPERATING_FIELDS",
    "SCHEDULED",
    "TRACK_ORDERS",
    "build_deployments",
    "serve_deployments",
]

#: The tracking deployment's name (``track-orders/track-orders``).
TRACK_ORDERS = "track-orders"

#: Inbox runs at once (drops from several teams run side by side; ``porting-api`` still caps
#: their requests in flight together).
INBOX_RUNS = 8

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
    "track_interval_s",
)


def build_deployments(ops: Settings, overrides: dict[str, str] | None = None) -> list[Any]:
    """The runner deployments, ready for ``serve``; ``overrides`` (``serve``'s flags) become
    each port-in and inbox run's ``overrides`` parameter. The confirm form lists the batches
    waiting now."""
    from prefect.schedules import Cron

    from flows.inbox import inbox_scan, inbox_triggers
    from flows.port_in import port_in_batch

    common = _common_options()
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
                "mode": "confirm" if ops.scheduled_confirm else "draft",
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
        **{**common, "concurrency_limit": _one_at_a_time(INBOX_RUNS)},
    )
    deployments = [
        manual,
        scheduled,
        inbox,
        _tracking(ops, common),
        _confirm_deployment(ops, given, common),
    ]
    for deployment in deployments:
        _edit_schema(deployment, _plain_overrides)
    return deployments


def _common_options() -> dict[str, Any]:
    """What every deployment shares: a checked form, the installed package, one run at a time
    (a colliding run waits its turn), the project's tag."""
    from prefect.deployments.runner import EntrypointType

    return {
        "enforce_parameter_schema": True,
        # Module paths import the installed package: the runner needs no working directory.
        "entrypoint_type": EntrypointType.MODULE_PATH,
        "concurrency_limit": _one_at_a_time(1),
        "tags": [PROJECT_TAG],
    }


def _one_at_a_time(limit: int) -> Any:
    """A deployment concurrency limit of ``limit`` runs; a run past it waits its turn."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    return ConcurrencyLimitConfig(limit=limit, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE)


def _tracking(ops: Settings, common: dict[str, Any]) -> Any:
    """``track-orders`` on its interval; a run by hand may name one batch."""
    from prefect.schedules import Interval

    from flows.maintenance import track_orders_flow

    return track_orders_flow.to_deployment(
        TRACK_ORDERS,
        schedules=[Interval(timedelta(seconds=ops.track_interval_s))],
        description=(
            f"Track every open order every {ops.track_interval_s / 60:g} min (or one batch, on "
            "demand): events per status change, the tracking report."
        ),
        **common,
    )


def _confirm_deployment(ops: Settings, given: dict[str, Any], common: dict[str, Any]) -> Any:
    """confirm-batch/confirm, its form offering the batches with drafts waiting now."""
    from flows.confirm import confirm_batch, waiting_batches, with_batch_choices

    confirm = confirm_batch.to_deployment(
        CONFIRM,
        parameters=given,
        description=(
            "Submit the complete draft orders of a batch after reviewing its report; a batch "
            "with errors is refused unless 'Complete orders only' is on."
        ),
        **common,
    )
    waiting = waiting_batches(ops.ledger_database_url)
    _edit_schema(confirm, lambda schema: with_batch_choices(schema, waiting))
    return confirm


def _plain_overrides(schema: dict[str, Any]) -> dict[str, Any]:
    """``overrides`` as a plain object defaulting to none: the flows read a missing one as
    empty, and the form shows no "or null" switch for it."""
    field = schema.get("properties", {}).get("overrides")
    if field is not None:
        field.pop("anyOf", None)
        field.update(
            type="object",
            additionalProperties={"type": "string"},
            default={},
            title="Worker settings",
            description="Settings given to porting-batch serve; leave as they are.",
        )
    return schema


def _edit_schema(deployment: Any, edit: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """Rewrite a runner deployment's parameter schema before it is applied: Prefect builds it
    from the flow's signature, and the form needs what no signature can say (the batches
    waiting now)."""
    from prefect.utilities.callables import ParameterSchema

    schema = deployment._parameter_openapi_schema.model_dump()
    deployment._parameter_openapi_schema = ParameterSchema(**edit(schema))


def serve_deployments(ops: Settings, overrides: dict[str, str] | None = None) -> None:
    """Serve the deployments from this process until interrupted."""
    from prefect import serve

    run_logging()
    ops.inbox_dir.mkdir(parents=True, exist_ok=True)
    ops.scheduled_dir.mkdir(parents=True, exist_ok=True)
    # Room for every run the deployments' limits allow; inbox batches are subflows of a scan.
    deployments = build_deployments(ops, overrides)
    serve(*deployments, limit=len(deployments) - 1 + INBOX_RUNS)
