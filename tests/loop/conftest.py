"""Fixtures for the whole loop: the realistic simulator on a standing clock, a ledger, and a
small batch written as CSV whose rows match (or, changed, mismatch) the carriers' records."""

from __future__ import annotations

import csv
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from porting_batch.client import PortingClient
from porting_batch.ledger import Ledger
from porting_batch.settings import Settings
from porting_batch.simulator import SimulatorConfig, create_app
from porting_batch.simulator.carriers import record_for

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "input_templates" / "sample"
#: A fixed Thursday morning, so that windows and business hours are the same on every run.
START = "2026-03-05T15:00:00Z"
#: Bluegrass Telco: its data in the sheet matches the carrier's record.
GOOD = "+13125550155"
#: Prairie Bell Telephone: rejected when the sheet's entity name differs from its record.
REJECTED = "+13125600155"
HEADER = [
    "phone_number", "entity_name", "auth_person_name", "account_number", "pin_passcode",
    "billing_phone_number", "street_address", "locality", "administrative_area", "postal_code",
    "country_code", "port_type", "loa_file", "invoice_file",
]  # fmt: skip
CONFIG = {"profile": "realistic", "clock_speed": 0.0, "start_time": START}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with the state and reports in a temporary folder."""
    return Settings(state_dir=tmp_path / "state", out_dir=tmp_path / "reports")


@pytest.fixture
def ledger(settings: Settings) -> Any:
    """A fresh ledger."""
    ledger = Ledger(settings.ledger_database_url)
    yield ledger
    ledger.close()


@pytest.fixture
def sim_app() -> Any:
    """The realistic simulator, its clock standing still at START unless advanced."""
    return create_app(SimulatorConfig(**CONFIG))


@pytest.fixture
async def client(sim_app: Any) -> AsyncIterator[PortingClient]:
    """A client over the in-process simulator."""
    transport = httpx.ASGITransport(app=sim_app)
    async with PortingClient(
        base_url="http://sim/v2", api_key="KEYSIMULATOR", transport=transport
    ) as client:
        yield client


def row_for(number: str, **changes: str) -> list[str]:
    """A row whose cells match the losing carrier's record for ``number``, then ``changes``."""
    record = record_for(number)
    cells = {
        "phone_number": number,
        **record.admin(),
        **record.location(),
        "port_type": "full",
        "loa_file": "loa.pdf",
        "invoice_file": "invoice.pdf",
    }
    cells.update(changes)
    return [cells[column] for column in HEADER]


@pytest.fixture
def write_batch(tmp_path: Path) -> Callable[[list[list[str]]], Path]:
    """Write rows as ``batch.csv`` (the same file each time: the batch keeps its name) beside
    the sample's PDFs."""

    def write(rows: list[list[str]]) -> Path:
        folder = tmp_path / "sheets"
        folder.mkdir(exist_ok=True)
        for kind in ("loa", "invoice"):  # an LOA and an invoice of the sample, under own names
            shutil.copy(min(SAMPLE_DIR.glob(f"{kind}-*.pdf")), folder / f"{kind}.pdf")
        target = folder / "batch.csv"
        with target.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([HEADER, *rows])
        return target

    return write
