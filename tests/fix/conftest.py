"""Fixtures for fix-and-resubmit: the realistic simulator in-process on a standing clock, a
client over it that counts its calls, a ledger, and a small batch written as CSV."""

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

from .helpers import START, write_sheet


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
    return create_app(SimulatorConfig(profile="realistic", clock_speed=0.0, start_time=START))


@pytest.fixture
async def client(sim_app: Any) -> AsyncIterator[PortingClient]:
    """A client over the in-process simulator."""
    transport = httpx.ASGITransport(app=sim_app)
    async with PortingClient(
        base_url="http://sim/v2", api_key="KEYSIMULATOR", transport=transport
    ) as client:
        yield client


@pytest.fixture
def write_batch(tmp_path: Path) -> Callable[..., Path]:
    """Write rows as ``batch.csv`` (the same file each time: the batch keeps its name) beside
    an LOA and an invoice (PDFs of the sample, under names of their own)."""

    def write(rows: list[list[str]], name: str = "batch.csv") -> Path:
        return write_sheet(tmp_path / "sheets", rows, name)

    return write
