"""Shared fixtures of the client tests: no test ever sleeps."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from porting_batch.client import PortingClient

API_KEY = "KEYTEST0123456789"
BASE_URL = "http://api.test/v2"
#: The simulator's rate limit (20/s in its default profile) runs on the wall clock, but these
#: tests run the client on virtual time (SleepRecorder), where a 429's wait passes at once; so
#: fault tests lift the limit out of reach. Pacing against it is tested in test_pacing.py.
UNLIMITED: dict[str, float] = {"rate_limit_per_s": 1e9, "rate_limit_burst": 1e9}

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def anyio_backend() -> str:
    """Run async tests on asyncio only."""
    return "asyncio"


class SleepRecorder:
    """An injected sleep on virtual time: it records each wait and moves its clock on."""

    def __init__(self) -> None:
        self.calls: list[float] = []
        self.now = 0.0

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        """The virtual time, for the client's pacer."""
        return self.now


@pytest.fixture
def sleeps() -> SleepRecorder:
    """The sleep function given to clients; records the delays."""
    return SleepRecorder()


@pytest.fixture
def make_client(sleeps: SleepRecorder) -> Callable[..., PortingClient]:
    """Build a client over a MockTransport handler, unpaced, never sleeping."""

    def build(handler: Handler, **kwargs: object) -> PortingClient:
        options: dict[str, object] = {
            "base_url": BASE_URL,
            "api_key": API_KEY,
            "transport": httpx.MockTransport(handler),
            "sleep": sleeps,
            "clock": sleeps.clock,
        }
        options.update(kwargs)
        return PortingClient(**options)  # type: ignore[arg-type]

    return build


def order_json(
    order_id: str,
    *,
    reference: str | None = None,
    numbers: list[str] | None = None,
    status: str = "draft",
) -> dict[str, object]:
    """A minimal porting order as the API would return it."""
    return {
        "id": order_id,
        "record_type": "porting_order",
        "status": {"value": status, "details": []},
        "customer_reference": reference,
        "phone_numbers": [{"phone_number": n, "phone_number_type": "local"} for n in numbers or []],
    }
