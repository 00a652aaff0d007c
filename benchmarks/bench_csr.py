"""The CSR step for many accounts against the realistic simulator at its default rate limit.

Coverage in chunks, one CSR request per account, polls until each settles, and the ledger
rows written: wall time, requests and the 429s the client absorbed. The realistic profile
limits each API key to 20 requests/s (burst 40), so about 2 requests per account make the
floor (N * 2 / 20 seconds); the client paces itself at ``requests_per_second`` (default 20).

    .venv/bin/python benchmarks/bench_csr.py                    # 1,000 accounts
    .venv/bin/python benchmarks/bench_csr.py --accounts 200 --delay 5
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from porting_batch.client import PortingClient
from porting_batch.csr.fetch import CsrRequest, fetch_csrs
from porting_batch.csr.record import CsrStatus
from porting_batch.ledger import Ledger
from porting_batch.settings import Settings
from porting_batch.simulator import SimulatorConfig, create_app


class Counting(httpx.AsyncBaseTransport):
    """Counts requests and 429 answers."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests = 0
        self.limited = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Forward and count."""
        self.requests += 1
        response = await self.inner.handle_async_request(request)
        self.limited += response.status_code == 429
        return response


def billing_numbers(accounts: int) -> list[str]:
    """One BTN per account: each a different block (the carrier record's account)."""
    return [f"+1{312 + i // 800}{200 + (i // 10) % 80}{i % 10}000" for i in range(accounts)]


async def bench(accounts: int, delay_s: float) -> None:
    """Run the CSR fetch for ``accounts`` accounts and print what it took."""
    app = create_app(SimulatorConfig(profile="realistic", csr_delay_s=delay_s, seed=1))
    counting = Counting(httpx.ASGITransport(app=app))
    requests = [CsrRequest(btn, account_number="123", pin="1") for btn in billing_numbers(accounts)]
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(state_dir=Path(folder))
        with Ledger(settings.ledger_database_url) as ledger:
            client = PortingClient.from_settings(
                settings, transport=counting, base_url="http://sim/v2", api_key="KEYSIMULATOR"
            )
            async with client:
                started = time.perf_counter()
                found = await fetch_csrs(
                    client, ledger, requests, key=b"b" * 32, deadline_s=max(60.0, delay_s * 4)
                )
                took = time.perf_counter() - started
    counts: dict[str, int] = {}
    for outcome in found.values():
        counts[outcome.status.value] = counts.get(outcome.status.value, 0) + 1
    print(f"accounts: {accounts}, CSR delay {delay_s:g} s (simulated at real speed)")
    print(f"outcomes: {counts}")
    print(f"wall: {took:.1f} s, {took / accounts * 1000:.1f} ms per account")
    print(
        f"requests: {counting.requests} ({counting.requests / took:.1f}/s), "
        f"429s: {counting.limited}"
    )
    floor = 2 * accounts / 20
    print(f"rate-limit floor (2 requests per account at 20/s): {floor:.0f} s")
    assert counts.get(CsrStatus.COMPLETED.value, 0) > 0


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.0, help="simulated CSR delay, seconds")
    args = parser.parse_args()
    asyncio.run(bench(args.accounts, args.delay))


if __name__ == "__main__":
    main()
