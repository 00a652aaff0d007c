"""Fixtures for the CSR tests: the simulator in-process with the CSR scenario file, a client
counting the CSR requests it makes, a ledger, and a sheet writer."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from porting_batch.client import PortingClient
from porting_batch.ledger import Ledger
from porting_batch.settings import Settings
from porting_batch.simulator import SimulatorConfig, create_app

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "porting_batch" / "simulator" / "scenarios" / "csr.yaml"
SAMPLE_DIR = ROOT / "input_templates" / "sample"
HEADER = [
    "phone_number",
    "entity_name",
    "auth_person_name",
    "account_number",
    "pin_passcode",
    "billing_phone_number",
    "street_address",
    "extended_address",
    "locality",
    "administrative_area",
    "postal_code",
    "country_code",
    "port_type",
    "requested_foc",
    "loa_file",
    "invoice_file",
]
#: Rows that match the scenario's accounts (forgivable variants only), by account.
ACCOUNTS: dict[str, dict[str, str]] = {
    "acme": {
        "entity_name": "Acme Widgets, Inc.",
        "auth_person_name": "JANE DOE",
        "account_number": "ACM00427781",
        "pin_passcode": "0520",
        "billing_phone_number": "(312) 555-6100",
        "street_address": "123 N Wacker Dr",
        "extended_address": "Suite 400",
        "locality": "chicago",
        "administrative_area": "IL",
        "postal_code": "60606",
        "country_code": "US",
        "port_type": "full",
    },
    "brightside": {
        "entity_name": "Brightside Dental LLC",
        "auth_person_name": "Sam Okafor",
        "account_number": "BS-1",
        "pin_passcode": "1111",
        "billing_phone_number": "+1 312 555 6200",
        "street_address": "9 Elm Street",
        "extended_address": "",
        "locality": "Springfield",
        "administrative_area": "IL",
        "postal_code": "62701",
        "country_code": "US",
        "port_type": "full",
    },
    "failing": {
        "entity_name": "Cedar Legal Co",
        "auth_person_name": "Alex Rossi",
        "account_number": "CL-9",
        "pin_passcode": "2222",
        "billing_phone_number": "+13125556300",
        "street_address": "5 Oak Ave",
        "extended_address": "",
        "locality": "Chicago",
        "administrative_area": "IL",
        "postal_code": "60601",
        "country_code": "US",
        "port_type": "full",
    },
    "silent": {
        "entity_name": "Dockside Media Ltd",
        "auth_person_name": "Robin Haddad",
        "account_number": "DM-3",
        "pin_passcode": "3333",
        "billing_phone_number": "+13125556400",
        "street_address": "7 Lake Rd",
        "extended_address": "",
        "locality": "Chicago",
        "administrative_area": "IL",
        "postal_code": "60601",
        "country_code": "US",
        "port_type": "full",
    },
}
NUMBERS = {
    "acme": ["+13125556100", "+13125556101"],
    "brightside": ["+13125556200", "+13125556201", "+13125556202"],
    "failing": ["+13125556300"],
    "silent": ["+13125556400"],
}


def row_for(account: str, number: str, **changes: str) -> dict[str, str]:
    """One sheet row of ``account`` for ``number``, with ``changes`` planted."""
    row = dict(ACCOUNTS[account], phone_number=number, requested_foc="")
    row.update(loa_file="loa.pdf", invoice_file="invoice.pdf")
    row.update(changes)
    return row


@pytest.fixture
def write_sheet(tmp_path) -> Callable[[list[dict[str, str]]], Path]:
    """Write rows as a CSV beside an LOA and an invoice (PDFs of the sample, under names of
    their own)."""

    def write(rows: list[dict[str, str]], name: str = "csr-batch.csv") -> Path:
        folder = tmp_path / "batch"
        folder.mkdir(exist_ok=True)
        for kind in ("loa", "invoice"):
            shutil.copy(min(SAMPLE_DIR.glob(f"{kind}-*.pdf")), folder / f"{kind}.pdf")
        target = folder / name
        with target.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=HEADER)
            writer.writeheader()
            writer.writerows(rows)
        return target

    return write


def csr_settings(tmp_path: Path, **more: Any) -> Settings:
    """Settings with the CSR step on (the suite turns it off by default)."""
    values: dict[str, Any] = {
        "state_dir": tmp_path / "state",
        "out_dir": tmp_path / "reports",
        "csr_policy": "warn",
        "csr_deadline_s": 0,
    }
    values.update(more)
    return Settings(**values)


@pytest.fixture
def settings(tmp_path) -> Settings:
    """CSR on, warnings only, no waiting for CSRs that have not settled."""
    return csr_settings(tmp_path)


@pytest.fixture
def ledger(settings):
    """A fresh ledger in the state folder."""
    ledger = Ledger(settings.ledger_database_url)
    yield ledger
    ledger.close()


@pytest.fixture
def sim_app():
    """The simulator with the CSR scenario; its CSRs settle at once, its clock stands still."""
    return create_app(
        SimulatorConfig(
            scenario=SCENARIO, csr_delay_s=0, clock_speed=0, start_time="2026-11-02T15:00:00Z"
        )
    )


class Counted(httpx.AsyncBaseTransport):
    """Counts the requests by method and path kind, passing each through."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Count, then forward."""
        path = request.url.path
        if "customer_service_records" in path:
            kind = "coverage" if path.endswith("phone_number_coverages") else "csr"
            self.calls[f"{request.method} {kind}"] += 1
        return await self.inner.handle_async_request(request)


@pytest.fixture
def counted(sim_app) -> Counted:
    """The transport over the simulator, counting CSR calls."""
    return Counted(httpx.ASGITransport(app=sim_app))


@pytest.fixture
async def client(counted):
    """A client over the counting transport."""
    async with PortingClient(
        base_url="http://sim/v2", api_key="KEYSIMULATOR", transport=counted
    ) as client:
        yield client
