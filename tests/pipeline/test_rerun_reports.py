"""Reports stay right after a re-run and after ``porting-batch report`` (issue 18 items 7 and
11), read back from the files the code writes."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from porting_batch.ledger.schema import batches
from porting_batch.numbers import region_of
from porting_batch.reports import write_reports
from porting_batch.results import BatchResult
from porting_batch.runner import BatchOptions, result_from_ledger, run_batch

from .conftest import SAMPLE

pytestmark = pytest.mark.anyio

ANSWERS = ("Number type", "Losing carrier", "Portable", "FastPort")


def _sheet(result: BatchResult, folder: Path, name: str) -> list[dict[str, Any]]:
    book = load_workbook(write_reports(result, folder).folder / "report.xlsx", read_only=True)
    header, *rows = book[name].iter_rows(values_only=True)
    found = [dict(zip(header, row, strict=True)) for row in rows]
    book.close()
    return found


def _answers(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(row["Phone number (E.164)"], *(row[c] for c in ANSWERS)) for row in rows]


async def test_a_rerun_and_a_rebuilt_report_keep_every_numbers_answers(
    settings, ledger, client, tmp_path
):
    """Number type, losing carrier, Portable and FastPort of ordered numbers survive a re-run
    (which checks none of them again) and ``porting-batch report``."""
    first = _sheet(await run_batch(settings, ledger, client, SAMPLE), tmp_path / "1", "Numbers")
    again = _sheet(await run_batch(settings, ledger, client, SAMPLE), tmp_path / "2", "Numbers")
    rebuilt = _sheet(
        result_from_ledger(settings, ledger, "sample-batch"), tmp_path / "3", "Numbers"
    )
    ordered = [row for row in _answers(first) if row[3] == "yes"]
    assert len(ordered) == 43 and all(row[1] and row[2] for row in ordered)
    assert _answers(again) == _answers(first)
    assert _answers(rebuilt) == _answers(first)


async def test_every_order_keeps_its_country_in_the_ledger_and_the_orders_sheet(
    settings, ledger, client, tmp_path
):
    """The order's country comes from its numbers' answers when it is made, so the ledger,
    the run's report, a re-run's and a rebuilt one all show it."""
    first = await run_batch(settings, ledger, client, SAMPLE)
    expected = {
        o.order_id: region_of(o.phone_numbers[0]) for o in ledger.orders_for_batch("sample-batch")
    }
    assert set(expected.values()) == {"US", "CA"}
    assert {o.order_id: o.country for o in ledger.orders_for_batch("sample-batch")} == expected
    again = await run_batch(settings, ledger, client, SAMPLE)
    rebuilt = result_from_ledger(settings, ledger, "sample-batch")
    for index, result in enumerate((first, again, rebuilt)):
        orders = _sheet(result, tmp_path / str(index), "Orders")
        assert {o["Order id"]: o["Country"] for o in orders} == expected


async def test_a_rerun_logs_every_order_it_expects_not_only_new_ones(
    settings, ledger, client, caplog
):
    """The plan line of a re-run counts the 8 orders that exist, saying none is new."""
    with caplog.at_level(logging.INFO, logger="porting_batch.runner"):
        await run_batch(settings, ledger, client, SAMPLE)
        await run_batch(settings, ledger, client, SAMPLE)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("plan:")]
    assert len(lines) == 2
    assert "8 order(s) expected (0 made by earlier runs, 8 to create)" in lines[0]
    assert "8 order(s) expected (8 made by earlier runs, 0 to create)" in lines[1]


async def test_submitted_orders_show_their_support_key(settings, ledger, client, tmp_path):
    """A --confirm run saves the support key Telnyx gives a submitted order: the Orders
    sheet shows it, and so does the rebuilt report."""
    result = await run_batch(settings, ledger, client, SAMPLE, BatchOptions(confirm=True))
    submitted = [o for o in result.orders if o.status != "draft"]
    assert submitted
    for index, written in enumerate((result, result_from_ledger(settings, ledger, "sample-batch"))):
        orders = {o["Order id"]: o for o in _sheet(written, tmp_path / str(index), "Orders")}
        assert all(str(orders[o.order_id]["Support key"]).startswith("sr_") for o in submitted)


async def test_a_rebuilt_report_shows_the_latest_runs_start(settings, ledger, client, tmp_path):
    """``porting-batch report`` after two runs says when the second one started, not the
    first (here recorded as a month earlier)."""
    await run_batch(settings, ledger, client, SAMPLE)
    with ledger.engine.begin() as conn:
        conn.execute(sa.update(batches).values(created_at="2026-01-01T00:00:00+00:00"))
    second = await run_batch(settings, ledger, client, SAMPLE)
    folder = write_reports(result_from_ledger(settings, ledger, "sample-batch"), tmp_path).folder
    summary = {
        row[0]: row[1]
        for row in load_workbook(folder / "report.xlsx")["Summary"].iter_rows(values_only=True)
        if row and row[0]
    }
    started = summary["Started (UTC)"]
    assert isinstance(started, datetime)
    # The ledger stamps the run's start when it reads the file, moments after the run began.
    assert abs(started - second.started_at.replace(tzinfo=None)) < timedelta(minutes=5)
