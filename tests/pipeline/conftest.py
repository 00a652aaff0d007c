"""Fixtures for the pipeline tests: the simulator in-process, a client over it, a ledger, and
copies of the sample batch that a test may edit."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

import httpx
import openpyxl
import pytest

from porting_batch.client import PortingClient
from porting_batch.ledger import Ledger
from porting_batch.settings import Settings
from porting_batch.simulator import SimulatorConfig, create_app
from porting_batch.testing import SpecCheckingTransport

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "input_templates" / "sample"
SAMPLE = SAMPLE_DIR / "sample-batch.xlsx"


@pytest.fixture
def settings(tmp_path):
    """Settings with the state folder in a temporary directory."""
    return Settings(state_dir=tmp_path / "state", out_dir=tmp_path / "reports")


@pytest.fixture
def ledger(settings):
    """A fresh ledger in the state folder."""
    ledger = Ledger(settings.ledger_database_url)
    yield ledger
    ledger.close()


#: The realistic rate limit (20/s) runs on the wall clock, which would make these tests timed;
#: the client's pacing against it is tested in tests/client, and ``make run`` meets it.
UNLIMITED = 1e9


def realistic_config(**overrides: object) -> SimulatorConfig:
    """The default (realistic) simulator, with its wall-clock rate limit out of reach."""
    values: dict[str, object] = {"rate_limit_per_s": UNLIMITED, "rate_limit_burst": UNLIMITED}
    values.update(overrides)
    return SimulatorConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
def sim_app():
    """The simulator app, in-process, in its default (realistic) profile."""
    return create_app(realistic_config())


def client_over(transport: httpx.AsyncBaseTransport) -> PortingClient:
    """A client over any transport, with no pacing so tests run at full speed."""
    return PortingClient(base_url="http://sim/v2", api_key="KEYSIMULATOR", transport=transport)


@pytest.fixture
async def client(sim_app):
    """A client talking to the in-process simulator, every exchange checked against the spec."""
    transport = SpecCheckingTransport(httpx.ASGITransport(app=sim_app))
    async with client_over(transport) as client:
        yield client
    assert transport.checked > 0


def sample_rows() -> list[list[str]]:
    """The sample batch's Numbers sheet as text cells, header first."""
    workbook = openpyxl.load_workbook(SAMPLE, read_only=True)
    rows = [
        ["" if v is None else str(v) for v in row]
        for row in workbook["Numbers"].iter_rows(values_only=True)
    ]
    workbook.close()
    return rows


@pytest.fixture
def sample_copy(tmp_path) -> Callable[..., Path]:
    """Write the sample as CSV (optionally edited) beside copies of its PDFs."""

    def write(
        edit: Callable[[list[list[str]]], list[list[str]]] | None = None,
        name: str = "sample-batch.csv",
    ) -> Path:
        folder = tmp_path / "batch"
        folder.mkdir(exist_ok=True)
        for pdf in SAMPLE_DIR.glob("*.pdf"):
            shutil.copy(pdf, folder / pdf.name)
        rows = sample_rows()
        if edit is not None:
            rows = edit(rows)
        target = folder / name
        with target.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
        return target

    return write
