"""The realistic simulator's CSRs are its carrier records: a sheet written from the record
passes, one planted difference is one warning per row."""

from __future__ import annotations

import httpx
import pytest

from porting_batch.client import PortingClient
from porting_batch.runner import BatchOptions, run_batch
from porting_batch.simulator import SimulatorConfig, create_app
from porting_batch.simulator.carriers import record_for

pytestmark = pytest.mark.anyio
NUMBERS = ["+13125557000", "+13125557001"]


def _rows(**planted: str) -> list[dict[str, str]]:
    record = record_for(NUMBERS[0], 7)
    rows = []
    for number in NUMBERS:
        row = {
            "phone_number": number,
            "entity_name": record.entity_name.upper(),
            "auth_person_name": record.auth_person_name,
            "account_number": record.account_number,
            "pin_passcode": record.pin,
            "billing_phone_number": record.billing_phone_number,
            "street_address": record.street_address,
            "extended_address": "",
            "locality": record.locality,
            "administrative_area": record.administrative_area,
            "postal_code": f"{record.postal_code}-0001",
            "country_code": "US",
            "port_type": "full",
            "requested_foc": "",
            "loa_file": "loa.pdf",
            "invoice_file": "invoice.pdf",
        }
        row.update(planted)
        rows.append(row)
    return rows


async def _run(settings, ledger, write_sheet, rows):
    app = create_app(SimulatorConfig(profile="realistic", seed=7, csr_delay_s=0, clock_speed=0))
    transport = httpx.ASGITransport(app=app)
    async with PortingClient(
        base_url="http://sim/v2", api_key="KEYSIMULATOR", transport=transport
    ) as client:
        return await run_batch(
            settings, ledger, client, write_sheet(rows), BatchOptions(dry_run=True)
        )


async def test_a_sheet_written_from_the_carrier_record_gets_no_csr_warning(
    settings, ledger, write_sheet
):
    """Upper case and a ZIP+4 are forgiven: nothing to warn about."""
    result = await _run(settings, ledger, write_sheet, _rows())
    assert [i.describe() for i in result.issues if i.source == "csr"] == []


async def test_one_planted_difference_is_one_warning_per_row(settings, ledger, write_sheet):
    """Another person on the account: a warning on each row's auth_person_name cell."""
    result = await _run(settings, ledger, write_sheet, _rows(auth_person_name="Nobody Here"))
    cells = {(i.row, i.column) for i in result.issues if i.source == "csr"}
    assert cells == {(2, "auth_person_name"), (3, "auth_person_name")}
