"""Requests per second the simulator sustains, with latency injection off.

Kinds: a one-number portability check, a 10-number create, a PATCH of one order, and a mixed
load (50% checks, 20% creates, 20% PATCHes, 10% reads by id and list pages).

    .venv/bin/python benchmarks/bench_simulator.py               # `porting-batch simulator`
                                                                 # in its own process
    .venv/bin/python benchmarks/bench_simulator.py --thread      # running_simulator()
    .venv/bin/python benchmarks/bench_simulator.py --in-process  # httpx.ASGITransport
    .venv/bin/python benchmarks/bench_simulator.py --requests 2000 --concurrency 16
    .venv/bin/python benchmarks/bench_simulator.py --state /tmp/sim.db  # SQLite write-through
    .venv/bin/python benchmarks/bench_simulator.py --httpx       # httpx as the load generator

Over a socket the load comes from a minimal keep-alive HTTP/1.1 client (raw asyncio streams) so
that the figure is the simulator's, not httpx's: httpx costs more CPU per request than the
simulator does, and on a 2-core machine the two compete. ``--httpx`` measures with httpx.
For the simulator process the server's own CPU time per request is read from /proc too.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from porting_batch.simulator import SimulatorConfig, create_app
from porting_batch.simulator.server import running_simulator

Answer = tuple[int, bytes]


class Requester(Protocol):
    """Sends one request and returns (status, body)."""

    async def request(self, method: str, path: str, body: Any = None) -> Answer: ...


class HttpxRequester:
    """Requests through an httpx.AsyncClient (any transport)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def request(self, method: str, path: str, body: Any = None) -> Answer:
        """One request."""
        response = await self.client.request(method, path, json=body)
        return response.status_code, response.content


class RawRequester:
    """Keep-alive HTTP/1.1 over asyncio streams, one connection per request in flight."""

    def __init__(self, base_url: str, api_key: str, connections: int) -> None:
        url = urlsplit(base_url)
        self.host = url.hostname or "127.0.0.1"
        self.port = url.port or 80
        self.prefix = url.path.rstrip("/")
        self.auth = f"Bearer {api_key}"
        self.size = connections
        self._pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )

    async def open(self) -> None:
        """Open the connections."""
        for _ in range(self.size):
            self._pool.put_nowait(await asyncio.open_connection(self.host, self.port))

    async def close(self) -> None:
        """Close the connections."""
        while not self._pool.empty():
            _, writer = self._pool.get_nowait()
            writer.close()

    async def request(self, method: str, path: str, body: Any = None) -> Answer:
        """One request on a pooled connection."""
        payload = b"" if body is None else json.dumps(body).encode()
        head = (
            f"{method} {self.prefix}{path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Authorization: {self.auth}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n"
        ).encode()
        reader, writer = await self._pool.get()
        try:
            writer.write(head + payload)
            raw_head = await reader.readuntil(b"\r\n\r\n")
            lines = raw_head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            content = await reader.readexactly(length) if length else b""
        finally:
            self._pool.put_nowait((reader, writer))
        return status, content


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


async def _run(requester: Requester, call: Any, total: int, concurrency: int) -> float:
    remaining = iter(range(total))
    failures: list[str] = []

    async def worker() -> None:
        for _ in remaining:
            status, content = await call(requester)
            if status >= 400:
                failures.append(f"{status} {content[:200]!r}")

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
    requester: Requester, total: int, concurrency: int, server_pid: int | None = None
) -> dict[str, tuple[float, float | None]]:
    """Measure each kind of request, then the mix."""
    numbers = Numbers()
    rng = random.Random(7)
    pool: list[str] = []
    for _ in range(50):
        _, content = await requester.request(
            "POST", "/porting_orders", {"phone_numbers": numbers.take(1)}
        )
        pool.extend(order["id"] for order in json.loads(content)["data"])

    async def check(r: Requester) -> Answer:
        return await r.request("POST", "/portability_checks", {"phone_numbers": numbers.take(1)})

    async def create(r: Requester) -> Answer:
        body = {"phone_numbers": numbers.take(10), "customer_reference": "bench"}
        return await r.request("POST", "/porting_orders", body)

    patch_body: dict[str, Any] = {
        "customer_group_reference": "bench-group",
        "end_user": {
            "admin": {"entity_name": "Bench Inc.", "billing_phone_number": "+13125550100"},
            "location": {"locality": "Chicago", "administrative_area": "IL"},
        },
    }

    async def patch(r: Requester) -> Answer:
        return await r.request("PATCH", f"/porting_orders/{rng.choice(pool)}", patch_body)

    async def read(r: Requester) -> Answer:
        if rng.random() < 0.5:
            return await r.request("GET", f"/porting_orders/{rng.choice(pool)}")
        return await r.request("GET", "/porting_orders?page%5Bsize%5D=20")

    kinds = [(check, 0.5), (create, 0.2), (patch, 0.2), (read, 0.1)]

    async def mixed(r: Requester) -> Answer:
        draw = rng.random()
        for call, share in kinds:
            if draw < share:
                return await call(r)
            draw -= share
        return await read(r)

    results: dict[str, tuple[float, float | None]] = {}
    for name, call in (
        ("portability check (1 number)", check),
        ("create (10 numbers)", create),
        ("PATCH", patch),
        ("mixed", mixed),
    ):
        cpu_before = server_cpu_seconds(server_pid)
        rate = await _run(requester, call, total, concurrency)
        cpu_after = server_cpu_seconds(server_pid)
        per_request = (
            (cpu_after - cpu_before) / total
            if cpu_before is not None and cpu_after is not None
            else None
        )
        results[name] = (rate, per_request)
    return results


async def _over_socket(
    args: argparse.Namespace, base_url: str, key: str, pid: int | None
) -> dict[str, tuple[float, float | None]]:
    if args.httpx:
        limits = httpx.Limits(max_connections=args.concurrency)
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits) as client:
            return await bench(HttpxRequester(client), args.requests, args.concurrency, pid)
    raw = RawRequester(base_url, key, args.concurrency)
    await raw.open()
    try:
        return await bench(raw, args.requests, args.concurrency, pid)
    finally:
        await raw.close()


async def main_async(args: argparse.Namespace) -> None:
    """Run the benchmark against an in-process app or a uvicorn server."""
    # Lenient, as the figures in docs/simulator.md were measured: the realistic profile's rate
    # limit (20/s) would measure the limiter, and its carrier checks refuse the bench's data.
    config = SimulatorConfig(seed=1, state_file=args.state, profile="lenient")
    key = config.api_keys[0]
    if args.in_process:
        transport = httpx.ASGITransport(app=create_app(config))
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://sim/v2",
            headers={"Authorization": f"Bearer {key}"},
        ) as client:
            results = await bench(HttpxRequester(client), args.requests, args.concurrency)
        where = "in-process (httpx.ASGITransport)"
    elif args.thread:
        with running_simulator(config) as sim:
            results = await _over_socket(args, sim.base_url, key, None)
        where = "running_simulator() thread, uvicorn on 127.0.0.1"
    else:
        results = await _over_socket(args, args.base_url, key, args.server_pid)
        where = "simulator process (uvicorn on 127.0.0.1)"
    generator = "httpx" if args.httpx or args.in_process else "raw HTTP/1.1"
    print(
        f"Simulator throughput, {where}, load from {generator}, {args.requests} requests per "
        f"kind, concurrency {args.concurrency}, latency injection off"
    )
    for name, (rate, cpu) in results.items():
        line = f"  {name:30s} {rate:8.0f} req/s"
        if cpu:
            # What one core could serve if the simulator had it to itself.
            line += f"   server CPU {cpu * 1000:5.2f} ms/request = {1 / cpu:6.0f} req/s per core"
        print(line)


def main() -> None:
    """Parse options and run."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per kind")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--in-process", action="store_true", help="skip the network")
    parser.add_argument("--state", type=Path, help="SQLite state file (write-through)")
    parser.add_argument("--thread", action="store_true", help="serve from a thread of this process")
    parser.add_argument("--httpx", action="store_true", help="generate the load with httpx")
    args = parser.parse_args()
    args.server_pid = None
    if args.in_process or args.thread:
        asyncio.run(main_async(args))
        return
    command = [sys.executable, "-m", "porting_batch.simulator.server", "--port", "0", "--seed", "1"]
    if args.state:
        command += ["--state", str(args.state)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
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
