"""A separate process for the ledger tests: 'hold' holds a batch until killed; 'race' waits for a
start file, opens the ledger (migrating it) and tries once to hold a batch."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from porting_batch.batch_lock import hold_batch
from porting_batch.ledger import Ledger


async def hold(url: str, batch_id: str) -> None:
    """Record the batch as running, hold it, say so on stdout, and wait to be killed."""
    with Ledger(url) as ledger:
        async with hold_batch(ledger, batch_id, wait_s=0, lease_s=60):
            ledger.start_batch(
                batch_id, name=batch_id, file_name="f", content_hash="h", settings={}
            )
            print("held", flush=True)
            await asyncio.Event().wait()


def race(url: str, batch_id: str, start_file: str) -> None:
    """Say 'ready', open the ledger when the start file appears, and print whether this process
    got the batch."""
    print("ready", flush=True)
    deadline = time.monotonic() + 60
    while not Path(start_file).exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    owner = f"racer-{os.getpid()}"
    with Ledger(url) as ledger:
        # A host other than this one: the winner's lease alone keeps the others out.
        won = ledger.acquire_hold(batch_id, owner, lease_s=60, host="racer").owner == owner
        print(json.dumps({"won": won, "migrations": ledger.applied_migrations()}), flush=True)


def first_line(child: subprocess.Popen[str], timeout: float) -> str:
    """For the parent test: the child's next stdout line, failing rather than hanging."""
    assert child.stdout is not None
    stdout = child.stdout
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert lines, f"the child said nothing within {timeout} s"
    return lines[0].strip()


if __name__ == "__main__":
    if sys.argv[1] == "hold":
        asyncio.run(hold(sys.argv[2], sys.argv[3]))
    else:
        race(sys.argv[2], sys.argv[3], sys.argv[4])
