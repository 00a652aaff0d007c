"""Shared fixtures of the client tests: no test ever sleeps."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from porting_batch.client import PortingClient
from porting_batch.testing import VirtualSleep

API_KEY = "KEYTEST0123456789"
BASE_URL = "http://api.test/v2"
#: The simulator's rate limit (20/s in its default profile) runs on the wall clock, but these
#: tests run the client on virtual time (VirtualSleep), where a 429's wait passes at once; so
#: fault tests lift the limit out of reach. Pacing against it is tested in test_pacing.py.
UNLIMITED: dict[str, float] = {"rate_limit_per_s": 1e9, "rate_limit_burst": 1e9}

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def sleeps() -> VirtualSleep:
    """The sleep function given to clients; records the delays."""
    return VirtualSleep()


@pytest.fixture
def mock_client(sleeps: VirtualSleep) -> Callable[..., PortingClient]:
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
