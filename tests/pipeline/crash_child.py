"""Run one batch through the library against a simulator URL, as a separate process that a
test can kill at any point. Prints the run's outcome per number as JSON on success."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from porting_batch.client import PortingClient
from porting_batch.ledger import Ledger
from porting_batch.runner import BatchOptions, run_batch
from porting_batch.settings import Settings


async def main(base_url: str, state_dir: str, spreadsheet: str, confirm: bool) -> None:
    """Run the batch and print {number: [outcome, order_id]}."""
    settings = Settings(state_dir=Path(state_dir))
    ledger = Ledger(settings.ledger_database_url)
    async with PortingClient(base_url=base_url, api_key="KEYSIMULATOR", max_in_flight=4) as client:
        result = await run_batch(
            settings, ledger, client, Path(spreadsheet), BatchOptions(confirm=confirm)
        )
    ledger.close()
    print(json.dumps({n.phone_number: [n.outcome.value, n.order_id] for n in result.numbers}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "confirm"))
