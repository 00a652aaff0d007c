"""The sheet's "Customer group reference": sent instead of the batch id for its account, sent
again alone when corrected, and no obstacle to tracking the batch's orders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from porting_batch.runner import BatchOptions, run_batch
from porting_batch.tracking import track

from .conftest import client_over, realistic_config

pytestmark = pytest.mark.anyio

DAY = 86_400.0
START = "2026-11-26T15:00:00Z"
BATCH = "sample-batch"
#: The sample's first account (by its order reference), which the carrier's record matches.
ACCOUNT = "BLUEBIRD-PORT-1"


def own_group(
    value: str, *, earliest: bool = False, every: bool = False
) -> Callable[[list[list[str]]], list]:
    """An edit of the sample: ACCOUNT's rows (``every`` account's) carry ``value`` as their
    group reference; ``earliest`` empties the requested FOCs, so every order is submitted."""

    def edit(rows: list[list[str]]) -> list[list[str]]:
        header = rows[0]
        reference, group = (
            header.index("customer_reference"),
            header.index("customer_group_reference"),
        )
        foc = header.index("requested_foc")
        for row in rows[1:]:
            if every or row[reference] == ACCOUNT:
                row[group] = value
            if earliest:
                row[foc] = ""
        return rows

    return edit


def remote_groups(app: Any) -> dict[str, str]:
    """Each simulated order's customer group reference, by its customer reference's account."""
    found: dict[str, set[str]] = {}
    for order in app.state.sim.store.all("orders"):
        account = str(order["customer_reference"]).rsplit("-", 1)[0]
        found.setdefault(account, set()).add(order["customer_group_reference"])
    return {account: "|".join(sorted(groups)) for account, groups in found.items()}


async def test_an_accounts_own_group_reference_is_sent_and_its_orders_are_tracked(
    settings, ledger, sample_copy
):
    """The account's orders carry its own group reference, the others the batch id; once the
    clock passes the FOC, track sees the own-reference order's status change like the rest."""
    app = create_sim()
    async with client_over(httpx.ASGITransport(app=app)) as client:
        path = sample_copy(own_group("BAKERY-GROUP", earliest=True))
        await run_batch(settings, ledger, client, path, BatchOptions(confirm=True))
        groups = remote_groups(app)
        assert groups.pop(ACCOUNT) == "BAKERY-GROUP"
        assert set(groups.values()) == {BATCH}
        ours = {o.order_id for o in ledger.orders_for_batch(BATCH) if _is_ours(o)}
        before = {o.order_id: o.status for o in ledger.orders_for_batch(BATCH)}
        app.state.sim.advance(120 * DAY)
        changes = await track(ledger, client, BATCH)
    assert ours and all(before[order_id] != "ported" for order_id in ours)
    seen = {c.order_id: c.after for c in changes}
    assert {seen.get(order_id) for order_id in ours} == {"ported"}
    after = {o.order_id: o.status for o in ledger.orders_for_batch(BATCH)}
    assert {after[order_id] for order_id in ours} == {"ported"}


async def test_orders_under_one_own_reference_are_tracked_in_one_read_and_one_list(
    settings, ledger, sample_copy
):
    """Every account under one reference of the operator's (none under the batch id): track
    reads one of the orders by id, learns the reference, lists the rest under it, and sees
    every order's change, in a handful of calls rather than one read per order."""
    app = create_sim()
    async with client_over(httpx.ASGITransport(app=app)) as client:
        path = sample_copy(own_group("ACME-ALL", earliest=True, every=True))
        await run_batch(settings, ledger, client, path, BatchOptions(confirm=True))
        assert set(remote_groups(app).values()) == {"ACME-ALL"}
        orders = ledger.orders_for_batch(BATCH)
        app.state.sim.advance(120 * DAY)
        client.stats.calls.clear()
        changes = await track(ledger, client, BATCH)
        calls = client.stats.total_calls
    # 3 event reads; open and finished lists under the batch id, then under the reference; 1 read
    assert len(orders) >= 8 and calls <= 8, client.stats.calls
    remote = {o["id"]: o["status"]["value"] for o in app.state.sim.store.all("orders")}
    expected = {o.order_id: remote[o.order_id] for o in orders}
    assert {c.order_id: c.after for c in changes} == expected
    assert {o.order_id: o.status for o in ledger.orders_for_batch(BATCH)} == remote


async def test_a_corrected_group_reference_is_sent_alone_on_the_rerun(
    settings, ledger, sample_copy
):
    """Drafts made under one group reference, the sheet corrected to another: the re-run
    PATCHes that field only, on that account's orders only; the other orders get nothing."""
    app = create_sim()
    async with client_over(httpx.ASGITransport(app=app)) as client:
        await run_batch(settings, ledger, client, sample_copy(own_group("G-ONE")), BatchOptions())
        rerun = await run_batch(
            settings, ledger, client, sample_copy(own_group("G-TWO")), BatchOptions()
        )
    assert remote_groups(app)[ACCOUNT] == "G-TWO"
    sent = {o.order_id: o.sent for o in rerun.orders}
    mine = {o.order_id for o in rerun.orders if o.customer_reference.startswith(ACCOUNT + "-")}
    assert mine and {sent[order_id] for order_id in mine} == {"customer_group_reference"}
    assert {sent[o] for o in sent if o not in mine} == {""}


async def test_an_emptied_group_reference_leaves_the_order_as_it_was(settings, ledger, sample_copy):
    """Emptying the cell later sends nothing: the order keeps the reference it was given (the
    batch id goes only on create and the first PATCH; tracking does not depend on it)."""
    app = create_sim()
    async with client_over(httpx.ASGITransport(app=app)) as client:
        await run_batch(settings, ledger, client, sample_copy(own_group("G-ONE")), BatchOptions())
        emptied = sample_copy(own_group(""))
        rerun = await run_batch(settings, ledger, client, emptied, BatchOptions())
    assert remote_groups(app)[ACCOUNT] == "G-ONE"
    assert {o.sent for o in rerun.orders} == {""}


def create_sim() -> Any:
    """The realistic simulator on a standing clock from START."""
    from porting_batch.simulator import create_app

    return create_app(realistic_config(clock_speed=0, start_time=START))


def _is_ours(record: Any) -> bool:
    return str(record.customer_reference).startswith(ACCOUNT + "-")
