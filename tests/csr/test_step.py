"""The CSR step in a run: warnings on the planted cells only, holds, failures, the cache."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from porting_batch.ledger import Ledger
from porting_batch.outcomes import Outcome
from porting_batch.runner import BatchOptions, run_batch
from tests.csr.conftest import NUMBERS, csr_settings, row_for

pytestmark = pytest.mark.anyio


def _sheet(**planted: dict[str, str]) -> list[dict[str, str]]:
    rows = []
    for account in ("acme", "brightside"):
        for number in NUMBERS[account]:
            rows.append(row_for(account, number, **planted.get(account, {})))
    return rows


def _csr_cells(result) -> set[tuple[int, str]]:
    return {(i.row, i.column) for i in result.issues if i.source == "csr"}


async def test_planted_mismatches_get_a_warning_on_each_planted_cell_and_no_other(
    settings, ledger, client, write_sheet
):
    """Three cells planted on the three Brightside rows: nine warnings, each naming both values."""
    planted = {
        "entity_name": "Brightside Dental Group",
        "locality": "Springfeld",
        "postal_code": "62702",
    }
    path = write_sheet(_sheet(brightside=planted))
    result = await run_batch(settings, ledger, client, path, BatchOptions(dry_run=True))
    brightside_rows = {4, 5, 6}
    assert _csr_cells(result) == {(r, c) for r in brightside_rows for c in planted}
    entity = next(i for i in result.issues if i.column == "entity_name" and i.source == "csr")
    assert entity.message == (
        "the carrier has 'Brightside Dental LLC', the sheet has 'Brightside Dental Group'"
    )
    assert entity.cell.endswith("!B4")
    assert all(not i.is_error for i in result.issues if i.source == "csr")


async def test_a_different_account_number_is_a_warning_that_names_neither_value(
    settings, ledger, client, write_sheet
):
    """The account number is compared by fingerprint; the warning shows no value."""
    path = write_sheet(_sheet(acme={"account_number": "ACM-0042-0000"}))
    result = await run_batch(settings, ledger, client, path, BatchOptions(dry_run=True))
    found = [i for i in result.issues if i.source == "csr"]
    assert {(i.row, i.column) for i in found} == {(2, "account_number"), (3, "account_number")}
    assert all(i.value == "" and "0042" not in i.message for i in found)


async def test_a_port_type_the_record_contradicts_is_a_warning_on_its_cell(
    settings, ledger, client, write_sheet
):
    """Brightside has three numbers on record; porting two as 'full' is really partial."""
    rows = [row_for("brightside", n) for n in NUMBERS["brightside"][:2]]
    result = await run_batch(
        settings, ledger, client, write_sheet(rows), BatchOptions(dry_run=True)
    )
    found = [i for i in result.issues if i.source == "csr"]
    assert {(i.row, i.column) for i in found} == {(2, "port_type"), (3, "port_type")}
    assert "+13125556202" in found[0].message and "partial" in found[0].message


async def test_hold_keeps_accounts_with_differences_as_drafts_under_confirm(
    tmp_path, ledger, client, write_sheet
):
    """Under hold, Brightside (planted) stays a draft and says why; Acme is confirmed."""
    settings = csr_settings(tmp_path, csr_policy="hold")
    path = write_sheet(_sheet(brightside={"locality": "Springfeld"}))
    result = await run_batch(settings, ledger, client, path, BatchOptions(confirm=True))
    by_number = {n.phone_number: n for n in result.numbers}
    for number in NUMBERS["brightside"]:
        assert by_number[number].outcome is Outcome.READY_AS_DRAFT
        assert "held" in by_number[number].reason and "locality" in by_number[number].reason
        assert by_number[number].order_status == "draft"
    for number in NUMBERS["acme"]:
        assert by_number[number].outcome is Outcome.CONFIRMED
    assert result.complete


async def test_failed_and_unsettled_csrs_are_reported_and_never_block_the_run(
    settings, ledger, client, write_sheet
):
    """The failing and the silent accounts get one warning each; their orders are made."""
    rows = [row_for("failing", NUMBERS["failing"][0]), row_for("silent", NUMBERS["silent"][0])]
    result = await run_batch(settings, ledger, client, write_sheet(rows), BatchOptions())
    found = {i.row: i for i in result.issues if i.source == "csr"}
    assert set(found) == {2, 3}
    assert "could not be read" in found[2].message
    assert "CSR information not available" in found[2].message
    assert "not ready in time" in found[3].message
    assert {n.outcome for n in result.numbers} == {Outcome.READY_AS_DRAFT}
    assert result.complete


async def test_a_rerun_reads_completed_csrs_from_the_ledger_and_polls_pending_ones(
    settings, ledger, client, counted, write_sheet
):
    """The second run creates no CSR: Acme's comes from the ledger, the silent one is polled."""
    rows = [row_for("acme", n) for n in NUMBERS["acme"]]
    rows.append(row_for("silent", NUMBERS["silent"][0]))
    path = write_sheet(rows)
    await run_batch(settings, ledger, client, path, BatchOptions(dry_run=True))
    assert counted.calls["POST csr"] == 2
    counted.calls.clear()
    await run_batch(settings, ledger, client, path, BatchOptions(dry_run=True))
    assert counted.calls == {"GET csr": 1}


async def test_refresh_asks_the_carrier_again(tmp_path, ledger, client, counted, write_sheet):
    """With csr_refresh, a CSR the ledger holds is asked for again."""
    path = write_sheet([row_for("acme", n) for n in NUMBERS["acme"]])
    await run_batch(csr_settings(tmp_path), ledger, client, path, BatchOptions(dry_run=True))
    counted.calls.clear()
    refreshed = csr_settings(tmp_path, csr_refresh=True)
    await run_batch(refreshed, ledger, client, path, BatchOptions(dry_run=True))
    assert counted.calls["POST coverage"] == 1 and counted.calls["POST csr"] == 1


async def test_off_reads_no_csr(tmp_path, ledger, client, counted, write_sheet):
    """--csr off sends no CSR call and files no CSR issue."""
    path = write_sheet(_sheet(brightside={"locality": "Springfeld"}))
    settings = csr_settings(tmp_path, csr_policy="off")
    result = await run_batch(settings, ledger, client, path, BatchOptions(dry_run=True))
    assert not counted.calls
    assert not [i for i in result.issues if i.source == "csr"]


async def test_the_ledger_keeps_no_secret_of_the_csr(settings, ledger, client, write_sheet):
    """Neither the account number nor the PIN appears in the ledger's CSR rows."""
    path = write_sheet([row_for("acme", n) for n in NUMBERS["acme"]])
    await run_batch(settings, ledger, client, path, BatchOptions(dry_run=True))
    with Ledger(settings.ledger_database_url) as again, again.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.text("SELECT * FROM csr_records"))]
    text = json.dumps(rows)
    assert rows and rows[0]["status"] == "completed"
    for secret in ("ACM-0042-7781", "ACM00427781", "0520"):
        # Not inside a hex digest or id, where four digits turn up by chance (1 run in ~400).
        assert not re.search(rf"(?<![0-9a-f-]){secret}(?![0-9a-f-])", text, re.IGNORECASE), text


async def test_the_warnings_reach_the_annotated_copy(
    settings, ledger, client, write_sheet, tmp_path
):
    """Each CSR warning is in the issues the reports write and on its cell of annotated.xlsx."""
    from porting_batch.reports import report_folder, write_reports

    path = write_sheet(_sheet(brightside={"postal_code": "62702"}))
    result = await run_batch(settings, ledger, client, path, BatchOptions(dry_run=True))
    files = write_reports(result, report_folder(tmp_path / "out", result.name, result.started_at))
    written = "\n".join(p.read_text(errors="ignore") for p in files.folder.glob("*.csv"))
    assert "the carrier has '62701', the sheet has '62702'" in written
    import openpyxl

    sheet = openpyxl.load_workbook(files.folder / "annotated.xlsx").worksheets[0]
    letter = openpyxl.utils.get_column_letter([c.value for c in sheet[1]].index("postal_code") + 1)
    noted = {
        row: (sheet[f"{letter}{row}"].comment.text if sheet[f"{letter}{row}"].comment else "")
        for row in range(2, sheet.max_row + 1)
    }
    planted = {row for row, text in noted.items() if "the carrier has '62701'" in text}
    assert planted == {4, 5, 6}
