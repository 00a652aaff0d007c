"""Benchmark: a 10,000-number batch in 1,000 accounts against a rate-limited, slow simulator.

The simulator is served over HTTP on loopback with added latency and a rate limit; the batch runs
once through the library alone and once through the Prefect flow. For each it prints the calls
made per kind, the lower bound (calls / limit), the wall time and their ratio, and the 429s seen.

    .venv/bin/python benchmarks/bench_batch.py                  # 10,000 numbers, 1,000 accounts
    .venv/bin/python benchmarks/bench_batch.py --numbers 2000 --accounts 200 --skip-prefect

Targets (issue #6): wall time <= 1.15 x the lower bound, no 429 in steady state, Prefect adding at
most 10 %, and no more calls than one check per chunk plus, per order, one create share, one FOC
read, one PATCH (and one confirm), plus one upload per distinct document.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from benchmarks.sheet_data import account_numbers, write_accounts  # noqa: E402
from porting_batch.client import PortingClient  # noqa: E402
from porting_batch.ledger import Ledger  # noqa: E402
from porting_batch.runner import BatchOptions, run_batch  # noqa: E402
from porting_batch.settings import Settings  # noqa: E402


def write_batch(folder: Path, numbers: int, accounts: int) -> Path:
    """A CSV batch: `numbers` rows spread evenly over `accounts` accounts, two PDFs each.

    Each account is one block at its losing carrier, and its end-user columns are the
    carrier's record (``sheet_data``), so the realistic simulator accepts every order.
    """
    folder.mkdir(parents=True, exist_ok=True)
    per_account = max(1, numbers // accounts)
    blocks = (
        (a, account_numbers(a, min(per_account, numbers - a * per_account)))
        for a in range(math.ceil(numbers / per_account))
    )
    return write_accounts(folder / "bench-batch.csv", blocks)


@contextmanager
def simulator_process(latency_ms: float, rate: float) -> Iterator[str]:
    """The simulator in a process of its own (so it never competes with the pipeline for the
    GIL), listening on a free loopback port; yields its base URL."""
    code = "import sys; from porting_batch.simulator.server import main; sys.exit(main())"
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            code,
            "--port",
            "0",
            "--latency-ms",
            str(latency_ms),
            "--rate-limit",
            str(rate),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if "listening on" not in line:
            raise RuntimeError(f"the simulator did not start: {line!r}")
        yield line.rsplit(" ", 1)[-1].strip()
    finally:
        process.terminate()
        process.wait(10)


def report(label: str, wall: float, stats: dict, limit: float, orders: int) -> None:
    """Print the figures of one run."""
    calls = stats["calls"]
    total = sum(calls.values())
    bound = total / limit
    print(f"\n== {label}")
    for kind, count in sorted(calls.items()):
        print(f"  {count:>6}  {kind}")
    print(f"  calls {total}, orders {orders}, 429s seen {stats['rate_limited']}")
    print(f"  retries {stats['retries']}, lower bound {bound:.1f} s (calls / {limit:g} per s)")
    print(f"  wall {wall:.1f} s, ratio wall / lower bound {wall / max(bound, 1e-9):.3f}")


async def library_run(
    path: Path, base_url: str, state: Path, rate: float
) -> tuple[float, dict, int]:
    """The batch through the library alone."""
    settings = Settings(state_dir=state, requests_per_second=rate, max_in_flight=16)
    ledger = Ledger(settings.ledger_database_url)
    async with PortingClient.from_settings(
        settings, base_url=base_url, api_key="KEYSIMULATOR"
    ) as client:
        started = time.perf_counter()
        result = await run_batch(settings, ledger, client, path, BatchOptions(confirm=True))
        wall = time.perf_counter() - started
        stats = client.stats.as_dict()
    ledger.close()
    assert result.complete, result.failure
    return wall, stats, len(result.orders)


def prefect_run(path: Path, base_url: str, state: Path, rate: float) -> tuple[float, dict, int]:
    """The same batch through the Prefect flow (a temporary Prefect server is started first)."""
    os.environ.update(
        {
            "PORTING_API": "telnyx",  # 'the real API' path, pointed at the benchmark's simulator
            "PORTING_API_BASE_URL": base_url,
            "PORTING_API_KEY": "KEYSIMULATOR",
            "PORTING_STATE_DIR": str(state),
            "PORTING_OUT_DIR": str(state / "reports"),
            "PORTING_REQUESTS_PER_SECOND": str(rate),
            "PORTING_MAX_IN_FLIGHT": "16",
        }
    )
    from prefect.testing.utilities import prefect_test_harness

    from flows.parameters import PortInRequest
    from flows.port_in import port_in_batch

    with prefect_test_harness(server_startup_timeout=120):
        started = time.perf_counter()
        state = asyncio.run(
            port_in_batch(PortInRequest(spreadsheet=str(path), confirm=True), return_state=True)
        )
        wall = time.perf_counter() - started
        # An incomplete run ends Failed with its summary as the state's data: still measured.
        summary = state.result(raise_on_failure=False)
    return wall, summary["api_calls"], summary["orders"]


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=1_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--rate", type=float, default=50.0, help="the simulator's limit per s")
    parser.add_argument("--skip-prefect", action="store_true")
    parser.add_argument("--skip-library", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    path = write_batch(work / "batch", args.numbers, args.accounts)
    print(
        f"batch: {args.numbers} numbers in {args.accounts} accounts; simulator "
        f"{args.latency_ms:g} ms latency, limited to {args.rate:g} requests/s"
    )
    for label, runner, skip in (
        (
            "library (no Prefect)",
            lambda u, s: asyncio.run(library_run(path, u, s, args.rate)),
            args.skip_library,
        ),
        ("Prefect flow", lambda u, s: prefect_run(path, u, s, args.rate), args.skip_prefect),
    ):
        if skip:
            continue
        with simulator_process(args.latency_ms, args.rate) as base_url:
            wall, stats, orders = runner(base_url, work / label.split()[0])
        report(label, wall, stats, args.rate, orders)


if __name__ == "__main__":
    main()
