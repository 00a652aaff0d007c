"""Benchmark: calls per tracked order (issue 16 item 1: 1,000 open orders in at most a dozen).

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_tracking.py [--orders 1000] [--days 3]
    .venv/bin/python benchmarks/bench_tracking.py --rejection-latency [--repeat 5]

Seeds N open orders in a realistic simulator (in-process, stopped clock, no rate limit; each
order two numbers of one account, one in ten with an end user the carrier rejects) and in a
SQLite ledger, advances the simulated clock so that orders are rejected into ``exception``,
have their FOC confirmed (some moved) and are split by porting ops, then runs ``track`` once
and prints the calls it made by kind, the calls per tracked order and what it found.

``--rejection-latency`` instead measures the time from a rejection webhook's arrival at the
receiver to the order's line in the tracking report (``tests/loop/latency.py``): the signed
``porting_order.status_changed`` event POSTed to the receiver with the ledger sink, then one
``track`` and the report, as the ``track-orders`` flow runs them. On a schedule, the wait for
the next run (up to ``PORTING_TRACK_INTERVAL_S``) comes on top.
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


async def latency(repeat: int) -> None:
    """Measure the rejection-to-report time ``repeat`` times; print each and the median."""
    from tests.loop.latency import rejection_latency

    totals = []
    for n in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-latency-") as folder:
            found = await rejection_latency(Path(folder))
        if not found.line:
            raise SystemExit(f"run {n + 1}: the report has no line for {found.order_id}")
        totals.append(found.to_report_s)
        print(
            f"run {n + 1}: webhook {found.answer}, in the ledger after "
            f"{found.to_ledger_s * 1000:.1f} ms, its line in the report after "
            f"{found.to_report_s * 1000:.1f} ms ({found.line['Input cell']}: "
            f"{found.line['What to do'][:60]}...)"
        )
    totals.sort()
    print(f"rejection event -> report line: median {totals[len(totals) // 2] * 1000:.1f} ms")


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--days", type=float, default=3.0)
    parser.add_argument("--split-rate", type=float, default=0.02)
    parser.add_argument(
        "--rejection-latency",
        action="store_true",
        help="measure a rejection webhook's arrival to its line in the tracking report",
    )
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    if options.rejection_latency:
        asyncio.run(latency(options.repeat))
    else:
        asyncio.run(run(options.orders, options.days, options.split_rate))


if __name__ == "__main__":
    main()
