"""Fixtures: a simulator app in-process, and a client that validates every exchange."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

with warnings.catch_warnings():
    # Starlette warns that its TestClient will move to "httpx2"; plain httpx is what we ship.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from porting_batch.simulator import SimulatorConfig, create_app
from porting_batch.testing.openapi import check_exchange

# A fixed Thursday morning so FOC windows and holidays are the same on every run.
START = "2026-03-05T15:00:00Z"


def sim_client(app: Any, *, validate: bool = True, key: str = "KEYSIMULATOR") -> TestClient:
    """A client on ``/v2`` whose every exchange is checked against the spec."""
    client = TestClient(app, base_url="http://sim.test/v2", raise_server_exceptions=True)
    client.headers["Authorization"] = f"Bearer {key}"
    if validate:
        client.event_hooks = {"response": [check_exchange]}
    return client


def frozen_config(**overrides: Any) -> SimulatorConfig:
    """A config whose clock stands still at START unless advanced."""
    values: dict[str, Any] = {"clock_speed": 0.0, "start_time": START}
    values.update(overrides)
    return SimulatorConfig(**values)


def lenient_config(**overrides: Any) -> SimulatorConfig:
    """A frozen config in the lenient profile. The realistic profile is the default; tests of
    the rules it replaces (the lenient lifecycle, activation and filters) pin lenient here."""
    return frozen_config(profile="lenient", **overrides)


@pytest.fixture
def app() -> Any:
    """A fresh simulator with a frozen clock."""
    return create_app(frozen_config())


@pytest.fixture
def api(app: Any) -> Iterator[TestClient]:
    """A validating client on the fresh simulator."""
    with sim_client(app) as client:
        yield client


@pytest.fixture
def admin(app: Any) -> Iterator[httpx.Client]:
    """A client on the admin prefix, with the API key the admin routes need."""
    with TestClient(app, base_url="http://sim.test/_simulator") as client:
        client.headers["Authorization"] = "Bearer KEYSIMULATOR"
        yield client
