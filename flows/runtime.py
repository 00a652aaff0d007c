"""Where a run gets its API: the built-in simulator (started here, on loopback) or Telnyx.

This is an entry-point module: it is the one place besides the tests that starts the simulator.
One simulator serves every run in a process (runs share its state file), started on first use
and stopped when the last run ends.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager
from typing import Any

from porting_batch.client import PortingClient
from porting_batch.settings import Settings

_lock = threading.Lock()
_shared: dict[str, Any] = {"users": 0, "handle": None, "context": None}


def _acquire_simulator(settings: Settings) -> Any:
    from porting_batch.simulator import SimulatorConfig
    from porting_batch.simulator.server import running_simulator

    with _lock:
        if _shared["handle"] is None:
            settings.state_dir.mkdir(parents=True, exist_ok=True)
            config = SimulatorConfig(
                state_file=settings.simulator_state_file,
                scenario=settings.simulator_scenario,
                clock_speed=settings.simulator_speed,
            )
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
    if settings.api == "telnyx":
        async with PortingClient.from_settings(settings) as client:
            yield client
        return
    handle = _acquire_simulator(settings)
    try:
        async with PortingClient.from_settings(
            settings, base_url=handle.base_url, api_key=handle.api_key
        ) as client:
            yield client
    finally:
        _release_simulator()


def describe_api(settings: Settings) -> str:
    """Which API a run talks to, for the console and the report."""
    if settings.api == "telnyx":
        return f"Telnyx API at {settings.api_base_url}"
    return f"built-in simulator (state in {settings.simulator_state_file})"
