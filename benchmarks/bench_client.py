"""Benchmark of the porting API client.

1. Overhead per call: the client's own cost (pacing, retry bookkeeping, error mapping, pydantic
   models) over a bare ``httpx.AsyncClient`` doing the same GET against the same in-process
   simulator (ASGITransport), per call, sequentially.
2. Pacing: N calls (default 2,000) against a simulator served by uvicorn on loopback and limited
   to 20 requests/s, with the client paced at 20 requests/s: how many 429s it saw.

Run: ``.venv/bin/python benchmarks/bench_client.py`` (part 2 takes about N/20 seconds);
``--calls 400`` for a shorter pacing run, ``--skip-pacing`` for part 1 only,
``--unpaced`` to also run part 2 without client pacing (headers only), for comparison,
``--client-rate 40`` to pace the client faster than the simulator allows.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx

from porting_batch.client import PortingClient
from porting_batch.simulator import SimulatorConfig, create_app
from porting_batch.simulator.server import running_simulator

KEY = "KEYSIMULATOR"
NUMBER = "+13125550100"


async def _make_order(client: PortingClient) -> str:
    (order,) = await client.create_orders([NUMBER], customer_reference="bench")
    return order.id


async def overhead(calls: int, rounds: int) -> None:
    """Per-call time of the client vs a bare httpx client, in-process."""
    app = create_app(SimulatorConfig())
    transport = httpx.ASGITransport(app=app)
    async with PortingClient(base_url="http://sim/v2", api_key=KEY, transport=transport) as client:
        order_id = await _make_order(client)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://sim/v2/",
            headers={"Authorization": f"Bearer {KEY}"},
        ) as bare:
            bare_times, client_times = [], []
            for _ in range(rounds):
                start = time.perf_counter()
                for _ in range(calls):
                    response = await bare.get(f"porting_orders/{order_id}")
                    response.raise_for_status()
                    response.json()
                bare_times.append((time.perf_counter() - start) / calls)
                start = time.perf_counter()
                for _ in range(calls):
                    await client.get_order(order_id)
                client_times.append((time.perf_counter() - start) / calls)
    bare_us = statistics.median(bare_times) * 1e6
    client_us = statistics.median(client_times) * 1e6
    print(f"in-process GET /porting_orders/{{id}}, {calls} calls x {rounds} rounds (median):")
    print(f"  bare httpx + simulator : {bare_us:8.1f} us/call")
    print(f"  PortingClient          : {client_us:8.1f} us/call")
    print(f"  client overhead        : {client_us - bare_us:8.1f} us/call")


async def paced_run(calls: int, rate: float, client_rate: float | None) -> None:
    """``calls`` reads against a simulator limited to ``rate`` req/s, the client paced at
    ``client_rate`` (None: unpaced, only following the rate-limit headers); count the 429s."""
    config = SimulatorConfig(rate_limit_per_s=rate)
    with running_simulator(config) as sim:
        async with PortingClient(
            base_url=sim.base_url,
            api_key=sim.api_key,
            requests_per_second=client_rate,
            max_in_flight=8,
            max_retries=20,
        ) as client:
            order_id = await _make_order(client)
            await asyncio.sleep(1.5)  # let the simulator's bucket refill after the create
            client.stats.calls.clear()
            client.stats.rate_limited = client.stats.retries = 0
            start = time.perf_counter()
            await asyncio.gather(*(client.get_order(order_id) for _ in range(calls)))
            elapsed = time.perf_counter() - start
            stats = client.stats.as_dict()
    label = f"paced at {client_rate:g}/s" if client_rate else "unpaced (headers only)"
    print(f"{calls} calls, simulator limited to {rate:g} req/s, client {label}:")
    print(f"  429s seen      : {stats['rate_limited']}")
    print(f"  retries        : {stats['retries']}")
    print(f"  calls per kind : {stats['calls']}")
    print(f"  elapsed        : {elapsed:.1f} s ({calls / elapsed:.2f} calls/s)")


def main() -> None:
    """Parse arguments and run the benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--overhead-calls", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--skip-pacing", action="store_true")
    parser.add_argument(
        "--client-rate", type=float, default=None, help="client pacing (default: --rate)"
    )
    parser.add_argument("--unpaced", action="store_true", help="also run without client pacing")
    args = parser.parse_args()
    asyncio.run(overhead(args.overhead_calls, args.rounds))
    if not args.skip_pacing:
        asyncio.run(paced_run(args.calls, args.rate, args.client_rate or args.rate))
        if args.unpaced:
            asyncio.run(paced_run(args.calls, args.rate, None))


if __name__ == "__main__":
    main()
