"""Polling CSRs: back-off on virtual time, the deadline, the secrets sent only when asked."""

from __future__ import annotations

import json

import httpx
import pytest

from porting_batch.client import PortingClient
from porting_batch.csr.fetch import FIRST_POLL_S, MAX_POLL_S, CsrRequest, Waiting, fetch_csrs
from porting_batch.csr.record import CsrStatus
from porting_batch.ledger import Ledger
from porting_batch.testing import VirtualSleep

pytestmark = pytest.mark.anyio
KEY = b"k" * 32


def _handler(settle_after: int, seen: list[dict]) -> httpx.MockTransport:
    polls = {"n": 0}

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("phone_number_coverages"):
            numbers = json.loads(request.content)["phone_numbers"]
            data = [
                {"phone_number": n, "has_csr_coverage": True, "additional_data_required": ["pin"]}
                for n in numbers
            ]
            return httpx.Response(201, json={"data": data})
        if request.method == "POST":
            seen.append(json.loads(request.content))
            return httpx.Response(201, json={"data": {"id": "c1", "status": "pending"}})
        polls["n"] += 1
        status = "completed" if polls["n"] > settle_after else "pending"
        result = {"admin": {"name": "Acme Inc"}, "associated_phone_numbers": ["+13125550100"]}
        body = {"id": "c1", "status": status, "result": result if status == "completed" else None}
        return httpx.Response(201, json={"data": body})

    return httpx.MockTransport(handle)


async def _fetch(tmp_path, settle_after: int, deadline_s: float, seen: list[dict]):
    sleep = VirtualSleep()
    request = CsrRequest("+13125550100", account_number="A-1", pin="1234")
    transport = _handler(settle_after, seen)
    with Ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        async with PortingClient(base_url="http://t/v2", api_key="k", transport=transport) as api:
            found = await fetch_csrs(
                api,
                ledger,
                [request],
                key=KEY,
                deadline_s=deadline_s,
                waiting=Waiting(sleep=sleep, clock=sleep.clock),
            )
    return found[request], sleep


async def test_polling_backs_off_until_the_csr_settles(tmp_path):
    """Waits double from the first poll interval up to the cap, then the CSR is read."""
    outcome, sleep = await _fetch(tmp_path, settle_after=6, deadline_s=600, seen=[])
    assert outcome.status is CsrStatus.COMPLETED and outcome.view.name == "Acme Inc"
    assert sleep.calls == [FIRST_POLL_S, 4.0, 8.0, 16.0, MAX_POLL_S, MAX_POLL_S]


async def test_a_csr_not_settled_by_the_deadline_is_pending(tmp_path):
    """Polling stops at the deadline; the last wait is cut to fit inside it."""
    outcome, sleep = await _fetch(tmp_path, settle_after=99, deadline_s=10, seen=[])
    assert outcome.status is CsrStatus.PENDING
    assert sum(sleep.calls) == 10 and sleep.calls[-1] == 4.0


async def test_only_the_secrets_the_carrier_asks_for_are_sent(tmp_path):
    """Coverage asks for the PIN only: the account number is not sent."""
    seen: list[dict] = []
    await _fetch(tmp_path, settle_after=0, deadline_s=0, seen=seen)
    assert seen[0]["additional_data"] == {"pin": "1234"}
