"""One API rate limit across workers: every request of every run takes a slot of the
``porting-api-rate`` Prefect global rate limit, on a Prefect server on PostgreSQL."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from flows.runtime import API_RATE_LIMIT
from porting_batch.simulator import SimulatorConfig, create_app
from tests.crash.harness import serve
from tests.multi.cluster import Timed

ROOT = Path(__file__).resolve().parents[2]
#: The simulator's (the account's) limit, and the share of it the Prefect limit hands out: a
#: run takes it 2 slots at a time (a tenth of a second of 20/s, half the burst).
RATE, BURST = 25.0, 5.0
SHARED_RATE, SHARED_BURST = 20.0, 4
WORKERS, REQUESTS = 2, 40
BLOCK = 2


async def _create_rate_limit(api_url: str) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}):
        async with get_client() as client:
            await client.create_global_concurrency_limit(
                GlobalConcurrencyLimitCreate(
                    name=API_RATE_LIMIT, limit=SHARED_BURST, slot_decay_per_second=SHARED_RATE
                )
            )


@pytest.mark.slow
def test_two_workers_together_stay_under_the_shared_rate_and_meet_no_429(pg_prefect):
    """Two worker processes sending 40 requests each, the simulator limited to 25/s: no 429,
    and the requests are spread as the shared limit says (burst, then 20/s), not 2 x 20/s,
    though each run takes its slots from the server two at a time."""
    asyncio.run(_create_rate_limit(pg_prefect.api_url))
    timed = Timed(create_app(SimulatorConfig(rate_limit_per_s=RATE, rate_limit_burst=BURST)))
    env = {**pg_prefect.env, "PYTHONPATH": str(ROOT)}
    with serve(timed) as base_url:
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.multi.rate_worker", base_url, str(REQUESTS)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(WORKERS)
        ]
        outputs = [w.communicate(timeout=300)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), "\n".join(o[-2000:] for o in outputs)
    assert all(f"rate_limited=0 RateLimitedTransport block={BLOCK}" in o for o in outputs), outputs
    statuses = [status for _, status in timed.seen]
    assert len(statuses) == WORKERS * REQUESTS and set(statuses) == {200}, statuses
    times = sorted(t for t, _ in timed.seen)
    # The server hands out SHARED_BURST at once, then SHARED_RATE a second, to both together.
    least = (WORKERS * REQUESTS - SHARED_BURST) / SHARED_RATE
    assert times[-1] - times[0] >= 0.9 * least, times
    for i, start in enumerate(times):
        within = sum(1 for t in times[i:] if t - start < 1.0)
        assert within <= RATE + BURST, (i, within)
