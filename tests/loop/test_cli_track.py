"""`porting-batch track BATCH` against the realistic simulator on loopback: the tracking
report's folder printed, exit 3 while an order needs action."""

from __future__ import annotations

import asyncio
from pathlib import Path

from flows.cli import main
from porting_batch.client import PortingClient
from porting_batch.ledger import Ledger
from porting_batch.runner import BatchOptions, run_batch
from porting_batch.simulator import SimulatorConfig
from porting_batch.simulator.server import running_simulator

from .conftest import CONFIG, GOOD, REJECTED, row_for
from .helpers import track_until


def test_track_writes_the_report_and_exits_3_while_an_order_is_rejected(
    settings, write_batch, monkeypatch, capsys
):
    """The CLI prints the rejected order's fix and the report folder, and exits 3."""
    path = write_batch([row_for(GOOD), row_for(REJECTED, entity_name="Keystone Dentistry")])
    with running_simulator(SimulatorConfig(**CONFIG)) as sim:

        async def reject() -> str:
            with Ledger(settings.ledger_database_url) as ledger:
                async with PortingClient(base_url=sim.base_url, api_key=sim.api_key) as client:
                    await run_batch(settings, ledger, client, path, BatchOptions(confirm=True))
                    order = next(
                        o.order_id
                        for o in ledger.orders_for_batch("batch")
                        if REJECTED in o.phone_numbers
                    )
                    await track_until(sim.app, client, ledger, order, "exception", 24 * 7)
                    return order

        rejected = asyncio.run(reject())
        monkeypatch.setenv("PORTING_API", "telnyx")
        monkeypatch.setenv("PORTING_API_BASE_URL", sim.base_url)
        monkeypatch.setenv("PORTING_API_KEY", sim.api_key)
        monkeypatch.delenv("PREFECT_API_URL", raising=False)
        out = settings.out_dir / "tracking"
        code = main(["track", "batch", "--state", str(settings.state_dir), "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 3, printed
    assert f"needs action: batch  {rejected}  exception  entity name does not match" in printed
    [folder_line] = [line for line in printed.splitlines() if line.startswith("Tracking report:")]
    folder = Path(folder_line.removeprefix("Tracking report:").strip())
    assert folder.parent == out
    assert (folder / "tracking_report.xlsx").is_file()
    assert (folder / "needs_action.csv").is_file()


def test_track_exits_0_when_nothing_needs_action(settings, write_batch, monkeypatch):
    """A confirmed batch whose data matches the carriers' records, its FOC days ahead of this
    machine's clock (the one the deadlines read): exit 0."""
    path = write_batch([row_for(GOOD)])
    # Started now, not at START: the command measures deadlines by the machine's clock.
    with running_simulator(SimulatorConfig(profile="realistic", clock_speed=0.0)) as sim:

        async def confirm() -> None:
            with Ledger(settings.ledger_database_url) as ledger:
                async with PortingClient(base_url=sim.base_url, api_key=sim.api_key) as client:
                    await run_batch(settings, ledger, client, path, BatchOptions(confirm=True))

        asyncio.run(confirm())
        monkeypatch.setenv("PORTING_API", "telnyx")
        monkeypatch.setenv("PORTING_API_BASE_URL", sim.base_url)
        monkeypatch.setenv("PORTING_API_KEY", sim.api_key)
        monkeypatch.delenv("PREFECT_API_URL", raising=False)
        code = main(
            ["track", "batch", "--state", str(settings.state_dir), "--out", str(settings.out_dir)]
        )
    assert code == 0
