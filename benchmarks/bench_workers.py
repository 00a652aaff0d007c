"""Benchmark: several batches dropped at once into the inbox of a Prefect server on PostgreSQL,
run by one real worker and then by two, every request drawn from one shared rate limit.

For each worker count a fresh cluster (``tests/multi/cluster.py``: the documented set-up
commands, ``prefect worker start --pool porting`` per worker, the watcher, the ledger on
PostgreSQL) serves the simulator limited to ``--sim-rate`` requests/s; the ``porting-api-rate``
limit is set to ``--rate`` (burst ``--burst``). It drops ``--batches`` batches of ``--numbers``
numbers at once and prints the wall time from the drop to the last batch filed in done/, the
API calls, the lower bound (calls / rate), their ratio and the 429s the simulator answered.

    .venv/bin/python benchmarks/bench_workers.py                       # 4 x 2,500 numbers
    .venv/bin/python benchmarks/bench_workers.py --numbers 500 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

import sqlalchemy as sa  # noqa: E402

from flows.runtime import API_RATE_LIMIT  # noqa: E402
from porting_batch.simulator import SimulatorConfig, create_app  # noqa: E402
from tests.multi.cluster import Cluster, Timed, cluster_running, drop, write_batch  # noqa: E402
from tests.multi.pg_prefect import prefect_on_postgres, server_url  # noqa: E402
from tests.prefect_servers import wait_until  # noqa: E402


@contextmanager
def ledger_database() -> Any:
    """A fresh PostgreSQL database for the ledger, dropped after."""
    name = f"bench_workers_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(f"{server_url()}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server_url()}/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


async def _set_rate(rate: float, burst: int) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate

    async with get_client() as client:
        await client.update_global_concurrency_limit(
            API_RATE_LIMIT, GlobalConcurrencyLimitUpdate(limit=burst, slot_decay_per_second=rate)
        )


def _filed(cluster: Cluster, names: list[str]) -> int:
    """How many of the drops are filed in done/ or failed/ (failed ones are reported)."""
    count = 0
    for name in names:
        for folder in (cluster.inbox.done, cluster.inbox.failed):
            if any((entry / "result.json").exists() for entry in folder.glob(f"{name}-*")):
                count += 1
    return count


def measure(args: argparse.Namespace, workers: int, work: Path) -> dict[str, Any]:
    """One cluster of ``workers`` workers; the figures of its run."""
    simulator = Timed(
        create_app(SimulatorConfig(rate_limit_per_s=args.sim_rate, rate_limit_burst=args.sim_burst))
    )
    settings = {
        "PORTING_REQUESTS_PER_SECOND": str(args.sim_rate),
        "PORTING_MAX_IN_FLIGHT": str(args.in_flight),
        "PORTING_INBOX_INTERVAL_S": "3600",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    root = work / f"workers-{workers}"
    root.mkdir()
    with (
        ledger_database() as database,
        contextmanager(prefect_on_postgres)(root) as server,
        cluster_running(server, database, simulator, settings, workers=workers) as cluster,
    ):
        asyncio.run(_set_rate(args.rate, args.burst))
        accounts = max(1, args.numbers // args.per_account)
        batches = [
            write_batch(
                root / "staging" / f"batch-{i}",
                accounts,
                args.per_account,
                first=i * accounts,
            )
            for i in range(args.batches)
        ]
        started = time.monotonic()
        names = [drop(cluster, batch) for batch in batches]
        wait_until(lambda: _filed(cluster, names) == len(names), "every batch filed", 3600, 0.5)
        wall = time.monotonic() - started
        failed = [p.name for p in cluster.inbox.failed.iterdir()]
    statuses = Counter(status for _, status in simulator.seen)
    times = sorted(moment for moment, _ in simulator.seen)
    calls = len(times)
    return {
        "workers": workers,
        "wall": wall,
        "calls": calls,
        "bound": calls / args.rate,
        "429s": statuses.get(429, 0),
        # From the drop to the first API call (start-up, claim, reading, validation), and the
        # span of the calls themselves (the part the rate limit bounds).
        "to first call": times[0] - started if times else float("nan"),
        "API span": times[-1] - times[0] if times else float("nan"),
        "failed": failed,
    }


def main() -> None:
    """Measure each worker count and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--numbers", type=int, default=2500, help="numbers per batch")
    parser.add_argument("--per-account", type=int, default=10, help="numbers per order")
    parser.add_argument("--rate", type=float, default=90.0, help="the shared limit, requests/s")
    parser.add_argument("--burst", type=int, default=10, help="the shared limit's burst")
    parser.add_argument("--sim-rate", type=float, default=100.0, help="the simulator's limit")
    parser.add_argument("--sim-burst", type=float, default=10.0, help="the simulator's burst")
    parser.add_argument("--in-flight", type=int, default=4, help="PORTING_MAX_IN_FLIGHT per run")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        for workers in args.workers:
            row = measure(args, workers, Path(tmp))
            rows.append(row)
            print(row, flush=True)
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(
        f"\n{args.batches} batches x {args.numbers} numbers, shared limit {args.rate:g}/s "
        f"(burst {args.burst}), simulator {args.sim_rate:g}/s; load average {' '.join(load)}"
    )
    print(
        "| workers | wall | drop -> first call | first -> last call | API calls | lower bound "
        "| wall / bound | 429s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['workers']} | {row['wall']:.1f} s | {row['to first call']:.1f} s "
            f"| {row['API span']:.1f} s | {row['calls']} | {row['bound']:.1f} s "
            f"| {row['wall'] / row['bound']:.2f} | {row['429s']} |"
        )
        if row["failed"]:
            print(f"  failed: {row['failed']}")


if __name__ == "__main__":
    main()
