"""What every run shares, whichever flow or command started it: its API, its API slots, its logs.

The API is the built-in simulator (started here, on loopback) or Telnyx. This is an entry-point
module: it is the one place besides the tests that starts the simulator. One simulator serves
every run in a process (runs share its state file), started on first use and stopped when the
last run ends.

``port_in``, ``inbox`` and ``deployments`` all import from here and this imports none of them,
so the flows' imports stay a tree (``tests/orchestration/test_flow_imports.py``). Prefect is
imported inside the functions that need it: the command line without a server imports none.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractContextManager, asynccontextmanager
from typing import Any

import httpx

from porting_batch.client import PortingClient
from porting_batch.client.config import Limits
from porting_batch.client.pool import PooledTransport
from porting_batch.settings import Settings

logger = logging.getLogger("porting_batch.operating")

#: The deployments ``porting-batch serve`` serves (``flows.deployments``); the watcher starts
#: the inbox one.
MANUAL = "manual"
SCHEDULED = "scheduled"
INBOX = "inbox"
#: Name of the global concurrency limit that caps API requests in flight across all workers.
API_LIMIT = "porting-api"
#: Seconds an ``api_slots`` lease lasts without renewal (the server's minimum). Prefect renews
#: it while the run lives; a killed run's slots come back when it expires and the server's
#: repossessor (every 15 s by default) revokes it.
API_LEASE_S = 60.0
#: Name of the global rate limit (a limit with ``slot_decay_per_second``) that stands for the
#: account's API rate limit: every request of every run on every worker takes one slot.
API_RATE_LIMIT = "porting-api-rate"

#: The rate limit the runs of this context draw from and their block (set by ``api_slots``).
_rate_limit: contextvars.ContextVar[tuple[str, int] | None] = contextvars.ContextVar(
    "porting_api_rate_limit", default=None
)

_lock = threading.Lock()
_shared: dict[str, Any] = {"users": 0, "handle": None, "context": None}


def embedded_simulator_config(settings: Settings) -> Any:
    """The built-in simulator's configuration for these settings: what every command that starts
    one (and ``porting-batch simulator advance``) uses, on the state folder's file."""
    from porting_batch.simulator import SimulatorConfig

    return SimulatorConfig(
        state_file=settings.simulator_state_file,
        scenario=settings.simulator_scenario,
        clock_speed=settings.simulator_speed,
    )


def _acquire_simulator(settings: Settings) -> Any:
    from porting_batch.simulator.server import running_simulator

    with _lock:
        if _shared["handle"] is None:
            settings.state_dir.mkdir(parents=True, exist_ok=True)
            config = embedded_simulator_config(settings)
            context: AbstractContextManager[Any] = running_simulator(config)
            _shared["handle"] = context.__enter__()
            _shared["context"] = context
        _shared["users"] += 1
        return _shared["handle"]


def _release_simulator() -> None:
    with _lock:
        _shared["users"] -= 1
        if _shared["users"] == 0 and _shared["context"] is not None:
            context = _shared["context"]
            _shared["handle"] = _shared["context"] = None
            context.__exit__(None, None, None)


@asynccontextmanager
async def open_client(settings: Settings) -> AsyncIterator[PortingClient]:
    """A client for this run: Telnyx when the settings say so, else the built-in simulator."""
    transport = _shared_rate_transport(settings)
    if settings.api == "telnyx":
        async with PortingClient.from_settings(settings, transport=transport) as client:
            yield client
        return
    handle = _acquire_simulator(settings)
    try:
        async with PortingClient.from_settings(
            settings, transport=transport, base_url=handle.base_url, api_key=handle.api_key
        ) as client:
            yield client
    finally:
        _release_simulator()


#: A run takes rate slots in blocks of this many seconds of the shared rate (at most half the
#: limit's burst), so a request costs the Prefect server a round trip only once per block.
BLOCK_S = 0.1


def rate_block(limit: int, per_second: float) -> int:
    """How many rate slots a run takes from the server at once: about ``BLOCK_S`` of the shared
    rate, never more than half the burst (``limit``), so a block frees up once half the bucket
    has drained and runs on other workers take turns; at least one."""
    return max(1, min(limit // 2, int(per_second * BLOCK_S)))


Acquire = Callable[[str, int], Awaitable[None]]


async def _prefect_rate_limit(name: str, occupy: int) -> None:
    from prefect.concurrency.asyncio import rate_limit

    await rate_limit(name, occupy=occupy, strict=True)


class RateLimitedTransport(httpx.AsyncBaseTransport):
    """A transport whose every request first spends one slot of a Prefect global rate limit.

    The limit stands for the API account's, so the sum over every worker stays under it. Slots
    are taken from the server ``block`` at a time and spent here one per request: the server
    still hands out no more than its burst plus its rate, and at most ``block - 1`` slots wait
    in a run's hand. When the server cannot be asked (restarting), the request goes out
    anyway: the client's own pacing and its obedience to 429s still hold, and a run is not
    stopped for it.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        name: str,
        block: int = 1,
        acquire: Acquire = _prefect_rate_limit,
    ) -> None:
        self.inner = inner
        self.name = name
        self.block = max(1, block)
        self.acquire = acquire
        self._in_hand = 0
        self._taking = asyncio.Lock()

    async def _spend_one(self) -> None:
        from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError

        # One request at a time asks the server: the others wait for the block it brings.
        async with self._taking:
            if self._in_hand == 0:
                try:
                    await self.acquire(self.name, self.block)
                except ConcurrencySlotAcquisitionError as exc:
                    logger.warning(
                        "rate limit '%s' not reachable (%s); sending anyway", self.name, exc
                    )
                    return
                self._in_hand = self.block
            self._in_hand -= 1

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Spend a slot of the rate limit (taking a block from the server when none is in
        hand), then send."""
        await self._spend_one()
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self.inner.aclose()


def _shared_rate_transport(settings: Settings) -> httpx.AsyncBaseTransport | None:
    # The client's own transport, the same as it builds by default, wrapped when a run of this
    # context draws from the shared rate limit (see api_slots); else None, the client's default.
    drawn = _rate_limit.get()
    if drawn is None:
        return None
    name, block = drawn
    size = settings.max_in_flight
    inner = PooledTransport(Limits(max_connections=size, max_keepalive_connections=size))
    return RateLimitedTransport(inner, name, block)


def describe_api(settings: Settings) -> str:
    """Which API a run talks to, for the console and the report."""
    if settings.api == "telnyx":
        return f"Telnyx API at {settings.api_base_url}"
    return f"built-in simulator (state in {settings.simulator_state_file})"


def run_logging() -> None:
    """Library loggers at INFO in the run logs; httpx and httpcore (a line per request) quiet.

    ``PREFECT_LOGGING_EXTRA_LOGGERS=porting_batch`` hands the library's records to Prefect, but
    an unset level inherits the root's WARNING, which would drop every INFO line.
    """
    library = logging.getLogger("porting_batch")
    if library.level == logging.NOTSET:
        library.setLevel(logging.INFO)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


async def _limit(client: Any, name: str) -> Any | None:
    from prefect.exceptions import ObjectNotFound

    try:
        return await client.read_global_concurrency_limit_by_name(name)
    except ObjectNotFound:
        return None


@asynccontextmanager
async def api_slots(
    settings: Settings, name: str = API_LIMIT, rate_name: str = API_RATE_LIMIT
) -> AsyncIterator[int]:
    """Reserve this run's requests in flight from the ``porting-api`` global limit, and make
    the clients opened inside draw each request from the ``porting-api-rate`` rate limit.

    Yields how many requests the run may have in flight: its own ``max_in_flight``, capped by
    the limit. The slots are held for the whole run, so the sum over every worker stays under
    the limit; the client's own pacing still spaces the requests of each run. Without an
    active limit of that name, nothing is held and the run keeps its own setting.

    The slots are a lease of ``API_LEASE_S`` that Prefect renews in the background: a run that
    is killed stops renewing, and the server revokes the lease once it expires, so its slots
    are not lost. A failed renewal (the server restarting) does not stop the run.

    The rate limit applies when it exists, is active and decays (``slot_decay_per_second``);
    the two are independent: either may be set up without the other. Each client takes its
    slots a block at a time (``rate_block``), so a request seldom waits on the server.
    """
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        limit = await _limit(client, name)
        rate = await _limit(client, rate_name)
    drawn: tuple[str, int] | None = None
    if rate is not None and rate.active and (rate.slot_decay_per_second or 0) > 0:
        block = rate_block(rate.limit, rate.slot_decay_per_second)
        drawn = (rate_name, block)
    token = _rate_limit.set(drawn)
    if drawn is not None:
        logger.info(
            "every request draws from the '%s' rate limit (%d slots at a time)", rate_name, block
        )
    try:
        async with _in_flight(settings, name, limit) as granted:
            yield granted
    finally:
        _rate_limit.reset(token)


@asynccontextmanager
async def _in_flight(settings: Settings, name: str, limit: Any | None) -> AsyncIterator[int]:
    from prefect.concurrency.asyncio import concurrency

    if limit is None or not limit.active:
        yield settings.max_in_flight
        return
    granted = max(1, min(settings.max_in_flight, limit.limit))
    logger.info("waiting for %d of the %d '%s' API slots", granted, limit.limit, name)
    async with concurrency(
        name,
        occupy=granted,
        strict=True,
        lease_duration=API_LEASE_S,
        raise_on_lease_renewal_failure=False,
    ):
        logger.info("holding %d '%s' API slots", granted, name)
        yield granted
