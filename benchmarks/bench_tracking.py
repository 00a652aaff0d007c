"""Benchmark: calls per tracked order (issue 16 item 1: 1,000 open orders in at most a dozen).

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_tracking.py [--orders 1000] [--days 3]

Seeds N open orders in a realistic simulator (in-process, stopped clock, no rate limit; each
order two numbers of one account, one in ten with an end user the carrier rejects) and in a
SQLite ledger, advances the simulated clock so that orders are rejected into ``exception``,
have their FOC confirmed (some moved) and are split by porting ops, then runs ``track`` once
and prints the calls it made by kind, the calls per tracked order and what it found.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def run(orders: int, days: float, split_rate: float) -> None:
    """Seed, advance, track once; print what it cost."""
    from porting_batch.ledger import Ledger
    from porting_batch.tracking import track
    from tests.tracking.seed import BATCH, advance, client_for, realistic_app, seed

    app = realistic_app(ops_split_rate=split_rate)
    with (
        tempfile.TemporaryDirectory(prefix="bench-tracking-") as folder,
        Ledger(f"sqlite:///{folder}/ledger.db") as ledger,
    ):
        async with client_for(app) as client:
            started = time.perf_counter()
            await seed(app, client, ledger, orders)
            seeded = time.perf_counter() - started
            await advance(app, days=days)
            client.stats.calls.clear()
            started = time.perf_counter()
            changes = await track(ledger, client, BATCH)
            took = time.perf_counter() - started
            calls = dict(sorted(client.stats.calls.items()))
        tracked = len(ledger.orders_for_batch(BATCH))
    total = sum(calls.values())
    print(f"seeded {orders} open orders in {seeded:.1f} s; clock advanced {days:g} days")
    print(f"track: {total} calls for {tracked} tracked orders in {took:.2f} s")
    for kind, count in calls.items():
        print(f"  {count:4d}  {kind}")
    print(f"calls per tracked order: {total / max(tracked, 1):.4f}")
    print("statuses now:", dict(Counter(c.after for c in changes)))
    found = Counter(
        " ".join(what.split(" ")[:2]).rstrip(":") for c in changes for what in c.changed
    )
    print("changes found:", dict(found))


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--days", type=float, default=3.0)
    parser.add_argument("--split-rate", type=float, default=0.02)
    options = parser.parse_args()
    asyncio.run(run(options.orders, options.days, options.split_rate))


if __name__ == "__main__":
    main()
