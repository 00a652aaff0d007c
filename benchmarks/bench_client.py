"""Benchmark of the porting API client.

1. Overhead per call: the client's own cost (pacing, retry bookkeeping, error mapping, pydantic
   models) over a bare ``httpx.AsyncClient`` doing the same GET against the same in-process
   simulator (ASGITransport), per call, sequentially. Both wall time and process CPU time are
   reported: the machine is shared, and CPU time is what issue 13's budget counts.
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
    # No rate limit: this measures per-call overhead, not pacing (paced_run below does).
    app = create_app(SimulatorConfig(rate_limit_per_s=1e9, rate_limit_burst=1e9))
    transport = httpx.ASGITransport(app=app)
    async with PortingClient(base_url="http://sim/v2", api_key=KEY, transport=transport) as client:
        order_id = await _make_order(client)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://sim/v2/",
            headers={"Authorization": f"Bearer {KEY}"},
        ) as bare:

            async def bare_call() -> None:
                response = await bare.get(f"porting_orders/{order_id}")
                response.raise_for_status()
                response.json()

            async def client_call() -> None:
                await client.get_order(order_id)

            times: dict[str, list[tuple[float, float]]] = {"bare": [], "client": []}
            for _ in range(rounds):
                for name, call in (("bare", bare_call), ("client", client_call)):
                    wall, cpu = time.perf_counter(), time.process_time()
                    for _ in range(calls):
                        await call()
                    times[name].append(
                        ((time.perf_counter() - wall) / calls, (time.process_time() - cpu) / calls)
                    )
    print(f"in-process GET /porting_orders/{{id}}, {calls} calls x {rounds} rounds (median):")
    print("                           wall us/call   CPU us/call")
    medians = {
        name: [statistics.median(t[i] for t in rows) * 1e6 for i in (0, 1)]
        for name, rows in times.items()
    }
    for name, label in (("bare", "bare httpx + simulator"), ("client", "PortingClient")):
        wall_us, cpu_us = medians[name]
        print(f"  {label:<23}: {wall_us:10.1f} {cpu_us:13.1f}")
    extra = [medians["client"][i] - medians["bare"][i] for i in (0, 1)]
    print(f"  {'client overhead':<23}: {extra[0]:10.1f} {extra[1]:13.1f}")


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
