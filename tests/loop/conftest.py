"""Fixtures for the whole loop: the realistic simulator on a standing clock, a ledger, and a
small batch written as CSV whose rows match (or, changed, mismatch) the carriers' records."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from porting_batch.client import PortingClient
from porting_batch.ledger import Ledger
from porting_batch.settings import Settings
from porting_batch.simulator import SimulatorConfig, create_app
from tests.fix.helpers import GOOD, HEADER, REJECTED, START, row_for, write_sheet

__all__ = ["CONFIG", "GOOD", "HEADER", "REJECTED", "START", "row_for"]

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


@pytest.fixture
def write_batch(tmp_path: Path) -> Callable[[list[list[str]]], Path]:
    """Write rows as ``batch.csv`` (the same file each time: the batch keeps its name) beside
    an LOA and an invoice."""

    def write(rows: list[list[str]]) -> Path:
        return write_sheet(tmp_path / "sheets", rows)

    return write
