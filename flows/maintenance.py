"""Flows for looking after batches already run: tracking, clean-up and rewriting reports.

``track-orders`` emits one Prefect event per order status change, named
``porting.order.<status>`` (``porting.order.exception``, ``porting.order.ported``) about the
resource ``porting.order.<order id>`` with the batch ``porting.batch.<batch id>`` related, so
that an automation can notify on them (docs/operating.md, "Tracking").
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact, acreate_table_artifact
from prefect.events import emit_event

from flows.runtime import open_client
from porting_batch.cleanup import clean_batch
from porting_batch.ledger import Ledger
from porting_batch.reports import TrackedOrder, report_folder, write_reports
from porting_batch.runner import result_from_ledger
from porting_batch.settings import Settings, load_settings
from porting_batch.tracking import refresh_order_statuses, write_tracking
from porting_batch.tracking import track as track_changes

#: Rows of the needs-action table artifact at most (the report has them all).
_TABLE_ROWS = 500


async def clean(settings: Settings, batch_id: str) -> list[dict[str, Any]]:
    """Delete the batch's draft orders; the others are refused and listed."""
    with Ledger(settings.ledger_database_url) as ledger:
        async with open_client(settings) as client:
            return [asdict(o) for o in await clean_batch(ledger, client, batch_id)]


async def rewrite_report(settings: Settings, batch_id: str, *, refresh: bool = True) -> str:
    """Write a batch's report again from the ledger, with its orders' current statuses."""
    with Ledger(settings.ledger_database_url) as ledger:
        if refresh:
            async with open_client(settings) as client:
                await refresh_order_statuses(ledger, client, batch_id)
        result = result_from_ledger(settings, ledger, batch_id)
    folder = report_folder(settings.out_dir, result.name, result.finished_at or result.started_at)
    return str(write_reports(result, folder).folder)


async def track(settings: Settings, batch_id: str | None = None) -> dict[str, Any]:
    """Bring every open order up to date (order lists and porting events, a few calls for a
    thousand orders), record what moved and write the tracking report.

    Returns ``changes`` (one dict per order that moved), ``report_folder``, and
    ``needs_action``: one row per order the operator must act on."""
    with Ledger(settings.ledger_database_url) as ledger:
        async with open_client(settings) as client:
            changes = await track_changes(ledger, client, batch_id)
        look = write_tracking(settings, ledger, changes, datetime.now(UTC), batch_id)
    return {
        "changes": [asdict(c) for c in changes],
        "report_folder": str(look.files.folder),
        "needs_action": [action_row(order) for order in look.needs_action],
    }


def action_row(order: TrackedOrder) -> dict[str, str]:
    """One order needing action, as a table row: what to do and which cells."""
    todo = [r.action for r in order.remedies] + [w.message for w in order.warnings]
    if not todo:
        todo = ["in exception with no details: read its comments in the Telnyx portal"]
    cells = [cell for remedy in order.remedies for cell in remedy.cells]
    return {
        "batch_id": order.batch_id,
        "order_id": order.order_id,
        "status": order.status,
        "what_to_do": "\n".join(todo),
        "cells": ", ".join(cells),
    }


def order_event(change: dict[str, Any]) -> dict[str, Any] | None:
    """The Prefect event of one order's change (``emit_event``'s arguments), or None when its
    status did not move. The payload holds statuses, codes and what changed: no secret."""
    if not change["after"] or change["before"] == change["after"]:
        return None
    return {
        "event": f"porting.order.{change['after']}",
        "resource": {
            "prefect.resource.id": f"porting.order.{change['order_id']}",
            "prefect.resource.name": change["order_id"],
        },
        "related": [
            {
                "prefect.resource.id": f"porting.batch.{change['batch_id']}",
                "prefect.resource.role": "batch",
                "prefect.resource.name": change["batch_id"],
            }
        ],
        "payload": {
            "batch_id": change["batch_id"],
            "order_id": change["order_id"],
            "from_status": change["before"],
            "to_status": change["after"],
            "exception_codes": list(change["exception_codes"]),
            "changed": list(change["changed"]),
        },
    }


def moved_markdown(result: dict[str, Any]) -> str:
    """The markdown summary of one look: what moved, how many need action, where the report is."""
    changes = result["changes"]
    lines = [
        "# Tracking",
        "",
        f"{len(changes)} order(s) changed, {len(result['needs_action'])} need action.",
        f"Tracking report: `{result['report_folder']}`",
    ]
    if changes:
        lines += ["", "| Batch | Order | Before | After | Also changed |", "|---|---|---|---|---|"]
        lines += [
            f"| {c['batch_id']} | {c['order_id']} | {c['before'] or '(new)'} | {c['after']} | "
            f"{'; '.join(c['changed'])} |"
            for c in changes
        ]
    return "\n".join(lines)


@flow(name="track-orders")
async def track_orders_flow(batch_id: str | None = None) -> dict[str, Any]:
    """Follow open orders until they are ported or need attention (run it on a schedule):
    one Prefect event per status change, the tracking report, and two artifacts (what moved,
    what needs action)."""
    result = await track(load_settings(), batch_id)
    logger = get_run_logger()
    for change in result["changes"]:
        logger.info(
            "%s %s: %s -> %s %s %s",
            change["batch_id"],
            change["order_id"],
            change["before"],
            change["after"],
            change["attention"],
            "; ".join(change["changed"]),
        )
        event = order_event(change)
        if event is not None:
            emit_event(**event)
    logger.info("Tracking report: %s", result["report_folder"])
    await _publish(result)
    return result


async def _publish(result: dict[str, Any]) -> None:
    folder = result["report_folder"]
    await acreate_markdown_artifact(
        key="tracking-moved",
        markdown=moved_markdown(result),
        description=f"What moved since the last look; report in {folder}",
    )
    rows = result["needs_action"][:_TABLE_ROWS]
    await acreate_table_artifact(
        key="tracking-needs-action",
        table=rows or [{"order_id": "", "what_to_do": "nothing needs action"}],
        description=f"Orders that need action ({len(result['needs_action'])}); report in {folder}",
    )


@flow(name="clean-batch")
async def clean_batch_flow(batch_id: str) -> list[dict[str, Any]]:
    """Delete a batch's draft orders, for operators who want to start over."""
    outcomes = await clean(load_settings(), batch_id)
    logger = get_run_logger()
    for outcome in outcomes:
        logger.info("%s: %s", outcome["order_id"], outcome["reason"])
    return outcomes


@flow(name="rewrite-report")
async def rewrite_report_flow(batch_id: str) -> str:
    """Rewrite a batch's report from the ledger with the orders' current statuses."""
    return await rewrite_report(load_settings(), batch_id)
