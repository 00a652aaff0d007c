"""Flows for looking after batches already run: clean-up and rewriting reports."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import flow, get_run_logger

from flows.runtime import open_client
from porting_batch.cleanup import clean_batch
from porting_batch.ledger import Ledger
from porting_batch.reports import report_folder, write_reports
from porting_batch.runner import result_from_ledger
from porting_batch.settings import Settings, load_settings
from porting_batch.tracking import refresh_order_statuses
from porting_batch.tracking import track as track_changes


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


async def track(settings: Settings, batch_id: str | None = None) -> list[dict[str, Any]]:
    """Bring every open order up to date (order lists and porting events, a few calls for a
    thousand orders) and record what moved; returns the changes."""
    with Ledger(settings.ledger_database_url) as ledger:
        async with open_client(settings) as client:
            return [asdict(c) for c in await track_changes(ledger, client, batch_id)]


@flow(name="track-orders")
async def track_orders_flow(batch_id: str | None = None) -> list[dict[str, Any]]:
    """Follow open orders until they are ported or need attention (run it on a schedule)."""
    changes = await track(load_settings(), batch_id)
    logger = get_run_logger()
    for change in changes:
        logger.info(
            "%s %s: %s -> %s %s %s",
            change["batch_id"],
            change["order_id"],
            change["before"],
            change["after"],
            change["attention"],
            "; ".join(change["changed"]),
        )
    return changes


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
