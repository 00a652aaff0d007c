"""Requests per second the simulator sustains, with latency injection off.

Kinds: a one-number portability check, a 10-number create, a PATCH of one order, and a mixed
load (50% checks, 20% creates, 20% PATCHes, 10% reads by id and list pages).

    .venv/bin/python benchmarks/bench_simulator.py               # `porting-batch simulator`
                                                                 # in its own process
    .venv/bin/python benchmarks/bench_simulator.py --thread      # running_simulator()
    .venv/bin/python benchmarks/bench_simulator.py --in-process  # httpx.ASGITransport
    .venv/bin/python benchmarks/bench_simulator.py --requests 2000 --concurrency 16
    .venv/bin/python benchmarks/bench_simulator.py --state /tmp/sim.db  # SQLite write-through
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from porting_batch.simulator import SimulatorConfig, create_app
from porting_batch.simulator.server import running_simulator

Call = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


class Numbers:
    """Fresh portable NANP numbers, never ending 9900-9999."""

    def __init__(self) -> None:
        self._counter = itertools.count()

    def take(self, count: int) -> list[str]:
        """``count`` numbers nobody has used yet in this run."""
        out = []
        for _ in range(count):
            n = next(self._counter)
            out.append(f"+1312{200 + n // 9000:03d}{n % 9000:04d}")
        return out


async def _run(client: httpx.AsyncClient, call: Call, total: int, concurrency: int) -> float:
    remaining = iter(range(total))
    failures: list[str] = []

    async def worker() -> None:
        for _ in remaining:
            response = await call(client)
            if response.status_code >= 400:
                failures.append(f"{response.status_code} {response.text[:200]}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} failures, first: {failures[0]}")
    return total / elapsed


def server_cpu_seconds(pid: int | None) -> float | None:
    """CPU time (user + system) the server process has used, from /proc; None elsewhere."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


async def bench(
    client: httpx.AsyncClient, total: int, concurrency: int, server_pid: int | None = None
) -> dict[str, tuple[float, float | None]]:
    """Measure each kind of request, then the mix."""
    numbers = Numbers()
    rng = random.Random(7)
    pool: list[str] = []
    for _ in range(50):
        response = await client.post("/porting_orders", json={"phone_numbers": numbers.take(1)})
        pool.extend(order["id"] for order in response.json()["data"])

    async def check(c: httpx.AsyncClient) -> httpx.Response:
        return await c.post("/portability_checks", json={"phone_numbers": numbers.take(1)})

    async def create(c: httpx.AsyncClient) -> httpx.Response:
        body = {"phone_numbers": numbers.take(10), "customer_reference": "bench"}
        return await c.post("/porting_orders", json=body)

    patch_body: dict[str, Any] = {
        "customer_group_reference": "bench-group",
        "end_user": {
            "admin": {"entity_name": "Bench Inc.", "billing_phone_number": "+13125550100"},
            "location": {"locality": "Chicago", "administrative_area": "IL"},
        },
    }

    async def patch(c: httpx.AsyncClient) -> httpx.Response:
        return await c.patch(f"/porting_orders/{rng.choice(pool)}", json=patch_body)

    async def read(c: httpx.AsyncClient) -> httpx.Response:
        if rng.random() < 0.5:
            return await c.get(f"/porting_orders/{rng.choice(pool)}")
        return await c.get("/porting_orders", params={"page[size]": 20})

    kinds: list[tuple[Call, float]] = [(check, 0.5), (create, 0.2), (patch, 0.2), (read, 0.1)]

    async def mixed(c: httpx.AsyncClient) -> httpx.Response:
        draw = rng.random()
        for call, share in kinds:
            if draw < share:
                return await call(c)
            draw -= share
        return await read(c)

    results: dict[str, tuple[float, float | None]] = {}
    for name, call in (
        ("portability check (1 number)", check),
        ("create (10 numbers)", create),
        ("PATCH", patch),
        ("mixed", mixed),
    ):
        cpu_before = server_cpu_seconds(server_pid)
        rate = await _run(client, call, total, concurrency)
        cpu_after = server_cpu_seconds(server_pid)
        per_request = (
            (cpu_after - cpu_before) / total
            if cpu_before is not None and cpu_after is not None
            else None
        )
        results[name] = (rate, per_request)
    return results


async def main_async(args: argparse.Namespace) -> None:
    """Run the benchmark against an in-process app or a uvicorn server."""
    config = SimulatorConfig(seed=1, state_file=args.state)
    headers = {"Authorization": f"Bearer {config.api_keys[0]}"}
    if args.in_process:
        transport = httpx.ASGITransport(app=create_app(config))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://sim/v2", headers=headers
        ) as client:
            results = await bench(client, args.requests, args.concurrency)
        where = "in-process (httpx.ASGITransport)"
    elif args.thread:
        with running_simulator(config) as sim:
            limits = httpx.Limits(max_connections=args.concurrency)
            async with httpx.AsyncClient(
                base_url=sim.base_url, headers=headers, limits=limits
            ) as client:
                results = await bench(client, args.requests, args.concurrency)
        where = "running_simulator() thread, uvicorn on 127.0.0.1"
    else:
        limits = httpx.Limits(max_connections=args.concurrency)
        async with httpx.AsyncClient(
            base_url=args.base_url, headers=headers, limits=limits
        ) as client:
            results = await bench(client, args.requests, args.concurrency, args.server_pid)
        where = "simulator process (uvicorn on 127.0.0.1)"
    print(
        f"Simulator throughput, {where}, {args.requests} requests per kind, "
        f"concurrency {args.concurrency}, latency injection off"
    )
    for name, (rate, cpu) in results.items():
        line = f"  {name:30s} {rate:8.0f} req/s"
        if cpu:
            # What one core could serve if the simulator had it to itself.
            line += f"   server CPU {cpu * 1000:5.2f} ms/request = {1 / cpu:6.0f} req/s per core"
        print(line)


def main() -> None:
    """Parse options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per kind")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--in-process", action="store_true", help="skip the network")
    parser.add_argument("--state", type=Path, help="SQLite state file (write-through)")
    parser.add_argument("--thread", action="store_true", help="serve from a thread of this process")
    args = parser.parse_args()
    if args.in_process or args.thread:
        asyncio.run(main_async(args))
        return
    process = subprocess.Popen(
        [sys.executable, "-m", "porting_batch.simulator.server", "--port", "0", "--seed", "1"]
        + (["--state", str(args.state)] if args.state else []),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        args.base_url = process.stdout.readline().split()[-1]
        args.server_pid = process.pid
        asyncio.run(main_async(args))
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
